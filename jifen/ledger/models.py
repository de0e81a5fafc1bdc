"""The ledger: double-entry, append-only, with stored balances, lots, counters and holds."""

from functools import partial

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jifen.lib import clock
from jifen.lib.ids import new_public_id

_public_id = partial(new_public_id, 16)


class Asset(models.TextChoices):
    POINTS = "points", _("points")
    MINUTES = "minutes", _("minutes of service")


class AccountKind(models.TextChoices):
    MEMBER = "member", _("member wallet")
    HOUSEHOLD = "household", _("household wallet")
    ISSUANCE = "issuance", _("issuance")
    FUND = "fund", _("community fund")
    REDEMPTION = "redemption", _("redemptions")
    EXPIRY = "expiry", _("expired points")
    PENALTY = "penalty", _("penalties")
    HOLDS = "holds", _("points on hold")


# Sources and sinks have no floor; their balance is not stored (nothing locks them), so many
# writers never queue on one hot row. Their totals are sums when a report needs them.
UNBOUNDED = frozenset({AccountKind.ISSUANCE, AccountKind.EXPIRY, AccountKind.PENALTY})
WALLETS = frozenset({AccountKind.MEMBER, AccountKind.HOUSEHOLD})


class Account(models.Model):
    """Where points are: a wallet, or a system account of a community."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="accounts"
    )
    public_id = models.CharField(max_length=20, unique=True, default=_public_id, editable=False)
    kind = models.CharField(max_length=12, choices=AccountKind.choices)
    asset = models.CharField(max_length=10, choices=Asset.choices, default=Asset.POINTS)
    member = models.ForeignKey(
        "programmes.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
    )
    household = models.ForeignKey(
        "programmes.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
    )
    community = models.ForeignKey(
        "programmes.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
    )
    is_bounded = models.BooleanField(default=True)
    balance = models.BigIntegerField(default=0)
    # Points ever earned (for tiers and honours): never decreases except by a reversal.
    lifetime_earned = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0) | Q(is_bounded=False),
                name="account_balance_not_negative",
            ),
            models.UniqueConstraint(
                fields=["member", "asset"],
                condition=Q(kind="member"),
                name="account_one_member_wallet",
            ),
            models.UniqueConstraint(
                fields=["household", "asset"],
                condition=Q(kind="household"),
                name="account_one_household_wallet",
            ),
            models.UniqueConstraint(
                fields=["community", "kind", "asset"],
                condition=Q(community__isnull=False),
                name="account_one_system_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.public_id}"


class TransactionKind(models.TextChoices):
    AWARD = "award", _("award")
    REDEEM = "redeem", _("redemption")
    HOLD = "hold", _("hold")
    RELEASE = "release", _("release")
    SETTLE = "settle", _("settlement")
    REFUND = "refund", _("refund")
    EXPIRE = "expire", _("expiry")
    DONATE = "donate", _("donation")
    GRANT = "grant", _("grant from the fund")
    ADJUST = "adjust", _("adjustment")
    REVERSE = "reverse", _("reversal")
    PENALTY = "penalty", _("penalty")
    INTEREST = "interest", _("interest")
    TRANSFER = "transfer", _("transfer")


class Transaction(models.Model):
    """One balanced movement of points. Append-only: a mistake gets a reversing transaction."""

    # Indexed by transaction_time_idx (programme, created_at), as public_id is by its unique
    # constraint: no index of their own to write on every award.
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="transactions",
        db_index=False,
    )
    public_id = models.CharField(max_length=20, default=_public_id, editable=False)
    kind = models.CharField(max_length=10, choices=TransactionKind.choices)
    member = models.ForeignKey(
        "programmes.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
    )
    reason = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        "programmes.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal"
    )
    # NULL, not "": the unique constraint applies only to the keys that were given.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    request_hash = models.CharField(max_length=64, blank=True)
    # The counters (caps, quotas) it used, [[counter id, points], …], given back when it is
    # reversed; NULL when it used none.
    charged = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            # A constraint rather than unique=True, which would add a second index for LIKE
            # searches that nothing makes.
            models.UniqueConstraint(fields=["public_id"], name="transaction_public_id_unique"),
            models.UniqueConstraint(
                fields=["programme", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="transaction_idempotency_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["programme", "created_at"], name="transaction_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.public_id}"


class Posting(models.Model):
    """One leg of a transaction. `balance_after` is the account's balance right after it
    (None for unbounded system accounts, whose balance is not stored)."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="postings")
    # Indexed by posting_statement_idx (account, -id).
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="postings", db_index=False
    )
    asset = models.CharField(max_length=10, choices=Asset.choices)
    amount = models.BigIntegerField()
    balance_after = models.BigIntegerField(null=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="posting_not_zero")]
        indexes = [models.Index(fields=["account", "-id"], name="posting_statement_idx")]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.asset}"


