"""Reads shaped for the recognition pages and API: a board's top places, a member's place on
each board, their stars. Boards read the standings table (jifen.recognition.standings), so a
board is an index range and a member's place one index lookup. Both are a single SQL
statement written out here (the board's joined to the named members and their opt-outs):
at a million members the ORM's own work per query, not the database's, was most of the time.
Names go through jifen.recognition.names."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from jifen.ledger.models import Account, AccountKind, Asset
from jifen.programmes.models import Community, Member, Programme
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
_WHERE = "s.programme_id = %s AND s.board = %s AND s.period = %s AND s.starts_on = %s"
_TABLES = {
    "standing": Standing._meta.db_table,
    "member": Member._meta.db_table,
    "community": Community._meta.db_table,
    "preference": Preference._meta.db_table,
}
# The places and, for each, the named member's name, community and opt-out, and a pair's
# adult's name and opt-out (NULL elsewhere).
TOP_SQL = """SELECT s.rank, s.points, s.subject_id, m.display_name, c.name,
        COALESCE(p.hide_name, %s), a.display_name, COALESCE(q.hide_name, %s)
    FROM {standing} s
    JOIN {member} m ON m.id = s.member_id
    JOIN {community} c ON c.id = m.community_id
    LEFT JOIN {preference} p ON p.member_id = s.member_id
    LEFT JOIN {member} a ON a.id = s.partner_id
    LEFT JOIN {preference} q ON q.member_id = s.partner_id
    WHERE {where} ORDER BY s.rank, s.subject_id LIMIT %s""".format(where=_WHERE, **_TABLES)
PLACE_SQL = "SELECT s.rank, s.points FROM {standing} s WHERE {where} AND s.subject_id = %s".format(
    where=_WHERE, **_TABLES
)


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


def _board(programme: Programme, board: str, period: str) -> list[Any]:
    return [programme.pk, board, period, period_start(period, programme)]


def top(programme: Programme, board: str, period: str, limit: int | None = None) -> list[Place]:
    """The board's first places in rank order (ties share a rank; then by subject id), named
    as the public sees them: two queries (the settings; the places with their names)."""
    settings = settings_of(programme)
    limit = board_size(settings, period) if limit is None else limit
    with connection.cursor() as cursor:
        cursor.execute(TOP_SQL, [False, False, *_board(programme, board, period), limit])
        rows = cursor.fetchall()
    return [_place(settings.name_display, board, row) for row in rows]


def place_of(member: Member, board: str, period: str) -> Rank | None:
    """The member's place on the board (their household's on the household and pair boards),
    wherever it is, in one query; None when they earned nothing there in the period."""
    subject = member.pk if board == Board.MEMBERS else member.household_id
    if subject is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(PLACE_SQL, [*_board(member.programme, board, period), subject])
        found = cursor.fetchone()
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


def _place(display: str, board: str, row: tuple) -> Place:
    """A place named as the public sees it: a member, a family, or a child and an adult."""
    rank, points, subject_id, name, community, hidden, adult, adult_hidden = row
    shown = public_name(name, display, hidden=bool(hidden))
    if board == Board.HOUSEHOLDS:
        if hidden or display == NameDisplay.ANONYMOUS:
            shown = _("A family in %(community)s") % {"community": community}
        else:
            shown = _("%(name)s's family") % {"name": shown}
    elif board == Board.PAIRS:
        partner = public_name(adult or "", display, hidden=bool(adult_hidden) or adult is None)
        shown = _("%(child)s and %(adult)s") % {"child": shown, "adult": partner}
    return Place(rank, points, shown, community, subject_id)
