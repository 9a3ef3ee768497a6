"""DVC stage entry points: each reads params.yaml and calls the same `run(cfg)` the
Hydra CLI (`python -m segmentation.prepare`) calls with the composed config."""
