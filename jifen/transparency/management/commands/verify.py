"""`jifen verify [--programme SLUG] [--witness FILE]`: check the ledger against its signed log,
and the log against the heads a witness file saved outside the database; exit 1 naming the
first discrepancy."""

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.programmes.models import Programme
from jifen.transparency.verify import Discrepancy, verify_programme
from jifen.transparency.witness import Witness, WitnessError, read_witness_file


class Command(BaseCommand):
    help = "Recompute every leaf, check every signed head, balance and lot."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", help="the programme's short name (default: all)")
        parser.add_argument(
            "--witness",
            metavar="FILE",
            help="a witness file of signed heads saved elsewhere: the log must agree with each",
        )
        parser.add_argument(
            "--workers",
            type=int,
            help="processes that rehash leaves (PostgreSQL; default: one per CPU for a long log)",
        )

    def handle(
        self,
        *args: Any,
        programme: str | None,
        witness: str | None,
        workers: int | None,
        **options: Any,
    ) -> None:
        programmes = Programme.objects.order_by("slug")
        if programme:
            programmes = programmes.filter(slug=programme)
            if not programmes.exists():
                raise CommandError(f"no programme {programme!r}")
        witnessed = self._witnessed(witness, programme)
        for each in programmes:
            heads = witnessed.get(each.slug) if witnessed is not None else None
            self._verify(each, heads, workers)

    def _witnessed(self, path: str | None, named: str | None) -> dict[str, Witness] | None:
        """The witness file's heads by programme. A programme asked for by name must be in
        it; otherwise every programme it names must still be in the database."""
        if path is None:
            return None
        try:
            witnessed = read_witness_file(path)
        except WitnessError as exc:
            raise CommandError(f"FAILED: {exc}") from exc
        if named and named not in witnessed:
            raise CommandError(f"{named}: the witness file {path} holds none of its heads")
        existing = set(Programme.objects.values_list("slug", flat=True))
        if not named and (gone := sorted(set(witnessed) - existing)):
            raise CommandError(
                f"FAILED: the witness file holds heads of programme {gone[0]!r}, which the "
                "database no longer has"
            )
        return witnessed

    def _verify(self, programme: Programme, witness: Witness | None, workers: int | None) -> None:
        started = time.perf_counter()
        try:
            report = verify_programme(
                programme, witness=witness, progress=self._progress, workers=workers
            )
        except Discrepancy as exc:
            sys.stderr.write("\n")
            raise CommandError(f"{programme.slug}: FAILED: {exc}") from exc
        seconds = time.perf_counter() - started
        rate = report.leaves / seconds if seconds else 0
        sys.stderr.write("\n")
        witnessed = f", {report.witnessed} witnessed heads" if witness is not None else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{programme.slug}: OK — {report.leaves} leaves, {report.heads} signed heads"
                f"{witnessed}, {report.queued} waiting to be sealed; {seconds:.2f} s "
                f"({rate:,.0f} leaves/s)"
            )
        )

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
        sys.stderr.flush()
