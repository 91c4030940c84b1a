"""Finding sparse tensors kept as three variables: indices [N, R], values [N], dense_shape [R].

Names propose the groups (a shared base plus role names joined by "/" or "_"); structure
decides. A group whose names clearly say "triplet" but whose structure does not fit is still
shown, with its problems; variables whose names merely look like roles stay plain variables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from explorer.core.bundle import VariableInfo
from explorer.core.checkpoint import display_name
from explorer.core.formatting import shape_text

# Longest first, so "x_dense_shape" is (x, dense_shape), not (x_dense, shape).
ROLE_NAMES = (("dense_shape", "dense_shape"), ("indices", "indices"), ("values", "values"),
              ("shape", "dense_shape"))  # fmt: skip
SEPARATORS = ("/", "_")
INTEGER_DTYPES = {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}


@dataclass
class SparseTriplet:
    """Three variables (raw keys) forming one sparse tensor, named by their shared base."""

    name: str
    indices: str
    values: str
    dense_shape: str
    structure_problems: list[str] = field(default_factory=list)

    @property
    def members(self) -> tuple[str, str, str]:
        return (self.indices, self.values, self.dense_shape)


def split_role(name: str) -> tuple[str, str, str] | None:
    """("feat/sp", "/", "indices") for "feat/sp/indices"; None if no role name ends it."""
    for suffix, role in ROLE_NAMES:
        if name == suffix:
            return "", "", role
        for sep in SEPARATORS:
            if name.endswith(sep + suffix) and len(name) > len(suffix) + 1:
                return name[: -len(suffix) - 1], sep, role
    return None


def index_problems(indices: VariableInfo, dense_shape: VariableInfo) -> list[str]:
    """Why the indices cannot be placed in the dense shape, one sentence each.

    The values play no part: a pattern can be drawn even when they do not fit.
    """
    problems = []
    if indices.dtype_name not in INTEGER_DTYPES:
        problems.append(f"The indices are {indices.dtype_name}, not integers.")
    if len(indices.shape) != 2:
        problems.append(f"The indices have shape {shape_text(indices.shape)}, not [N, rank].")
    if dense_shape.dtype_name not in INTEGER_DTYPES:
        problems.append(f"The dense shape is {dense_shape.dtype_name}, not integers.")
    if len(dense_shape.shape) != 1:
        problems.append(f"The dense shape has shape {shape_text(dense_shape.shape)}, not [rank].")
    if problems:
        return problems
    if indices.shape[1] == 0 or dense_shape.shape[0] == 0:
        return ["The dense shape is empty (rank 0): a sparse tensor needs rank 1 or more."]
    if indices.shape[1] != dense_shape.shape[0]:
        problems.append(
            f"The indices have {indices.shape[1]} columns but the dense shape has rank "
            f"{dense_shape.shape[0]}."
        )
    return problems


def structure_problems(
    indices: VariableInfo, values: VariableInfo, dense_shape: VariableInfo
) -> list[str]:
    """Why three variables cannot form a SparseTensor, one sentence each (empty if they can)."""
    problems = index_problems(indices, dense_shape)
    if len(values.shape) != 1:
        problems.append(f"The values have shape {shape_text(values.shape)}, not [N].")
    elif len(indices.shape) == 2 and indices.shape[0] != values.shape[0]:
        problems.append(
            f"There are {indices.shape[0]:,} index rows but {values.shape[0]:,} values."
        )
    return problems


def find_triplets(variables: Sequence[VariableInfo]) -> list[SparseTriplet]:
    """Every sparse tensor the variables form, in the order of their base names."""
    by_name = {info.name: info for info in variables}
    groups: dict[tuple[str, str], dict[str, list[str]]] = {}
    for info in variables:
        split = split_role(display_name(info.name))
        if split is not None:
            base, sep, role = split
            groups.setdefault((base, sep), {}).setdefault(role, []).append(info.name)
    triplets = []
    names: dict[str, int] = {}
    for (base, _), roles in sorted(groups.items()):
        if set(roles) != {"indices", "values", "dense_shape"}:
            continue  # two roles or fewer: plain variables whose names look like roles
        if any(len(keys) > 1 for keys in roles.values()):
            # e.g. both "x/shape" and "x/dense_shape": prefer dense_shape when it fits
            roles["dense_shape"].sort(key=lambda key: not key.endswith("dense_shape"))
        indices, values, dense_shape = (roles[r][0] for r in ("indices", "values", "dense_shape"))
        infos = (by_name[indices], by_name[values], by_name[dense_shape])
        problems = structure_problems(*infos)
        name = base or "(sparse)"
        names[name] = names.get(name, 0) + 1
        if names[name] > 1:  # "x/indices" and "x_indices" both have base "x"
            name = f"{name} ({names[name]})"
        triplets.append(SparseTriplet(name, indices, values, dense_shape, problems))
    return triplets
