"""DVC stage entry points: each reads params.yaml and calls the same `run(cfg)` the
Hydra CLI (`python -m segmentation.prepare`) calls with the composed config."""

from collections.abc import Callable

from omegaconf import DictConfig


def run_stage(run: Callable[[DictConfig], object]) -> None:
    """The DVC edge: read params.yaml and call `run`; user errors exit 2 with one line."""
    from segmentation.config import load_params
    from segmentation.errors import cli

    cli(lambda: run(load_params()))()
