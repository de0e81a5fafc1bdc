"""The notice board (公示榜) of a month and its poster: awards by community and rule, notices
and objections, quotas used and left; names as the programme says (opted-out anonymous),
never a phone number; the poster's QR is the latest signed head, which the transparency page
verifies, and a forged root it rejects."""

import re
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from jifen.earning import crediting
from jifen.earning.appeals import object_to
from jifen.earning.models import EarningSource
from jifen.ledger.policy_changes import PolicySettings, QuotaTier, update_policy
from jifen.programmes.models import Programme
from jifen.recognition import board, posters
from jifen.recognition.models import NameDisplay, Preference, RecognitionSettings
from jifen.recognition.names import settings_of
from jifen.testing import make_member, make_rule, pdf_text, text_of
from jifen.transparency import queries
from jifen.transparency.sequencer import seal_all

NOW = "2026-11-20 10:00 +0800"


def earn(member, rule, points, occurrence, *, notice=False):
    version = crediting.current_version(rule)
    return crediting.record(
        member=member,
        version=version,
        source=EarningSource.BONUS,
        occurrence=occurrence,
        points=points,
        explanation=[],
        notice=notice,
    ).earning


@pytest.fixture
def november(programme, community, other_community, member):
    """November 2026: 王秀英 (东区) 2 × 扫地 10; 李明 (西区, opted out) 垃圾分类 30; an award of
    October; 张伟's 20 on notice with an objection; quotas on (东区 60, 西区 60)."""
    tiers = (QuotaTier(None, 60),)
    update_policy(
        actor=None,
        programme=programme,
        settings=PolicySettings(quotas_enabled=True, quota_tiers=tiers),
    )
    sweep = make_rule(programme=programme, name="扫地", config={"points": 10})
    sort = make_rule(programme=programme, name="垃圾分类", config={"points": 30})
    notice = make_rule(programme=programme, name="好人好事", notice_days=5)
    li = make_member(community=other_community, name="李明", phone="13711112222")
    zhang = make_member(community=community, name="张伟")
    Preference.objects.create(member=li, hide_name=True)
    with time_machine.travel("2026-10-31 23:00 +0800", tick=False):
        earn(member, sweep, 10, "oct")
    with time_machine.travel("2026-11-02 10:00 +0800", tick=False):
        earn(member, sweep, 10, "a")
        earn(member, sweep, 10, "b")
        earn(li, sort, 30, "c")
    with time_machine.travel("2026-11-18 10:00 +0800", tick=False):
        pending = earn(zhang, notice, 20, "d", notice=True)
        object_to(earning=pending, member=member, reason="没有这回事")
        seal_all()
    with time_machine.travel(NOW, tick=False):
        yield {"li": li, "zhang": zhang}


def test_the_board_has_the_months_awards_by_community_and_rule(programme, november):
    found = board.board_of(programme, date(2026, 11, 1))
    assert [(c.community, c.points) for c in found.awards] == [("东区", 20), ("西区", 30)]
    (east,), (west,) = (c.lines for c in found.awards)
    assert (east.rule, east.count, east.points, east.names) == ("扫地", 2, 20, ["王*英"] * 2)
    assert (west.rule, west.names) == ("垃圾分类", [gettext("Anonymous resident")])


def test_the_board_lists_notices_objections_and_quotas(programme, november):
    found = board.board_of(programme, date(2026, 11, 1))
    assert [(n.name, n.rule, n.points, n.objected) for n in found.notices] == [
        ("张*", "好人好事", 20, True)
    ]
    assert [(o.subject, o.rule, o.status) for o in found.objections] == [
        ("张*", "好人好事", "open")
    ]
    assert [(q.community, q.ceiling, q.used, q.left) for q in found.quotas] == [
        ("东区", 60, 20, 40),
        ("西区", 60, 30, 30),
    ]
    october = board.board_of(programme, date(2026, 10, 1))
    assert [q.used for q in october.quotas] == [10, 0] and october.objections == []


