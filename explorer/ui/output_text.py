"""How a model output is described in the output view: its list label and its one-line summary."""

from __future__ import annotations

import numpy as np

from explorer.core.formatting import shape_text
from explorer.core.model_spec import OutputSpec, SparseArray, Value
from explorer.core.stats import is_numeric
from explorer.ui.formatting import kind_of_values, value_text
from explorer.ui.sparse_text import density, percent_text


def value_shape(value: Value) -> tuple[int, ...]:
    """The (dense) shape of an output."""
    if isinstance(value, SparseArray):
        return tuple(int(dim) for dim in value.dense_shape)
    return tuple(value.shape)


def value_dtype(value: Value) -> np.dtype:
    """The dtype of an output's elements (a sparse one's values)."""
    return value.values.dtype if isinstance(value, SparseArray) else value.dtype


def output_label(name: str, value: Value) -> str:
    """The list entry: "logits   float32 [4, 10]" or "ids   sparse int64 [50, 30], 40 nnz"."""
    kind = kind_of_values(value_dtype(value))
    shape = shape_text(value_shape(value))
    if isinstance(value, SparseArray):
        return f"{name}   sparse {kind} {shape}, {value.nnz:,} nnz"
    return f"{name}   {kind} {shape}"


def declared_text(spec: OutputSpec) -> str:
    """What the model declared for an output (shapes may have unknown dimensions)."""
    shape = (
        "unknown"
        if spec.shape is None
        else shape_text(["?" if d is None else d for d in spec.shape])
    )
    return f"Declared: {'sparse ' if spec.sparse else ''}{spec.dtype}, shape {shape}"


def plot_values(array: np.ndarray) -> np.ndarray:
    """float64 values to draw: magnitudes for complex numbers, 0/1 for booleans."""
    return np.abs(array) if array.dtype.kind == "c" else np.asarray(array, dtype=np.float64)


def dense_summary(array: np.ndarray) -> str:
    """ "float32 [4, 8] · min -1.5 · max 2.25 · mean 0.3 · 0 NaN" over the finite values."""
    head = f"{kind_of_values(array.dtype)} {shape_text(array.shape)}"
    if not is_numeric(array.dtype) or array.size == 0:
        return head
    complex_values = array.dtype.kind == "c"
    values = np.abs(array).reshape(-1) if complex_values else array.reshape(-1)
    integral = values.dtype.kind in "biu"
    finite = values if integral else values[np.isfinite(values)]
    parts = [head]
    if finite.size:
        of = " of magnitudes" if complex_values else ""
        # min and max in the output's own dtype: its shortest text reads back exactly.
        parts += [f"min{of} {value_text(finite.min())}", f"max {value_text(finite.max())}"]
        parts.append(f"mean {float(finite.mean(dtype=np.float64)):.6g}")
    if not integral:
        parts.append(f"{int(np.isnan(values).sum()):,} NaN")
        infinite = int(np.isinf(values).sum())
        if infinite:
            parts.append(f"{infinite:,} Inf")
    return " · ".join(parts)


def sparse_summary(value: SparseArray) -> str:
    """ "Dense shape [50, 30] · 40 entries (nnz) · 2.67% dense · float32 values"."""
    shape = value_shape(value)
    parts = [f"Dense shape {shape_text(shape)}", f"{value.nnz:,} entries (nnz)"]
    fraction = density(value.nnz, shape)
    if fraction is not None:
        parts.append(f"{percent_text(fraction)} dense")
    parts.append(f"{kind_of_values(value.values.dtype)} values")
    return " · ".join(parts)
