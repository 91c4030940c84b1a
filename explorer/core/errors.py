"""The one exception type the core raises for anything wrong with the user's files."""


class CheckpointError(Exception):
    """A problem with a checkpoint, worded as one sentence naming the path and what is wrong."""

    def __init__(self, message: str):
        # Names read from a damaged index may hold line breaks; the sentence stays on one line.
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))


class UnsupportedDtypeError(CheckpointError):
    """The core cannot map this tensor's dtype; the engine (TensorFlow) can still read it."""


class ModelError(Exception):
    """A model that cannot be loaded or run, or a feed it cannot take: one sentence.

    `details` holds the whole story (TensorFlow's full message, a traceback) for the log pane.
    """

    def __init__(self, message: str, details: str = ""):
        super().__init__(message.replace("\r", " ").replace("\n", " "))
        self.details = details

    def __reduce__(self):  # keeps `details` when pickled across the engine pipe
        return (type(self), (str(self), self.details))


class FeedError(ModelError):
    """A value that does not fit the input it is fed to (rank, bounds, dtype, shape)."""
