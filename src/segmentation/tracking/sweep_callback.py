"""Hydra callback: one MLflow parent run per multirun, a summary at the end.

The parent is created with the client (not the fluent API) and its id written into the
sweep folder, so jobs in this process (basic launcher) and in worker processes (joblib
launcher) attach to it with `parent_run_id`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from segmentation.tracking.runs import PARENT_FILE, ROLE_TAG, git_commit, setup

TRAIN_JOB = "train"


class SweepCallback(Callback):
    def __init__(self) -> None:
        self.parent_id: str | None = None
        self.experiment_id: str | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        if config.hydra.job.name != TRAIN_JOB:
            return
        import mlflow

        sweep_dir = Path(config.hydra.sweep.dir).resolve()
        sweep_dir.mkdir(parents=True, exist_ok=True)
        self.experiment_id = setup(config)
        parent = mlflow.MlflowClient().create_run(
            self.experiment_id, run_name=f"sweep-{sweep_dir.parent.name}-{sweep_dir.name}",
            tags={ROLE_TAG: "sweep", "sweep_dir": str(sweep_dir), "git_commit": git_commit()})
        self.parent_id = parent.info.run_id
        (sweep_dir / PARENT_FILE).write_text(self.parent_id)

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        if not self.parent_id:
            return
        import mlflow

        client = mlflow.MlflowClient()
        children = client.search_runs([self.experiment_id], f"tags.mlflow.parentRunId = '{self.parent_id}'",
                                      max_results=50_000)
        failed = [r for r in children if r.info.status != "FINISHED"]
        finished = len(children) - len(failed)
        for key, value in {"jobs": len(children), "jobs_finished": finished, "jobs_failed": len(failed)}.items():
            client.log_metric(self.parent_id, key, value)
        scored = [r for r in children if r.info.status == "FINISHED" and "silhouette" in r.data.metrics]
        if scored:
            best = max(scored, key=lambda r: r.data.metrics["silhouette"])
            client.set_tag(self.parent_id, "best_run", f"{best.info.run_name} (silhouette "
                                                       f"{best.data.metrics['silhouette']:.3f})")
            client.log_metric(self.parent_id, "best_silhouette", best.data.metrics["silhouette"])
        client.set_terminated(self.parent_id, "FAILED" if failed else "FINISHED")
        print(f"sweep: {len(children)} runs, {finished} finished, {len(failed)} failed "
              f"(MLflow parent run {self.parent_id})")
        for run in failed:
            print(f"  FAILED {run.info.run_name}: {run.data.tags.get('error', run.info.status)}")
        if failed:
            sys.stdout.flush()
            raise SystemExit(1)
