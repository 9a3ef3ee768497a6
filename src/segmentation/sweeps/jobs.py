"""What a multirun will run, read from its config before the first job: the jobs (as
`key=value` overrides), how many, and which keys vary between them.

Hydra's basic sweeper runs the cartesian product of `hydra.sweeper.params` and the command
line; the project's `grid_union` sweeper runs a union of such products. Both are the same
expansion (`union_of_grids` with no grid, or with the configured ones), so the count and the
swept keys here are exactly the sweeper's. Another sweeper (Optuna...) decides its jobs as it
goes: the plan is then unknown (None).
"""

from __future__ import annotations

from collections.abc import Sequence

from omegaconf import DictConfig, OmegaConf

from hydra_plugins.segmentation_grid.grid_union_sweeper import union_of_grids

EXPANDING_SWEEPERS = ("BasicSweeper", "GridUnionSweeper")


def sweep_jobs(config: DictConfig) -> list[list[str]] | None:
    """Every job of the multirun as its list of 'key=value' overrides, or None when the
    configured sweeper is not one whose jobs can be listed in advance."""
    sweeper = config.hydra.sweeper
    if not str(sweeper.get("_target_", "")).endswith(EXPANDING_SWEEPERS):
        return None
    grids = sweeper.get("grids")
    grids = OmegaConf.to_container(grids, resolve=False) if grids else []
    params = [f"{key}={value}" for key, value in (sweeper.get("params") or {}).items()]
    return union_of_grids(grids, [*params, *config.hydra.overrides.task])


def values_by_key(jobs: Sequence[Sequence[str]]) -> dict[str, list[str]]:
    """Each key of the jobs' overrides with its distinct values in order of first appearance
    ('+' and '~' prefixes dropped)."""
    values: dict[str, list[str]] = {}
    for job in jobs:
        for item in job:
            key, _, value = item.lstrip("+~").partition("=")
            if value not in values.setdefault(key, []):
                values[key].append(value)
    return values


def swept_keys(jobs: Sequence[Sequence[str]]) -> list[str]:
    """Keys whose value differs between jobs, or that some jobs leave out (a union of grids:
    HDBSCAN's min_cluster_size beside KMeans' n_clusters)."""
    keys = values_by_key(jobs)
    present = [{item.lstrip("+~").partition("=")[0] for item in job} for job in jobs]
    return [key for key, values in keys.items() if len(values) > 1 or any(key not in job for job in present)]


def as_params(jobs: Sequence[Sequence[str]], limit: int = 500) -> dict[str, str]:
    """The sweep's overrides as MLflow params: key -> its values, comma-separated."""
    return {key: ",".join(values)[:limit] for key, values in values_by_key(jobs).items()}
