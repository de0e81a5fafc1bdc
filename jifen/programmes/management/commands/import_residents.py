"""`jifen import-residents FILE --programme SLUG [--dry-run]`: import residents (一户一档) from
CSV or XLSX. All rows or none: with any bad row, every problem is listed on standard error,
nothing is written and the command exits with status 1."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation

from jifen.programmes.access import operator_scope
from jifen.programmes.import_parse import MAX_FILE_BYTES
from jifen.programmes.import_write import ImportRefused, ImportResult, import_residents
from jifen.programmes.models import Programme

BAR_FROM_ROWS = 1_000  # shorter files import in a blink: no progress bar
BAR_WIDTH = 30
STAGES = {"check": "checking", "write": "writing "}


def _head(path: Path) -> bytes:
    """The file, or its first MAX_FILE_BYTES + 1 bytes: enough for the import to refuse it as
    too large without reading gigabytes."""
    with path.open("rb") as file:
        return file.read(MAX_FILE_BYTES + 1)


class _DryRun(Exception):
    def __init__(self, result: ImportResult) -> None:
        self.result = result


class Command(BaseCommand):
    help = "Import residents from a CSV or XLSX file (columns: see README)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--programme", required=True, help="the programme's short name")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument(
            "--language", help="language of the messages (default: the programme's language)"
        )

    def handle(self, *args: object, **options: object) -> None:
        programme = Programme.objects.filter(slug=options["programme"]).first()
        if programme is None:
            raise CommandError(f"no programme {options['programme']!r}")
        path = Path(str(options["file"]))
        if not path.is_file():
            raise CommandError(f"no file {path}")
        with translation.override(str(options["language"] or programme.default_language)):
            result = self._import(programme, path, dry_run=bool(options["dry_run"]))
        prefix = "Dry run, nothing written: " if options["dry_run"] else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{result.rows} rows: {result.created} residents created, "
                f"{result.updated} updated, {result.unchanged} unchanged, "
                f"{result.households_created} new households."
            )
        )

    def _import(self, programme: Programme, path: Path, *, dry_run: bool) -> ImportResult:
        try:
            with transaction.atomic():
                result = import_residents(
                    actor=None,
                    scope=operator_scope(programme),
                    filename=path.name,
                    data=_head(path),
                    progress=self._progress,
                )
                if dry_run:
                    raise _DryRun(result)  # rolls the transaction back
        except _DryRun as dry:
            return dry.result
        except ImportRefused as refusal:
            self._end_bar()
            for error in refusal.errors:
                where = f"row {error.row}" + (f", {error.label}" if error.column else "")
                self.stderr.write(f"{where}: {error.message}")
            raise CommandError(str(refusal), returncode=1) from refusal
        self._end_bar()
        return result

    _bar_stage = ""

    def _progress(self, stage: str, done: int, total: int) -> None:
        """A text bar on standard error, redrawn in place: `checking [#####     ] 5000/10000`."""
        if total < BAR_FROM_ROWS:
            return
        if stage != self._bar_stage:
            self._end_bar()
        filled = BAR_WIDTH * done // total
        bar = "#" * filled + " " * (BAR_WIDTH - filled)
        self.stderr.write(f"\r{STAGES.get(stage, stage)} [{bar}] {done}/{total}", ending="")
        self.stderr.flush()
        self._bar_stage = stage

    def _end_bar(self) -> None:
        if self._bar_stage:
            self.stderr.write("")
            self._bar_stage = ""
