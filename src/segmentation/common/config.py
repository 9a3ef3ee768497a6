"""One config truth: `conf/` (Hydra) composes it; `params.yaml` is its default composition.

DVC stage entry points call `load_params()`; Hydra entry points receive the composed config.
Both hand the same kind of object (an OmegaConf DictConfig) to the same functions, after the
same strict checks of its values (`segmentation.common.validation`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import yaml
from omegaconf import DictConfig, OmegaConf

from segmentation.common.errors import UserError
from segmentation.common.project import project_root
from segmentation.common.validation import check


def required(section: Mapping, key: str, where: str):
    """A value `conf/` must supply. Defaults live in `conf/` only, so a missing key is a clear
    config error, never a silent literal in code."""
    if key not in section:
        raise UserError(f"config key {where}.{key} is missing. Fix: add it to conf/ "
                        "(regenerate params.yaml with `make params`).")
    return section[key]


def load_params(path: str | os.PathLike | None = None) -> DictConfig:
    """Read `params.yaml` (what DVC stages see) with a safe YAML loader; a bad value is a UserError."""
    params_path = Path(path) if path else project_root() / "params.yaml"
    if not params_path.is_file():
        raise UserError(f"{params_path} not found. Fix: run `make params` (or `dvc exp run`) to write it.")
    with params_path.open(encoding="utf-8") as handle:
        return check(OmegaConf.create(yaml.safe_load(handle) or {}))


def compose(overrides: list[str] | None = None) -> DictConfig:
    """Compose `conf/` as Hydra does, with command-line style overrides; a bad value is a UserError."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException

    try:
        with initialize_config_dir(config_dir=str(project_root() / "conf"), version_base="1.3"):
            cfg = hydra_compose(config_name="config", overrides=list(overrides or []))
    except HydraException as err:
        raise UserError(f"bad configuration override: {err}") from None
    return check(cfg)


def to_yaml(cfg: DictConfig) -> str:
    return OmegaConf.to_yaml(cfg, resolve=True)


def write_params(path: str | os.PathLike | None = None) -> Path:
    """Write the default composition of `conf/` to params.yaml, as DVC's Hydra integration does."""
    from segmentation.common.catalog import atomic_path

    target = Path(path) if path else project_root() / "params.yaml"
    with atomic_path(target) as tmp:
        tmp.write_text(to_yaml(compose()), encoding="utf-8")
    return target
