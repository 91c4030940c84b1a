"""Loading the model that goes with a checkpoint, and running it on checked feeds.

`load_model` finds what lies beside the checkpoint: a TF1 `.meta` graph (graph_model.py), a
TF1 SavedModel of SignatureDefs (saved_model_v1.py) or a TF2 SavedModel of restored functions
and signatures (saved_model_v2.py). Every TensorFlow error becomes a ModelError of one sentence
whose `details` hold TensorFlow's whole message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from explorer.core.errors import CheckpointError, FeedError, ModelError
from explorer.core.feeds import check_feed
from explorer.core.locate import locate
from explorer.core.model_spec import EntryPoint, ModelInfo, Value
from explorer.engine.tensorflow_import import import_tensorflow
from explorer.engine.tf_errors import model_error

SERVE_TAG = "serve"


class Runner(Protocol):
    """What each kind of model implements: run checked feeds, release TensorFlow's resources."""

    def run(
        self, entry: EntryPoint, feeds: Mapping[str, Value], outputs: Sequence[str] | None
    ) -> dict[str, Value]: ...

    def close(self) -> None: ...


def _describe(entry: EntryPoint) -> str:
    """How sentences name an entry point: "the graph", "signature 'serving_default'"."""
    return "the graph" if entry.kind == "graph" else f"{entry.kind} '{entry.name}'"


class LoadedModel:
    """A restored model: `info` says what it offers, `run` runs one entry point on feeds."""

    def __init__(self, info: ModelInfo, runner: Runner):
        self.info = info
        self._runner = runner

    def run(
        self, entry: str, feeds: Mapping[str, Value], outputs: Sequence[str] | None = None
    ) -> dict[str, Value]:
        """Outputs by name. `entry` is an EntryPoint.key; `feeds` are keyed by input name.

        `outputs`: graph tensor names for "graph" (None: the suggested sinks), output names of a
        signature or function (None: all of them). FeedError for a feed that does not fit,
        ModelError for anything TensorFlow refuses.
        """
        try:
            entry_point = self.info.entry(entry)
        except KeyError:
            keys = ", ".join(e.key for e in self.info.entries)
            raise ModelError(f"The model has no entry point '{entry}'; it has {keys}.") from None
        return self._runner.run(entry_point, _checked(entry_point, feeds), outputs)

    def close(self) -> None:
        self._runner.close()


def _checked(entry: EntryPoint, feeds: Mapping[str, Value]) -> dict[str, Value]:
    specs = {spec.name: spec for spec in entry.inputs}
    for name in feeds:
        if name not in specs:
            what = _describe(entry)
            inputs = f"its inputs are {', '.join(specs)}" if specs else "it takes none"
            raise FeedError(f"{what[0].upper()}{what[1:]} has no input '{name}'; {inputs}.")
    if entry.kind != "graph":  # a graph needs only the placeholders its fetches depend on
        missing = [s.name for s in entry.inputs if not s.optional and s.name not in feeds]
        if missing:
            raise FeedError(f"Input '{missing[0]}' of {_describe(entry)} needs a value.")
    return {name: check_feed(specs[name], value) for name, value in feeds.items()}


def load_model(path: str | Path, prefix: str | None = None) -> LoadedModel:
    """Load the model beside `path` (anything explorer.core.locate accepts).

    A TF1 `.meta` graph is restored from `prefix` (default: the prefix `path` locates).
    ModelError with one sentence when there is no model or TensorFlow cannot load it.
    """
    try:
        location = locate(path)
    except CheckpointError as exc:
        raise ModelError(str(exc)) from None
    if location.saved_model is not None:
        info, runner = _load_saved_model(location.saved_model)
    else:
        restore = str(Path(prefix).expanduser().absolute() if prefix else location.prefix)
        meta = Path(f"{restore}.meta")
        meta_path = meta if meta.is_file() else location.meta_path
        if meta_path is None:
            raise ModelError(
                f"No model found for {restore}: neither {restore}.meta nor a SavedModel."
            )
        from explorer.engine.graph_model import load_meta_graph

        info, runner = load_meta_graph(meta_path, restore, location.notes)
    return LoadedModel(info, runner)


def _load_saved_model(directory: Path) -> tuple[ModelInfo, Runner]:
    meta_graph = _serving_meta_graph(directory)
    if meta_graph.object_graph_def.nodes:  # only TF2's tf.saved_model.save writes objects
        from explorer.engine.saved_model_v2 import load_tf2_saved_model

        return load_tf2_saved_model(directory, meta_graph)
    from explorer.engine.saved_model_v1 import load_tf1_saved_model

    return load_tf1_saved_model(directory, meta_graph)


def _serving_meta_graph(directory: Path) -> Any:
    """The MetaGraphDef tagged "serve", else the first one."""
    import_tensorflow()
    from tensorflow.python.saved_model import loader_impl

    try:
        saved_model = loader_impl.parse_saved_model(str(directory))
    except Exception as exc:  # OSError, DecodeError, text-format ParseError
        raise model_error(exc, f"read the SavedModel {directory}") from None
    if not saved_model.meta_graphs:
        raise ModelError(f"The SavedModel {directory} holds no MetaGraphDef.")
    for meta_graph in saved_model.meta_graphs:
        if SERVE_TAG in meta_graph.meta_info_def.tags:
            return meta_graph
    return saved_model.meta_graphs[0]
