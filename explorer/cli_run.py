"""`explorer run PATH --feed NAME=FILE.npz ...`: restore the model and run it on sample inputs.

The engine runs in this process (TensorFlow is imported only once the arguments and feed files
are known to be good). Bad input is one sentence on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from explorer.core.errors import CheckpointError, FeedError
from explorer.core.feed_files import load_feed_file, savable
from explorer.core.feeds import check_feed
from explorer.core.formatting import shape_text
from explorer.core.model_spec import EntryPoint, ModelInfo, SparseArray, Value

PROG = "explorer run"


class RunUsageError(Exception):
    """A command-line mistake of `explorer run`, worded as one sentence."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        raise RunUsageError(f"{self.prog}: {message}; see `{self.prog} --help`.")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Restore the model beside a checkpoint (its .meta graph or SavedModel) and "
        "run it on inputs read from .npz/.npy files.",
    )
    parser.add_argument("path", help="checkpoint directory, prefix, .meta file or SavedModel")
    parser.add_argument(
        "--feed", action="append", default=[], metavar="NAME=FILE",
        help="an input and its file: .npz with indices, values, dense_shape (sparse) or value "
        "(dense), a scipy.sparse .npz, or a .npy",
    )  # fmt: skip
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--output", nargs="+", metavar="TENSOR", help="graph tensors to fetch")
    chosen.add_argument("--function", metavar="NAME", help="a restored function of a SavedModel")
    chosen.add_argument("--signature", metavar="KEY", help="a signature of a SavedModel")
    parser.add_argument("--out", metavar="FILE.npz", help="also save the outputs to an .npz")
    parser.add_argument("--json", action="store_true", help='print {"outputs": {name: values}}')
    parser.add_argument("--list", action="store_true", help="list the entry points and inputs")
    return parser


