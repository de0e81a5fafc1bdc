"""The leaderboard page (public), the resident's recognition page with the opt-out, and the
administrators' recognition settings: who may see them, what they show, and what they never
show (a phone number, an opted-out name)."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse as django_reverse
from django.utils import translation

from jifen.programmes.models import Programme, RoleKind
from jifen.recognition import standings
from jifen.recognition.models import Preference, RecognitionSettings
from jifen.recognition.names import settings_of
from jifen.recognition.tests.worlds import NOW, december
from jifen.testing import make_resident_user, make_staff, text_of

HTMX = {"HTTP_HX_REQUEST": "true"}


def reverse(name, args):
    """The page's address in English, so that the tests read the source's words."""
    with translation.override("en"):
        return django_reverse(name, args=args)


@pytest.fixture
def people(programme, community):
    found = december(community)
    with time_machine.travel(NOW, tick=False):
        standings.refresh(programme)
    return found


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def board_url(programme, **query):
    url = reverse("leaderboard", args=[programme.slug])
    return url + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_anyone_sees_the_months_board_with_masked_names(client, programme, people, now):
    page = client.get(board_url(programme)).content.decode()
    places = text_of(page, "places")
    assert "王*英" in places and "李*" in places and "王秀英" not in page
    assert places.index("王*英") < places.index("陈*")
    assert "139" not in places  # make_member's phones start with 139
    assert "Computed at 2026-12-15 10:00" in text_of(page, "computed-at")


def test_the_switchers_show_another_board_and_period(client, programme, people, now):
    page = client.get(board_url(programme, board="pairs", period="year"), **HTMX)
    text = page.content.decode()
    assert "<html" not in text  # the partial only
    assert "王*明 and 王*英" in text_of(text, "places") and "900" in text_of(text, "places")
    assert 'data-period="year" aria-current="true"' in text


def test_an_unknown_board_or_period_shows_the_months_members(client, programme, people, now):
    assert client.get(board_url(programme, board="x\x00")).status_code == 400
    page = client.get(board_url(programme, board="x", period="9" * 400))
    assert page.status_code == 200
    assert 'data-board="members" data-period="month"' in page.content.decode()


def test_an_opted_out_member_is_anonymous_on_the_board(client, programme, people, now):
    Preference.objects.create(member=people["li"], hide_name=True)
    places = text_of(client.get(board_url(programme)).content.decode(), "places")
    assert places.count("李*") == 1 and "Anonymous resident" in places  # 李*红 only
    households = client.get(board_url(programme, board="households")).content.decode()
    assert "A family in 东区" in text_of(households, "places")


def test_real_names_when_the_programme_says_so(client, programme, people, now):
    settings_of(programme)
    RecognitionSettings.objects.filter(programme=programme).update(name_display="real")
    assert "王秀英" in text_of(client.get(board_url(programme)).content.decode(), "places")


def test_a_private_programme_has_no_public_board(client, programme, people):
    Programme.objects.filter(pk=programme.pk).update(is_public=False)
    assert client.get(board_url(programme)).status_code == 404


def test_the_resident_sees_stars_ranks_and_can_hide_their_name(client, programme, people, now):
    client.force_login(make_resident_user(member=people["hong"]))
    url = reverse("resident-recognition", args=[programme.slug])
    page = client.get(url).content.decode()
    assert "950 more points to the next star" in text_of(page, "my-stars")
    assert "No. 6" in text_of(page, "my-ranks") and "No. 2" in text_of(page, "my-ranks")
    answer = client.post(
        reverse("resident-recognition-preference", args=[programme.slug]), {"hide_name": "1"}
    )
    assert answer.status_code == 302
    assert Preference.objects.get(member=people["hong"]).hide_name is True
    assert "Show my name again" in client.get(url).content.decode()


def test_another_programmes_resident_page_is_not_found(client, programme, people, other_programme):
    client.force_login(make_resident_user(member=people["hong"]))
    assert (
        client.get(reverse("resident-recognition", args=[other_programme.slug])).status_code == 404
    )


def test_an_admin_changes_the_stars_and_the_names(client, programme, admin):
    client.force_login(admin)
    url = reverse("console-recognition", args=[programme.slug])
    assert client.get(url).status_code == 200
    form = {
        "star_thresholds": "500, 1500 3000",
        "star_names": "铜星\n银星\n金星",
        "name_display": "anonymous",
        "monthly_top": "10",
        "yearly_top": "5",
        "title_name": "社区之星",
        "title_count": "10",
    }
    assert client.post(url, form).status_code == 302
    found = settings_of(programme)
    assert (found.star_thresholds, found.star_names, found.name_display) == (
        [500, 1500, 3000],
        ["铜星", "银星", "金星"],
        "anonymous",
    )
    form["star_thresholds"] = "0"
    assert client.post(url, form).status_code == 422


@pytest.mark.parametrize("kind", [RoleKind.ORGANIZER, RoleKind.REVIEWER])
def test_staff_without_the_capability_get_404(client, programme, kind):
    client.force_login(make_staff(programme=programme, kind=kind))
    assert client.get(reverse("console-recognition", args=[programme.slug])).status_code == 404


def test_a_community_limited_admin_and_another_programmes_admin_get_404(
    client, programme, community, other_admin
):
    client.force_login(make_staff(programme=programme, community=community))
    assert client.get(reverse("console-recognition", args=[programme.slug])).status_code == 404
    client.force_login(other_admin)
    assert client.get(reverse("console-recognition", args=[programme.slug])).status_code == 404


def test_the_board_reads_as_many_queries_for_two_places_as_for_six(client, programme, people, now):
    client.get(board_url(programme))  # the session and the settings exist from here on
    with CaptureQueriesContext(connection) as six:
        client.get(board_url(programme))
    with CaptureQueriesContext(connection) as two:
        client.get(board_url(programme, board="households", period="all"))
    assert len(two) == len(six) <= 6


def test_the_residents_home_and_the_console_link_to_recognition(client, programme, admin, people):
    client.force_login(make_resident_user(member=people["wang"]))
    home = client.get(reverse("resident-home", args=[programme.slug])).content.decode()
    assert reverse("resident-recognition", args=[programme.slug]) in home
    client.force_login(admin)
    console = client.get(reverse("console-recognition", args=[programme.slug])).content.decode()
    assert f'href="{reverse("console-recognition", args=[programme.slug])}"' in console
