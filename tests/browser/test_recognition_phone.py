"""The recognition pages on a 390×844 phone, in each language: the leaderboard, the notice
board, the resident's stars and ranks and their certificates, filled the way that overflows
(six-digit points, long names, a title). Nothing is wider than the screen. Screenshots:
artifacts/screenshots/sweep-<language>-recognition-<page>.png."""

import pytest
import time_machine

from jifen.ledger.services import award_points
from jifen.recognition.standings import refresh
from jifen.recognition.titles import give_titles
from jifen.testing import make_member
from tests.browser.test_phone_sweep import LANGUAGES, LONG_REASON, _check, _sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def recognised(programme, community, member):
    """The resident with a 2025 title and three stars, beside neighbours with long names."""
    with time_machine.travel("2025-06-01 10:00 +0800"):
        award_points(member=member, amount=3_000, reason=LONG_REASON)
    award_points(member=member, amount=123_456, reason=LONG_REASON)
    for n in range(5):
        neighbour = make_member(community=community, name="欧阳" + "娜" * (8 + n))
        award_points(member=neighbour, amount=99_000 + n, reason=LONG_REASON)
    give_titles(programme=programme, year=2025)
    refresh(programme)


def test_recognition_pages_fit_a_phone_in_every_language(
    new_page, screenshot, programme, resident, recognised
):
    pages = {
        "leaderboard": "leaderboard/",
        "leaderboard-households": "leaderboard/?board=households&period=all",
        "board": "board/",
        "me": "me/recognition/",
        "certificates": "me/certificates/",
    }
    problems: list[str] = []
    for language in LANGUAGES:
        page = new_page("phone", locale="en-US")
        _sign_in(page, language)
        for name, address in pages.items():
            response = page.goto(f"/{language}/p/{programme.slug}/{address}")
            assert response is not None and response.status == 200, (language, name)
            problems += _check(page, screenshot, language, f"recognition-{name}")
    assert problems == []
