"""The demo's recognition: every demo programme's boards computed with places, 幸福里社区's
names masked, one or two residents opted out and never named on the public leaderboard page,
and titles only for the years of the history that are over."""

import pytest
from django.db import transaction
from django.db.models import Min
from django.urls import reverse as django_reverse
from django.utils import translation

from jifen.earning.listings import masked
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.programmes import demo
from jifen.programmes.models import Member, Programme
from jifen.recognition import queries
from jifen.recognition.demo import PROGRAMMES
from jifen.recognition.models import Board, NameDisplay, Period, Preference, Standing, Title
from jifen.recognition.names import settings_of
from jifen.recognition.titles import earned_postings
from jifen.testing import text_of


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    """One demo for the module, as building it takes a while: built in a transaction that
    is rolled back at the end, each test running in a savepoint within it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        built = demo.build_demo(password="demo pass for tests")
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def programmes(_demo, db) -> list[Programme]:
    return list(Programme.objects.filter(slug__in=PROGRAMMES).order_by("pk"))


def hidden_of(programme: Programme) -> list[Member]:
    ids = Preference.objects.filter(member__programme=programme, hide_name=True)
    return list(Member.objects.filter(pk__in=ids.values("member_id")).select_related("community"))


def test_every_demo_programme_has_its_boards_with_places(programmes):
    assert {p.slug for p in programmes} == set(PROGRAMMES)
    for programme in programmes:
        for period in (Period.YEAR, Period.ALL):  # the county's month has nothing counted yet
            assert queries.top(programme, Board.MEMBERS, period), (programme.slug, period)
            assert queries.top(programme, Board.HOUSEHOLDS, period), (programme.slug, period)
        assert queries.last_computed(programme) is not None
    xingfuli = programmes[0]
    assert xingfuli.slug == demo.SLUG and queries.top(xingfuli, Board.MEMBERS, Period.MONTH)


def test_xingfuli_masks_names_and_the_others_keep_the_defaults(programmes):
    for programme in programmes:
        found = settings_of(programme)
        assert found.name_display == NameDisplay.MASKED
        assert found.title_name == "社区之星"


def test_one_or_two_leaders_opted_out_and_are_anonymous_on_the_board(programmes):
    for programme in programmes:
        hidden = hidden_of(programme)
        assert 1 <= len(hidden) <= 2, programme.slug
        leaders = Standing.objects.filter(
            programme=programme, board=Board.MEMBERS, period=Period.YEAR, rank__lte=10
        )
        assert {m.pk for m in hidden} <= set(leaders.values_list("subject_id", flat=True))
        with translation.override("en"):
            places = queries.top(programme, Board.MEMBERS, Period.YEAR)
        named = {p.subject_id: p.name for p in places}
        assert all(named[m.pk] == "Anonymous resident" for m in hidden)


def test_opted_out_names_never_appear_on_the_public_leaderboard_page(client, programmes):
    for programme in programmes:
        hidden = hidden_of(programme)
        with translation.override("en"):
            url = django_reverse("leaderboard", args=[programme.slug])
        for board in (Board.MEMBERS, Board.HOUSEHOLDS):
            for period in Period.values:
                page = client.get(url, {"board": board, "period": period}).content.decode()
                shown = text_of(page, "places") or ""
                others = {
                    p.name + p.community
                    for p in queries.top(programme, board, period)
                    if p.subject_id not in {m.pk for m in hidden}
                }
                for member in hidden:
                    assert member.display_name not in page
                    named = masked(member.display_name) + member.community.name
                    # (unless a neighbour of the same community masks alike)
                    assert named not in shown or named in others
        year_page = client.get(url, {"board": Board.MEMBERS, "period": Period.YEAR})
        assert "Anonymous resident" in text_of(year_page.content.decode(), "places")


def test_titles_are_given_only_for_years_that_are_over(programmes):
    for programme in programmes:
        this_year = local(clock.now(), programme.timezone).year
        first = earned_postings(programme).aggregate(at=Min("transaction__created_at"))["at"]
        years = set(range(local(first, programme.timezone).year, this_year))
        given = Title.objects.filter(programme=programme)
        assert set(given.values_list("year", flat=True)) <= years
        assert not given.filter(year=this_year).exists()
        for year in years:
            if earned_postings(programme).filter(transaction__created_at__year=year).exists():
                assert given.filter(year=year).count() == settings_of(programme).title_count
