"""Set-based writes for bulk awards: one statement per step instead of one per member.

On PostgreSQL every column travels as one array parameter, unnested by the statement. Arrays
are sent as array literals ('{1,2,NULL}'): psycopg adapts a Python list element by element
(microseconds each), a literal is one string joined in C. SQLite has no arrays: rows travel
as one JSON parameter, in batches."""

import json
import secrets
from collections.abc import Iterable, Sequence
from typing import TypeVar

from django.db import connection
from django.db.models import Model
from django.db.models.base import ModelState

from jifen.lib.ids import _ALPHABET

BATCH = 2_000

M = TypeVar("M", bound=Model)


def add_to_columns(columns: list[str], amounts: dict[int, int]) -> dict[int, int]:
    """Add amounts[id] to each of ledger_account's `columns` for every id; return the new
    values of the first. Only for credits (no floor to guard) — debits go through the
    guarded single update. On PostgreSQL the caller has locked the rows (points_accounts)."""
    if connection.vendor == "postgresql":
        sets = ", ".join(f"{c} = a.{c} + v.amount" for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE ledger_account AS a SET {sets} "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, amount) WHERE a.id = v.id "
                f"RETURNING a.id, a.{columns[0]}",
                [array_literal(amounts), array_literal(amounts.values())],
            )
            return dict(cursor.fetchall())
    result: dict[int, int] = {}
    items = sorted(amounts.items())  # primary-key order, as every writer locks
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        values = ", ".join(["(%s, %s)"] * len(batch))
        sets = ", ".join(f"{c} = {c} + v.amount" for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE ledger_account SET {sets} "
                f"FROM (SELECT column1 AS id, column2 AS amount FROM (VALUES {values})) AS v "
                f"WHERE ledger_account.id = v.id RETURNING ledger_account.id, {columns[0]}",
                [v for pair in batch for v in pair],
            )
            result.update(dict(cursor.fetchall()))
    return result


def insert_select(
    table: str,
    constants: dict[str, object],
    varying: list[tuple[str, str]],
    rows: list[list[object]],
    returning: str,
) -> list[tuple]:  # type: ignore[type-arg]
    """INSERT many rows: `constants` are the same for every row, `varying` are (column, SQL
    type: bigint or text) filled from `rows` (no per-row parameters, no model instances).
    Rows are inserted in their order (ids follow it). Returns the `returning` columns, in no
    particular order: map them back by a unique column."""
    if not rows:
        return []
    names = ", ".join([*constants, *(column for column, _ in varying)])
    if connection.vendor == "postgresql":
        return _insert_unnest(table, names, constants, varying, rows, returning)
    result: list[tuple] = []  # type: ignore[type-arg]
    picks = [f"json_extract(value, '$[{i}]')" for i in range(len(varying))]
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {', '.join(['%s'] * len(constants) + picks)} "
        f"FROM json_each(%s) RETURNING {returning}"
    )
    for start in range(0, len(rows), BATCH):
        with connection.cursor() as cursor:
            cursor.execute(sql, [*constants.values(), json.dumps(rows[start : start + BATCH])])
            result.extend(cursor.fetchall())
    return result


def _insert_unnest(table, names, constants, varying, rows, returning) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in varying)
    columns = [f"u.c{i}" for i in range(len(varying))]
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {', '.join(['%s'] * len(constants) + columns)} "
        f"FROM unnest({arrays}) WITH ORDINALITY AS u({', '.join(c[2:] for c in columns)}, n) "
        f"ORDER BY u.n RETURNING {returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants.values(), *map(array_literal, zip(*rows, strict=True))])
        return cursor.fetchall()


