"""A Hydra sweeper that runs the union of several grids.

The design card's grid is "KMeans/GMM x k = 2..10" plus "a few HDBSCAN settings": two
cartesian products that share the feature axes. Hydra's basic sweeper takes one product;
this one takes a list (`hydra.sweeper.grids`), and command-line sweeps apply to every grid.
Jobs go to whatever launcher is configured (basic, joblib...).
"""

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional  # concrete types: OmegaConf reads them at runtime

from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from omegaconf import OmegaConf


@dataclass
class GridUnionSweeperConf:
    _target_: str = "hydra_plugins.segmentation_grid.grid_union_sweeper.GridUnionSweeper"
    grids: List[Dict[str, Any]] = field(default_factory=list)
    max_batch_size: Optional[int] = None


ConfigStore.instance().store(group="hydra/sweeper", name="grid_union", node=GridUnionSweeperConf,
                             provider="segmentation")


def expand(overrides: list[str]) -> list[list[str]]:
    """Every job (a list of 'key=value') of the cartesian product of `overrides`."""
    axes = []
    for override in OverridesParser.create().parse_overrides(overrides):
        key = override.get_key_element()
        if override.is_sweep_override():
            axes.append([f"{key}={value}" for value in override.sweep_string_iterator()])
        else:
            axes.append([f"{key}={override.get_value_element_as_str()}"])
    return [list(job) for job in itertools.product(*axes)]


def union_of_grids(grids: list[dict[str, Any]], arguments: list[str]) -> list[list[str]]:
    jobs, seen = [], set()
    for grid in grids or [{}]:
        grid_overrides = [f"{key}={_text(value)}" for key, value in grid.items()]
        for job in expand(grid_overrides + list(arguments)):
            if tuple(job) not in seen:
                seen.add(tuple(job))
                jobs.append(job)
    return jobs


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    return str(value)


class GridUnionSweeper(Sweeper):
    def __init__(self, grids: list[dict[str, Any]] | None = None, max_batch_size: int | None = None):
        self.grids = [dict(g) for g in (grids or [])]
        self.max_batch_size = max_batch_size

    def setup(self, *, hydra_context, task_function, config) -> None:
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(hydra_context=hydra_context,
                                                                task_function=task_function, config=config)

    def sweep(self, arguments: list[str]) -> Any:
        jobs = union_of_grids(self.grids, arguments)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        batch = self.max_batch_size or len(jobs) or 1
        returns = []
        for start in range(0, len(jobs), batch):
            returns.append(self.launcher.launch(jobs[start:start + batch], initial_job_idx=start))
        return returns
