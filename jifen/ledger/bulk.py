"""Set-based writes for bulk awards: one statement per batch instead of one per member."""

from django.db import connection

BATCH = 2_000


def add_to_column(column: str, amounts: dict[int, int]) -> dict[int, int]:
    """Add amounts[id] to ledger_account.<column> for every id; return the new values.
    Only for credits (no floor to guard) — debits go through the guarded single update."""
    result: dict[int, int] = {}
    items = sorted(amounts.items())  # primary-key order, as every writer locks
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        with connection.cursor() as cursor:
            cursor.execute(_statement(column, len(batch)), [v for pair in batch for v in pair])
            result.update(dict(cursor.fetchall()))
    return result


def _statement(column: str, rows: int) -> str:
    if connection.vendor == "postgresql":
        values = ", ".join(["(%s::bigint, %s::bigint)"] * rows)
        return (
            f"UPDATE ledger_account AS a SET {column} = a.{column} + v.amount "
            f"FROM (VALUES {values}) AS v(id, amount) WHERE a.id = v.id "
            f"RETURNING a.id, a.{column}"
        )
    values = ", ".join(["(%s, %s)"] * rows)
    return (
        f"UPDATE ledger_account SET {column} = {column} + v.amount "
        f"FROM (SELECT column1 AS id, column2 AS amount FROM (VALUES {values})) AS v "
        f"WHERE ledger_account.id = v.id RETURNING ledger_account.id, {column}"
    )
