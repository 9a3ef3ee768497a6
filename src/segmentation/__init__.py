"""Reproducible, experiment-tracked customer segmentation from raw retail transactions."""

__version__ = "0.1.0"
