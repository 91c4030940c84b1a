"""Headless subcommands: `explorer inspect PATH [...]` and `explorer run PATH [...]`.

Bad input never prints a traceback: one sentence naming the path and what is wrong on stderr,
and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from explorer import cli_run
from explorer.core.checkpoint import Checkpoint, display_name, open_checkpoint
from explorer.core.dtypes import display_name as dtype_display_name
from explorer.core.errors import CheckpointError, ModelError, UnsupportedDtypeError
from explorer.core.export import write_sparse
from explorer.core.formatting import human_bytes, parse_slice, shape_text
from explorer.core.sparse import SparseTensor, examine, find_sparse_tensors
from explorer.core.sparse_detect import find_triplets

SUBCOMMANDS = ("inspect", "run")
EXIT_BAD_INPUT = 2
PREVIEW_ELEMENTS = 1000  # printed without --slice; the rest is left unread


class UsageError(Exception):
    """A command-line mistake, worded as one sentence."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print the whole usage block
        raise UsageError(f"{self.prog}: {message}; see `{self.prog} --help`.")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="explorer inspect", description="List or read a TensorFlow checkpoint.")
    parser.add_argument("path", help="checkpoint directory, prefix, or any of its files")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--tensor", metavar="NAME", help="print (or save) one variable's values")
    parser.add_argument("--slice", metavar="INDEX", help='numpy-style index, e.g. "0, :5"')
    parser.add_argument("--out", metavar="FILE.npy", help="save the values to a .npy file")
    parser.add_argument("--verify", action="store_true", help="check crc32c checksums")
    parser.add_argument("--sparse", metavar="NAME", help="write one sparse tensor (needs --out)")
    parser.add_argument(
        "--format", choices=("npz", "scipy"), default="npz",
        help="with --sparse: indices/values/dense_shape arrays, or a scipy.sparse file (rank 2)",
    )  # fmt: skip
    return parser


def listing(checkpoint: Checkpoint) -> dict[str, object]:
    """The `explorer inspect --json` object (DESIGN.md)."""
    return {
        "kind": checkpoint.kind,
        "prefix": str(checkpoint.prefix),
        "checkpoints": [str(p) for p in checkpoint.location.checkpoints],
        "variables": [
            {"name": v.name, "dtype": v.dtype_name, "shape": list(v.shape), "nbytes": v.nbytes}
            for v in checkpoint.variables
        ],
        "sparse_tensors": [sparse.as_json() for sparse in find_sparse_tensors(checkpoint.reader)],
        "sparse_inputs": _sparse_inputs(checkpoint),
    }


def _sparse_inputs(checkpoint: Checkpoint) -> list[dict[str, object]]:
    """Sparse inputs of the .meta graph or SavedModel; a plain checkpoint never loads TensorFlow."""
    location = checkpoint.location
    source = location.saved_model or location.meta_path
    if source is None:
        return []
    from explorer.engine.sparse_inputs import find_sparse_inputs

    try:
        return [sparse.as_json() for sparse in find_sparse_inputs(location)]
    except Exception as exc:  # a damaged graph must not cost the user the variable listing
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
        print(
            f"explorer: note: the sparse inputs of {source} could not be read: {reason}.",
            file=sys.stderr,
        )
        return []


def _print_table(checkpoint: Checkpoint) -> None:
    location = checkpoint.location
    print(f"{checkpoint.kind} checkpoint {checkpoint.prefix}")
    if len(location.checkpoints) > 1:
        print("steps: " + ", ".join(p.name for p in location.checkpoints))
    rows = [
        (display_name(v.name), dtype_display_name(v.tf_dtype), shape_text(v.shape),
         human_bytes(v.nbytes))
        for v in checkpoint.variables
    ]  # fmt: skip
    header = ("NAME", "DTYPE", "SHAPE", "SIZE")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    total = sum(v.nbytes for v in checkpoint.variables)
    print(f"{len(rows)} variables, {human_bytes(total)}")
    for sparse in find_sparse_tensors(checkpoint.reader):
        shape = "?" if sparse.shape is None else shape_text(sparse.shape)
        nnz = "?" if sparse.nnz is None else f"{sparse.nnz:,}"
        entries = "entry" if sparse.nnz == 1 else "entries"
        verdict = "valid" if sparse.valid else " ".join(sparse.problems)
        print(f"sparse tensor {sparse.name}: {nnz} {entries} in {shape}; {verdict}")


def _resolve_name(checkpoint: Checkpoint, name: str) -> str:
    names = [v.name for v in checkpoint.variables]
    if name in names:
        return name
    matches = [n for n in names if display_name(n) == name]
    if len(matches) == 1:
        return matches[0]
    raise CheckpointError(f"{checkpoint.prefix} has no variable named '{name}'.")


def _read(checkpoint: Checkpoint, name: str, key: tuple[object, ...]) -> np.ndarray:
    info = checkpoint.reader.info(name)
    try:
        tensor = checkpoint.reader.tensor(name)
    except UnsupportedDtypeError:
        from explorer.engine.tf_reader import read_tensor  # TensorFlow only when needed

        return read_tensor(checkpoint.prefix, name)[key]
    try:
        return tensor[key]
    except IndexError as exc:
        raise UsageError(
            f"explorer inspect: --slice does not fit '{name}' of shape {shape_text(info.shape)}: "
            f"{exc}."
        ) from None


