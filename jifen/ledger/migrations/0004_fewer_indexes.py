"""Drop three indexes that every award wrote for nothing: posting(account) and
transaction(programme), which the composite indexes starting with the same column serve, and
the LIKE index (varchar_pattern_ops) that PostgreSQL gets for a unique CharField.

The tables are changed in place: Django would rebuild them on SQLite (losing their
append-only and log-queue triggers) and rebuild transaction's unique index on PostgreSQL.
Index names are found by introspection, not assumed."""

import functools

import django.db.models.deletion
from django.db import migrations, models

import jifen.lib.ids

# (table, column): the index on that column alone, not unique, is dropped.
REDUNDANT = [("ledger_posting", "account_id"), ("ledger_transaction", "programme_id")]
PUBLIC_ID = "transaction_public_id_unique"


def _indexes(schema_editor, table: str) -> dict[str, dict]:  # type: ignore[type-arg]
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    quote = schema_editor.quote_name
    for table, column in [*REDUNDANT, ("ledger_transaction", "public_id")]:
        for name, info in _indexes(schema_editor, table).items():
            if info["index"] and not info["unique"] and info["columns"] == [column]:
                schema_editor.execute(f"DROP INDEX {quote(name)}")
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite keeps its column UNIQUE; a later rebuild of the table names it
    for name, info in _indexes(schema_editor, "ledger_transaction").items():
        if info["unique"] and info["columns"] == ["public_id"] and name != PUBLIC_ID:
            schema_editor.execute(
                f"ALTER TABLE ledger_transaction RENAME CONSTRAINT {quote(name)} TO {PUBLIC_ID}"
            )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    quote = schema_editor.quote_name
    for table, column in REDUNDANT:
        name = schema_editor._create_index_name(table, [column])
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {table} ({column})")
    if schema_editor.connection.vendor == "postgresql":
        name = schema_editor._create_index_name("ledger_transaction", ["public_id"], "_like")
        schema_editor.execute(
            f"CREATE INDEX {quote(name)} ON ledger_transaction (public_id varchar_pattern_ops)"
        )
        schema_editor.execute(
            "ALTER TABLE ledger_transaction RENAME CONSTRAINT "
            f"{PUBLIC_ID} TO ledger_transaction_public_id_key"
        )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_transaction_charged"), ("programmes", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="posting",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="postings",
                        to="ledger.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="transaction",
                    name="programme",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transactions",
                        to="programmes.programme",
                    ),
                ),
                migrations.AlterField(
                    model_name="transaction",
                    name="public_id",
                    field=models.CharField(
                        default=functools.partial(jifen.lib.ids.new_public_id, 16),
                        editable=False,
                        max_length=20,
                    ),
                ),
                migrations.AddConstraint(
                    model_name="transaction",
                    constraint=models.UniqueConstraint(fields=("public_id",), name=PUBLIC_ID),
                ),
            ],
        )
    ]
