"""Stage `clean`: apply the cleaning rules and write the per-rule report (DVC metrics)."""

from segmentation.steps.clean import clean_step
from segmentation.stages import run_stage

if __name__ == "__main__":
    run_stage(clean_step)
