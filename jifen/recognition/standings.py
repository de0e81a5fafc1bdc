"""Computing the leaderboards into the standings table (Standing), one set-based SQL
statement per board and period, so that reading a board is an index range and a member's
rank one index lookup however many members the programme has.

What is counted: the points a member *earned* in the period, that is the positive postings
of award and adjustment transactions for the member to a wallet (theirs, or their
household's where the programme keeps household wallets) made since the period began, less
those later reversed (jifen.recognition.titles.earned_postings, which the titles count
too). Spending, expiry and balances do not matter. Only active members are ranked; a member
with no points in the period has no rank.

The boards:

- members: each member by their own points.
- households: each household by its members' points together; named by its top earner.
- pairs (parent and child): a household with at least one child member (Member.is_child)
  and at least one adult member who both earned points in the period. Its pair is its
  top-earning child and its top-earning adult (ties: the lower member id); the pair's points
  are those two members' points together. One pair per household.

Ranks are SQL's RANK(): equal points share a rank and the next rank skips (100, 80, 80, 50
→ 1, 2, 2, 4). Periods start at local midnight in the programme's time zone."""

import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from jifen.lib import clock
from jifen.programmes.models import MemberStatus, Programme
from jifen.recognition.models import Board, Period, Standing, StandingsRefresh
from jifen.recognition.titles import earned_postings

ALL_TIME_START = date(2000, 1, 1)
TABLE = Standing._meta.db_table
COLUMNS = (
    "programme_id, board, period, starts_on, subject_id, member_id, partner_id, "
    "community_id, points, rank"
)


def period_start(period: str, programme: Programme, now: datetime | None = None) -> date:
    """The first day of the period containing `now` (default: now), in the programme's zone."""
    if period == Period.ALL:
        return ALL_TIME_START
    today = timezone.localtime(now or clock.now(), ZoneInfo(programme.timezone)).date()
    return today.replace(day=1) if period == Period.MONTH else today.replace(month=1, day=1)


def _earned_sql(programme: Programme, starts_on: date) -> tuple[str, tuple[Any, ...]]:
    """SQL for each active member's points earned since starts_on: mid, hid, child, cid,
    points."""
    # The same points earned as the titles' (awards and adjustments credited to a member's
    # or a household's wallet, by the member they are for), so that the year's board and its
    # 社区之星 agree, also where the programme keeps household wallets.
    postings = earned_postings(programme).filter(transaction__member__status=MemberStatus.ACTIVE)
    if starts_on != ALL_TIME_START:
        start = datetime.combine(starts_on, datetime.min.time(), ZoneInfo(programme.timezone))
        postings = postings.filter(transaction__created_at__gte=start)
    earned = postings.values(
        mid=F("transaction__member_id"),
        hid=F("transaction__member__household_id"),
        child=F("transaction__member__is_child"),
        cid=F("transaction__member__community_id"),
    ).annotate(points=Sum("amount"))
    sql, params = earned.order_by().query.sql_with_params()
    return sql, tuple(params)


_SELECT = {
    Board.MEMBERS: (
        "SELECT %s, %s, %s, %s, e.mid, e.mid, NULL, e.cid, e.points, "
        "RANK() OVER (ORDER BY e.points DESC) FROM e"
    ),
    Board.HOUSEHOLDS: (
        ", h AS (SELECT e.hid, e.mid, e.cid, SUM(e.points) OVER (PARTITION BY e.hid) AS total, "
        "ROW_NUMBER() OVER (PARTITION BY e.hid ORDER BY e.points DESC, e.mid) AS n "
        "FROM e WHERE e.hid IS NOT NULL) "
        "SELECT %s, %s, %s, %s, h.hid, h.mid, NULL, h.cid, h.total, "
        "RANK() OVER (ORDER BY h.total DESC) FROM h WHERE h.n = 1"
    ),
    Board.PAIRS: (
        ", best AS (SELECT e.hid, e.mid, e.cid, e.child, e.points, "
        "ROW_NUMBER() OVER (PARTITION BY e.hid, e.child ORDER BY e.points DESC, e.mid) AS n "
        "FROM e WHERE e.hid IS NOT NULL), "
        "pair AS (SELECT b.hid, MAX(CASE WHEN b.child = %s THEN b.mid END) AS kid, "
        "MAX(CASE WHEN b.child = %s THEN b.mid END) AS adult, "
        "MAX(CASE WHEN b.child = %s THEN b.cid END) AS cid, "
        "SUM(b.points) AS total, COUNT(*) AS people FROM best b WHERE b.n = 1 GROUP BY b.hid) "
        "SELECT %s, %s, %s, %s, pair.hid, pair.kid, pair.adult, pair.cid, pair.total, "
        "RANK() OVER (ORDER BY pair.total DESC) FROM pair WHERE pair.people = 2"
    ),
}


def refresh_board(programme: Programme, board: str, period: str) -> int:
    """Recompute one board for one period (replacing its rows); returns how many places."""
    starts_on = period_start(period, programme)
    earned, params = _earned_sql(programme, starts_on)
    head = (programme.pk, board, period, starts_on)
    # The pairs' statement picks the child, the adult and the child's community first.
    between: tuple[Any, ...] = (True, False, True) if board == Board.PAIRS else ()
    sql = f"INSERT INTO {TABLE} ({COLUMNS}) WITH e AS ({earned}) {_SELECT[Board(board)]}"
    with transaction.atomic():
        Standing.objects.filter(programme=programme, board=board, period=period).delete()
        with connection.cursor() as cursor:
            cursor.execute(sql, (*params, *between, *head))
            return cursor.rowcount


def refresh(programme: Programme) -> StandingsRefresh:
    """Recompute every board of the programme for this month, this year and all time."""
    began, computed_at = time.perf_counter(), clock.now()
    for board in Board.values:
        for period in Period.values:
            refresh_board(programme, board, period)
    found, _created = StandingsRefresh.objects.update_or_create(
        programme=programme,
        defaults={"computed_at": computed_at, "seconds": time.perf_counter() - began},
    )
    return found
