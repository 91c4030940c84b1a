#!/usr/bin/env bash
# Set up (first time only) and open the explorer; with no argument, on a bundled sample.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ $# -eq 0 ]; then
    set -- resources/samples/tf1_sparse_placeholder
fi
exec .venv/bin/explorer "$@"
