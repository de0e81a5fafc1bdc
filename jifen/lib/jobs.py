"""Periodic jobs and the loop that runs them (`jifen worker`).

An app declares its jobs in a module named `jobs.py` (found by autodiscovery, like
`admin.py`):

    from jifen.lib import jobs

    @jobs.register("seal the log", every_seconds=2)
    def seal_the_log() -> None:
        ...

Several workers may run at once: on PostgreSQL a job runs only under a session advisory lock
named after it, so two workers never run the same job at the same moment. SQLite has one
writer anyway, so there each worker simply runs its jobs.
"""

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import close_old_connections, connection
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger("jifen.worker")


@dataclass(frozen=True)
class Job:
    """A function the worker calls every `every_seconds` seconds."""

    name: str
    every_seconds: float
    func: Callable[[], object]


_registry: dict[str, Job] = {}


def register(name: str, *, every_seconds: float) -> Callable[[Callable], Callable]:
    """Decorator: run the function every `every_seconds` seconds in `jifen worker`."""

    def decorate(func: Callable[[], object]) -> Callable[[], object]:
        if name in _registry and _registry[name].func is not func:
            raise ValueError(f"two periodic jobs are named {name!r}")
        _registry[name] = Job(name=name, every_seconds=every_seconds, func=func)
        return func

    return decorate


def unregister(name: str) -> None:
    """Forget a job (tests register throwaway jobs and remove them afterwards)."""
    _registry.pop(name, None)


def registered() -> list[Job]:
    """Every job, after importing each installed app's `jobs` module."""
    autodiscover_modules("jobs")
    return sorted(_registry.values(), key=lambda job: job.name)


class Worker:
    """Runs each job when it is due until stopped. Single-threaded: one job at a time."""

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        self.stopping = threading.Event()
        self.next_run = {job.name: 0.0 for job in jobs}  # 0: everything is due at start

    def stop(self) -> None:
        self.stopping.set()

    def loop(self, iterations: int | None = None) -> None:
        """Run due jobs, then sleep until the next is due; `iterations` passes, or forever."""
        done = 0
        while not self.stopping.is_set():
            self.run_due()
            done += 1
            if iterations is not None and done >= iterations:
                return
            self.stopping.wait(self.seconds_to_next())

    def run_due(self) -> None:
        for job in self.jobs:
            if self.stopping.is_set():
                return
            if self.next_run[job.name] <= time.monotonic():
                self.next_run[job.name] = time.monotonic() + job.every_seconds
                run_job(job)

    def seconds_to_next(self) -> float:
        if not self.jobs:
            return 60.0
        return max(0.0, min(self.next_run.values()) - time.monotonic())


def run_job(job: Job) -> bool:
    """Run one job now, unless another worker is running it. A failure is logged, not raised,
    so that one broken job cannot stop the others. Returns whether the job ran and succeeded."""
    if not connection.in_atomic_block:  # inside one (a test), closing would lose its work
        close_old_connections()  # a long-running loop must drop dead or expired connections
    with _exclusive(job.name) as acquired:
        if not acquired:
            logger.info("job %r is running in another worker; skipped", job.name)
            return False
        started = time.monotonic()
        try:
            job.func()
        except Exception:
            logger.exception("job %r failed", job.name)
            return False
        logger.info("job %r ran in %.3f s", job.name, time.monotonic() - started)
        return True


@contextmanager
def _exclusive(name: str) -> Iterator[bool]:
    """A PostgreSQL session advisory lock keyed by the job's name; always granted elsewhere."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            _unlock(key)


def lock_key(name: str) -> int:
    """The 64-bit advisory lock key of a job, the same in every worker."""
    return int.from_bytes(
        hashlib.sha256(f"jifen-job:{name}".encode()).digest()[:8], "big", signed=True
    )


def _unlock(key: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    except Exception:  # a job broke the connection: closing it releases the lock too
        logger.warning("could not release the lock of a job; closing the connection")
        connection.close()
