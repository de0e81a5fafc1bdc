"""`jifen verify`'s helpers in other processes: each rehashes chunks of leaves inside the
snapshot that the verifying transaction exported, on the same database, so every process
reads the same state. Nothing here imports Django models until Django is set up in the new
process, and a failure comes back to the verifier as an exception."""

import re
from typing import Any

_joined: list[str] = []  # the snapshot this process reads in, once it has joined it


def rehash(
    job: tuple[int, str, int, int, int], database: str, snapshot: str
) -> list[tuple[Any, ...]]:
    if not _joined:
        _join(database, snapshot)
    from jifen.transparency.verify import recomputed

    return recomputed(*job)


def _join(database: str, snapshot: str) -> None:
    import django

    django.setup()
    from django.db import connection

    if not re.fullmatch(r"[0-9A-F-]+", snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    connection.settings_dict["NAME"] = database  # the verifier's (a test database, say)
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    _joined.append(snapshot)
