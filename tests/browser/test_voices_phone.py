"""The voices pages on a 390×844 phone, in each language: the resident's surveys, a survey to
answer (eleven NPS buttons in a row), the feedback box with a long note and staff's reply,
and the newsletter. Nothing is wider than the screen. Screenshots:
artifacts/screenshots/sweep-<language>-voices-<page>.png."""

import pytest

from jifen.ledger.services import award_points
from jifen.voices import services
from jifen.voices.testing import make_survey
from tests.browser.test_phone_sweep import LANGUAGES, LONG_REASON, _check, _sign_in

pytestmark = pytest.mark.browser


def test_voices_pages_fit_a_phone_in_every_language(
    new_page, screenshot, programme, member, resident, admin
):
    survey = make_survey(programme=programme, title=LONG_REASON)
    award_points(member=member, amount=123_456, reason=LONG_REASON)
    feedback = services.post_feedback(member=member, text=LONG_REASON * 2)
    services.reply_feedback(feedback=feedback, text=LONG_REASON, actor=admin)
    pages = {
        "surveys": "me/surveys/",
        "survey": f"me/surveys/{survey.public_id}/",
        "feedback": "me/feedback/",
        "newsletter": "newsletter/2026-12/",
    }
    problems: list[str] = []
    for language in LANGUAGES:
        page = new_page("phone", locale="en-US")
        _sign_in(page, language)
        for name, address in pages.items():
            page.goto(f"/{language}/p/{programme.slug}/{address}")
            problems += _check(page, screenshot, language, f"voices-{name}")
    assert problems == []
