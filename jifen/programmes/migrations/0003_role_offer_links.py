"""Role offers get a one-time link: the hash of its secret and an expiry. Offers made before
links existed were answered on the person's home page, matched by account; no link exists
for them, so those still waiting are closed as expired (the administrator offers again)."""

import hashlib
import secrets

from django.db import migrations, models


def close_offers_without_links(apps, schema_editor):
    RoleOffer = apps.get_model("programmes", "RoleOffer")
    for offer in RoleOffer.objects.all():
        # A hash of a secret that is thrown away: it matches no link, ever.
        offer.token_hash = hashlib.sha256(secrets.token_bytes(24)).hexdigest()
        offer.expires_at = offer.created_at
        if offer.status == "pending":
            offer.status = "expired"
        offer.save(update_fields=["token_hash", "expires_at", "status"])


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0002_consent"),
    ]

    operations = [
        migrations.AddField(
            model_name="roleoffer",
            name="token_hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="roleoffer",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AlterField(
            model_name="roleoffer",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting for an answer"),
                    ("accepted", "Accepted"),
                    ("declined", "Declined"),
                    ("withdrawn", "Withdrawn"),
                    ("expired", "Expired"),
                ],
                default="pending",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(close_offers_without_links, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="roleoffer",
            name="token_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="roleoffer",
            name="expires_at",
            field=models.DateTimeField(),
        ),
    ]
