"""Recognition's writes: a member's opt-out from public boards and the programme's
recognition settings."""

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from jifen.accounts.models import User
from jifen.audit.services import record as audit
from jifen.programmes.models import Member, Programme
from jifen.recognition import errors
from jifen.recognition.models import NameDisplay, Preference, RecognitionSettings
from jifen.recognition.names import settings_of

MAX_STARS = 10
MAX_THRESHOLD = 10**12
MAX_TOP = 100


def set_preference(*, member: Member, hide_name: bool) -> Preference:
    """Show or hide the member's name on public boards (the same call twice changes nothing)."""
    found, _created = Preference.objects.update_or_create(
        member=member, defaults={"hide_name": hide_name}
    )
    return found


def update_settings(
    *,
    programme: Programme,
    actor: User | None,
    star_thresholds: Sequence[int],
    star_names: Sequence[str],
    **shown: object,
) -> RecognitionSettings:
    """Change the stars and how boards show names (`shown`: name_display, monthly_top,
    yearly_top, title_name, title_count). Raises InvalidRecognitionSettings."""
    thresholds = _thresholds(star_thresholds)
    names = [str(n).strip()[:40] for n in star_names]
    if len(names) > len(thresholds):
        raise errors.InvalidRecognitionSettings(problem=_("more names than stars"))
    _check_shown(shown)
    with transaction.atomic():
        found = settings_of(programme)
        found.star_thresholds, found.star_names = thresholds, names
        for field, value in shown.items():
            setattr(found, field, value)
        found.save()
        audit(actor=actor, action="recognition.settings", target=found, programme=programme)
    return found


def _thresholds(values: Sequence[int]) -> list[int]:
    ordered = sorted(set(values))
    if not 1 <= len(ordered) <= MAX_STARS or len(ordered) != len(values):
        raise errors.InvalidRecognitionSettings(
            problem=_("1 to 10 different thresholds, one for each star")
        )
    if any(type(v) is not int or not 0 < v <= MAX_THRESHOLD for v in ordered):
        raise errors.InvalidRecognitionSettings(problem=_("thresholds are positive points"))
    return ordered


def _check_shown(shown: dict[str, object]) -> None:
    allowed = {"name_display", "monthly_top", "yearly_top", "title_name", "title_count"}
    if set(shown) - allowed:
        raise TypeError(f"unknown settings: {sorted(set(shown) - allowed)}")
    if "name_display" in shown and shown["name_display"] not in NameDisplay.values:
        raise errors.InvalidRecognitionSettings(problem=_("an unknown way to show names"))
    for field in ("monthly_top", "yearly_top", "title_count"):
        value = shown.get(field, 1)
        if type(value) is not int or not 1 <= value <= MAX_TOP:
            raise errors.InvalidRecognitionSettings(problem=_("boards show 1 to 100 places"))
    title = shown.get("title_name", "x")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 60:
        raise errors.InvalidRecognitionSettings(problem=_("the title has 1 to 60 characters"))
