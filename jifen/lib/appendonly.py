"""Database triggers that make a table append-only on SQLite and PostgreSQL alike.

The application never updates or deletes such rows; the triggers make sure nothing else
does either without leaving a trace (a tamperer must drop the trigger first)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def append_only(table: str) -> migrations.RunPython:
    """A migration operation that installs (and on reverse removes) the triggers."""

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for statement in _install(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for statement in _remove(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)

    return migrations.RunPython(forwards, backwards)


def restore_append_only(table: str) -> migrations.RunPython:
    """A migration operation that puts the triggers back where they are missing and leaves
    them as they are elsewhere: SQLite drops a table's triggers when a migration rebuilds the
    table (Django rebuilds it to alter a column), PostgreSQL keeps them. Reversing it does
    nothing: the migration that first installed them removes them."""

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        vendor = schema_editor.connection.vendor
        for statement in [*_remove(vendor, table), *_install(vendor, table)]:
            schema_editor.execute(statement)

    return migrations.RunPython(forwards, migrations.RunPython.noop)


def _install(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{table} is append-only' USING ERRCODE = 'restrict_violation';
            END; $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_append_only()""",
        ]
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
    ]


def _remove(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_append_only()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f"DROP TRIGGER IF EXISTS {table}_no_delete",
    ]


def run_unguarded(schema_editor: BaseDatabaseSchemaEditor, table: str, statement: str) -> None:
    """Run one statement on an append-only table with its triggers lifted and put back: for a
    migration that reshapes what is stored, never for the application."""
    vendor = schema_editor.connection.vendor
    for guard in _remove(vendor, table):
        schema_editor.execute(guard)
    schema_editor.execute(statement)
    for guard in _install(vendor, table):
        schema_editor.execute(guard)
