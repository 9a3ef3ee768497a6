"""Stage `monitor` (and the command `python -m segmentation.monitor`): the deployed segmentation
checked against the data up to `monitor.as_of`, its history kept; with `monitor.replay`, every
month after the baseline replayed and the refresh policies compared.

The stage writes files only; `record` puts the check in MLflow: the command right after its
check, the pipeline from its `report` stage (one process pays MLflow's start-up for every record).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from segmentation.common.catalog import Catalog, file_digest, read_json
from segmentation.common.errors import UserError
from segmentation.common.parallel import side_pool
from segmentation.features.cutoffs import data_span, default_cutoff, lines_per_period, resolve_cutoff
from segmentation.maintenance.snapshot_tables import load_snapshots
from segmentation.monitoring import fits, history, replay
from segmentation.monitoring.check import check
from segmentation.monitoring.deployment import band_of, deployed, table_at
from segmentation.monitoring.words import policy_sentence, status_line, unclear_sentence


def settings_of(cfg: DictConfig) -> dict:
    settings = {**OmegaConf.to_container(cfg.monitor, resolve=True),
                # rules shared with the study
                "competing_margin": float(cfg.stability.competing_margin),
                "self_agreement_floor": float(cfg.stability.self_agreement_floor)}
    if not settings["split"] < settings["survive"]:
        raise UserError(f"monitor.split={settings['split']} must be below monitor.survive={settings['survive']}. "
                        "Fix: e.g. monitor.split=0.3 monitor.survive=0.7.")
    if not settings["policies"] or any(not isinstance(p, int) or isinstance(p, bool) or p < 1
                                       for p in settings["policies"]):
        raise UserError(f"monitor.policies={settings['policies']} must list whole numbers of months. "
                        "Fix: e.g. monitor.policies=[1,3,6,12].")
    return settings


def run(cfg: DictConfig) -> dict:
    """The check as of `monitor.as_of`, and the replay with `monitor.replay`; returns the check."""
    started = time.perf_counter()
    settings = settings_of(cfg)
    as_of = checked_as_of(cfg, settings)  # before any work: a mistaken date stops at once
    if settings["replay"]:
        # the replay shared with the other core: it fits the first deployment, its noise band and
        # half of the months while this one checks today's data, then fits the rest; the
        # files are written only once the check succeeded (a mistake leaves no partial outputs)
        with side_pool(1) as pool:
            months, features, model = replay_months(cfg)
            seed = int(cfg.seed)
            opening = pool.submit(replay.opening, months[0], months[1::2], features, model, settings, seed)
            finding = watch(cfg, settings, as_of)
            mine = replay.fitted(months[2::2], features, model, settings, seed)
            theirs, band = opening.result()
            done = {month.name: month for month in [*theirs, *mine]}
            months = [done[month.name] for month in months]
            write_replay(cfg, settings, *replayed(months, features, model, settings, seed, {0: band}))
    else:
        finding = watch(cfg, settings, as_of)
        history.clear_replay(Catalog(cfg))
    print(f"{status_line(finding)} ({time.perf_counter() - started:.1f}s)")
    return finding


def checked_as_of(cfg: DictConfig, settings: dict) -> pd.Timestamp:
    """`monitor.as_of` checked against the data's span (default: the day after the last line)."""
    first, last = data_span(Catalog(cfg).clean)
    return resolve_cutoff(settings["as_of"], first, last, "monitor.as_of") if settings["as_of"] else default_cutoff(last)


