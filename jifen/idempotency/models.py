"""Durable idempotency keys: a retried write with the same key gets the first answer back."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The answer given to the first request that used `key` in a programme (an API write),
    or anywhere (a web form's one-time key, which is random and needs no programme)."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    # sha256 of what was asked (operation, actor, parsed body): the same key with another
    # request is a client bug, refused rather than answered with the wrong result.
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "key"], name="idempotency_key_unique_in_programme"
            ),
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(programme__isnull=True),
                name="idempotency_key_unique_without_programme",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.status}"
