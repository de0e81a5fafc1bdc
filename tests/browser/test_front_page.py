import pytest

pytestmark = pytest.mark.browser


def test_the_front_page_shows_the_programmes_in_chinese(page, screenshot, programme):
    page.goto("/")

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("link", name="幸福里社区").is_visible()
    assert screenshot("front-page-zh").stat().st_size > 0
