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
