"""Reads shaped for the recognition pages and API: a board's top places, a member's place on
each board, their stars. Boards read the standings table (jifen.recognition.standings), so a
board is an index range and a member's place one index lookup; names go through
jifen.recognition.names."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from jifen.ledger.models import Account, AccountKind, Asset
from jifen.programmes.models import Member, Programme
from jifen.recognition.models import (
    Board,
    NameDisplay,
    Period,
    Preference,
    RecognitionSettings,
    Standing,
    StandingsRefresh,
)
from jifen.recognition.names import public_name, settings_of
from jifen.recognition.standings import period_start
from jifen.recognition.stars import Stars, stars_for

ALL_TIME_TOP = 20


@dataclass(frozen=True)
class Place:
    """One place on a board as anyone may see it."""

    rank: int
    points: int
    name: str
    community: str
    subject_id: int


@dataclass(frozen=True)
class Rank:
    """A member's own place on a board: where they stand and with how many points."""

    rank: int
    points: int


def board_size(settings: RecognitionSettings, period: str) -> int:
    """How many places a board shows: the programme's monthly and yearly tops, 20 all time."""
    sizes = {Period.MONTH: settings.monthly_top, Period.YEAR: settings.yearly_top}
    return sizes.get(Period(period), ALL_TIME_TOP)


def _standings(programme: Programme, board: str, period: str) -> QuerySet[Standing]:
    return Standing.objects.filter(
        programme=programme, board=board, period=period, starts_on=period_start(period, programme)
    )


def top(programme: Programme, board: str, period: str, limit: int | None = None) -> list[Place]:
    """The board's first places in rank order (ties share a rank; then by subject id), named
    as the public sees them: three queries (the settings, the places, the named members)."""
    settings = settings_of(programme)
    limit = board_size(settings, period) if limit is None else limit
    rows = list(_standings(programme, board, period).order_by("rank", "subject_id")[:limit])
    return _named(settings.name_display, board, rows)


def place_of(member: Member, board: str, period: str) -> Rank | None:
    """The member's place on the board (their household's on the household and pair boards),
    wherever it is, in one query; None when they earned nothing there in the period."""
    subject = member.pk if board == Board.MEMBERS else member.household_id
    if subject is None:
        return None
    found = (
        _standings(member.programme, board, period)
        .filter(subject_id=subject)
        .values_list("rank", "points")
        .first()
    )
    return Rank(*found) if found else None


def places_of(member: Member) -> dict[str, dict[str, Rank | None]]:
    """The member's place on every board for every period: {board: {period: place}}."""
    return {b: {p: place_of(member, b, p) for p in Period.values} for b in Board.values}


def last_computed(programme: Programme) -> datetime | None:
    found = StandingsRefresh.objects.filter(programme=programme).first()
    return found.computed_at if found else None


def stars_of(member: Member) -> Stars:
    """The member's stars from their wallet's lifetime earned points (never lowered by
    spending or expiry); none without a wallet of their own."""
    lifetime = (
        Account.objects.filter(member=member, kind=AccountKind.MEMBER, asset=Asset.POINTS)
        .values_list("lifetime_earned", flat=True)
        .first()
    )
    found = settings_of(member.programme)
    return stars_for(lifetime or 0, found.star_thresholds, found.star_names)


def _named(display: str, board: str, rows: Sequence[Standing]) -> list[Place]:
    """Places with their public names, the opt-outs read with the members in one query."""
    ids = {r.member_id for r in rows} | {r.partner_id for r in rows if r.partner_id}
    opted_out = Preference.objects.filter(member=OuterRef("pk"), hide_name=True)
    members = (
        Member.objects.filter(pk__in=ids)
        .select_related("community")
        .only("display_name", "community__name")
        .annotate(hidden=Exists(opted_out))
    )
    by_id = {m.pk: m for m in members}
    hidden = {m.pk for m in by_id.values() if m.hidden}  # type: ignore[attr-defined]

    def name(member_id: int) -> str:
        found = by_id.get(member_id)
        shown = found.display_name if found else ""
        return public_name(shown, display, hidden=member_id in hidden or found is None)

    def label(row: Standing) -> str:
        anonymous = display == NameDisplay.ANONYMOUS or row.member_id in hidden
        if board == Board.MEMBERS:
            return name(row.member_id)
        if board == Board.HOUSEHOLDS:
            if anonymous:
                community = _community(by_id, row.member_id)
                return _("A family in %(community)s") % {"community": community}
            return _("%(name)s's family") % {"name": name(row.member_id)}
        return _("%(child)s and %(adult)s") % {
            "child": name(row.member_id),
            "adult": name(row.partner_id or 0),
        }

    return [
        Place(r.rank, r.points, label(r), _community(by_id, r.member_id), r.subject_id)
        for r in rows
    ]


def _community(by_id: dict[int, Member], member_id: int) -> str:
    found = by_id.get(member_id)
    return found.community.name if found else ""
