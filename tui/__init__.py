"""tunedeck: a keyboard-first terminal workbench for the model-optimization flywheel."""

__version__ = "0.1.0"
