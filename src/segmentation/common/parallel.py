"""Work beside the current process on the other cores: a pool of processes started from a fork
server (never a fork of a process whose OpenMP or Arrow threads already run), each call computed
exactly as it would be here, so the results do not depend on where they were computed.

While the pool is open the cores are shared out: this process and each worker keep their share
of the OpenMP and BLAS threads (one each on two cores). Two processes that each start a thread
per core fight over the cores: the maintenance study ran 20 % slower so, with the same results."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


def spare_cores() -> int:
    """The cores left when this process keeps one."""
    return max(1, (os.cpu_count() or 1) - 1)


def share_of_cores(workers: int) -> int:
    """The OpenMP/BLAS threads of each of `workers` processes that share this machine's cores."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def parallel_jobs(n_jobs: int) -> int:
    """How many processes joblib's `n_jobs` starts (-1: one per core, -2: all but one...)."""
    cores = os.cpu_count() or 1
    return max(1, n_jobs if n_jobs > 0 else cores + 1 + n_jobs)


def keep_share_of_cores(workers: int) -> None:
    """This process is one of `workers` sharing the cores (e.g. a sweep's joblib worker): it keeps
    its share of the OpenMP and BLAS threads from now on."""
    _keep_threads(share_of_cores(workers))


def _keep_threads(threads: int) -> None:
    """A worker's share of the cores (its OpenMP and BLAS threads), for its whole life: the
    runtimes loaded now are limited, and those loaded later read the environment."""
    from threadpoolctl import threadpool_limits

    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    threadpool_limits(threads)


#: what OpenMP and the BLAS libraries read, once, when they load
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


@contextmanager
def side_pool(tasks: int) -> Iterator[ProcessPoolExecutor]:
    """A pool for `tasks` independent calls (at most the spare cores). Its workers import what
    their calls need themselves, while this process goes on: modules preloaded in the fork server
    would make the first call wait for their import (1.5 s in the stability and monitor stages)."""
    from threadpoolctl import threadpool_limits

    workers = max(1, min(tasks, spare_cores()))
    threads = share_of_cores(workers + 1)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_keep_threads,
                             initargs=(threads,)) as pool, threadpool_limits(threads):
        yield pool


def named(target: str):
    """The function a "module:function" name points to (imported now)."""
    import importlib

    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def call_each(targets: list[str], *args) -> None:
    """Call each "module:function" in order with `args` (work sent to a side process by name)."""
    for target in targets:
        named(target)(*args)
