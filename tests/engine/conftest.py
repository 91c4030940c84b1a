"""Models the engine's tests open, each built once per session by TensorFlow itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from . import models

BUILDERS: dict[str, Callable[[Path], Path]] = {
    "tf1_dynamic": models.tf1_dynamic,
    "tf1_static": models.tf1_static,
    "tf1_unknown_shape": models.tf1_unknown_shape,
    "tf2_module": models.tf2_module,
    "tf1_saved_model": models.tf1_saved_model,
    "keras_export": models.keras_export,
    "keras_sparse_module": models.keras_sparse_module,
}


class ModelPaths:
    """Builds each model the first time a test asks for it, then hands out its path."""

    def __init__(self, factory: pytest.TempPathFactory):
        self._factory = factory
        self._paths: dict[str, Path] = {}

    def __getitem__(self, name: str) -> Path:
        if name not in self._paths:
            self._paths[name] = BUILDERS[name](self._factory.mktemp(name))
        return self._paths[name]


@pytest.fixture(scope="session")
def model_paths(tmp_path_factory: pytest.TempPathFactory) -> ModelPaths:
    return ModelPaths(tmp_path_factory)
