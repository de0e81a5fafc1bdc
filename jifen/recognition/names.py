"""How a member's name appears where the public may look (leaderboards, the notice board,
its poster, the newsletter): as the programme's setting says, anonymous for a member who opted
out, never a phone number. Staff pages inside the console show real names as before."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from jifen.earning.listings import masked
from jifen.programmes.models import Member, Programme
from jifen.recognition.models import NameDisplay, Preference, RecognitionSettings


def settings_of(programme: Programme) -> RecognitionSettings:
    found, _created = RecognitionSettings.objects.get_or_create(programme=programme)
    return found


def hidden_member_ids(programme: Programme, member_ids: Iterable[int] | None = None) -> set[int]:
    """The members (among member_ids, or all) who opted out of public boards."""
    qs = Preference.objects.filter(member__programme=programme, hide_name=True)
    if member_ids is not None:
        qs = qs.filter(member_id__in=list(member_ids))
    return set(qs.values_list("member_id", flat=True))


def public_name(name: str, display: str, *, hidden: bool = False) -> str:
    """A name as the public sees it under display (a NameDisplay value)."""
    if hidden or display == NameDisplay.ANONYMOUS:
        return _("Anonymous resident")
    if display == NameDisplay.MASKED:
        return masked(name)
    return name.strip()


def public_names(programme: Programme, members: Iterable[Member]) -> dict[int, str]:
    """Each member's public name by member id, with one query for the opt-outs."""
    members = list(members)
    display = settings_of(programme).name_display
    hidden = hidden_member_ids(programme, [m.pk for m in members])
    return {m.pk: public_name(m.display_name, display, hidden=m.pk in hidden) for m in members}
