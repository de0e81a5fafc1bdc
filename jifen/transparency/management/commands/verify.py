"""`jifen verify [--programme SLUG]`: check the ledger against its signed log; exit 1 naming
the first discrepancy."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.programmes.models import Programme
from jifen.transparency.verify import Discrepancy, verify_programme


class Command(BaseCommand):
    help = "Recompute every leaf, check every signed head, balance and lot."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", help="the programme's short name (default: all)")
        parser.add_argument(
            "--workers",
            type=int,
            help="processes that rehash leaves (PostgreSQL; default: one per CPU for a long log)",
        )

    def handle(self, *args: object, **options: object) -> None:
        programmes = Programme.objects.order_by("slug")
        if options["programme"]:
            programmes = programmes.filter(slug=options["programme"])
            if not programmes.exists():
                raise CommandError(f"no programme {options['programme']!r}")
        for programme in programmes:
            self._verify(programme, options["workers"])  # type: ignore[arg-type]

    def _verify(self, programme: Programme, workers: int | None) -> None:
        started = time.perf_counter()
        try:
            report = verify_programme(programme, progress=self._progress, workers=workers)
        except Discrepancy as exc:
            sys.stderr.write("\n")
            raise CommandError(f"{programme.slug}: FAILED: {exc}") from exc
        seconds = time.perf_counter() - started
        rate = report.leaves / seconds if seconds else 0
        sys.stderr.write("\n")
        self.stdout.write(
            self.style.SUCCESS(
                f"{programme.slug}: OK — {report.leaves} leaves, {report.heads} signed heads, "
                f"{report.queued} waiting to be sealed; {seconds:.2f} s ({rate:,.0f} leaves/s)"
            )
        )

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
        sys.stderr.flush()