def preview_key(shape: tuple[int, ...], budget: int = PREVIEW_ELEMENTS) -> tuple[slice, ...]:
    """The leading corner of a tensor with at most `budget` elements, whole rows first."""
    key: list[slice] = []
    for dim in reversed(shape):
        take = min(dim, max(1, budget))
        key.insert(0, slice(0, take))
        budget //= max(take, 1)
    return tuple(key)


def _tensor(checkpoint: Checkpoint, args: argparse.Namespace) -> None:
    name = _resolve_name(checkpoint, args.tensor)
    info = checkpoint.reader.info(name)
    key: tuple[object, ...] = (Ellipsis,)
    preview = args.slice is None and not args.out and info.size > PREVIEW_ELEMENTS
    if preview:
        key = preview_key(info.shape)
    if args.slice is not None:
        try:
            key = parse_slice(args.slice)
        except ValueError as exc:
            raise UsageError(
                f"explorer inspect: --slice '{args.slice}' is not a numpy-style index ({exc})."
            ) from None
    if args.verify:
        checkpoint.reader.verify(name)
    value = _read(checkpoint, name, key)
    dtype = dtype_display_name(info.tf_dtype)
    if args.out:
        out = Path(args.out)
        out = out if out.suffix == ".npy" else Path(f"{out}.npy")  # where np.save writes it
        try:
            np.save(out, value, allow_pickle=value.dtype == object)
        except OSError as exc:
            raise CheckpointError(f"{out} cannot be written: {exc.strerror or exc}.") from None
        print(f"wrote {shape_text(value.shape)} {dtype} to {out}")
        return
    print(f"{display_name(name)}  {dtype}  {shape_text(info.shape)}")
    with np.printoptions(threshold=2 * PREVIEW_ELEMENTS, linewidth=100):
        print(value)
    if preview:
        corner = ", ".join(f":{item.stop}" for item in key)  # type: ignore[union-attr]
        print(f"(the first [{corner}] of {info.size:,} values; use --slice or --out for more)")


def _find_sparse(checkpoint: Checkpoint, name: str) -> SparseTensor:
    """The named sparse tensor, checked; names are matched on metadata, so only it is read."""
    triplets = find_triplets(checkpoint.variables)
    for triplet in triplets:
        if triplet.name == name:
            return examine(checkpoint.reader, triplet)
    known = ", ".join(triplet.name for triplet in triplets) or "none"
    raise CheckpointError(
        f"{checkpoint.prefix} has no sparse tensor named '{name}' (it has: {known})."
    )


def _export_sparse(checkpoint: Checkpoint, args: argparse.Namespace) -> None:
    sparse = _find_sparse(checkpoint, args.sparse)
    if sparse.shape is None or sparse.nnz is None:
        problems = " ".join(sparse.problems)
        raise CheckpointError(
            f"{checkpoint.prefix}: '{sparse.name}' cannot be exported: {problems}"
        )
    indices = checkpoint.reader.read(sparse.indices)
    values = checkpoint.reader.read(sparse.values)
    dense_shape = checkpoint.reader.read(sparse.dense_shape)
    out = Path(args.out)
    out = out if out.suffix == ".npz" else Path(f"{out}.npz")  # where numpy and scipy write it
    if args.format == "scipy" and (len(sparse.shape) != 2 or not sparse.valid):
        raise UsageError(
            f"explorer inspect: --format scipy needs a valid rank-2 sparse tensor, and "
            f"'{sparse.name}' is not one; use --format npz."
        )
    try:
        write_sparse(out, args.format, indices, values, dense_shape)
    except OSError as exc:
        raise CheckpointError(f"{out} cannot be written: {exc.strerror or exc}.") from None
    problems = "" if sparse.valid else f" (it has problems: {' '.join(sparse.problems)})"
    print(f"wrote {sparse.name}: {sparse.nnz:,} entries in {shape_text(sparse.shape)} "
          f"to {out}{problems}")  # fmt: skip


def _inspect(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if (args.slice or args.out) and not (args.tensor or args.sparse):
        raise UsageError("explorer inspect: --slice and --out go with --tensor NAME.")
    if args.format != "npz" and not args.sparse:
        raise UsageError("explorer inspect: --format goes with --sparse NAME.")
    if args.sparse and not args.out:
        raise UsageError("explorer inspect: --sparse NAME needs --out FILE.npz.")
    checkpoint = open_checkpoint(args.path)
    for note in checkpoint.location.notes:
        print(f"explorer: {note}", file=sys.stderr)
    if args.sparse:
        _export_sparse(checkpoint, args)
    elif args.tensor:
        _tensor(checkpoint, args)
    elif args.json:
        json.dump(listing(checkpoint), sys.stdout, indent=1)
        print()
    else:
        if args.verify:
            for info in checkpoint.variables:
                checkpoint.reader.verify(info.name)
        _print_table(checkpoint)
        if args.verify:
            print("all checksums match")
    return 0


def main(argv: list[str]) -> int:
    command, rest = argv[0], argv[1:]
    try:
        if command == "inspect":
            return _inspect(rest)
        if command == "run":
            return cli_run.run(rest)
        raise UsageError(f"explorer: unknown subcommand {command}.")
    except (CheckpointError, ModelError, UsageError, cli_run.RunUsageError) as exc:
        print(str(exc) if str(exc).startswith("explorer") else f"explorer: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `explorer inspect ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
