from django.db import migrations

from jifen.lib.appendonly import append_only


class Migration(migrations.Migration):
    """A settled period cannot change: its settlement row is never updated or deleted."""

    dependencies = [("rewards", "0001_initial")]

    operations = [append_only("rewards_settlement")]
