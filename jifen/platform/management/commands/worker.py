"""`jifen worker`: run the registered periodic jobs until stopped (SIGTERM or Ctrl-C)."""

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.lib import jobs


class Command(BaseCommand):
    help = "Run the periodic jobs (sealing the log, expiry, …) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every job once, then exit.")
        parser.add_argument(
            "--iterations",
            type=int,
            default=None,
            help="Run this many passes over the due jobs, then exit.",
        )
        parser.add_argument(
            "--job",
            dest="only",
            action="append",
            default=[],
            metavar="NAME",
            help="Run only this job (repeat for several).",
        )

    def handle(
        self, *args: Any, once: bool, iterations: int | None, only: list[str], **options: Any
    ) -> None:
        registered = _chosen(jobs.registered(), only)
        worker = jobs.Worker(registered)
        names = ", ".join(job.name for job in registered) or "-"
        self.stdout.write(f"jifen worker: {len(registered)} job(s): {names}")
        previous = _stop_on_signals(worker)
        try:
            worker.loop(iterations=1 if once else iterations)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("jifen worker: stopped")


def _chosen(registered: list[jobs.Job], names: list[str]) -> list[jobs.Job]:
    unknown = set(names) - {job.name for job in registered}
    if unknown:
        raise CommandError(f"no such job: {', '.join(sorted(unknown))}")
    return [job for job in registered if not names or job.name in names]


def _stop_on_signals(worker: jobs.Worker) -> dict[int, Any]:
    """Finish the job in hand, then leave: a stop never cuts a job off half-way."""
    return {
        signum: signal.signal(signum, lambda *_: worker.stop())
        for signum in (signal.SIGTERM, signal.SIGINT)
    }
