"""Hydra callback: one MLflow parent run per multirun, progress per job, a leaderboard at the end.

The parent is created with the client (not the fluent API) and its id written into the
sweep folder, so jobs in this process (basic launcher) and in worker processes (joblib
launcher) attach to it with `parent_run_id`. It carries the sweep's overrides as params and
the swept keys as a tag (jobs name themselves from their swept values). Each finished job
prints `job i/N` with the elapsed time and an ETA (done jobs are counted with marker files in
the sweep folder, so worker processes count too). At the end the leaderboard (one row per
job, ranked by the champion rule) is printed, written beside the jobs' folders and logged on
the parent with its best values. A sweep that stops before its end (a bad override, Ctrl-C)
never leaves its parent RUNNING: it is closed FAILED (KILLED after Ctrl-C), and deleted when
no job ran.
"""

from __future__ import annotations

import atexit
import json
import shutil
import sys
import time
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from segmentation.common.git import git_commit
from segmentation.common.project import project_root
from segmentation.sweeps import leaderboard, leaderboard_files
from segmentation.sweeps.jobs import as_params, sweep_jobs, swept_keys
from segmentation.tracking import ui_links
from segmentation.tracking.runs import PARENT_FILE, ROLE_TAG, SWEPT_TAG, retry_locked, setup

TRAIN_JOB = "train"
DONE_DIR = ".jobs_done"