def watch(cfg: DictConfig, settings: dict, as_of: pd.Timestamp) -> dict:
    """One check of the deployed segmentation: latest.json and a row of history.csv."""
    catalog = Catalog(cfg)
    deployment = deployed(cfg)
    if as_of < deployment.cutoff:
        raise UserError(f"monitor.as_of={as_of:%Y-%m-%d} is before {deployment.cutoff:%Y-%m-%d}, the cutoff of the "
                        f"deployed model, {deployment.description}. Fix: a date on or after it.")
    then = fits.customers(table_at(cfg, deployment.features, deployment.cutoff), deployment.features)
    table_now = table_at(cfg, deployment.features, as_of)
    now = fits.customers(table_now, deployment.features)
    at_deployment = pd.Series(deployment.predict(then.reset_index()), index=then.index)
    keep = pd.Series(deployment.predict(now.reset_index()), index=now.index)
    _, refit = fits.fit(deployment.features, deployment.model, now, int(cfg.seed), settings)
    band, origin = band_of(cfg, deployment, then, at_deployment)
    nearest, _ = band.nearest(now, refit.to_numpy(), keep.to_numpy())
    counts = {"new_customers": int(len(now.index.difference(then.index))),
              "new_lines": lines_per_period(catalog.clean, [deployment.cutoff, as_of])[1]}
    finding = check(keep, refit, at_deployment, band.summary, counts, settings, int(cfg.seed), deployment.names,
                    nearest)
    about = {"cutoff": f"{as_of:%Y-%m-%d}", "deployed_at": f"{deployment.cutoff:%Y-%m-%d}",
             "deployment": deployment.key, "model": deployment.description, "band_origin": origin,
             "days_since_deployment": int((as_of - deployment.cutoff).days)}
    latest = history.write_latest(catalog, finding, about)
    row = replay.history_row(replay.Month(about["cutoff"], about["cutoff"], now, counts["new_lines"]),
                             replay.Month(about["deployed_at"], about["deployed_at"], then, 0), finding,
                             about["days_since_deployment"])
    history.append(catalog, {**row, "deployment": deployment.key})
    return latest


def replay_months(cfg: DictConfig) -> tuple[list[replay.Month], dict, dict]:
    """The replay's months, not yet fitted (the baseline, then every M+n snapshot), and the
    feature and model configurations."""
    catalog = Catalog(cfg)
    series = load_snapshots(cfg)
    features, model = (OmegaConf.to_container(cfg[key], resolve=True) for key in ("features", "model"))
    monthly = ["baseline", *sorted((n for n in series.tables if n.startswith("M+")), key=lambda n: series.days[n])]
    months = [replay.Month(name, series.cutoffs[name], fits.customers(series.tables[name], features), lines)
              for name, lines in zip(monthly, new_lines(catalog, [series.cutoffs[n] for n in monthly]))]
    return months, features, model


