"""Recognition: how a programme shows its residents' effort.

Stars come from a member's lifetime earned points (the ledger's Account.lifetime_earned),
which expiry and spending never lower. Titles (社区之星) are given by the year-end job and
recorded here. Names on leaderboards and the notice board are shown as the programme's
setting says (real, masked 张*三, or anonymous); a member may opt out, and is then shown
anonymously wherever the public could see them. Phone numbers are never shown."""

from functools import partial

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jifen.lib import clock
from jifen.lib.ids import new_public_id

_public_id = partial(new_public_id, 12)


class NameDisplay(models.TextChoices):
    REAL = "real", _("Real names")
    MASKED = "masked", _("Masked names (张*三)")
    ANONYMOUS = "anonymous", _("Anonymous")


def default_star_thresholds() -> list[int]:
    return [1000, 2000, 3000, 4000, 5000]


class RecognitionSettings(models.Model):
    """A programme's recognition settings (settings_of() makes them on first use)."""

    programme = models.OneToOneField(
        "programmes.Programme", on_delete=models.CASCADE, related_name="recognition_settings"
    )
    # Lifetime points for 1, 2, … stars, ascending.
    star_thresholds = models.JSONField(
        _("lifetime points for each star"), default=default_star_thresholds
    )
    # One name per star (e.g. ["一星志愿者", …]); empty means "N stars".
    star_names = models.JSONField(_("names of the stars"), default=list, blank=True)
    name_display = models.CharField(
        _("names on public boards"),
        max_length=10,
        choices=NameDisplay.choices,
        default=NameDisplay.MASKED,
    )
    monthly_top = models.PositiveSmallIntegerField(_("shown on the monthly board"), default=20)
    yearly_top = models.PositiveSmallIntegerField(_("shown on the yearly board"), default=10)
    title_name = models.CharField(_("the annual title"), max_length=60, default="社区之星")
    title_count = models.PositiveSmallIntegerField(_("titles given each year"), default=10)

    class Meta:
        ordering = ["programme_id"]

    def __str__(self) -> str:
        return f"recognition settings of {self.programme_id}"


class Preference(models.Model):
    """A member's choice to stay off public boards (shown anonymously there)."""

    member = models.OneToOneField(
        "programmes.Member", on_delete=models.CASCADE, related_name="recognition_preference"
    )
    hide_name = models.BooleanField(_("hide my name on public boards"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["member_id"]

    def __str__(self) -> str:
        return f"preference of {self.member_id}"


class Title(models.Model):
    """A title given to a member for a year (the annual top → 社区之星), with the points
    that earned it and the transactions behind them (their public ids, for the log's proof)."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="+"
    )
    public_id = models.CharField(max_length=12, unique=True, default=_public_id, editable=False)
    member = models.ForeignKey("programmes.Member", on_delete=models.PROTECT, related_name="titles")
    name = models.CharField(max_length=60)
    year = models.PositiveSmallIntegerField()
    rank = models.PositiveSmallIntegerField()
    points = models.BigIntegerField()
    transactions = models.JSONField(default=list)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    given_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-year", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "year", "name", "member"], name="one_title_a_year"
            ),
        ]
        indexes = [models.Index(fields=["programme", "year"])]

    def __str__(self) -> str:
        return f"{self.name} {self.year}: {self.member_id}"


class Board(models.TextChoices):
    MEMBERS = "members", _("Residents")
    HOUSEHOLDS = "households", _("Households")
    PAIRS = "pairs", _("Parent and child")


class Period(models.TextChoices):
    MONTH = "month", _("This month")
    YEAR = "year", _("This year")
    ALL = "all", _("All time")


class Standing(models.Model):
    """One place on a leaderboard as the last refresh computed it (jifen.recognition.standings):
    the subject (a member on the members board, a household on the others), the points earned
    in the period, and its RANK() among them. Rows are replaced whole by each refresh."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    board = models.CharField(max_length=10, choices=Board.choices)
    period = models.CharField(max_length=5, choices=Period.choices)
    # The first day of the period in the programme's time zone (2000-01-01 for all time).
    starts_on = models.DateField()
    # A member's id on the members board, a household's on the households and pairs boards;
    # no foreign key, so that a refresh inserts a million rows without checking each.
    subject_id = models.BigIntegerField()
    # Who is named: the member; a household's top earner; a pair's child.
    member_id = models.BigIntegerField()
    # A pair's adult; else NULL.
    partner_id = models.BigIntegerField(null=True)
    community_id = models.BigIntegerField()
    points = models.BigIntegerField()
    rank = models.BigIntegerField()

    class Meta:
        ordering = ["programme_id", "board", "period", "starts_on", "rank", "subject_id"]
        constraints = [
            # "My rank": one index lookup.
            models.UniqueConstraint(
                fields=["programme", "board", "period", "starts_on", "subject_id"],
                name="standing_once_per_board",
            ),
        ]
        # The top N: an index range in rank order.
        indexes = [
            models.Index(
                fields=["programme", "board", "period", "starts_on", "rank", "subject_id"],
                name="standing_top_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.board} {self.period} #{self.rank}: {self.subject_id}"


class StandingsRefresh(models.Model):
    """When a programme's leaderboards were last computed, and how long it took."""

    programme = models.OneToOneField(
        "programmes.Programme", on_delete=models.CASCADE, related_name="+"
    )
    computed_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["programme_id"]

    def __str__(self) -> str:
        return f"standings of {self.programme_id} at {self.computed_at}"
