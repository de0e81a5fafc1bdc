"""Tenancy and people: programmes, communities, households (一户一档), members and roles."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from jifen.lib.ids import new_public_id


class ProgrammeWalletLevel(models.TextChoices):
    MEMBER = "member", _("Each member has a wallet")
    HOUSEHOLD = "household", _("Each household has one wallet")


class Programme(models.Model):
    """A points programme: the tenant that every other row belongs to."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    default_language = models.CharField(
        _("default language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    timezone = models.CharField(_("time zone"), max_length=60, default="Asia/Shanghai")
    currency_name = models.CharField(_("name of the points"), max_length=30, default="积分")
    point_value = models.DecimalField(
        _("value of one point"), max_digits=10, decimal_places=2, default=Decimal("1.00")
    )
    money_currency = models.CharField(_("money currency"), max_length=3, default="CNY")
    wallet_level = models.CharField(
        _("wallet level"),
        max_length=10,
        choices=ProgrammeWalletLevel.choices,
        default=ProgrammeWalletLevel.MEMBER,
    )
    is_public = models.BooleanField(_("public landing page"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(point_value__gte=0), name="programme_point_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def points_unit(self, count: int) -> str:
        """What `count` points are called on a page in the active language: the programme's
        own name for them (积分) in the programme's language, else the translated word
        "points", so that no sentence mixes two languages (“You earned 300 积分”)."""
        if translation.get_language() == self.default_language:
            return self.currency_name
        return ngettext("point", "points", count)


class Community(models.Model):
    """A neighbourhood or a village within a programme."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="communities")
    name = models.CharField(_("name"), max_length=120)
    population = models.PositiveIntegerField(_("population"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme_id", "name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "name"], name="community_name_unique_in_programme"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A household (户): one address in a community, with an optional head of household."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="households")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="households")
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    building = models.CharField(_("building"), max_length=30, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    room = models.CharField(_("room"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    head = models.ForeignKey(
        "Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head of household"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["community_id", "building", "unit", "room", "address"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "building", "unit", "room", "address"],
                name="household_address_unique_in_community",
            ),
            models.CheckConstraint(
                condition=~Q(building="", unit="", room="", address=""),
                name="household_has_an_address",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """“3栋-2单元-301”, or the free-form address."""
        parts = [p for p in (self.building, self.unit, self.room) if p]
        return "-".join(parts) if parts else self.address


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    LEFT = "left", _("Left")


class MemberQuerySet(models.QuerySet["Member"]):
    def active(self) -> "MemberQuerySet":
        return self.filter(status=MemberStatus.ACTIVE)

    def search(self, text: str) -> "MemberQuerySet":
        """Members whose name contains the text or whose phone contains its digits."""
        text = text.strip()
        if not text:
            return self
        digits = "".join(c for c in text if c.isdigit())
        condition = Q(display_name__icontains=text)
        if len(digits) >= 3:
            condition |= Q(phone__contains=digits)
        return self.filter(condition)


class Member(models.Model):
    """A person in a programme (居民 / 志愿者 / 会员)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="members")
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    display_name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="members")
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
    )
    joined_on = models.DateField(_("joined on"))
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    is_elderly = models.BooleanField(_("elderly"), default=False)
    is_child = models.BooleanField(_("child"), default=False)
    is_new_resident = models.BooleanField(_("new resident"), default=False)
    interest_tags = models.JSONField(_("interests"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    # Bumped to revoke every card printed so far: old QR codes stop verifying.
    card_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["programme_id", "display_name", "id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "phone"],
                condition=~Q(phone=""),
                name="member_phone_unique_in_programme",
                violation_error_message=_("Another member of this programme has this phone."),
            ),
            models.UniqueConstraint(
                fields=["programme", "user"],
                condition=Q(user__isnull=False),
                name="member_user_once_per_programme",
            ),
        ]
        indexes = [models.Index(fields=["programme", "display_name"], name="member_name_idx")]

    def __str__(self) -> str:
        return self.display_name


class RoleKind(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    ORGANIZER = "organizer", _("Organizer")
    REVIEWER = "reviewer", _("Reviewer")
    CASHIER = "cashier", _("Cashier")
    AUDITOR = "auditor", _("Auditor")
    RESIDENT = "resident", _("Resident")


class Role(models.Model):
    """What a user may do in a programme, optionally limited to one community."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles"
    )
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="roles")
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("community"),
    )
    kind = models.CharField(_("role"), max_length=12, choices=RoleKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme_id", "kind", "id"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "programme", "kind"],
                condition=Q(community__isnull=True),
                name="role_unique_programme_wide",
            ),
            models.UniqueConstraint(
                fields=["user", "programme", "community", "kind"],
                condition=Q(community__isnull=False),
                name="role_unique_in_community",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.community or self.programme}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def open(self) -> "InvitationQuerySet":
        """Invitations that can still be answered: not used, revoked, declined or expired."""
        return self.filter(
            used_at__isnull=True,
            revoked_at__isnull=True,
            declined_at__isnull=True,
            expires_at__gt=timezone.now(),
        )


class Invitation(models.Model):
    """A one-time, expiring link to a member's account. Only a hash of it is kept. It sets a
    password only for an account that belongs to this programme alone, or a new one; a person
    who already has an account accepts (or declines) while signed in as themselves."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    # Who accepted or declined. The programme's pages never show it: a person who declined
    # is not the programme's to name.
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.member} · {self.created_at:%Y-%m-%d}"


class RoleOfferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class RoleOfferQuerySet(models.QuerySet["RoleOffer"]):
    def open(self) -> "RoleOfferQuerySet":
        """Offers that can still be answered: waiting for an answer and not expired."""
        return self.filter(status=RoleOfferStatus.PENDING, expires_at__gt=timezone.now())


class RoleOffer(models.Model):
    """A role offered to someone who already has an account: it becomes a Role only when they
    accept with the offer's one-time link, signed in as themselves. Only a hash of the link's
    secret is kept. Until then the programme knows them only by `login`, what its
    administrator typed."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="role_offers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_offers"
    )
    login = models.CharField(_("username or phone number"), max_length=100)
    kind = models.CharField(_("role"), max_length=12, choices=RoleKind.choices)
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_offers",
        verbose_name=_("community"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RoleOfferStatus.choices,
        default=RoleOfferStatus.PENDING,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = RoleOfferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("role offer")
        verbose_name_plural = _("role offers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "programme", "kind"],
                condition=Q(community__isnull=True, status="pending"),
                name="role_offer_pending_once_programme_wide",
            ),
            models.UniqueConstraint(
                fields=["user", "programme", "community", "kind"],
                condition=Q(community__isnull=False, status="pending"),
                name="role_offer_pending_once_in_community",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.community or self.programme}"
