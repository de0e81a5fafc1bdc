"""Annual titles: the year's top earners by points earned in that calendar year (local time),
given once after the year ended, by the year-end job or an admin, with the transactions
behind each title's points."""

import pytest
import time_machine
from django.urls import reverse

from jifen.ledger import services as ledger
from jifen.lib import jobs
from jifen.programmes.models import RoleKind
from jifen.recognition import titles
from jifen.recognition.models import RecognitionSettings, Title
from jifen.recognition.names import settings_of
from jifen.testing import make_member, make_staff, text_of


def award(member, amount, when):
    with time_machine.travel(when, tick=False):
        return ledger.award_points(member=member, amount=amount, reason="志愿服务").transaction


@pytest.fixture
def year_2025(programme, community, member):
    """Three residents' 2025: 王秀英 300 (two awards), 李明 500, 张伟 200 of whose 2024 and
    2026 points do not count, and an award to 李明 reversed."""
    li, zhang = (make_member(community=community, name=n) for n in ("李明", "张伟"))
    first = award(member, 100, "2025-01-01 00:30 +0800")  # 2024-12-31 16:30 UTC: still 2025
    second = award(member, 200, "2025-06-01 10:00 +0800")
    award(li, 500, "2025-03-01 10:00 +0800")
    wrong = award(li, 900, "2025-03-02 10:00 +0800")
    with time_machine.travel("2025-03-03 10:00 +0800", tick=False):
        ledger.reverse_transaction(original=wrong, reason="录入错误", actor=None)
    award(zhang, 200, "2025-12-31 23:30 +0800")
    award(zhang, 999, "2024-12-31 23:30 +0800")
    award(zhang, 999, "2026-01-01 00:10 +0800")
    return {"wang": member, "li": li, "zhang": zhang, "wang_tx": [first, second]}


def test_it_ranks_the_years_earners_by_points_earned_that_local_year(programme, year_2025):
    top = titles.top_earners(programme, 2025, count=10)
    assert [(e.member_id, e.points) for e in top] == [
        (year_2025["li"].pk, 500),
        (year_2025["wang"].pk, 300),
        (year_2025["zhang"].pk, 200),
    ]
    assert top[1].transactions == [t.public_id for t in year_2025["wang_tx"]]


def test_it_gives_the_top_n_titles_once(programme, year_2025, admin):
    settings_of(programme)
    RecognitionSettings.objects.filter(programme=programme).update(title_count=2)
    with time_machine.travel("2026-01-02 09:00 +0800", tick=False):
        given = titles.give_titles(programme=programme, year=2025, actor=admin)
        again = titles.give_titles(programme=programme, year=2025, actor=admin)
    assert [(t.member_id, t.rank, t.points, t.name) for t in given] == [
        (year_2025["li"].pk, 1, 500, "社区之星"),
        (year_2025["wang"].pk, 2, 300, "社区之星"),
    ]
    assert [t.pk for t in again] == [t.pk for t in given]
    assert Title.objects.count() == 2


def test_it_refuses_a_year_not_over_in_the_programmes_time_zone(programme, year_2025):
    with time_machine.travel(
        "2025-12-31 23:50 +0800", tick=False
    ):  # 2026 in UTC+9, not in Shanghai
        with pytest.raises(titles.YearNotOver):
            titles.give_titles(programme=programme, year=2025)
    assert not Title.objects.exists()


def test_the_year_end_job_gives_last_years_titles_once(programme, year_2025):
    job = next(j for j in jobs.registered() if j.name == "give-titles")
    with time_machine.travel("2026-01-01 00:05 +0800", tick=False):
        assert jobs.run_job(job)
        assert jobs.run_job(job)
        assert titles.give_last_years_titles() == 0
    assert Title.objects.filter(programme=programme, year=2025).count() == 3


def test_the_job_any_day_gives_the_year_before_it(programme, year_2025):
    with time_machine.travel("2025-06-02 10:00 +0800", tick=False):
        assert titles.give_last_years_titles() == 1
    (title,) = Title.objects.filter(year=2024)
    assert (title.member_id, title.points) == (year_2025["zhang"].pk, 999)


def test_an_admin_gives_last_years_titles_from_the_console_once(client, programme, year_2025):
    url = reverse("console-titles", args=[programme.slug])
    client.force_login(make_staff(programme=programme, kind=RoleKind.REVIEWER))
    with time_machine.travel("2026-02-01 10:00 +0800", tick=False):
        assert client.post(url).status_code == 404 and client.get(url).status_code == 404
        client.force_login(make_staff(programme=programme, kind=RoleKind.ADMIN))
        assert client.post(url).status_code == 302
        client.post(url)
        page = client.get(url).content.decode()
    assert Title.objects.filter(year=2025).count() == 3
    assert "李明" in text_of(page, "titles") and "certificate.pdf" in page