def replayed(months: list[replay.Month], features: dict, model: dict, settings: dict, seed: int,
             bands: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Every month after the baseline replayed (`months` fitted; `bands`: deployments' noise bands
    already computed): the policies, the monitor's month-by-month track and the recommendation
    (the cheapest policy under `monitor.max_mislabelled`)."""
    table, track, unclear = replay.policies(months, features, model, settings, seed, bands)
    best = None if unclear else replay.cheapest(table, float(settings["max_mislabelled"]))
    sentence = unclear_sentence(unclear, len(track), float(track["band_low"].min())) if unclear else \
        policy_sentence(table, best, float(settings["max_mislabelled"]))
    return table, track, {"policy": best, "sentence": sentence, "unclear_months": unclear}


def write_replay(cfg: DictConfig, settings: dict, table: pd.DataFrame, track: pd.DataFrame,
                 recommendation: dict) -> None:
    """replay.csv, policies.csv, recommendation.json and their figures."""
    from segmentation.monitoring.figures import health_figure, policies_figure

    catalog = Catalog(cfg)
    history.write_replay(catalog, table, track, recommendation)
    best = recommendation["policy"]
    policies_figure(table, float(settings["max_mislabelled"]), catalog.monitor_output("policies.png"),
                    best["policy"] if best else None)
    health_figure(track, catalog.monitor_output("health.png"), "Replayed month by month after the baseline")
    print(f"monitor replay ({len(track)} months): {recommendation['sentence']}")


def new_lines(catalog: Catalog, cutoffs: list[str]) -> list[int]:
    """Cleaned lines added in each month of the replay (before the baseline: 0). A precomputed
    series has no transactions: its months count as having enough lines (customers still decide)."""
    if not catalog.clean.exists():
        return [0] + [np.iinfo(np.int64).max] * (len(cutoffs) - 1)
    return [0, *lines_per_period(catalog.clean, cutoffs)[1:]]


def record(cfg: DictConfig, again: bool = False) -> None:
    """The latest check (latest.json) as one MLflow run in the `monitor.experiment` experiment:
    the agreement, band and shares as metrics (step: days since the deployment), the status as a
    tag, the transitions; and the deployment's noise band with its own run, once. A check already
    recorded is not recorded twice, unless `again` (the command: a rerun replaces its run)."""
    import mlflow

    from segmentation.tracking.records import recorded_before
    from segmentation.tracking.runs import monitoring_run, tracking_uri
    from segmentation.tracking.ui_links import runs_table, ui_base

    catalog = Catalog(cfg)
    path = catalog.monitor_output("latest.json")
    if not path.is_file():
        return
    latest, digest = read_json(path), file_digest(path)
    band = catalog.deployments / f"{latest['deployment']}.json"
    if band.is_file():
        log_band_once(cfg, latest["deployment"], band)
    if not again and recorded_before(cfg, "monitor", digest, str(cfg.monitor.experiment)):
        return
    numbers = {key: latest[key] for key in ("agreement", "agreement_low", "agreement_high", "band_low", "band_high",
                                            "mislabelled_share", "customers", "new_customers", "new_lines")
               if isinstance(latest.get(key), (int, float)) and np.isfinite(latest[key])}
    with monitoring_run(cfg, f"check-{latest['cutoff']}", {"status": latest["status"], "deployment": latest["deployment"],
                                                           "cutoff": latest["cutoff"], "recorded": digest}) as active:
        replace_earlier_check(active, latest)
        for key, value in numbers.items():
            mlflow.log_metric(key, float(value), step=int(latest["days_since_deployment"]))
        mlflow.log_dict(latest, "check.json")
        mlflow.log_table(pd.DataFrame(latest["transitions"]), "transitions.json")
    link = runs_table(ui_base(tracking_uri(cfg)), active.info.experiment_id,
                      search=f"tags.deployment = '{latest['deployment']}'", charts=True)
    print(f"monitor: this deployment's checks over time in MLflow (`make ui`): {link}")


def log_band_once(cfg: DictConfig, run_id: str, band: Path) -> None:
    """The deployment's noise band as noise_band.json with its MLflow run, unless already there."""
    import mlflow

    from segmentation.tracking.runs import retry_locked, setup

    setup(cfg)
    client = mlflow.MlflowClient()
    if "noise_band.json" not in {artifact.path for artifact in client.list_artifacts(run_id)}:
        retry_locked(client.log_text, run_id, band.read_text(), "noise_band.json")


def replace_earlier_check(active, latest: dict) -> None:
    """A rerun of a cutoff replaces its earlier MLflow run (deleted: the UI's bin keeps it), as
    it replaces its history row, so the charts hold one point per month."""
    import mlflow

    client = mlflow.MlflowClient()
    same = client.search_runs([active.info.experiment_id], f"tags.deployment = '{latest['deployment']}' and "
                                                           f"tags.cutoff = '{latest['cutoff']}'")
    for run in same:
        if run.info.run_id != active.info.run_id:
            client.delete_run(run.info.run_id)


def exit_status(finding: dict, cfg: DictConfig) -> int:
    """What the command tells a scheduler: `monitor.refresh_exit_code` when a refresh is due, else 0."""
    return int(cfg.monitor.refresh_exit_code) if finding["status"] == "refresh_due" else 0
