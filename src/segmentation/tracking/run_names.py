"""Run names and the tags that describe a run: what a person reads in the runs table.

A run is named from its model, the model's declared hyper-parameters (`short_names`) and its
data (feature set, wholesaler policy: -all, -nowholesalers, -sepwholesalers):
kmeans-k5-rfm_extras-nowholesalers. In a sweep every
other swept value follows in short form (kmeans-k4-rfm_extras-all-robust-seed7), so no two
jobs of one sweep share a name whatever it sweeps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from omegaconf import DictConfig

from segmentation.common.config import required

#: `features.wholesalers` -> (its part of a run name, the `segmentation.wholesalers` tag)
WHOLESALER_WORDS = {"keep": ("all", "kept"), "drop": ("nowholesalers", "removed"),
                    "separate": ("sepwholesalers", "separate")}


def data_label(features) -> str:
    """The feature set and wholesaler policy, e.g. rfm_extras-nowholesalers (drop), rfm_extras-all
    (keep), rfm_extras-sepwholesalers (separate: their own segment)."""
    return f"{features.name}-{WHOLESALER_WORDS[features.wholesalers][0]}"


def run_name(cfg: DictConfig, swept: Mapping[str, str] | None = None) -> str:
    """Named from the model's declared hyper-parameters and the data, e.g. kmeans-k5-rfm_extras-nowholesalers;
    in a sweep, every other swept value follows in short form (`swept`: key -> the job's value),
    e.g. kmeans-k4-rfm_extras-all-robust-seed7, so no two jobs of a sweep share a name."""
    return "-".join([f"{cfg.model.name}-{short_label(cfg.model)}-{data_label(cfg.features)}",
                     *other_swept(cfg, swept)])


def other_swept(cfg: DictConfig, swept: Mapping[str, str] | None) -> list[str]:
    """Short forms of the swept values the base name (model, its short_names, data) leaves out."""
    named = {"model", "features", "features.name", "features.wholesalers",
             *(f"model.{key}" for key in (cfg.model.get("short_names") or {}))}
    return [short_form(key, value) for key, value in (swept or {}).items() if key not in named]


def describing_tags(cfg: DictConfig, swept: Mapping[str, str] | None) -> dict[str, str]:
    """What a run is, as tags set at its start (a job that fails before logging params is still
    described in the sweep's leaderboard)."""
    return {"segmentation.algorithm": str(cfg.model.name), "segmentation.features": str(cfg.features.name),
            "segmentation.wholesalers": WHOLESALER_WORDS[cfg.features.wholesalers][1],
            "segmentation.size": short_label(cfg.model), "segmentation.variant": "-".join(other_swept(cfg, swept))}


def short_form(key: str, value) -> str:
    """A swept value as a name part: words as they are (robust, umap), numbers after their key
    (seed7, scale0.1, ninit10), switches as the key or no<key>, nothing as no_<key>."""
    last, text = key.split(".")[-1], str(value).strip().strip("'\"")
    if text.lower() in ("true", "false"):
        return last if text.lower() == "true" else f"no{last}"
    if text.lower() in ("null", "none", ""):
        return f"no_{last}"
    if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?", text, flags=re.IGNORECASE):
        return f"{last.replace('_', '')}{text}"
    return Path(text).stem if "/" in text else text


def short_label(model: Mapping) -> str:
    """The hyper-parameters that tell runs apart, e.g. `k4` or `mcs50-msauto`."""
    short = required(model, "short_names", "model") or {}
    return "-".join(f"{abbr}{'auto' if model.get(key) is None else model[key]}" for key, abbr in short.items())
