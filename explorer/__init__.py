"""Checkpoint Explorer: look inside TensorFlow checkpoints."""

__version__ = "0.1.0"
