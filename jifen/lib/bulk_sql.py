"""Set-based writes of many rows in one statement, on PostgreSQL and SQLite alike.

On PostgreSQL every column travels as one array parameter, unnested by the statement. Arrays
are sent as array literals ('{1,2,NULL}'): psycopg adapts a Python list element by element
(microseconds each), a literal is one string joined in C. SQLite has no arrays: rows travel
as one JSON parameter, in batches."""

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model
from django.db.models.base import ModelState

BATCH = 2_000

M = TypeVar("M", bound=Model)

# What a constant column may hold: what the driver adapts (a datetime as the ORM stores it).
SQLValue = int | str | datetime | None


def insert_select(
    table: str,
    constants: dict[str, SQLValue],
    varying: list[tuple[str, str]],
    rows: Sequence[Sequence[object]],
    returning: str,
) -> list[tuple[Any, ...]]:
    """INSERT many rows: `constants` are the same for every row, `varying` are (column, SQL
    type: bigint or text) filled from `rows` (no per-row parameters, no model instances).
    Rows are inserted in their order (ids follow it). Returns the `returning` columns, in no
    particular order: map them back by a unique column."""
    if not rows:
        return []
    constants = {name: _adapted(value) for name, value in constants.items()}
    names = ", ".join([*constants, *(column for column, _ in varying)])
    if connection.vendor == "postgresql":
        return _insert_unnest(table, names, constants, varying, rows, returning)
    result: list[tuple[Any, ...]] = []
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


def _adapted(value: SQLValue) -> SQLValue:
    """A datetime as the ORM would store it: on SQLite, text in UTC. Left to the driver, an
    aware datetime becomes text with its own offset, which sorts and compares wrongly
    beside the ORM's rows (10:00+08:00 after 07:00 UTC)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _insert_unnest(
    table: str,
    names: str,
    constants: dict[str, SQLValue],
    varying: list[tuple[str, str]],
    rows: Sequence[Sequence[object]],
    returning: str,
) -> list[tuple[Any, ...]]:
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
