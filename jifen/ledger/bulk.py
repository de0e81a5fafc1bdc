"""Set-based writes for bulk awards, and for the counters of every award: one statement per
step instead of one per member, built on jifen.lib.bulk_sql (array literals on PostgreSQL,
JSON on SQLite)."""

import json
from collections.abc import Sequence
from datetime import datetime

from django.db import connection

from jifen.lib.bulk_sql import BATCH, array_literal
from jifen.lib.ids import new_public_ids


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


def insert_postings_and_lots(rows: list[list[object]], expires_at: datetime | None) -> None:
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


# Counters (jifen.ledger.limits): created, locked and moved for one award or many at once.


def create_counters(programme_id: int, rows: list[tuple[str, str, int]]) -> None:
    """Create the counters (scope, period, ceiling) that do not exist yet, in the order given
    (every writer gives them in key order: two writers creating the same counters wait on
    each other's new rows in one order, never in a cycle). One that a concurrent writer
    creates meanwhile is left to it (ON CONFLICT DO NOTHING)."""
    given, params = _relation([("scope", "text"), ("period", "text"), ("ceiling", "bigint")], rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_counter (programme_id, scope, period, used, ceiling) "
            f"SELECT %s, u.scope, u.period, 0, u.ceiling FROM {given} WHERE NOT EXISTS ("
            " SELECT 1 FROM ledger_counter AS c WHERE c.programme_id = %s"
            " AND c.scope = u.scope AND c.period = u.period) "
            "ON CONFLICT DO NOTHING",
            [programme_id, *params, programme_id],
        )


def lock_counters(
    programme_id: int, keys: list[tuple[str, str]]
) -> list[tuple[int, str, str, int, int]]:
    """The counters of `keys` (scope, period) as (id, scope, period, used, ceiling), in
    primary-key order. On PostgreSQL they are locked in that order until the transaction
    ends; SQLite serialises writing transactions (IMMEDIATE), so nothing moves them meanwhile."""
    wanted, params = _relation([("scope", "text"), ("period", "text")], keys)
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, scope, period, used, ceiling FROM ledger_counter WHERE programme_id = %s "
            f"AND (scope, period) IN (SELECT u.scope, u.period FROM {wanted}) ORDER BY id{lock}",
            [programme_id, *params],
        )
        return cursor.fetchall()


def move_counters(rows: list[tuple[int, int, int]]) -> int:
    """Add to each counter (id, points, ceiling) its points and set its ceiling, where the
    sum stays within that ceiling (the guard; the check constraint would refuse it too).
    Returns how many moved: fewer than given means a counter moved under its lock."""
    moves, params = _relation([("id", "bigint"), ("points", "bigint"), ("ceiling", "bigint")], rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_counter SET used = ledger_counter.used + u.points, ceiling = u.ceiling "
            f"FROM {moves} WHERE ledger_counter.id = u.id "
            "AND ledger_counter.used + u.points <= u.ceiling",
            params,
        )
        return cursor.rowcount


def _relation(
    columns: list[tuple[str, str]], rows: Sequence[tuple[object, ...]]
) -> tuple[str, list[str]]:
    """`rows` as a relation named u with `columns` (name, SQL type: bigint or text), for a
    FROM clause, and its parameters: arrays unnested on PostgreSQL, a JSON array on SQLite."""
    names = [name for name, _ in columns]
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for _, kind in columns)
        return (
            f"unnest({arrays}) AS u({', '.join(names)})",
            [array_literal(column) for column in zip(*rows, strict=True)] or ["{}"] * len(columns),
        )
    picks = ", ".join(f"json_extract(value, '$[{i}]') AS {name}" for i, name in enumerate(names))
    return f"(SELECT {picks} FROM json_each(%s)) AS u", [json.dumps(rows)]
