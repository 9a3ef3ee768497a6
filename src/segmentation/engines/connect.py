"""The configured engine's connection (`engine.name`): DuckDB, or Spark behind DuckDB's surface."""

from __future__ import annotations

import duckdb
from omegaconf import DictConfig, OmegaConf


def on_spark(cfg: DictConfig) -> bool:
    return str(cfg.engine.name) == "spark"


def connection(cfg: DictConfig):
    """A DuckDB connection, or a `SparkConnection` on a session built from `engine.spark`."""
    if on_spark(cfg):
        from segmentation.engines.spark import SparkConnection, session

        return SparkConnection(session(OmegaConf.to_container(cfg.engine.spark, resolve=True)))
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con
