"""The `jifen` command: Django's management commands under the project's own name, with
hyphenated names (`jifen import-residents`) for the commands whose modules use underscores."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["jifen", *args])
