"""Stage `ingest`: read the configured source once into canonical parquet."""

from __future__ import annotations

import time

import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import DictConfig, OmegaConf

from segmentation.config import resolve
from segmentation.data.readers import iter_transactions
from segmentation.data.schema import ARROW_SCHEMA
from segmentation.io import atomic_path
from segmentation.stages import run_stage


def run(cfg: DictConfig) -> int:
    """Write `paths.raw` (all lines, canonical schema); return the number of lines."""
    target = resolve(cfg.paths.raw)
    started, lines = time.perf_counter(), 0
    with atomic_path(target) as tmp, pq.ParquetWriter(tmp, ARROW_SCHEMA, compression="zstd") as writer:
        for frame in iter_transactions(OmegaConf.to_container(cfg.data, resolve=True)):
            writer.write_table(pa.Table.from_pandas(frame, schema=ARROW_SCHEMA, preserve_index=False))
            lines += len(frame)
    print(f"ingest: {lines:,} lines from {cfg.data.path} -> {target.name} in {time.perf_counter() - started:.1f}s")
    return lines


if __name__ == "__main__":
    run_stage(run)
