"""Every MLflow call of the project: the store, runs and their names, what a training run and
the maintenance study log, the sweep's parent run (a Hydra callback) and the model registry."""