def insert_postings_and_lots(rows: list[list[object]], expires_at: object) -> None:
    """PostgreSQL: postings (transaction id, account id, amount, balance_after), inserted in
    their order, and a lot expiring at `expires_at` for each credit (every credit of a bulk
    award is to a wallet), in one statement: posting ids never travel back and forth."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH credit AS ("
            " INSERT INTO ledger_posting (asset, transaction_id, account_id, amount, balance_after)"
            " SELECT 'points', u.tx, u.account, u.amount, u.after"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[])"
            " WITH ORDINALITY AS u(tx, account, amount, after, n) ORDER BY u.n"
            " RETURNING id, account_id, amount)"
            " INSERT INTO ledger_lot (account_id, posting_id, amount, remaining, expires_at)"
            " SELECT account_id, id, amount, amount, %s::timestamptz FROM credit WHERE amount > 0",
            [*map(array_literal, zip(*rows, strict=True)), expires_at],
        )


def points_accounts(
    programme_id: int, owners: set[tuple[str, int]]
) -> dict[tuple[str, int], tuple[int, int]]:
    """PostgreSQL: the points account of each owner — ("member", member id) or ("household",
    household id) — as (id, balance), opening missing ones in one statement. All of them are
    locked, in primary-key order as every writer locks, until the transaction ends."""
    found = _lock_accounts(owners)
    missing = sorted(owners - found.keys())
    if not missing:
        return found
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_account (programme_id, public_id, kind, asset, member_id, "
            "household_id, is_bounded, balance, lifetime_earned, created_at) "
            "SELECT %s, u.public_id, u.kind, 'points', "
            "CASE WHEN u.kind = 'member' THEN u.owner END, "
            "CASE WHEN u.kind = 'household' THEN u.owner END, true, 0, 0, now() "
            "FROM unnest(%s::text[], %s::text[], %s::bigint[]) AS u(public_id, kind, owner) "
            "ON CONFLICT DO NOTHING "
            "RETURNING id, kind, coalesce(member_id, household_id), balance",
            [
                programme_id,
                array_literal(new_public_ids(len(missing))),
                array_literal(kind for kind, _ in missing),
                array_literal(owner for _, owner in missing),
            ],
        )
        found |= {(kind, owner): (pk, balance) for pk, kind, owner, balance in cursor.fetchall()}
    if len(found) < len(owners):  # some were opened by a concurrent writer a moment ago
        found = _lock_accounts(owners)
    return found


def _lock_accounts(owners: set[tuple[str, int]]) -> dict[tuple[str, int], tuple[int, int]]:
    members = [pk for kind, pk in owners if kind == "member"]
    households = [pk for kind, pk in owners if kind == "household"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, kind, coalesce(member_id, household_id), balance FROM ledger_account "
            "WHERE asset = 'points' AND ((kind = 'member' AND member_id = ANY(%s::bigint[])) "
            "OR (kind = 'household' AND household_id = ANY(%s::bigint[]))) "
            "ORDER BY id FOR UPDATE",
            [array_literal(members), array_literal(households)],
        )
        return {(kind, owner): (pk, balance) for pk, kind, owner, balance in cursor.fetchall()}


def array_literal(values: Iterable[object]) -> str:
    """A PostgreSQL array literal of integers, strings or None (NULL)."""
    return "{" + ",".join([_element(v) for v in values]) + "}"


def _element(value: object) -> str:
    if type(value) is int:
        return str(value)
    if value is None:
        return "NULL"
    if isinstance(value, str):  # quoted: a string may hold commas, braces, quotes or NULL
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"no array element for {value!r}")


def saved_instances(template: M, rows: Sequence[dict[str, object]]) -> list[M]:
    """Instances of rows just written, each `template`'s field values updated with one of
    `rows` (attribute names: "member_id", not "member"), marked as read from the database.
    Attributes are copied, not set through Model.__init__: that costs tens of microseconds
    per instance, too much for thousands."""
    model = type(template)
    fields = {k: v for k, v in template.__dict__.items() if k != "_state"}
    alias = connection.alias
    made = []
    for row in rows:
        instance = model.__new__(model)
        instance.__dict__.update(fields)
        instance.__dict__.update(row)
        instance._state = ModelState()
        instance._state.adding = False
        instance._state.db = alias
        instance._state.fields_cache = dict(template._state.fields_cache)  # related objects
        made.append(instance)
    return made


def new_public_ids(count: int, length: int = 16) -> list[str]:
    """Many unguessable identifiers at once, from the alphabet of jifen.lib.ids: random bytes
    mapped to characters by one bytes.translate (bytes past the last whole multiple of the
    alphabet's length are dropped, so every character stays equally likely)."""
    usable = 256 - 256 % len(_ALPHABET)
    table = bytes.maketrans(bytes(range(usable)), (_ALPHABET * 256)[:usable].encode())
    dropped = bytes(range(usable, 256))
    text = ""
    while len(text) < count * length:
        text += secrets.token_bytes(count * length).translate(table, dropped).decode()
    return [text[i * length : (i + 1) * length] for i in range(count)]
