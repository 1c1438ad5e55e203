"""Where the districts run: ``local`` (a process pool, no engine) or ``ray`` (Ray tasks, local or a cluster).

Both map one plain function over picklable jobs and return the results in job order, so the gathered output
does not depend on which worker finished first. Ray is optional (``pip install -e '.[ray]'``) and imported
only here, only when asked for; the district tool never imports it.

``ray``: with no address, Ray is started on this machine with ``workers`` CPUs and shut down afterwards; with
``--address`` (``auto``, ``HOST:PORT`` or ``ray://HOST:10001``) the run joins that cluster, whose nodes must have
jointcheck installed and see the city directory at the same path. A Ray already initialised by the caller
(a test session, a notebook) is used as it is and left running.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from optimizer.progress import step

__all__ = ["ENGINES", "EngineError", "open_engine", "map_districts"]

ENGINES = ("local", "ray")
J = TypeVar("J")
R = TypeVar("R")


class EngineError(RuntimeError):
    """The engine cannot run (Ray not installed, cluster unreachable)."""


class _Local:
    def __init__(self, workers: int) -> None:
        # spawn, not fork: polars and OR-Tools hold threads that a forked child must not inherit
        self.pool = ProcessPoolExecutor(max_workers=max(1, workers), mp_context=multiprocessing.get_context("spawn"))

    def map(self, fn: Callable[[J], R], jobs: Sequence[J]) -> list[R]:
        out = []
        for result in self.pool.map(fn, jobs):  # in job order, as they come: progress (optimizer.progress)
            out.append(result)
            step(len(out), len(jobs))
        return out

    def close(self) -> None:
        self.pool.shutdown()


class _Ray:
    def __init__(self, workers: int, address: str | None) -> None:
        try:
            import ray
        except ImportError:
            raise EngineError("--engine ray needs Ray: pip install -e '.[ray]'") from None
        self.ray, self.started = ray, False
        if not ray.is_initialized():
            try:
                if address:
                    ray.init(address=address, include_dashboard=False, log_to_driver=False)
                else:
                    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
            except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; say where it failed
                raise EngineError(f"cannot start or join Ray{f' at {address}' if address else ''}: {exc}") from None
            self.started = True

    def map(self, fn: Callable[[J], R], jobs: Sequence[J]) -> list[R]:
        remote = self.ray.remote(num_cpus=1, max_retries=1)(fn)
        try:
            out = []
            for ref in [remote.remote(job) for job in jobs]:  # in job order: progress (optimizer.progress)
                out.append(self.ray.get(ref))
                step(len(out), len(jobs))
            return out
        except self.ray.exceptions.RayTaskError as exc:  # the worker's own exception, as the local engine raises it
            cause = getattr(exc, "cause", None)
            if isinstance(cause, Exception):
                raise cause from None
            raise

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()


@contextmanager
def open_engine(engine: str = "local", workers: int = 2, address: str | None = None) -> Iterator[Callable]:
    """Yield ``run(fn, jobs) → [fn(job) for job in jobs]`` (in job order) on ``engine`` with ``workers`` workers;
    the pool or Ray runtime lives as long as the ``with`` block, so the stages of a run share it."""
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    if engine == "local" and address:
        raise EngineError("--address is for --engine ray")
    runner = _Local(workers) if engine == "local" else _Ray(workers, address)
    try:
        yield runner.map
    finally:
        runner.close()


def map_districts(fn: Callable[[J], R], jobs: Sequence[J], engine: str = "local", workers: int = 2,
                  address: str | None = None) -> list[R]:
    """``[fn(job) for job in jobs]``, run on ``engine`` with ``workers`` parallel workers, in job order."""
    with open_engine(engine, workers, address) as run:
        return run(fn, jobs)
