"""Rewards: the catalogue of goods, services, honours and privileges, the stores that hand
them out (points supermarkets and partner shops) with their cashiers and stock, redemptions
with their codes verified at the counter (核销) or their delivery, and the settlements of a
store's period.

Points move only through the ledger: a redemption holds the points and uses its reward's
counters (stock, monthly and per-member limits) in one transaction; verifying the code or
delivering the item settles the hold; cancelling, expiry or a refusal releases it, which gives
the counters back. A settlement is a frozen reading of settled holds."""

from functools import partial

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.lib import clock
from jifen.lib.ids import new_public_id

_public_id = partial(new_public_id, 12)
new_redemption_id = _public_id


class StoreKind(models.TextChoices):
    SUPERMARKET = "supermarket", _("Points supermarket")
    PARTNER = "partner", _("Partner shop")


class Store(models.Model):
    """Where rewards are handed out: the programme's points supermarket (积分超市, a village's
    爱心超市) or a partner shop that accepts points for its goods, services or discounts."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="stores"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=12, choices=StoreKind.choices, default=StoreKind.SUPERMARKET
    )
    # A village's own store; None for the programme's (the county store, a partner shop).
    community = models.ForeignKey(
        "programmes.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["programme_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="store_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class StoreCashier(models.Model):
    """A cashier (a user with the programme's cashier role) who verifies codes at a store."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="cashiers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["store_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="store_cashier_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.store_id}"


class RewardKind(models.TextChoices):
    GOODS = "goods", _("Goods")
    SERVICE = "service", _("Service")
    HONOUR = "honour", _("Honour or title")
    PRIVILEGE = "privilege", _("Privilege")


class RewardCategory(models.TextChoices):
    FOOD = "food", _("Grain, oil and food")
    DAILY = "daily", _("Daily necessities")
    SERVICE = "service", _("Everyday services")
    HOUSING = "housing", _("Property and parking")
    HEALTH = "health", _("Fitness and health")
    BOOKS = "books", _("Books and culture")
    COURSES = "courses", _("Courses and training")
    HONOUR = "honour", _("Honours")
    PRIVILEGE = "privilege", _("Privileges")
    OTHER = "other", _("Other")


class RewardArea(models.TextChoices):
    GOODS = "goods", _("Goods area")
    DONATED = "donated", _("Donated-goods area")


class Handover(models.TextChoices):
    PICKUP = "pickup", _("Collected at the counter with a code")
    DELIVERY = "delivery", _("Delivered")


class LimitPeriod(models.TextChoices):
    MONTH = "month", _("a month")
    YEAR = "year", _("a year")
    EVER = "all", _("ever")


class Perk(models.TextChoices):
    """What a privilege (gated by points, not spent) lets its holders do. Priority sign-up is
    read by activity sign-up; the others are shown to staff who serve the resident."""

    PRIORITY_SIGNUP = "priority_signup", _("Priority sign-up for trips and activities")
    PARCELS = "parcels", _("Parcel keeping")
    TOOLS = "tools", _("Tool lending")
    ROOMS = "rooms", _("Room booking")
    SHOP_DISCOUNT = "shop_discount", _("Partner-shop discount")


class Reward(models.Model):
    """An item of the catalogue. Goods, services and honours are spent (their points are
    held, then settled); a privilege costs nothing and is enjoyed by residents whose balance
    or lifetime points reach its threshold."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="rewards"
    )
    public_id = models.CharField(max_length=12, unique=True, default=_public_id, editable=False)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=RewardKind.choices)
    category = models.CharField(
        _("category"), max_length=10, choices=RewardCategory.choices, default=RewardCategory.OTHER
    )
    area = models.CharField(
        _("area"), max_length=10, choices=RewardArea.choices, default=RewardArea.GOODS
    )
    points = models.PositiveIntegerField(_("points"), default=0)
    # A cleaned, re-encoded photo under the media root (jifen.lib.images), or "".
    image = models.CharField(max_length=200, blank=True)
    handover = models.CharField(
        _("handed over"), max_length=10, choices=Handover.choices, default=Handover.PICKUP
    )
    # Units of this reward redeemed in a calendar month by everyone together.
    monthly_limit = models.PositiveIntegerField(_("monthly limit (units)"), null=True, blank=True)
    # Units one resident may redeem per `member_limit_period` (one parking card a month).
    member_limit = models.PositiveIntegerField(_("limit per resident"), null=True, blank=True)
    member_limit_period = models.CharField(
        _("per"), max_length=5, choices=LimitPeriod.choices, default=LimitPeriod.MONTH
    )
    available_from = models.DateField(_("available from"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    # Seasonal items: the months (1-12) in which they are offered; empty for all year.
    months = models.JSONField(_("months"), default=list, blank=True)
    # Eligibility: residents of these communities only (none: everyone), with at least these
    # lifetime points (a tier) or this balance. For a privilege they are its threshold.
    communities = models.ManyToManyField(
        "programmes.Community", blank=True, related_name="+", verbose_name=_("communities")
    )
    min_lifetime = models.PositiveIntegerField(_("lifetime points at least"), null=True, blank=True)
    min_balance = models.PositiveIntegerField(_("balance at least"), null=True, blank=True)
    perk = models.CharField(_("privilege"), max_length=20, choices=Perk.choices, blank=True)
    # When stock is short, residents join a waitlist served highest balance first.
    waitlist = models.BooleanField(_("waitlist by balance when out of stock"), default=False)
    is_active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["programme_id", "area", "points", "name"]
        indexes = [models.Index(fields=["programme", "is_active", "points"], name="reward_idx")]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """A reward at a store. `quantity` is every unit the store ever received (None: no limit,
    a service or a title); what is left is that less the units its counter has used."""

    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="stocks")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="stocks")
    quantity = models.PositiveIntegerField(_("units received"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["reward_id", "store_id"]
        constraints = [
            models.UniqueConstraint(fields=["reward", "store"], name="stock_once_per_store"),
        ]

    def __str__(self) -> str:
        return f"{self.reward_id} @ {self.store_id}: {self.quantity}"


class RedemptionStatus(models.TextChoices):
    OPEN = "open", _("waiting")
    FULFILLED = "fulfilled", _("handed over")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("expired")
    REFUSED = "refused", _("refused")


class DeliveryStep(models.TextChoices):
    ORDERED = "ordered", _("ordered")
    NOTIFIED = "notified", _("resident notified")
    SHIPPED = "shipped", _("shipped")
    DELIVERED = "delivered", _("delivered")
    REFUSED = "refused", _("refused")


class RefusalReason(models.TextChoices):
    PERSONAL = "personal", _("Personal reasons (the penalty applies)")
    DAMAGED = "damaged", _("Damaged or wrong item")
    OTHER = "other", _("Other")


class Redemption(models.Model):
    """A resident's redemption: points on hold until the code is verified at the counter
    (or the item delivered), then settled; released if cancelled, expired or refused."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="redemptions"
    )
    public_id = models.CharField(max_length=12, unique=True, default=_public_id, editable=False)
    # Eight characters of an unambiguous alphabet and a check character (jifen.rewards.codes).
    code = models.CharField(max_length=12)
    member = models.ForeignKey("programmes.Member", on_delete=models.PROTECT, related_name="+")
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="redemptions")
    quantity = models.PositiveSmallIntegerField(default=1)
    points = models.PositiveIntegerField()
    # The reward's area when redeemed: a settlement counts bought and donated goods apart.
    area = models.CharField(max_length=10, choices=RewardArea.choices)
    handover = models.CharField(max_length=10, choices=Handover.choices)
    hold = models.OneToOneField("ledger.Hold", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=RedemptionStatus.choices, default=RedemptionStatus.OPEN
    )
    step = models.CharField(max_length=10, choices=DeliveryStep.choices, blank=True)
    address = models.CharField(_("delivery address"), max_length=200, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # a code to collect
    due_at = models.DateTimeField(null=True, blank=True)  # a delivery
    refusal_reason = models.CharField(max_length=10, choices=RefusalReason.choices, blank=True)
    penalty_due = models.PositiveIntegerField(default=0)
    penalty_transaction = models.ForeignKey(
        "ledger.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="redemption_code_unique"),
        ]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="redemption_member_idx"),
            models.Index(
                fields=["programme", "expires_at"],
                condition=Q(status="open"),
                name="redemption_open_idx",
            ),
            models.Index(fields=["store", "status", "closed_at"], name="redemption_store_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.status})"

    @property
    def reference(self) -> str:
        return reference_of(self.public_id)


def reference_of(public_id: str) -> str:
    """The ledger reference of a redemption's hold, settlement and release."""
    return f"redemption:{public_id}"


class WaitStatus(models.TextChoices):
    WAITING = "waiting", _("waiting")
    SERVED = "served", _("served")
    WITHDRAWN = "withdrawn", _("withdrawn")


class WaitlistEntry(models.Model):
    """A resident waiting for a reward out of stock at a store; served highest balance first
    when stock comes in."""

    reward = models.ForeignKey(Reward, on_delete=models.CASCADE, related_name="waitlist_entries")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("programmes.Member", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=WaitStatus.choices, default=WaitStatus.WAITING)
    redemption = models.OneToOneField(
        Redemption, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["reward_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reward", "store", "member"],
                condition=Q(status="waiting"),
                name="waitlist_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} waits for {self.reward_id}"


DEFAULT_ZONES = [2, 5, 10, 20, 30, 50]


class RewardSettings(models.Model):
    """A programme's redemption settings."""

    programme = models.OneToOneField(
        "programmes.Programme", on_delete=models.CASCADE, related_name="reward_settings"
    )
    code_days = models.PositiveSmallIntegerField(_("days a code stays valid"), default=7)
    delivery_working_days = models.PositiveSmallIntegerField(
        _("working days to deliver"), default=7
    )
    refusal_penalty = models.PositiveIntegerField(
        _("penalty for refusing a delivery (points)"), default=2000
    )
    settlement_months = models.PositiveSmallIntegerField(_("settlement period (months)"), default=3)
    # The supermarket's shelves by price (2/5/10/20/30/50 points).
    zones = models.JSONField(_("zones (points)"), default=list, blank=True)
    # The donated-goods area opens to a resident after a goods-area redemption this month.
    donated_needs_goods = models.BooleanField(
        _("donated goods only after a goods redemption in the month"), default=True
    )

    class Meta:
        ordering = ["programme_id"]

    def __str__(self) -> str:
        return f"reward settings of {self.programme_id}"


class Settlement(models.Model):
    """A store's period, settled by an administrator: the totals are frozen from then on
    and must always equal the ledger's settled holds (jifen verify checks)."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="+"
    )
    public_id = models.CharField(max_length=12, unique=True, default=_public_id, editable=False)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="settlements")
    starts_on = models.DateField()
    ends_on = models.DateField()  # the last day of the period
    items = models.PositiveIntegerField()
    points = models.BigIntegerField()
    money = models.DecimalField(max_digits=14, decimal_places=2)
    point_value = models.DecimalField(max_digits=10, decimal_places=2)
    donated_items = models.PositiveIntegerField()
    donated_points = models.BigIntegerField()
    # [{"reward": public_id, "name", "area", "quantity", "points"}, …]
    lines = models.JSONField(default=list)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    settled_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-starts_on", "store_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "starts_on"], name="settlement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.starts_on}–{self.ends_on}"
