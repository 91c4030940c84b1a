"""Reading through TensorFlow itself, for tensors the numpy-only core cannot map (variants)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.core.errors import CheckpointError
from explorer.engine.tensorflow_import import import_tensorflow


def read_tensor(prefix: str | Path, name: str) -> np.ndarray:
    """The value TensorFlow's checkpoint reader gives for `name`, as a numpy array."""
    tf = import_tensorflow()  # here, not at module level: only this rare path pays for it
    try:
        value = tf.train.load_checkpoint(str(prefix)).get_tensor(name)
    except (tf.errors.OpError, ValueError) as exc:
        message = getattr(exc, "message", str(exc)).splitlines()[0].rstrip(".")
        raise CheckpointError(
            f"TensorFlow cannot read '{name}' from {prefix}: {message}."
        ) from None
    return np.asarray(value, dtype=object) if isinstance(value, bytes) else np.asarray(value)
