"""No public or resident page, file or answer of recognition, the notice board and the
newsletter shows a phone number or the name of a resident who opted out — even when the
programme shows real names — and the insights exports, which staff download, carry no phone
number either. The opted-out resident is the one everything would name: the month's and the
year's top earner, last year's 社区之星, an award on public notice and a finished activity."""

import csv
import io
import json
from datetime import date

import openpyxl
import pytest
import time_machine
from django.test import Client

from jifen.earning import services as earning
from jifen.insights.tables import KPIS
from jifen.ledger.services import award_points
from jifen.programmes.models import Member
from jifen.recognition import services
from jifen.recognition.models import Board, NameDisplay, Period, RecognitionSettings
from jifen.recognition.names import settings_of
from jifen.recognition.standings import refresh
from jifen.recognition.titles import give_titles
from jifen.testing import make_activity, make_member, make_rule, pdf_text
from jifen.voices.testing import make_survey

HIDDEN = "欧阳娜娜"
FORMS_OF_HIDDEN = [HIDDEN, "欧*娜", "欧**娜"]  # her name real or masked


@pytest.fixture
def hidden(programme, community, member, admin):
    """欧阳娜娜 opted out and tops every board; the programme shows real names."""
    settings_of(programme)  # made on first use
    RecognitionSettings.objects.filter(programme=programme).update(name_display=NameDisplay.REAL)
    her = make_member(community=community, name=HIDDEN, phone="13912345678")
    services.set_preference(member=her, hide_name=True)
    with time_machine.travel("2025-06-01 10:00 +0800"):
        award_points(member=her, amount=5_000, reason="志愿服务")
        award_points(member=member, amount=100, reason="志愿服务")
    give_titles(programme=programme, year=2025)
    award_points(member=her, amount=900, reason="巡逻")
    award_points(member=member, amount=50, reason="巡逻")
    activity = make_activity(rule=make_rule(programme=programme, name="清洁家园"))
    earning.check_in(activity=activity, member=her, method="name")
    earning.close_activity(activity=activity, actor=admin)
    rule = make_rule(
        programme=programme,
        code="suggestion",
        name="合理化建议",
        kind="range",
        config={"min": 20, "max": 100},
        allows_claims=True,
        notice_days=3,
    )
    claim = earning.submit_claim(member=her, rule=rule, actor=None, description="建议")
    on_notice = earning.approve_claim(claim=claim, actor=admin, points=60).earning
    earning.object_to(earning=on_notice, member=member, reason="不同意")
    make_survey(programme=programme, title="满意度调查")
    refresh(programme)
    return her


def phones(programme) -> list[str]:
    return [
        p for p in Member.objects.filter(programme=programme).values_list("phone", flat=True) if p
    ]


def leaks(text: str, programme) -> list[str]:
    return [s for s in phones(programme) + FORMS_OF_HIDDEN if s in text]


def text_of_response(response) -> str:
    """The answer as text; JSON decoded, so that names escaped as \\uXXXX are seen."""
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


def public_addresses(programme) -> list[str]:
    slug, month = programme.slug, date.today().strftime("%Y-%m")
    boards = [
        f"/zh-hans/p/{slug}/leaderboard/?board={board}&period={period}"
        for board in Board.values
        for period in Period.values
    ]
    api_boards = [
        f"/api/v1/programmes/{slug}/leaderboard?board={board}&period={period}"
        for board in Board.values
        for period in Period.values
    ]
    return [
        f"/zh-hans/p/{slug}/",
        f"/zh-hans/p/{slug}/board/",
        f"/zh-hans/p/{slug}/newsletter/{month}/",
        f"/api/v1/programmes/{slug}/board",
        f"/api/v1/programmes/{slug}/titles?year=2025",
        *boards,
        *api_boards,
    ]


def pdf_addresses(programme) -> list[str]:
    slug, month = programme.slug, date.today().strftime("%Y-%m")
    return [
        f"/zh-hans/p/{slug}/board/poster-a4.pdf",
        f"/zh-hans/p/{slug}/board/poster-a3.pdf",
        f"/zh-hans/p/{slug}/newsletter/{month}/pdf",
    ]


def test_public_pages_and_files_name_no_phone_and_no_opted_out_resident(programme, hidden):
    client = Client()
    for address in public_addresses(programme):
        response = client.get(address)
        assert response.status_code == 200, address
        assert leaks(text_of_response(response), programme) == [], address
    for address in pdf_addresses(programme):
        response = client.get(address)
        assert response.status_code == 200, address
        assert leaks(pdf_text(response.content), programme) == [], address


def test_another_resident_sees_no_phone_and_no_opted_out_name(programme, hidden, resident):
    client = Client()
    client.force_login(resident)
    slug = programme.slug
    own = [f"/zh-hans/p/{slug}/me/recognition/", f"/zh-hans/p/{slug}/me/certificates/"]
    for address in public_addresses(programme) + own:
        response = client.get(address)
        assert response.status_code == 200, address
        assert leaks(text_of_response(response), programme) == [], address


def test_the_sweep_would_see_her_name_were_she_not_hidden(programme, hidden):
    """The sweep looks where her name would be: shown, it is on the board and the boards."""
    services.set_preference(member=hidden, hide_name=False)
    refresh(programme)
    client = Client()
    seen = [a for a in public_addresses(programme) if HIDDEN in text_of_response(client.get(a))]
    assert f"/zh-hans/p/{programme.slug}/board/" in seen
    assert len(seen) >= 10


def test_insights_exports_carry_no_phone_number(programme, hidden, admin):
    client = Client()
    client.force_login(admin)
    numbers = phones(programme)
    for key in KPIS:
        base = f"/zh-hans/p/{programme.slug}/console/insights/{key}"
        text = client.get(base + ".csv").content.decode("utf-8-sig")
        assert [n for n in numbers if n in text] == [], key
        assert list(csv.reader(io.StringIO(text)))  # a real table
        book = openpyxl.load_workbook(io.BytesIO(client.get(base + ".xlsx").content))
        cells = " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row)
        assert [n for n in numbers if n in cells] == [], key
