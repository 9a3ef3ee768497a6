"""Hydra sweeps tracked in MLflow: the jobs a multirun will run (`jobs`), one parent run per
sweep with progress and a leaderboard at the end (`callback`, `leaderboard`, `leaderboard_files`)."""
