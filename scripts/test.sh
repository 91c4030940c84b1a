#!/usr/bin/env bash
# Set up (first time only) and run every check: ruff, the import layering contracts, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export QT_QPA_PLATFORM=offscreen TF_CPP_MIN_LOG_LEVEL=3
echo "== ruff"
.venv/bin/ruff check explorer tests scripts
.venv/bin/ruff format --check explorer tests scripts
echo "== import-linter"
.venv/bin/lint-imports --no-cache
echo "== pytest"
exec .venv/bin/pytest "$@"
