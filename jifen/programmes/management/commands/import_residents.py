"""`jifen import-residents FILE --programme SLUG`: import residents (一户一档) from CSV or XLSX.
All rows or none: with any bad row, every problem is listed and nothing is written."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from jifen.programmes.access import operator_scope
from jifen.programmes.importing import ImportRefused, import_residents
from jifen.programmes.models import Programme


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Import residents from a CSV or XLSX file (columns: see README)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--programme", required=True, help="the programme's short name")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    def handle(self, *args: object, **options: object) -> None:
        programme = Programme.objects.filter(slug=options["programme"]).first()
        if programme is None:
            raise CommandError(f"no programme {options['programme']!r}")
        path = Path(str(options["file"]))
        if not path.is_file():
            raise CommandError(f"no file {path}")
        scope = operator_scope(programme)
        self.stderr.write(f"Reading {path.name} …")
        try:
            with transaction.atomic():
                result = import_residents(
                    actor=None, scope=scope, filename=path.name, data=path.read_bytes()
                )
                if options["dry_run"]:
                    raise _DryRun
        except ImportRefused as exc:
            for error in exc.errors:
                sys.stderr.write(
                    f"row {error.row}{' · ' + error.column if error.column else ''}:"
                    f" {error.message}\n"
                )
            raise CommandError(str(exc)) from exc
        except _DryRun:
            self.stdout.write("Dry run: the file is valid; nothing was written.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows} rows: {result.created} residents created, "
                f"{result.updated} updated, {result.households_created} new households."
            )
        )
