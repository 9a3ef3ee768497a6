"""Read the configured source once into canonical parquet."""

from __future__ import annotations

import time

import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import DictConfig, OmegaConf

from segmentation.catalog import Catalog, atomic_path
from segmentation.data.readers import iter_transactions
from segmentation.data.schema import ARROW_SCHEMA


def ingest_step(cfg: DictConfig) -> int:
    """Write the catalog's `raw` file (all lines, canonical schema); return the number of lines."""
    target = Catalog(cfg).raw
    started, lines = time.perf_counter(), 0
    with atomic_path(target) as tmp, pq.ParquetWriter(tmp, ARROW_SCHEMA, compression="zstd") as writer:
        for frame in iter_transactions(OmegaConf.to_container(cfg.data, resolve=True)):
            writer.write_table(pa.Table.from_pandas(frame, schema=ARROW_SCHEMA, preserve_index=False))
            lines += len(frame)
    print(f"ingest: {lines:,} lines from {cfg.data.path} -> {target.name} in {time.perf_counter() - started:.1f}s")
    return lines