def clock(seconds: float) -> str:
    """1:05 or 1:02:03."""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def shown_path(path: Path) -> str:
    """`path` relative to the working directory when under it (shorter to read)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class SweepCallback(Callback):
    def __init__(self) -> None:
        self.parent_id: str | None = None
        self.experiment_id: str | None = None
        self.sweep_dir: Path | None = None
        self.total: int | None = None
        self.started = 0.0
        self.closed = False

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        if config.hydra.job.name != TRAIN_JOB:
            return
        import mlflow
        from mlflow.entities import Param

        self.sweep_dir = Path(config.hydra.sweep.dir).resolve()
        (self.sweep_dir / DONE_DIR).mkdir(parents=True, exist_ok=True)
        jobs = sweep_jobs(config)
        self.total = len(jobs) if jobs is not None else None
        self.experiment_id = setup(config)
        client = mlflow.MlflowClient()
        parent = client.create_run(
            self.experiment_id, run_name=f"sweep-{self.sweep_dir.parent.name}-{self.sweep_dir.name}",
            tags={ROLE_TAG: "sweep", SWEPT_TAG: json.dumps(swept_keys(jobs or [])), "sweep_dir": str(self.sweep_dir),
                  "git_commit": git_commit(project_root(), short=False)})
        self.parent_id = parent.info.run_id
        atexit.register(self.close_abandoned)
        if jobs:
            retry_locked(client.log_batch, self.parent_id, params=[Param(k, v) for k, v in as_params(jobs).items()])
        (self.sweep_dir / PARENT_FILE).write_text(self.parent_id)
        self.started = time.time()

    def on_job_end(self, config: DictConfig, job_return, **kwargs) -> None:
        if not self.parent_id or self.sweep_dir is None:
            return
        from hydra.core.utils import JobStatus

        folder = self.sweep_dir / DONE_DIR
        (folder / str(config.hydra.job.num)).touch()
        done = sum(1 for _ in folder.iterdir())
        failed = job_return.status != JobStatus.COMPLETED or job_return.return_value != job_return.return_value
        elapsed = time.time() - self.started
        total = f"/{self.total}" if self.total else ""
        eta = f", ETA {clock(elapsed / done * (self.total - done))}" if self.total and done < self.total else ""
        print(f"job {done}{total} {'failed' if failed else 'done'}: {clock(elapsed)} elapsed{eta}", flush=True)

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        if not self.parent_id:
            return
        import mlflow

        client = mlflow.MlflowClient()
        children = client.search_runs([self.experiment_id], f"tags.mlflow.parentRunId = '{self.parent_id}'",
                                      max_results=50_000)
        failed = [r for r in children if r.info.status != "FINISHED"]
        finished = len(children) - len(failed)
        metrics = {"jobs": len(children), "jobs_finished": finished, "jobs_failed": len(failed)}
        board = self._leaderboard(client, children, OmegaConf.to_container(config.select, resolve=True), metrics)
        for key, value in metrics.items():
            retry_locked(client.log_metric, self.parent_id, key, value)
        retry_locked(client.set_terminated, self.parent_id, "FAILED" if failed else "FINISHED")
        self._finish()
        print(f"sweep: {len(children)} runs, {finished} finished, {len(failed)} failed in "
              f"{clock(time.time() - self.started)} (MLflow parent run {self.parent_id})")
        for run in failed:
            print(f"  FAILED {run.info.run_name}: {run.data.tags.get('error', run.info.status)}")
        print(board)
        base = ui_links.ui_base(mlflow.get_tracking_uri())
        table = ui_links.runs_table(base, self.experiment_id, self.parent_id, str(config.select.metric),
                                    bool(config.select.higher_is_better))
        print(f"MLflow UI (`make ui`): this sweep's runs {table}\n"
              f"  its leaderboard: {ui_links.run_page(base, self.experiment_id, self.parent_id, 'leaderboard.html')}")
        if failed:
            sys.stdout.flush()
            raise SystemExit(1)

    def _leaderboard(self, client, children: list, rule: dict, metrics: dict) -> str:
        """Build, write and log the leaderboard; add its best values to `metrics`; return it as
        text. A leaderboard that cannot be built is reported, never a reason to lose the sweep."""
        if not children:
            return "leaderboard: no run to rank"
        try:
            table = leaderboard.build(leaderboard.runs_frame(children), rule)
            files = leaderboard_files.write(table, rule, self.sweep_dir, f"Sweep {self.sweep_dir.parent.name} "
                                                                         f"{self.sweep_dir.name}: leaderboard")
        except Exception as err:  # noqa: BLE001 - the sweep's runs matter more than their summary
            return f"leaderboard: not built ({type(err).__name__}: {err})"
        for path in files:
            retry_locked(client.log_artifact, self.parent_id, str(path))
        metrics.update(leaderboard.best_values(table))
        champion = leaderboard.champion_row(table)
        retry_locked(client.set_tag, self.parent_id, "best_run",
                     f"{champion['run_name']} ({rule['metric']} {champion[rule['metric']]:.3f})" if champion is not None
                     else "none: no run passes the champion rule")
        return (f"leaderboard, ranked by the champion rule ({leaderboard.SYMBOLS[leaderboard.CHAMPION]} champion, "
                f"{leaderboard.SYMBOLS[leaderboard.BEST_IN_LINE]} best of its algorithm x feature set):\n"
                f"{leaderboard.as_text(table)}\n"
                f"leaderboard files: {shown_path(files[1])} (.csv, .png; also on the parent run)")

    def _finish(self) -> None:
        self.closed = True
        atexit.unregister(self.close_abandoned)
        if self.sweep_dir is not None:
            shutil.rmtree(self.sweep_dir / DONE_DIR, ignore_errors=True)

    def close_abandoned(self) -> None:
        """At exit, a sweep that did not reach its end (an override Hydra rejects before any
        job, Ctrl-C): its parent ends FAILED (KILLED after Ctrl-C), and is deleted when it has
        no job, so no run stays RUNNING and `select` never takes an empty sweep for the latest."""
        if self.closed or not self.parent_id:
            return
        import mlflow

        self._finish()
        try:
            client = mlflow.MlflowClient()
            children = client.search_runs([self.experiment_id], f"tags.mlflow.parentRunId = '{self.parent_id}'")
            status = "KILLED" if any(r.info.status == "KILLED" for r in children) else "FAILED"
            client.set_tag(self.parent_id, "error", f"the sweep stopped after {len(children)} of "
                                                    f"{self.total or '?'} jobs (the cause is in its terminal output)")
            client.set_terminated(self.parent_id, status)
            if not children:
                client.delete_run(self.parent_id)
            print(f"sweep: stopped after {len(children)} of {self.total or '?'} jobs; MLflow parent run "
                  f"{self.parent_id} ended {status}{' and deleted (no job ran)' if not children else ''}",
                  file=sys.stderr)
        except Exception as err:  # noqa: BLE001 - at exit: report, never raise
            print(f"sweep: could not close MLflow parent run {self.parent_id}: {err}", file=sys.stderr)
