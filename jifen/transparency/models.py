"""The transparency log: every ledger transaction as a leaf of an RFC 9162 Merkle tree per
programme, with signed tree heads. Leaves, nodes and heads are append-only (triggers)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LogQueue(models.Model):
    """Committed transactions not yet in the log. A database trigger on the ledger's
    transaction table fills it, so no code path can skip the log; the sequencer empties it."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="+"
    )
    transaction = models.OneToOneField(
        "ledger.Transaction", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"queued {self.transaction_id}"


class LogState(models.Model):
    """The sequencer's position per programme; its row is the lock one sequencer holds."""

    programme = models.OneToOneField(
        "programmes.Programme", on_delete=models.CASCADE, related_name="+"
    )
    size = models.BigIntegerField(default=0)
    heads = models.BigIntegerField(default=0)
    # Leaves from this index on are in canonical format 2 (which names the member), those
    # before in format 1: a log sealed before format 2 existed keeps its old leaves as they are.
    v2_from = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["programme_id"]

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.size} leaves"


class LogLeaf(models.Model):
    """One transaction at its place in the log."""

    programme = models.ForeignKey(  # indexed by the unique (programme, index)
        "programmes.Programme", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    index = models.BigIntegerField()
    transaction = models.OneToOneField(
        "ledger.Transaction", on_delete=models.PROTECT, related_name="log_leaf"
    )
    leaf_hash = models.BinaryField(max_length=32)
    sealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "index"], name="log_leaf_index_unique")
        ]

    def __str__(self) -> str:
        return f"leaf {self.index}"


class LogNode(models.Model):
    """A complete subtree's hash: (level, index) covers leaves index·2^level up to
    (index+1)·2^level, excluded. Only levels from sequencer.STORED_LEVEL up are stored."""

    programme = models.ForeignKey(  # indexed by the unique (programme, level, index)
        "programmes.Programme", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        ordering = ["programme_id", "level", "index"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "level", "index"], name="log_node_unique")
        ]

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class TreeHead(models.Model):
    """A signed statement: “the first `size` transactions of this programme have root `root`”."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="+"
    )
    serial = models.BigIntegerField()
    size = models.BigIntegerField()
    root_hash = models.BinaryField(max_length=32)
    timestamp_ms = models.BigIntegerField()
    signature = models.BinaryField(max_length=64)
    key_id = models.CharField(max_length=16)

    class Meta:
        ordering = ["programme_id", "-serial"]
        verbose_name = _("signed tree head")
        constraints = [
            models.UniqueConstraint(fields=["programme", "serial"], name="tree_head_serial_unique")
        ]

    def __str__(self) -> str:
        return f"head {self.serial}: {self.size} leaves"

    @property
    def signed_at(self):
        from datetime import UTC, datetime

        return datetime.fromtimestamp(self.timestamp_ms / 1000, tz=UTC)
