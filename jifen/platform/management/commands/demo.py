"""`jifen demo`: build the demo programme 幸福里社区 and print its logins."""

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jifen.programmes import demo
from jifen.programmes.models import Programme


class Command(BaseCommand):
    help = "Create the demo programme 幸福里社区 (seeded: the same every time) and print logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=demo.SEED)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only when the database has no programme at all.",
        )

    def handle(self, *args: Any, seed: int, if_empty: bool, **options: Any) -> None:
        if if_empty and Programme.objects.exists():
            self.stdout.write(_("The database already has programmes; no demo created."))
            return
        if demo.demo_exists():
            self.stdout.write(_("The demo programme already exists; nothing changed."))
            return
        started = time.monotonic()
        try:
            built = demo.build_demo(seed=seed, password=demo.demo_password())
        except ValueError as exc:  # a staff username is taken by someone else
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:  # JIFEN_DEMO_PASSWORD is too weak for a resident
            raise CommandError("JIFEN_DEMO_PASSWORD: " + " ".join(exc.messages)) from exc
        self.stdout.write(
            _(
                "Created %(name)s: %(households)d households, %(members)d residents "
                "in %(seconds).1f s."
            )
            % {
                "name": built.programme.name,
                "households": built.households,
                "members": built.members,
                "seconds": time.monotonic() - started,
            }
        )
        if options["verbosity"] >= 1:  # `make run` passes -v 0: `jifen run` prints them next
            self.stdout.write(demo.format_logins(built.logins))
