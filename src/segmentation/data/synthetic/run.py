"""Stage `generate`: the synthetic shop at `data.scale`, written in the raw UCI layout."""

from __future__ import annotations

import time

import pyarrow.parquet as pq
from omegaconf import DictConfig

from segmentation.common.catalog import Catalog, atomic_path
from segmentation.common.errors import UserError
from segmentation.data.synthetic import empty_table, generate


def run(cfg: DictConfig) -> int:
    """Generate at `data.scale` into the catalog's `synthetic` file; an empty file when the source
    is real data (scale null), so the stage output always exists. Returns the number of lines."""
    target = Catalog(cfg).synthetic
    scale = cfg.data.scale
    if scale is not None and (not isinstance(scale, (int, float)) or scale <= 0):
        raise UserError(f"data.scale={scale!r} must be a positive number (e.g. 0.1, 1, 10). Fix: `-S data.scale=1`.")
    started, lines = time.perf_counter(), 0
    with atomic_path(target) as tmp:
        writer = None
        affinity = float(cfg.data.get("product_affinity") or 0.0)  # null or absent: popularity alone
        for table in generate(float(scale), int(cfg.seed), affinity) if scale else []:
            writer = writer or pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table)
            lines += table.num_rows
        if writer is None:  # real data configured: nothing to generate
            pq.write_table(empty_table(), tmp)
        else:
            writer.close()
    what = f"{lines:,} synthetic lines (scale {scale})" if scale else f"no synthetic data (source: {cfg.data.name})"
    print(f"generate: {what} -> {target.name} in {time.perf_counter() - started:.1f}s")
    return lines
