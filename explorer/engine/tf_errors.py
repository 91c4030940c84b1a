"""TensorFlow's error messages turned into the one sentence the explorer shows.

No TensorFlow import here: errors are read from their text, so the same code serves eager
errors ("... [Op:SparseTensorDenseMatMul]"), Session errors ("... [[{{node NAME}}]]") and the
ValueErrors and TypeErrors TensorFlow raises while binding arguments.
"""

from __future__ import annotations

import re

from explorer.core.errors import ModelError

_FUNCTION_NODE = re.compile(r"\{\{[^}]*\}\}\s*")  # "{{function_node __wrapped__...}}"
_OP_NAME = re.compile(r"\[Op:(\w+)\]")
_GRAPH_NODE = re.compile(r"\{\{node ([^}]+)\}\}")  # Session errors: the failing node's name


def _text(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc)


def tf_complaint(exc: BaseException) -> tuple[str | None, str]:
    """(op name or None, the first sentence of TensorFlow's message without its end stop)."""
    text = _text(exc)
    op = _OP_NAME.search(text)
    return (op.group(1) if op else None), _complaint(text)


def failing_op(exc: BaseException) -> str | None:
    """The op TensorFlow blames: the graph node a Session names, else the eager op's type."""
    node = _GRAPH_NODE.search(_text(exc))
    if node:
        return node.group(1)
    op = getattr(exc, "op", None)  # an OpError raised by Session.run carries its Operation
    name = getattr(op, "name", None)
    if not isinstance(name, str) or not name:
        name = tf_complaint(exc)[0]
    # "[Op:__inference_...]" names the whole function called, which tells the user nothing.
    return None if name is None or name.startswith("__inference") else name


# Where the first sentence of a complaint ends: a stop before a capital ("vs. 1000" goes on),
# or the markers TensorFlow appends ("[Op:...]", "[[{{node ...}}]]", ": <tf.Tensor ...>").
_FIRST_SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])|\.\s*$|: <tf\.Tensor|\s*\[Op:|\s*\[\[")


def _complaint(text: str) -> str:
    """The first sentence of what is wrong, without its end stop.

    A restore failure wraps the real error after "Original error:"; a function's "Graph
    execution error:" puts it after the node's stack trace, before "[[{{node NAME}}]]".
    """
    text = text.split("Original error:", 1)[-1].strip()
    lines = text.splitlines()
    line = lines[0] if lines else ""
    if line.startswith("Graph execution error"):
        line = _graph_execution_complaint(lines) or line
    line = _FUNCTION_NODE.sub("", line).strip()
    return _FIRST_SENTENCE_END.split(line)[0].strip()


def _graph_execution_complaint(lines: list[str]) -> str | None:
    """The message of a "Graph execution error": the first line after its "Node: 'NAME'"
    line (its stack trace comes before), else the line just before "[[{{node NAME}}]]"."""
    end = next((i for i, line in enumerate(lines) if _GRAPH_NODE.search(line)), len(lines))
    body = lines[:end]
    nodes = [i for i, line in enumerate(body) if line.startswith("Node: ")]
    after_node = body[nodes[-1] + 1 :] if nodes else []
    for line in after_node:
        if line.strip():
            return line.strip()
    before = [line for line in body[1:] if line.strip()]
    return before[-1].strip() if before else None


def model_error(exc: BaseException, doing: str) -> ModelError:
    """ModelError "TensorFlow could not DOING: FIRST SENTENCE (op NAME)." with the full text.

    `doing` completes "TensorFlow could not ...", e.g. "run the graph".
    """
    text = _text(exc)
    message = _complaint(text) or type(exc).__name__
    op = failing_op(exc)
    where = f" (op {op})" if op else ""
    return ModelError(f"TensorFlow could not {doing}: {message}{where}.", details=text)
