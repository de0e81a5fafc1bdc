"""Store tree nodes from level 4 up only (a lower node is rebuilt from the ≤ 16 leaf hashes
under it); the unique constraints index the programme, so its own index goes."""

import django.db.models.deletion
from django.db import migrations, models

from jifen.lib.appendonly import run_unguarded


def drop_low_nodes(apps, schema_editor):
    run_unguarded(
        schema_editor, "transparency_lognode", "DELETE FROM transparency_lognode WHERE level < 4"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0001_initial"),
        ("transparency", "0002_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="logleaf",
            name="programme",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.programme",
            ),
        ),
        migrations.AlterField(
            model_name="lognode",
            name="programme",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="programmes.programme",
            ),
        ),
        migrations.RunPython(drop_low_nodes, migrations.RunPython.noop),
    ]