def test_real_names_show_but_never_the_opted_out_nor_a_phone(client, programme, november):
    settings_of(programme)
    RecognitionSettings.objects.filter(programme=programme).update(name_display=NameDisplay.REAL)
    page = client.get(reverse("board", args=[programme.slug])).content.decode()
    assert "王秀英" in text_of(page, "awards") and "张伟" in text_of(page, "notices")
    assert "李明" not in page and not re.search(r"1[3-9]\d{9}", page)


def test_the_month_switcher_shows_another_month(client, programme, november):
    url = reverse("board", args=[programme.slug])
    page = client.get(url, {"month": "2026-10"}).content.decode()
    assert "2026" in text_of(page, "board-month") and "?month=2026-09" in page
    assert "10" in text_of(page, "awards") and "垃圾分类" not in text_of(page, "awards")
    assert client.get(url, {"month": "2026-13"}).status_code == 404
    assert client.get(url, {"month": "9999-12"}).status_code == 404
    assert client.get(url, {"month": "x\x00"}).status_code == 400


def test_a_programme_that_is_not_public_has_no_board(client, programme, other_programme):
    Programme.objects.filter(pk=other_programme.pk).update(is_public=False)
    for name, args in (("board", []), ("board-poster", ["a4"])):
        url = reverse(name, args=[other_programme.slug, *args])
        assert client.get(url).status_code == 404


def test_the_poster_reads_in_chinese_with_the_board(client, programme, november):
    url = reverse("board-poster", args=[programme.slug, "a3"])
    response = client.get(url, {"month": "2026-11"})
    text = pdf_text(response.content)
    assert response["Content-Type"] == "application/pdf"
    for words in ("幸福里社区", "东区", "扫地", "王*英", "张*", "西区"):
        assert words in text
    assert "李明" not in text and "13711112222" not in text


def test_the_posters_qr_is_the_latest_head_and_the_page_verifies_it(client, programme, november):
    head = queries.latest_head(programme)
    link = posters.head_link("http://testserver/p/xingfuli/transparency/", head)
    assert f"size={head.size}&root={bytes(head.root_hash).hex()}" in link
    assert verdict(client, link) == "verified"
    forged = link.replace(f"root={bytes(head.root_hash).hex()[:4]}", "root=0000")
    assert verdict(client, forged) == "mismatch"
    assert verdict(client, link.replace(f"size={head.size}", f"size={head.size - 1}")) == "mismatch"
    assert verdict(client, link.replace(f"size={head.size}", "size=" + "9" * 30)) == "mismatch"


def verdict(client, link):
    page = client.get(link, follow=True).content.decode()
    return re.search(r'id="head-verdict" data-verdict="(\w+)"', page)[1]


def test_the_poster_draws_the_link_of_the_latest_head(programme, november):
    head = queries.latest_head(programme)
    found = board.board_of(programme, date(2026, 11, 1))
    link = posters.head_link("http://x/t/", head)
    pdf = posters.poster_pdf(found, head=head, link=link, paper="a4")
    assert bytes(head.root_hash).hex() in pdf_text(pdf)


def test_the_api_gives_the_board_of_a_month(client, programme, november):
    found = client.get("/api/v1/programmes/xingfuli/board", {"month": "2026-11"}).json()
    assert found["month"] == "2026-11" and found["total_points"] == 50
    assert [a["community"] for a in found["awards"]] == ["东区", "西区"]
    assert found["awards"][1]["lines"][0]["names"] == [gettext("Anonymous resident")]
    assert found["quotas"][0] == {"community": "东区", "ceiling": 60, "used": 20, "left": 40}
    assert found["notices"][0]["objected"] and found["objections"][0]["status"] == "open"
    assert "13711112222" not in str(found) and "李明" not in str(found)
    bad = client.get("/api/v1/programmes/xingfuli/board", {"month": "2026-13"})
    assert bad.status_code == 422


def test_the_board_reads_as_many_queries_for_many_rows_as_for_few(programme, community, november):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            board.board_of(programme, date(2026, 11, 1))
        return len(queries)

    settings_of(programme)  # made on first use
    few = count()
    rule = make_rule(programme=programme, name="巡逻", config={"points": 1})
    with time_machine.travel("2026-11-03 10:00 +0800", tick=False):
        for n in range(5):
            earn(make_member(community=community), rule, 1, f"more-{n}")
    assert count() == few
