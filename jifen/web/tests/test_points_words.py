"""Points are named in the page's language: the programme's own word (积分) on pages in the
programme's language, the translated word "points" elsewhere; never a mix."""

import pytest
from django.urls import reverse
from django.utils import translation

from jifen.ledger.queries import award_message
from jifen.ledger.services import award_points
from jifen.testing import text_of


def points_word(language: str, count: int) -> str:
    with translation.override(language):
        return translation.ngettext("point", "points", count)


def test_the_feedback_uses_the_programmes_word_in_its_language(member, programme):
    result = award_points(member=member, amount=5, reason="巡逻")
    with translation.override("zh-hans"):
        assert "积分" in award_message(programme, result)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_feedback_in_another_language_says_points_in_that_language(member, programme, language):
    result = award_points(member=member, amount=300, reason="义诊")
    with translation.override(language):
        message = award_message(programme, result)
    assert "积分" not in message and points_word(language, 300) in message


def test_english_feedback_reads_as_one_sentence(member, programme):
    result = award_points(member=member, amount=1, reason="巡逻")
    with translation.override("en"):
        assert award_message(programme, result) == "You earned 1 point; your total is now 1."


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_resident_pages_say_points_in_the_page_language(
    client, resident, member, programme, language
):
    award_points(member=member, amount=300, reason="义诊")
    client.force_login(resident)
    with translation.override(language):
        home = client.get(reverse("resident-home", args=[programme.slug])).text
    assert "积分" not in text_of(home, "latest-award")
    assert points_word(language, 300) in text_of(home, "latest-award")
    assert "积分" not in home.split('id="points-title"')[1].split("</article>")[0]
