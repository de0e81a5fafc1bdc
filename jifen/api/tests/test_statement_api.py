"""GET /programmes/{slug}/me/points pages the statement by date: next_before continues it
exactly, whatever order the entries were written in."""

from datetime import UTC, datetime, timedelta

from jifen.ledger.services import award_points
from jifen.lib import clock

START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_the_pages_follow_the_dates_and_next_before_continues_them(api_as, resident, member):
    days = [(i * 37) % 60 for i in range(60)]  # every day once, written out of order
    for day in days:
        with clock.at(START + timedelta(days=day)):
            award_points(member=member, amount=1, reason=f"day {day}")
    api, seen, before = api_as(resident), [], None
    while True:
        body = api.get(
            "/programmes/xingfuli/me/points", {"before": before} if before else {}
        ).json()
        seen += [e["reason"] for e in body["entries"]]
        if (before := body["next_before"]) is None:
            break
    assert seen == [f"day {day}" for day in sorted(days, reverse=True)]
