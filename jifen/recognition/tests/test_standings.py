"""The leaderboards as the refresh computes them: RANK() with ties, the periods in the
programme's time zone, households, parent–child pairs, reversed awards, and that spending
changes nothing."""

import pytest
import time_machine

from jifen.ledger import services as ledger
from jifen.ledger.models import Account
from jifen.lib import jobs
from jifen.recognition import queries, standings
from jifen.recognition.models import RecognitionSettings, Standing, StandingsRefresh
from jifen.recognition.names import settings_of
from jifen.recognition.tests.worlds import NOW, december, family, pair


@pytest.fixture
def people(programme, community):
    found = december(community)
    settings_of(programme)
    RecognitionSettings.objects.filter(programme=programme).update(name_display="real")
    with time_machine.travel(NOW, tick=False):
        standings.refresh(programme)
    return found


def board(programme, name, period):
    with time_machine.travel(NOW, tick=False):
        return [(p.rank, p.name, p.points) for p in queries.top(programme, name, period)]


def test_it_ranks_the_months_members_with_shared_ranks_for_ties(programme, people):
    assert board(programme, "members", "month") == [
        (1, "王秀英", 300),
        (1, "李明", 300),
        (3, "陈静", 200),
        (4, "王小明", 100),
        (4, "张伟", 100),
        (6, "李小红", 50),
    ]


def test_it_counts_the_year_and_all_time_from_local_midnight(programme, people):
    assert board(programme, "members", "year")[:3] == [
        (1, "张伟", 1099),
        (2, "王秀英", 800),
        (3, "李明", 400),
    ]
    assert board(programme, "members", "all")[0] == (1, "王秀英", 1800)


def test_it_adds_a_households_members_together(programme, people):
    assert board(programme, "households", "month") == [
        (1, family("王秀英"), 600),
        (2, family("李明"), 350),
    ]


def test_a_pair_is_the_households_top_child_and_top_adult(programme, people):
    assert board(programme, "pairs", "month") == [
        (1, pair("王小明", "王秀英"), 400),
        (2, pair("李小红", "李明"), 350),
    ]
    assert [r for r in board(programme, "pairs", "year")] == [
        (1, pair("王小明", "王秀英"), 900),
        (2, pair("李小红", "李明"), 450),
    ]


def test_my_rank_is_found_outside_the_top(programme, people):
    RecognitionSettings.objects.filter(programme=programme).update(monthly_top=2)
    with time_machine.travel(NOW, tick=False):
        assert len(queries.top(programme, "members", "month")) == 2
        mine = queries.place_of(people["hong"], "members", "month")
        household = queries.place_of(people["hong"], "households", "month")
        nothing = queries.place_of(people["zhang"], "households", "month")
    assert (mine.rank, mine.points) == (6, 50)
    assert (household.rank, household.points) == (2, 350)
    assert nothing is None


def test_spending_does_not_change_the_points_earned(programme, people):
    ledger.donate_points(member=people["wang"], amount=250)
    with time_machine.travel(NOW, tick=False):
        standings.refresh(programme)
    assert board(programme, "members", "month")[0] == (1, "王秀英", 300)


def test_a_new_month_without_a_refresh_shows_an_empty_board(programme, people):
    with time_machine.travel("2027-01-01 00:10 +0800", tick=False):
        assert queries.top(programme, "members", "month") == []
        standings.refresh(programme)
        assert [p.name for p in queries.top(programme, "members", "all")][0] == "王秀英"


def test_a_refresh_replaces_the_rows_and_records_when(programme, people):
    count = Standing.objects.count()
    with time_machine.travel(NOW, tick=False):
        standings.refresh(programme)
        assert queries.last_computed(programme).isoformat() == "2026-12-15T02:00:00+00:00"
    assert Standing.objects.count() == count
    assert StandingsRefresh.objects.count() == 1


def test_the_worker_job_refreshes_every_programme(programme, community, other_programme):
    december(community)
    with time_machine.travel(NOW, tick=False):
        job = next(j for j in jobs.registered() if j.name == "refresh-leaderboards")
        jobs.run_job(job)
    assert StandingsRefresh.objects.count() == 2
    assert (
        Standing.objects.filter(programme=programme, board="members", period="month").count() == 6
    )


def test_household_wallets_rank_the_members_they_were_awarded_for(programme, community):
    """Where a household keeps one wallet (篇三's county), each award is still its member's:
    the boards are the same as with a wallet each."""
    type(programme).objects.filter(pk=programme.pk).update(wallet_level="household")
    programme.refresh_from_db()
    december(community)
    wallets = Account.objects.filter(programme=programme, balance__gt=0)
    members = wallets.filter(kind="member").values_list("member__display_name", flat=True)
    assert set(members) == {"张伟"}  # the only one without a household
    settings_of(programme)  # made on first use
    RecognitionSettings.objects.filter(programme=programme).update(name_display="real")
    with time_machine.travel(NOW, tick=False):
        standings.refresh(programme)
    assert board(programme, "members", "month")[:3] == [
        (1, "王秀英", 300),
        (1, "李明", 300),
        (3, "陈静", 200),
    ]
    assert board(programme, "households", "month") == [
        (1, family("王秀英"), 600),
        (2, family("李明"), 350),
    ]
