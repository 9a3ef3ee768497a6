"""The segments' names as the report gives them, for any stage that writes them (report, value):
one computation, so the campaign export and the report never name a segment differently."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.reporting.naming import name_segments, without_units


def segment_names(cfg: DictConfig, profiles: pd.DataFrame, population: pd.DataFrame,
                  ingest: Mapping | None) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """{segment id: name}, and the profiles and customer table the names were computed from
    (without unit-based features when the source has no quantity column)."""
    overrides = OmegaConf.to_container(cfg.naming.overrides, resolve=True) if cfg.naming.overrides else {}
    units = ingest is None or bool(ingest["columns"].get("quantity"))
    named_profiles, named_population = without_units(profiles, population, units)
    return name_segments(named_profiles, named_population, overrides), named_profiles, named_population


def labelled(segments: pd.Series, names: Mapping) -> pd.Series:
    """Segment ids -> their names ("Segment <id>" for an id without one)."""
    return segments.map(names).fillna("Segment " + segments.astype(str)).astype(str)