class Lot(models.Model):
    """Points credited to a wallet together, with their expiry; spent oldest first."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lots")
    posting = models.OneToOneField(Posting, on_delete=models.PROTECT, related_name="lot")
    amount = models.BigIntegerField()
    remaining = models.BigIntegerField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["account_id", "expires_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("amount")),
                name="lot_remaining_within_amount",
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "expires_at", "id"],
                condition=Q(remaining__gt=0),
                name="lot_open_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.amount}"


class Counter(models.Model):
    """The one limits primitive: usage against a ceiling, keyed by scope and period (caps per
    member or household per day/week/month/year, community monthly quotas, …)."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="+"
    )
    scope = models.CharField(max_length=80)
    period = models.CharField(max_length=16)
    used = models.BigIntegerField(default=0)
    ceiling = models.BigIntegerField()

    class Meta:
        ordering = ["programme_id", "scope", "period"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "scope", "period"], name="counter_unique"),
            models.CheckConstraint(
                condition=Q(used__gte=0) & Q(used__lte=F("ceiling")), name="counter_within_ceiling"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.period}: {self.used}/{self.ceiling}"


class HoldStatus(models.TextChoices):
    OPEN = "open", _("on hold")
    SETTLED = "settled", _("settled")
    RELEASED = "released", _("released")


class Hold(models.Model):
    """Points set aside for a redemption: settled or released, exactly once."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="+"
    )
    public_id = models.CharField(max_length=20, unique=True, default=_public_id, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    amount = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=HoldStatus.choices, default=HoldStatus.OPEN)
    reference = models.CharField(max_length=100, blank=True)
    hold_transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="+")
    final_transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Which lots the held points came from, so that a release restores their expiry exactly.
    lots = models.JSONField(default=list)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="hold_positive")]

    def __str__(self) -> str:
        return f"hold {self.public_id}: {self.amount} ({self.status})"


class ExpiryMode(models.TextChoices):
    YEAR_END = "year_end", _("At the end of the natural year")
    ROLLING = "rolling", _("A number of months after earning")
    NEVER = "never", _("Never")


class CapScope(models.TextChoices):
    """Whose earnings a cap counts (the keys of LedgerPolicy.caps)."""

    MEMBER = "member", _("resident")
    HOUSEHOLD = "household", _("household")


class CapPeriod(models.TextChoices):
    """The calendar period a cap counts over, in the programme's time zone."""

    DAY = "day", _("day")
    WEEK = "week", _("week")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class CapAction(models.TextChoices):
    TRUNCATE = "truncate", _("Award what is left under the cap")
    REFUSE = "refuse", _("Refuse the award")


# 001 篇三: a village's monthly quota by population (≤ 3,000 → 250 … > 12,000 → 1,500).
DEFAULT_QUOTA_TIERS: list[list[int | None]] = [
    [3000, 250],
    [6000, 500],
    [9000, 750],
    [12000, 1000],
    [None, 1500],
]


class LedgerPolicy(models.Model):
    """A programme's ledger policy: expiry, caps, quotas, transfers."""

    programme = models.OneToOneField(
        "programmes.Programme", on_delete=models.CASCADE, related_name="ledger_policy"
    )
    expiry_mode = models.CharField(
        max_length=10, choices=ExpiryMode.choices, default=ExpiryMode.YEAR_END
    )
    rolling_months = models.PositiveSmallIntegerField(default=12)
    # [{"scope": "member"|"household", "period": "day"|"week"|"month"|"year", "limit": N}]
    caps = models.JSONField(default=list, blank=True)
    when_capped = models.CharField(
        max_length=10, choices=CapAction.choices, default=CapAction.TRUNCATE
    )
    quotas_enabled = models.BooleanField(default=False)
    quota_tiers = models.JSONField(default=list, blank=True)
    transfers_allowed = models.BooleanField(default=False)

    class Meta:
        ordering = ["programme_id"]

    def __str__(self) -> str:
        return f"policy of {self.programme_id}"


class ApprovalKind(models.TextChoices):
    ADJUST = "adjust", _("manual adjustment")
    GRANT = "grant", _("grant from the community fund")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class Approval(models.Model):
    """A change that a second person (a reviewer, not the author) must approve."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ApprovalKind.choices)
    member = models.ForeignKey("programmes.Member", on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    reason = models.CharField(max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="approval_not_zero")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d} ({self.status})"
