"""`jifen send_newsletter [--programme SLUG] [--month YYYY-MM] [--force]`: e-mail a month's
newsletter (last month by default) to each programme's staff and subscribed users, through
Django's mail settings, once per month unless --force. Nothing is sent when no mail server
is configured."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.programmes.models import Programme
from jifen.voices.newsletter import last_month, mail_configured, parse_month, send_newsletter


class Command(BaseCommand):
    help = "E-mail the monthly newsletter to staff and subscribed users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", help="the programme's short name (default: all)")
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument("--force", action="store_true", help="send again if sent already")

    def handle(self, *args: object, **options: str | bool | None) -> None:
        if not mail_configured():
            self.stderr.write("No mail server is configured (EMAIL_HOST): nothing sent.")
            return
        programmes = Programme.objects.order_by("slug")
        if options["programme"]:
            programmes = programmes.filter(slug=options["programme"])
            if not programmes.exists():
                raise CommandError(f"no programme {options['programme']!r}")
        month = parse_month(str(options["month"])) if options["month"] else None
        if options["month"] and month is None:
            raise CommandError("--month must be YYYY-MM")
        for programme in programmes:
            which = month or last_month(programme)
            sent = send_newsletter(programme, which, force=bool(options["force"]))
            self.stdout.write(f"{programme.slug} {which.label}: {sent} recipient(s)")
