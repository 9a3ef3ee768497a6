"""Work beside the current process on the other cores: a pool of processes started from a fork
server (never a fork of a process whose OpenMP or Arrow threads already run), each call computed
exactly as it would be here, so the results do not depend on where they were computed."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


def spare_cores() -> int:
    """The cores left when this process keeps one."""
    return max(1, (os.cpu_count() or 1) - 1)


def side_pool(tasks: int, preload: tuple[str, ...] = ()) -> ProcessPoolExecutor:
    """A pool for `tasks` independent calls (at most the spare cores); its workers import
    `preload` once, in the server, while this process goes on."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(max_workers=max(1, min(tasks, spare_cores())), mp_context=context)
