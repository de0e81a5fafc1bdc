"""Canonical format 2 (the leaf names the member): a log keeps the leaves it sealed before in
format 1, so v2_from starts at its size; a new log is format 2 from its first leaf. And the
append-only guard on leaves, which SQLite lost when 0003 rebuilt the table, is put back
(nodes and heads are re-checked on both databases)."""

from django.db import migrations, models

from jifen.lib.appendonly import restore_append_only


def keep_old_leaves_in_format_1(apps, schema_editor):
    LogState = apps.get_model("transparency", "LogState")
    LogState.objects.update(v2_from=models.F("size"))


class Migration(migrations.Migration):
    dependencies = [("transparency", "0003_sparse_nodes")]

    operations = [
        migrations.AddField(
            model_name="logstate",
            name="v2_from",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(keep_old_leaves_in_format_1, migrations.RunPython.noop),
        restore_append_only("transparency_logleaf"),
        restore_append_only("transparency_lognode"),
        restore_append_only("transparency_treehead"),
    ]
