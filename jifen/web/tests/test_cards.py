"""The card-printing pages: choosing whose cards, downloading the PDF, one member's card."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from jifen.audit.models import AuditEntry
from jifen.programmes import cards, services
from jifen.programmes.models import Member, MemberStatus, RoleKind
from jifen.testing import make_household, make_member, make_staff


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def _cards_url(programme, name: str = "console-cards", **query: str) -> str:
    url = reverse(name, args=[programme.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture(autouse=True)
def english():
    """English pages (/en/…), so that messages checked below read the same once translated."""
    with translation.override("en"):
        yield


@pytest.fixture
def westerner(other_community):
    return make_member(community=other_community, name="西区居民")


@pytest.fixture
def staff_client(client, admin):
    client.force_login(admin)
    return client


def test_the_page_counts_and_lists_the_cards_to_print(staff_client, programme, member, westerner):
    response = staff_client.get(_cards_url(programme))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="big-number">2<' in page
    assert member.display_name in page and westerner.display_name in page
    assert member.phone not in page


def test_the_page_filters_by_community_and_elderly(
    staff_client, programme, member, westerner, other_community
):
    page = staff_client.get(_cards_url(programme, community=str(other_community.pk))).content
    assert 'class="big-number">1<' in page.decode() and member.display_name not in page.decode()
    page = staff_client.get(_cards_url(programme, elderly="on")).content.decode()
    assert 'class="big-number">0<' in page
    assert reverse("console-cards-pdf", args=[programme.slug]) not in page


def test_the_page_filters_by_household(staff_client, programme, community, member):
    household = make_household(community=community, room="808")
    make_member(community=community, name="同户人", household=household)
    page = staff_client.get(_cards_url(programme, household=household.public_id)).content
    assert "同户人" in page.decode() and member.display_name not in page.decode()


def test_an_htmx_request_gets_only_the_summary(staff_client, programme, member):
    response = staff_client.get(_cards_url(programme), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="card-summary"') and "<html" not in page


def test_an_unknown_household_is_reported_on_the_page(staff_client, programme, member):
    page = staff_client.get(_cards_url(programme, household="nosuchhouse")).content.decode()
    assert "form-error" in page and 'class="big-number"' not in page


def test_the_pdf_downloads_and_is_recorded(
    staff_client, programme, member, westerner, other_community, admin
):
    url = _cards_url(programme, "console-cards-pdf", community=str(other_community.pk), q="西区")
    response = staff_client.get(url)
    pdf = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert pdf.startswith(b"%PDF") and _pages(pdf) == 1
    entry = AuditEntry.objects.get(action="cards.print")
    assert entry.actor == admin and entry.data == {
        "count": 1,
        "filter": {
            "community": other_community.pk,
            "household": None,
            "search": True,
            "elderly_only": False,
            "without_account": False,
        },
    }
    assert "西区" not in str(entry.data)


def test_a_pdf_of_nothing_sends_back_to_the_page_with_a_message(staff_client, programme, member):
    response = staff_client.get(_cards_url(programme, "console-cards-pdf", q="nobody"), follow=True)
    assert response.redirect_chain[0][0].startswith(_cards_url(programme))
    assert "no card to print" in response.content.decode()
    assert not AuditEntry.objects.filter(action="cards.print").exists()


def test_a_pdf_over_the_cap_is_refused_with_a_message(
    staff_client, programme, member, westerner, monkeypatch
):
    # The real cap is 2,000; lowering it spares the test from creating that many members.
    monkeypatch.setattr(cards, "MAX_CARDS_PER_PDF", 1)
    response = staff_client.get(_cards_url(programme, "console-cards-pdf"), follow=True)
    assert "More than 1 cards match" in response.content.decode()
    assert not AuditEntry.objects.filter(action="cards.print").exists()


def test_one_members_card_downloads_and_is_recorded(staff_client, programme, member):
    response = staff_client.get(reverse("console-card", args=[programme.slug, member.public_id]))
    pdf = b"".join(response.streaming_content)
    assert response.status_code == 200 and _pages(pdf) == 1
    assert member.public_id in response["Content-Disposition"]
    entry = AuditEntry.objects.get(action="cards.print")
    assert entry.target_id == str(member.pk) and entry.data["count"] == 1


def test_an_inactive_members_card_is_refused(staff_client, programme, member, admin):
    data = services.MemberData(
        display_name=member.display_name,
        community=member.community,
        phone=member.phone,
        status=MemberStatus.INACTIVE,
    )
    services.update_member(actor=admin, member=member, data=data)
    response = staff_client.get(reverse("console-card", args=[programme.slug, member.public_id]))
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="cards.print").exists()


def _all_urls(programme, member) -> list[str]:
    return [
        _cards_url(programme),
        _cards_url(programme, "console-cards-pdf"),
        reverse("console-card", args=[programme.slug, member.public_id]),
    ]


def test_another_programmes_staff_get_404(client, programme, member, other_admin):
    client.force_login(other_admin)
    for url in _all_urls(programme, member):
        assert client.get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="cards.print").exists()


def test_a_resident_and_a_cashier_get_404_and_a_visitor_is_asked_to_sign_in(
    client, programme, member, resident
):
    cashier = make_staff(programme=programme, kind=RoleKind.CASHIER)
    for user in [resident, cashier]:
        client.force_login(user)
        for url in _all_urls(programme, member):
            assert client.get(url).status_code == 404
    client.logout()
    for url in _all_urls(programme, member):
        assert client.get(url)["Location"].startswith("/en/login/?next=")


def test_staff_cannot_print_another_programmes_member(staff_client, programme, other_programme):
    outsider = Member.objects.get(programme=other_programme)
    url = reverse("console-card", args=[programme.slug, outsider.public_id])
    assert staff_client.get(url).status_code == 404


def test_community_staff_only_print_their_communitys_cards(
    client, programme, community, other_community, member, westerner
):
    organizer = make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=community)
    client.force_login(organizer)
    page = client.get(_cards_url(programme)).content.decode()
    assert 'class="big-number">1<' in page and westerner.display_name not in page
    west = reverse("console-card", args=[programme.slug, westerner.public_id])
    assert client.get(west).status_code == 404
    pdf_url = _cards_url(programme, "console-cards-pdf", community=str(other_community.pk))
    assert client.get(pdf_url).status_code == 302  # refused: not a community of theirs
    assert not AuditEntry.objects.filter(action="cards.print").exists()
