"""Stage `generate`: write the synthetic Online Retail II file (raw UCI layout)."""

from segmentation.steps.generate import generate_step
from segmentation.stages import run_stage

if __name__ == "__main__":
    run_stage(generate_step)
