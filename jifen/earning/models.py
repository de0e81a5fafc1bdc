"""Earning: the rules that turn what residents do into points, and what they do under them —
activities with sign-ups and check-ins, claims with evidence, devices' events — with the
public notice (公示) that holds an award before it counts, and appeals.

Every point still moves through the ledger's services: an `Earning` is the record of one
award that a rule produced (which rule, which version, for what), pending during its notice
window, and linked to the ledger transaction once posted."""

from functools import partial

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.lib import clock
from jifen.lib.ids import new_public_id

_public_id = partial(new_public_id, 12)


class RuleKind(models.TextChoices):
    FIXED = "fixed", _("Fixed points per occurrence")
    HOURLY = "hourly", _("Points per time spent")
    RANGE = "range", _("A range decided by the reviewer")
    CRITERIA = "criteria", _("Criteria and measured values")
    AMOUNT = "amount", _("Points per amount spent")
    CHECKIN = "checkin", _("Daily check-in with a streak bonus")


class RuleCategory(models.TextChoices):
    PATROL = "patrol", _("Safety patrol")
    CLEANING = "cleaning", _("Clean-up and environment")
    SORTING = "sorting", _("Garbage sorting")
    ELDERLY = "elderly", _("Caring for the elderly")
    SERVICE = "service", _("Skilled service")
    CULTURE = "culture", _("Culture and sport")
    SUGGESTION = "suggestion", _("Suggestions and reports")
    SHOPPING = "shopping", _("Purchases")
    DAILY = "daily", _("Daily check-in")
    OTHER = "other", _("Other")


class Rule(models.Model):
    """An earning rule. Its numbers live in versions: editing a rule adds a version, and every
    award records the version that produced it."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="earning_rules"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(
        _("category"), max_length=12, choices=RuleCategory.choices, default=RuleCategory.OTHER
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RuleKind.choices)
    # Residents may claim under it (with evidence, reviewed); devices may post events to it.
    allows_claims = models.BooleanField(_("residents may claim"), default=False)
    allows_devices = models.BooleanField(_("devices may post events"), default=False)
    requires_review = models.BooleanField(_("a reviewer approves each award"), default=False)
    notice_days = models.PositiveSmallIntegerField(_("public notice (days)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)  # the current one
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["programme_id", "category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="rule_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class RuleVersion(models.Model):
    """The numbers of a rule as they were from `created_at` on (see jifen.earning.rules for
    the configuration's fields). Never changed: a new version replaces it."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    config = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["rule_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="rule_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} v{self.number}"


class EarningSettings(models.Model):
    """A programme's earning settings: the appeal window and the answering deadline."""

    programme = models.OneToOneField(
        "programmes.Programme", on_delete=models.CASCADE, related_name="earning_settings"
    )
    appeal_days = models.PositiveSmallIntegerField(_("days to appeal"), default=3)
    answer_working_days = models.PositiveSmallIntegerField(
        _("working days to answer an appeal"), default=3
    )
    # ISO weekdays that are not working days (6 = Saturday, 7 = Sunday).
    weekend = models.JSONField(_("days off each week"), default=list, blank=True)
    holidays = models.JSONField(_("holidays"), default=list, blank=True)  # ["2026-10-01", …]
    checkin_rotation_seconds = models.PositiveSmallIntegerField(default=30)

    class Meta:
        ordering = ["programme_id"]

    def __str__(self) -> str:
        return f"earning settings of {self.programme_id}"


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed: points credited")
    CANCELLED = "cancelled", _("cancelled")


class Activity(models.Model):
    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="activities"
    )
    public_id = models.CharField(max_length=16, unique=True, default=_public_id, editable=False)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(
        _("category"), max_length=12, choices=RuleCategory.choices, default=RuleCategory.OTHER
    )
    community = models.ForeignKey(
        "programmes.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("community"),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="activities", verbose_name=_("rule")
    )
    organizers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="organized_activities"
    )
    signup_opens_at = models.DateTimeField(_("sign-up opens"), null=True, blank=True)
    signup_closes_at = models.DateTimeField(_("sign-up closes"), null=True, blank=True)
    # Balance or lifetime points that give priority on the waitlist (a privilege, not spent).
    priority_points = models.PositiveIntegerField(
        _("priority from (points)"), null=True, blank=True
    )
    status = models.CharField(max_length=10, choices=ActivityStatus.choices, default="open")
    # The key that signs the activity's rotating check-in code (renewed every few seconds).
    checkin_secret = models.CharField(max_length=64, default=partial(new_public_id, 32))
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["programme", "starts_at"], name="activity_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("signed up")
    WAITING = "waiting", _("on the waitlist")
    CANCELLED = "cancelled", _("cancelled")


