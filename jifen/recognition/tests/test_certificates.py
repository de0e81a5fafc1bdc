"""Certificates of a title and of a star tier: Chinese PDFs (read back through their text
layer) whose QR links to the transparency page's proof of the entries behind them, which the
page checks; the resident downloads their own, staff those of members in their scope."""

import re

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from jifen.ledger import services as ledger
from jifen.programmes.models import RoleKind
from jifen.recognition import certificates, titles
from jifen.testing import make_member, make_resident_user, make_staff, pdf_text
from jifen.transparency.sequencer import seal_all
from jifen.web.board import proof_link


@pytest.fixture
def star_2025(programme, member):
    """王秀英 earns 600 + 500 in 2025 (her first star at 1,000 is reached by the second
    award); the log is sealed; it is January 2026 and her title is given."""
    with time_machine.travel("2025-05-01 10:00 +0800", tick=False):
        ledger.award_points(member=member, amount=600, reason="志愿服务")
    with time_machine.travel("2025-09-01 10:00 +0800", tick=False):
        second = ledger.award_points(member=member, amount=500, reason="志愿服务").transaction
        seal_all()
    with time_machine.travel("2026-01-05 10:00 +0800", tick=False):
        (title,) = titles.give_titles(programme=programme, year=2025)
        yield {"title": title, "second": second}


def test_the_star_is_reached_by_the_award_that_crossed_its_threshold(member, star_2025):
    reached = certificates.star_reached(member)
    assert (reached.count, reached.threshold, reached.lifetime) == (1, 1000, 1100)
    assert reached.entry == star_2025["second"].public_id


def test_no_star_no_certificate(community):
    with pytest.raises(certificates.NoStarYet):
        certificates.star_reached(make_member(community=community))


def test_the_title_certificate_reads_in_chinese_without_a_phone(star_2025):
    pdf = certificates.title_certificate(star_2025["title"], link="https://x/t?title=1")
    text = pdf_text(pdf)
    for words in ("幸福里社区", "王秀英", "社区之星", "2025", "1100"):
        assert words in text
    assert "13800138000" not in text and pdf.startswith(b"%PDF")


def test_the_resident_downloads_theirs_and_its_qr_checks_out(client, member, resident, star_2025):
    client.force_login(resident)
    title = star_2025["title"]
    url = reverse("my-title-certificate", args=["xingfuli", title.public_id])
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf" and "社区之星" in pdf_text(
        response.content
    )
    link = proof_link(RequestFactory().get("/"), title.programme, f"title={title.public_id}")
    page = client.get(link, follow=True).content.decode()
    assert re.search(r'id="title-verdict" data-verdict="verified"', page)
    assert "王*英" in page and "王秀英" not in page


def test_the_star_certificate_links_to_the_entry_that_reached_it(client, resident, star_2025):
    client.force_login(resident)
    response = client.get(reverse("my-star-certificate", args=["xingfuli"]))
    assert "1100" in pdf_text(response.content)
    entry = star_2025["second"].public_id
    proof = client.get(f"/p/xingfuli/transparency/?entry={entry}", follow=True).content.decode()
    assert 'role="status">✓' in proof
    page = client.get(reverse("my-certificates", args=["xingfuli"])).content.decode()
    assert "社区之星" in page and "star.pdf" in page


def test_another_resident_and_other_staff_get_404(client, community, star_2025, other_admin):
    title = star_2025["title"]
    client.force_login(make_resident_user(member=make_member(community=community)))
    mine = reverse("my-title-certificate", args=["xingfuli", title.public_id])
    assert client.get(mine).status_code == 404
    assert client.get(reverse("my-star-certificate", args=["xingfuli"])).status_code == 404
    client.force_login(other_admin)
    staff_url = reverse("console-title-certificate", args=["xingfuli", title.public_id])
    assert client.get(staff_url).status_code == 404


def test_staff_download_a_members_title_certificate(client, programme, member, star_2025):
    client.force_login(make_staff(programme=programme, kind=RoleKind.ADMIN))
    title = star_2025["title"]
    staff_url = reverse("console-title-certificate", args=["xingfuli", title.public_id])
    assert "王秀英" in pdf_text(client.get(staff_url).content)


def test_a_forged_title_is_not_found_on_the_transparency_page(client, star_2025):
    page = client.get("/p/xingfuli/transparency/?title=nosuchtitle", follow=True)
    assert 'data-verdict="missing"' in page.content.decode()


def test_the_api_lists_titles_and_gives_the_residents_certificate(client, resident, star_2025):
    (title,) = client.get("/api/v1/programmes/xingfuli/titles", {"year": 2025}).json()
    assert (title["member"], title["rank"], title["points"], title["entries"]) == (
        "王*英",
        1,
        1100,
        2,
    )
    client.force_login(resident)
    url = "/api/v1/programmes/xingfuli/me/certificate"
    assert "社区之星" in pdf_text(client.get(url, {"title": title["public_id"]}).content)
    assert "1100" in pdf_text(client.get(url).content)
    assert client.get(url, {"title": "nosuchtitle"}).status_code == 404


def test_a_long_sentence_is_cut_at_spaces_or_between_chinese_characters():
    assert certificates.wrapped("In 2025 Alice earned", 95, size=15) == ["In 2025 Alice", "earned"]
    assert certificates.wrapped("王秀英为社区服务", 50, size=15) == ["王秀英", "为社区", "服务"]
