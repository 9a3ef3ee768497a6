"""A side pool shares the cores: while it is open, this process and each worker keep their share
of the OpenMP threads (one each on two cores); afterwards this process has them all again."""

from __future__ import annotations

import os

import sklearn.cluster  # noqa: F401 - loads the OpenMP runtime the limits apply to

from segmentation.common.parallel import parallel_jobs, share_of_cores, side_pool


def openmp_threads() -> list[int]:
    import sklearn.cluster  # noqa: F401
    from threadpoolctl import threadpool_info

    return sorted({info["num_threads"] for info in threadpool_info() if info["user_api"] == "openmp"})


def test_a_side_pool_shares_the_cores_between_this_process_and_its_worker():
    before = openmp_threads()
    share = max(1, (os.cpu_count() or 1) // 2)
    with side_pool(1) as pool:  # the worker loads OpenMP after it started: it reads its share too
        assert openmp_threads() == [share]
        assert pool.submit(openmp_threads).result() == [share]
    assert openmp_threads() == before and before


def test_joblib_n_jobs_counts_processes_as_joblib_does():
    cores = os.cpu_count() or 1
    assert [parallel_jobs(n) for n in (1, 3, -1, -2)] == [1, 3, cores, max(1, cores - 1)]
    assert share_of_cores(parallel_jobs(-1)) == 1 and share_of_cores(1) == cores