class SignUp(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    member = models.ForeignKey("programmes.Member", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=SignUpStatus.choices)
    # Priority on the waitlist: residents at or above the activity's priority points first.
    priority = models.BooleanField(default=False)
    # A member above the mentoring threshold who brought this one (both get the bonus).
    brought_by = models.ForeignKey(
        "programmes.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["activity_id", "-priority", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="signup_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.activity_id} ({self.status})"


class CheckInMethod(models.TextChoices):
    CARD = "card", _("member card scanned")
    CODE = "code", _("activity code scanned by the resident")
    PHONE = "phone", _("phone number typed")
    NAME = "name", _("found by name")
    ROSTER = "roster", _("marked from the sign-up list")
    WALK_IN = "walk_in", _("walk-in")
    DEVICE = "device", _("device")


class Attendance(models.Model):
    """One resident at one activity: checked in once, whoever scans and however often."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey("programmes.Member", on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=10, choices=CheckInMethod.choices)
    checked_in_at = models.DateTimeField(default=clock.now)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    # Time entered by the organizer (per-hour rules without check-out), in minutes.
    minutes = models.PositiveIntegerField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["activity_id", "checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} at {self.activity_id}"


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("waiting for review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Claim(models.Model):
    """A resident's claim under a rule that allows it, with evidence, decided by a reviewer."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="claims"
    )
    public_id = models.CharField(max_length=16, unique=True, default=_public_id, editable=False)
    member = models.ForeignKey("programmes.Member", on_delete=models.PROTECT, related_name="claims")
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="claims")
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("what happened"), max_length=2000, blank=True)
    criteria = models.JSONField(default=list, blank=True)  # codes of the criteria met
    measures = models.JSONField(default=dict, blank=True)  # {"accuracy": 75, "minutes": 90}
    occurred_at = models.DateTimeField(_("when"), default=clock.now)
    # What the rule gives for the criteria and measures as claimed (the reviewer decides).
    proposed = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["programme", "status"], name="claim_status_idx")]

    def __str__(self) -> str:
        return f"claim {self.public_id} ({self.status})"


class ClaimPhoto(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="photos")
    public_id = models.CharField(max_length=16, unique=True, default=_public_id, editable=False)
    path = models.CharField(max_length=200)  # relative to the media root
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["claim_id", "id"]

    def __str__(self) -> str:
        return self.path


class EarningStatus(models.TextChoices):
    NOTICE = "notice", _("on public notice")
    OBJECTED = "objected", _("objected to: waiting for the appeal")
    POSTED = "posted", _("credited")
    CANCELLED = "cancelled", _("withdrawn")


class EarningSource(models.TextChoices):
    ACTIVITY = "activity", _("activity")
    CLAIM = "claim", _("claim")
    DEVICE = "device", _("device")
    CHECKIN = "checkin", _("daily check-in")
    APPEAL = "appeal", _("appeal")
    BONUS = "bonus", _("bonus")


class Earning(models.Model):
    """One award that a rule produced: for whom, how many points, why, from which rule
    version; on notice until `notice_ends_at`, then posted to the ledger exactly once.
    `occurrence` names what earned it (an activity, a claim, a day's check-in, a device
    event) and is unique: the same occurrence never earns twice."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="earnings"
    )
    public_id = models.CharField(max_length=16, unique=True, default=_public_id, editable=False)
    member = models.ForeignKey(
        "programmes.Member", on_delete=models.PROTECT, related_name="earnings"
    )
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=EarningSource.choices)
    occurrence = models.CharField(max_length=120)
    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, null=True, blank=True, related_name="earnings"
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="earnings"
    )
    points = models.PositiveIntegerField()
    # How the points were reached, for the resident and the reviewer: ["基础 10", "×2 新居民"].
    explanation = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=EarningStatus.choices)
    notice_ends_at = models.DateTimeField(null=True, blank=True)
    transaction = models.OneToOneField(
        "ledger.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What the ledger credited: less than `points` when a cap or quota cut it.
    credited = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "occurrence"], name="earning_occurrence_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["programme", "notice_ends_at"],
                condition=Q(status="notice"),
                name="earning_notice_idx",
            ),
            models.Index(fields=["member", "-created_at"], name="earning_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.points} for {self.occurrence} ({self.status})"


class AppealKind(models.TextChoices):
    AWARD = "award", _("an award is wrong")
    REFUSED_CLAIM = "refused_claim", _("a claim was refused")
    MISSING = "missing", _("attended but not credited")
    OBJECTION = "objection", _("objection during the public notice")


class AppealStatus(models.TextChoices):
    OPEN = "open", _("waiting for an answer")
    UPHELD = "upheld", _("upheld: corrected")
    DISMISSED = "dismissed", _("dismissed")


class Appeal(models.Model):
    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="appeals"
    )
    public_id = models.CharField(max_length=16, unique=True, default=_public_id, editable=False)
    kind = models.CharField(max_length=14, choices=AppealKind.choices)
    # Who appeals or objects (a member of the programme); the earning's member may differ.
    member = models.ForeignKey("programmes.Member", on_delete=models.PROTECT, related_name="+")
    # The member whose points are in question (the subject of an objection, else `member`).
    subject = models.ForeignKey("programmes.Member", on_delete=models.PROTECT, related_name="+")
    earning = models.ForeignKey(
        Earning, on_delete=models.PROTECT, null=True, blank=True, related_name="appeals"
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="appeals"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, null=True, blank=True, related_name="appeals"
    )
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default="open")
    due_at = models.DateTimeField()
    answer = models.CharField(_("answer"), max_length=500, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # The ledger entry that corrected it (an award or a reversal), when upheld.
    correction = models.ForeignKey(
        "ledger.Transaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["programme", "status", "due_at"], name="appeal_due_idx")]

    def __str__(self) -> str:
        return f"appeal {self.public_id} ({self.status})"


class DeviceKey(models.Model):
    """An API key for a device (a smart bin, a kiosk): one programme, some rules."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="device_keys"
    )
    public_id = models.CharField(max_length=16, unique=True, default=_public_id, editable=False)
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)  # shown to staff to tell keys apart
    rules = models.ManyToManyField(Rule, related_name="device_keys")
    per_minute = models.PositiveIntegerField(_("events per minute"), default=600)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class DeviceEvent(models.Model):
    """An event a device posted, once per idempotency key."""

    device = models.ForeignKey(DeviceKey, on_delete=models.PROTECT, related_name="events")
    idempotency_key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    member = models.ForeignKey("programmes.Member", on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="+")
    measures = models.JSONField(default=dict)
    earning = models.OneToOneField(
        Earning, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "idempotency_key"], name="device_event_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.idempotency_key}"
