"""The one exception type the core raises for anything wrong with the user's files."""


class CheckpointError(Exception):
    """A problem with a checkpoint, worded as one sentence naming the path and what is wrong."""

    def __init__(self, message: str):
        # Names read from a damaged index may hold line breaks; the sentence stays on one line.
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


class UnsupportedDtypeError(CheckpointError):
    """The core cannot map this tensor's dtype; the engine (TensorFlow) can still read it."""