def _feed_files(pairs: Sequence[str]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not name or not path:
            raise RunUsageError(f"{PROG}: --feed '{pair}' is not NAME=FILE.")
        if name in files:
            raise RunUsageError(f"{PROG}: input '{name}' is fed twice.")
        files[name] = Path(path)
    return files


def _checked_feeds(entry: EntryPoint, feeds: Mapping[str, Value], files: Mapping[str, Path]):
    """The feeds as the model takes them; a problem names the feed file it came from."""
    specs = {spec.name: spec for spec in entry.inputs}
    checked: dict[str, Value] = {}
    for name, value in feeds.items():
        if name not in specs:
            known = ", ".join(specs) or "none"
            raise FeedError(f"{files[name]}: {entry.key} has no input '{name}' (it has: {known}).")
        try:
            checked[name] = check_feed(specs[name], value)
        except FeedError as exc:
            raise FeedError(f"{files[name]}: {exc}", exc.details) from None
    return checked


def _default_outputs(entry: EntryPoint, asked: list[str] | None) -> list[str] | None:
    """A graph without --output fetches its first suggested tensor, as the window does (the
    others, such as a loss, often need inputs a sample does not have)."""
    if asked or entry.kind != "graph" or not entry.outputs:
        return asked
    return [entry.outputs[0].name]


def choose_entry(info: ModelInfo, args: argparse.Namespace) -> EntryPoint:
    """The entry point the options name, or the one a user would mean when they name none."""
    keys = [entry.key for entry in info.entries]
    if args.signature is not None:
        wanted = f"signature:{args.signature}"
    elif args.function is not None:
        wanted = f"function:{args.function}"
    elif args.output:
        wanted = "graph"
    elif len(keys) == 1:
        wanted = keys[0]
    elif "signature:serving_default" in keys:
        wanted = "signature:serving_default"
    else:
        raise RunUsageError(
            f"{PROG}: {info.source} can run several things; choose one of: "
            f"{', '.join(_option_for(key) for key in keys)}."
        )
    if wanted not in keys:
        raise RunUsageError(
            f"{PROG}: {info.source} has no {_option_for(wanted)}; it has: "
            f"{', '.join(_option_for(key) for key in keys)}."
        )
    return info.entry(wanted)


def _option_for(key: str) -> str:
    kind, _, name = key.partition(":")
    return "--output TENSOR" if kind == "graph" else f"--{kind} {name}"


def _shown(name: str, value: Value) -> str:
    if isinstance(value, SparseArray):
        return (
            f"{name}: sparse {value.values.dtype} {shape_text(value.dense_shape.tolist())}, "
            f"{value.nnz:,} entries\nindices:\n{value.indices}\nvalues:\n{value.values}"
        )
    return f"{name}: {value.dtype} {shape_text(value.shape)}\n{value}"


def _text(item: object) -> object:
    return item.decode("utf-8", "backslashreplace") if isinstance(item, bytes) else item


def _number(item: float) -> object:
    """JSON has no NaN or infinities: they are written as the strings "nan", "inf", "-inf"."""
    return item if math.isfinite(item) else str(item)


def _jsonable(value: np.ndarray) -> object:
    if value.dtype == object:  # strings come back as bytes
        return np.vectorize(_text, otypes=[object])(value).tolist()
    if value.dtype.kind not in "biufcUS":  # bfloat16, float8 (ml_dtypes): exact as float64
        value = value.astype(np.float64)
    if value.dtype.kind == "c":  # a complex number as [real, imaginary]
        pairs = np.stack([value.real, value.imag], axis=-1)
        return _jsonable(pairs)
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        return np.vectorize(_number, otypes=[object])(value).tolist()
    return value.tolist()


def outputs_json(outputs: Mapping[str, Value]) -> dict[str, object]:
    """`{"outputs": {name: nested list}}`; a sparse output is its three arrays."""
    shown: dict[str, object] = {}
    for name, value in outputs.items():
        if isinstance(value, SparseArray):
            shown[name] = {
                "indices": value.indices.tolist(),
                "values": _jsonable(value.values),
                "dense_shape": value.dense_shape.tolist(),
            }
        else:
            shown[name] = _jsonable(value)
    return {"outputs": shown}


def _print_entries(info: ModelInfo) -> None:
    print(f"{info.kind} {info.source}" + (f" restored from {info.prefix}" if info.prefix else ""))
    for entry in info.entries:
        print(f"{_option_for(entry.key)}")
        for spec in entry.inputs:
            kind = "sparse" if spec.sparse else "dense"
            shape = "?" if spec.shape is None else shape_text(spec.shape)
            extra = " (optional)" if spec.optional else ""
            print(f"  input  {spec.name}: {kind} {spec.dtype} {shape}{extra}")
        label = "suggest" if entry.kind == "graph" else "output"
        for output in entry.outputs:
            shape = "?" if output.shape is None else shape_text(output.shape)
            print(f"  {label} {output.name}: {output.dtype} {shape}")


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    files = _feed_files(args.feed)
    feeds = {name: load_feed_file(path) for name, path in files.items()}  # before TensorFlow
    from explorer.engine.model_loader import load_model  # imports TensorFlow

    model = load_model(args.path)
    try:
        for note in model.info.notes:
            print(f"explorer: {note}", file=sys.stderr)
        if args.list:
            _print_entries(model.info)
            return 0
        entry = choose_entry(model.info, args)
        checked = _checked_feeds(entry, feeds, files)
        outputs = model.run(entry.key, checked, _default_outputs(entry, args.output))
    finally:
        model.close()
    if args.out:
        out = Path(args.out)
        out = out if out.suffix == ".npz" else Path(f"{out}.npz")
        save_outputs(out, outputs)
    if args.json:
        print(json.dumps(outputs_json(outputs), allow_nan=False))
    else:
        with np.printoptions(threshold=2000, linewidth=100):
            for name, value in outputs.items():
                print(_shown(name, value))
    return 0


def save_outputs(out: Path, outputs: Mapping[str, Value]) -> None:
    """One .npz: a dense output under its name; a sparse one as NAME.indices, NAME.values and
    NAME.dense_shape (the layout of the "Copy as Python" script's saved outputs)."""
    arrays: dict[str, np.ndarray] = {}
    for name, value in outputs.items():
        if isinstance(value, SparseArray):
            arrays[f"{name}.indices"] = value.indices
            arrays[f"{name}.values"] = savable(np.asarray(value.values))
            arrays[f"{name}.dense_shape"] = value.dense_shape
        else:
            arrays[name] = savable(np.asarray(value))
    try:
        np.savez(out, allow_pickle=False, **arrays)
    except OSError as exc:
        raise CheckpointError(f"{out} cannot be written: {exc.strerror or exc}.") from None
