import logging
import os
import signal
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jifen.lib import jobs


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def job(calls: list[str]) -> Iterator[str]:
    """A registered job that notes each run; removed again after the test."""
    jobs.register("test: count", every_seconds=0)(lambda: calls.append("count"))
    yield "test: count"
    jobs.unregister("test: count")


def test_the_worker_runs_a_registered_job_once_and_exits(db, job, calls):
    call_command("worker", "--once", "--job", job)

    assert calls == ["count"]


def test_iterations_run_a_due_job_on_every_pass(db, job, calls):
    call_command("worker", "--iterations", "3", "--job", job)

    assert calls == ["count"] * 3


def test_a_job_is_not_run_again_before_it_is_due(db, calls):
    worker = jobs.Worker([jobs.Job("hourly", 3600, lambda: calls.append("hourly"))])

    worker.run_due()
    worker.run_due()

    assert calls == ["hourly"]


def test_a_failing_job_is_logged_and_the_other_jobs_still_run(db, calls, caplog):
    def broken() -> None:
        raise RuntimeError("boom")

    worker = jobs.Worker(
        [jobs.Job("a broken", 0, broken), jobs.Job("b fine", 0, lambda: calls.append("fine"))]
    )
    with caplog.at_level(logging.ERROR, logger="jifen.worker"):
        worker.loop(iterations=2)

    assert calls == ["fine", "fine"]
    assert "job 'a broken' failed" in caplog.text


def test_sigterm_stops_the_worker_after_the_job_in_hand(db, calls):
    def ask_to_stop() -> None:
        calls.append("ran")
        os.kill(os.getpid(), signal.SIGTERM)

    jobs.register("test: stop", every_seconds=0)(ask_to_stop)
    try:
        call_command("worker", "--iterations", "50", "--job", "test: stop")
    finally:
        jobs.unregister("test: stop")

    assert calls == ["ran"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_refuses_an_unknown_job_name(db):
    with pytest.raises(CommandError, match="no such job"):
        call_command("worker", "--once", "--job", "no such thing")


def test_refuses_two_jobs_with_the_same_name(job):
    with pytest.raises(ValueError, match="two periodic jobs"):
        jobs.register(job, every_seconds=1)(lambda: None)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks: PostgreSQL")
def test_a_job_another_worker_is_running_is_skipped(db, calls):
    other = connection.copy()  # a second session, as a second worker process would have
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [jobs.lock_key("busy")])
        ran = jobs.run_job(jobs.Job("busy", 0, lambda: calls.append("busy")))
    finally:
        other.close()

    assert ran is False
    assert calls == []
