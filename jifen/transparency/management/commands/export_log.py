"""`jifen export-log --programme SLUG [-o FILE]`: write the bundle that tools/verify_bundle.py
checks offline (signed heads, then every leaf with its canonical bytes)."""

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.programmes.models import Programme
from jifen.transparency import signing
from jifen.transparency.bundle import write_bundle
from jifen.transparency.export import bundle_heads, bundle_leaves
from jifen.transparency.models import LogLeaf


class Command(BaseCommand):
    help = "Export a programme's transparency log for offline verification."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", required=True)
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: object, **options: object) -> None:
        programme = Programme.objects.filter(slug=options["programme"]).first()
        if programme is None:
            raise CommandError(f"no programme {options['programme']!r}")
        heads = bundle_heads(programme)
        count = heads[-1].size if heads else 0
        output = str(options["output"] or "")
        out = open(output, "w", encoding="utf-8") if output else sys.stdout
        try:
            write_bundle(
                out,
                programme=programme.slug,
                public_key=signing.public_key_b64(signing.log_public_key()),
                heads=heads,
                leaves=bundle_leaves(programme, count),
                leaf_count=count,
            )
        finally:
            if out is not sys.stdout:
                out.close()
        total = LogLeaf.objects.filter(programme=programme).count()
        self.stderr.write(
            f"{count} leaves and {len(heads)} signed heads exported "
            f"({total - count} sealed after the last head are left out)"
        )
