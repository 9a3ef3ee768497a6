"""Stage `ingest`: read the configured source once into canonical parquet."""

from segmentation.steps.ingest import ingest_step
from segmentation.stages import run_stage

if __name__ == "__main__":
    run_stage(ingest_step)
