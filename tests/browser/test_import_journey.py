"""An administrator imports a small resident sheet, finds one resident by name and by phone,
and prints the cards of that resident's household.

Controls are found by their form action or link target and by the residents' names (data),
not by the interface's wording, so that the journey holds in every language."""

import re

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from jifen.programmes.models import Household, Member
from jifen.programmes.tests.test_cards import page_count, pdf_text

pytestmark = pytest.mark.browser

HEADER = ["社区", "楼栋", "单元", "房号", "地址", "姓名", "手机号", "出生年份", "户主", "老人"]
RESIDENTS = [  # three households: two in 东区 by building/unit/room, one in 西区 by address
    ["东区", "3", "2", "301", "", "张伟", "13800138001", "1975", "是", "否"],
    ["东区", "3", "2", "301", "", "李桂兰", "", "1948", "否", "是"],
    ["东区", "3", "2", "301", "", "张小明", "", "2015", "否", "否"],
    ["东区", "3", "2", "302", "", "陈建国", "139 1234 5678", "1960", "是", "是"],
    ["东区", "3", "2", "302", "", "刘芳", "13600136002", "1962", "否", "否"],
    ["西区", "", "", "", "幸福路8号", "王秀珍", "13700001111", "1980", "是", "否"],
    ["西区", "", "", "", "幸福路8号", "赵磊", "", "1982", "否", "否"],
]
CHEN_HOUSEHOLD = ["陈建国", "刘芳"]


@pytest.fixture
def residents_sheet(tmp_path):
    book = Workbook()
    book.active.append(HEADER)
    for row in RESIDENTS:
        book.active.append(row)
    path = tmp_path / "居民名册.xlsx"
    book.save(path)
    return path


def test_an_admin_imports_residents_finds_one_and_prints_the_household_cards(
    page, screenshot, sign_in, zh_url, programme, community, other_community, admin, residents_sheet
):
    sign_in(page, "admin", shot="journey-import-1-login")
    expect(page).to_have_url(re.compile(re.escape(zh_url("console", programme.slug)) + "$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("幸福里社区")
    screenshot("journey-import-2-console", page)

    _import(page, screenshot, zh_url("console-import", programme.slug), residents_sheet)
    assert Member.objects.filter(programme=programme).count() == 7
    assert Household.objects.filter(programme=programme).count() == 3

    page.locator(f'#import-result a[href="{zh_url("console-residents", programme.slug)}"]').click()
    results = page.locator("#results tbody tr")
    expect(results).to_have_count(7)
    _search(page, "李桂兰", finds="李桂兰")
    screenshot("journey-import-5-search-by-name", page)
    _search(page, "1234 56", finds="陈建国")
    expect(results).to_contain_text("13912345678")  # an admin sees the whole number
    screenshot("journey-import-6-search-by-phone", page)

    results.get_by_role("link", name="陈建国").click()
    chen = Member.objects.get(display_name="陈建国").public_id
    expect(page.get_by_role("heading", level=1)).to_have_text("陈建国")
    expect(page.locator("main")).to_contain_text("刘芳")  # the housemate
    screenshot("journey-import-7-resident", page)
    card = _download(page, f'main a[href="{zh_url("console-card", programme.slug, chen)}"]')
    assert page_count(card) == 1 and pdf_text(card).count("陈建国") == 1

    pdf = _print_household_cards(page, screenshot, zh_url("console-cards", programme.slug))
    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) == 1
    assert all(pdf_text(pdf).count(name) == 1 for name in CHEN_HOUSEHOLD)
    assert "张伟" not in pdf_text(pdf) and "13912345678" not in pdf_text(pdf)


def _import(page, screenshot, import_url, sheet):
    page.locator(f'nav a[href="{import_url}"]').click()
    form = page.locator("main form[enctype='multipart/form-data']")
    form.locator("input[type=file]").set_input_files(sheet)
    screenshot("journey-import-3-upload", page)
    form.locator("button[type=submit]").click()
    summary = page.locator("#import-result")
    expect(summary).to_be_visible()
    expect(page.locator("#import-errors")).to_have_count(0)
    # "7 rows: 7 residents created, 0 updated, 3 new households", in whatever words.
    numbers = re.findall(r"\d+", summary.inner_text())
    assert numbers[:4] == ["7", "7", "0", "3"], summary.inner_text()
    screenshot("journey-import-4-summary", page)


def _search(page, text, finds):
    """Search, and wait until the results show `finds` alone (htmx swaps them in place)."""
    search = page.locator("main form input[name=q]")
    search.fill(text)
    search.press("Enter")
    expect(page.locator("#results tbody")).to_contain_text(finds)
    expect(page.locator("#results tbody tr")).to_have_count(1)


def _print_household_cards(page, screenshot, cards_url):
    """From the resident page, through the household, to the downloaded PDF sheet."""
    page.locator("main hgroup a").click()  # the household's label
    expect(page.get_by_role("heading", level=1)).to_have_text("3-2-302")
    page.locator(f'main a[href^="{cards_url}?household="]').click()
    expect(page.locator("#card-summary .big-number")).to_have_text(str(len(CHEN_HOUSEHOLD)))
    screenshot("journey-import-8-cards", page)
    return _download(page, "#card-summary a[download]")


def _download(page, link):
    with page.expect_download() as download:
        page.locator(link).click()
    assert download.value.suggested_filename.endswith(".pdf")
    return download.value.path().read_bytes()
