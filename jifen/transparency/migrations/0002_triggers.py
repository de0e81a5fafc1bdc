"""Leaves, nodes and heads are append-only; every new ledger transaction is queued for the
log by the database itself, so no code path can leave one out."""

from django.db import migrations

from jifen.lib.appendonly import append_only

SQLITE = [
    """CREATE TRIGGER ledger_transaction_log_queue AFTER INSERT ON ledger_transaction
    BEGIN INSERT INTO transparency_logqueue (programme_id, transaction_id)
    VALUES (NEW.programme_id, NEW.id); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION transparency_enqueue() RETURNS trigger AS $$
    BEGIN INSERT INTO transparency_logqueue (programme_id, transaction_id)
    VALUES (NEW.programme_id, NEW.id); RETURN NULL; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER ledger_transaction_log_queue AFTER INSERT ON ledger_transaction
    FOR EACH ROW EXECUTE FUNCTION transparency_enqueue()""",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES if vendor == "postgresql" else SQLITE:
        schema_editor.execute(statement)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_transaction_log_queue "
                              "ON ledger_transaction")
        schema_editor.execute("DROP FUNCTION IF EXISTS transparency_enqueue()")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_transaction_log_queue")


class Migration(migrations.Migration):
    dependencies = [("transparency", "0001_initial"), ("ledger", "0002_append_only")]
    operations = [
        append_only("transparency_logleaf"),
        append_only("transparency_lognode"),
        append_only("transparency_treehead"),
        migrations.RunPython(install, remove),
    ]
