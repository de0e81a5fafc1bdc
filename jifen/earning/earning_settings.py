"""Changing a programme's earning settings: how long residents have to appeal, how many working
days reviewers have to answer (which days are off: the weekend and the holidays), and how often
an activity's check-in code changes."""

from dataclasses import asdict, dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jifen.accounts.models import User
from jifen.audit.services import record as audit
from jifen.earning.appeals import DEFAULT_WEEKEND, settings_of
from jifen.earning.models import EarningSettings
from jifen.lib.errors import InvalidInput
from jifen.programmes.models import Programme

MAX_DAYS = 365
MAX_HOLIDAYS = 400  # a year of them and some more: the answering deadline stays bounded
MIN_ROTATION, MAX_ROTATION = 10, 3600


class InvalidEarningSettings(InvalidInput):
    code = "invalid_earning_settings"
    message = _("The earning settings are not valid: %(problem)s.")


@dataclass(frozen=True)
class EarningSettingsData:
    appeal_days: int
    answer_working_days: int
    weekend: tuple[int, ...]  # ISO weekdays off: 6 = Saturday, 7 = Sunday
    holidays: tuple[date, ...]
    checkin_rotation_seconds: int


def update_earning_settings(
    *, programme: Programme, actor: User | None, data: EarningSettingsData
) -> EarningSettings:
    """Save the settings; the audit entry names each one that changed, with its old and new
    value. Raises InvalidEarningSettings."""
    _check(data)
    with transaction.atomic():
        found = EarningSettings.objects.select_for_update().get(pk=settings_of(programme).pk)
        before = _stored(found)
        after = asdict(data) | {
            "weekend": sorted(set(data.weekend)),
            "holidays": sorted({d.isoformat() for d in data.holidays}),
        }
        for name, value in after.items():
            setattr(found, name, value)
        found.save()
        changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        audit(
            actor=actor,
            action="earning_settings.update",
            target=programme,
            programme=programme,
            data={"changes": changes},
        )
    return found


def _stored(found: EarningSettings) -> dict[str, object]:
    return {
        "appeal_days": found.appeal_days,
        "answer_working_days": found.answer_working_days,
        "weekend": sorted(found.weekend or []),
        "holidays": sorted(str(d) for d in found.holidays or []),
        "checkin_rotation_seconds": found.checkin_rotation_seconds,
    }


def _check(data: EarningSettingsData) -> None:
    if not 1 <= data.appeal_days <= MAX_DAYS:
        raise InvalidEarningSettings(problem=_("the days to appeal go from 1 to 365"))
    if not 1 <= data.answer_working_days <= MAX_DAYS:
        raise InvalidEarningSettings(problem=_("the working days to answer go from 1 to 365"))
    if any(day not in range(1, 8) for day in data.weekend) or len(set(data.weekend)) > 6:
        # Seven days off a week: no deadline could ever be reached.
        raise InvalidEarningSettings(problem=_("at least one day a week must be a working day"))
    if len(set(data.holidays)) > MAX_HOLIDAYS:
        raise InvalidEarningSettings(problem=_("at most %(n)s holidays") % {"n": MAX_HOLIDAYS})
    if not MIN_ROTATION <= data.checkin_rotation_seconds <= MAX_ROTATION:
        raise InvalidEarningSettings(
            problem=_("the check-in code changes every %(low)s to %(high)s seconds")
            % {"low": MIN_ROTATION, "high": MAX_ROTATION}
        )


def current_settings(programme: Programme) -> EarningSettings:
    """The programme's earning settings as saved, or the defaults (unsaved) before any."""
    found = EarningSettings.objects.filter(programme=programme).first()
    return found or EarningSettings(programme=programme, weekend=list(DEFAULT_WEEKEND))
