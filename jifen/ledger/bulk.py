"""Set-based writes for bulk awards: one statement per batch instead of one per member."""

import json
import secrets

from django.db import connection

from jifen.lib.ids import _ALPHABET

BATCH = 2_000


def add_to_columns(columns: list[str], amounts: dict[int, int]) -> dict[int, int]:
    """Add amounts[id] to each of ledger_account's `columns` for every id; return the new
    values of the first. Only for credits (no floor to guard) — debits go through the
    guarded single update."""
    result: dict[int, int] = {}
    items = sorted(amounts.items())  # primary-key order, as every writer locks
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        with connection.cursor() as cursor:
            cursor.execute(_statement(columns, len(batch)), [v for pair in batch for v in pair])
            result.update(dict(cursor.fetchall()))
    return result


def _statement(columns: list[str], rows: int) -> str:
    if connection.vendor == "postgresql":
        values = ", ".join(["(%s::bigint, %s::bigint)"] * rows)
        sets = ", ".join(f"{c} = a.{c} + v.amount" for c in columns)
        return (
            f"UPDATE ledger_account AS a SET {sets} "
            f"FROM (VALUES {values}) AS v(id, amount) WHERE a.id = v.id "
            f"RETURNING a.id, a.{columns[0]}"
        )
    values = ", ".join(["(%s, %s)"] * rows)
    sets = ", ".join(f"{c} = {c} + v.amount" for c in columns)
    return (
        f"UPDATE ledger_account SET {sets} "
        f"FROM (SELECT column1 AS id, column2 AS amount FROM (VALUES {values})) AS v "
        f"WHERE ledger_account.id = v.id RETURNING ledger_account.id, {columns[0]}"
    )


def insert_select(
    table: str,
    constants: dict[str, object],
    varying: list[tuple[str, str]],
    rows: list[list[object]],
    returning: str,
) -> list[tuple]:  # type: ignore[type-arg]
    """INSERT many rows in one statement per batch: `constants` are the same for every row,
    `varying` are (column, SQL type) filled from `rows`, which travel as one JSON parameter
    (no per-row parameters, no model instances). Returns the `returning` columns."""
    names = ", ".join([*constants, *(column for column, _ in varying)])
    result: list[tuple] = []  # type: ignore[type-arg]
    for start in range(0, len(rows), BATCH):
        source, picks = _json_rows(varying)
        sql = (
            f"INSERT INTO {table} ({names}) SELECT "
            f"{', '.join(['%s'] * len(constants) + picks)} FROM {source} RETURNING {returning}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*constants.values(), json.dumps(rows[start : start + BATCH])])
            result.extend(cursor.fetchall())
    return result


def _json_rows(varying: list[tuple[str, str]]) -> tuple[str, list[str]]:
    if connection.vendor == "postgresql":
        picks = [f"(e->>{i})::{kind}" for i, (_, kind) in enumerate(varying)]
        return "jsonb_array_elements(%s::jsonb) AS e", picks
    return "json_each(%s)", [f"json_extract(value, '$[{i}]')" for i in range(len(varying))]


def new_public_ids(count: int, length: int = 16) -> list[str]:
    """Many unguessable identifiers at once, from the alphabet of jifen.lib.ids (one call to
    the system's random source instead of one per character)."""
    alphabet = _ALPHABET
    limit = 256 - 256 % len(alphabet)  # rejection keeps every character equally likely
    chars: list[str] = []
    while len(chars) < count * length:
        chars.extend(
            alphabet[b % len(alphabet)] for b in secrets.token_bytes(count * length) if b < limit
        )
    return ["".join(chars[i * length : (i + 1) * length]) for i in range(count)]
