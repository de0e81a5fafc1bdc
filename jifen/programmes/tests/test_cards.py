"""Member cards: the signed token in the QR code, choosing whose cards to print, the PDF sheet
and the audit entry of every print."""

import re
from typing import Any

import pytest

from jifen.audit.models import AuditEntry
from jifen.programmes import cards, services
from jifen.programmes.access import staff_scope
from jifen.programmes.cards import (
    CardSelection,
    NoCardsToPrint,
    TooManyCards,
    card_sheet_pdf,
    cards_to_print,
    print_card,
    print_cards,
)
from jifen.programmes.cardtokens import PREFIX, card_qr, card_token, member_from_card
from jifen.programmes.errors import InactiveMember
from jifen.programmes.models import Member, MemberStatus, RoleKind
from jifen.testing import (
    make_household,
    make_member,
    make_resident_user,
    make_staff,
    pdf_streams,
    pdf_text,
)

# --- reading the PDF back, in pure Python (jifen.testing.pdf_text) ---------------------------


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def drawn_qr_modules(pdf: bytes) -> set[tuple[int, int]]:
    """(row, column) of every dark module drawn on the first card, from its rectangles."""
    stream = pdf_streams(pdf)[0]
    modules = set()
    for column, row, count in re.findall(rb"(\d+) (\d+) (\d+) 1\.03 re", stream):
        modules |= {(int(row), int(column) + i) for i in range(int(count))}
    return modules


def _update(member: Member, **changes: Any) -> Member:
    data = services.MemberData(
        display_name=member.display_name,
        community=member.community,
        phone=member.phone,
        household=member.household,
        joined_on=member.joined_on,
        **changes,
    )
    return services.update_member(actor=None, member=member, data=data)


def _loaded(*members: Member) -> list[Member]:
    return list(
        Member.objects.select_related("community", "household")
        .filter(pk__in=[m.pk for m in members])
        .order_by("id")
    )


# --- the token in the QR code ----------------------------------------------------------------


def test_a_fresh_card_finds_its_member(member):
    assert member_from_card(programme_id=member.programme_id, token=card_token(member)) == member


def test_a_card_read_with_a_trailing_newline_still_works(member):
    token = card_token(member) + "\r\n"
    assert member_from_card(programme_id=member.programme_id, token=token) == member


def test_the_token_carries_neither_the_phone_nor_the_database_id(member):
    token = card_token(member)
    assert token.startswith(PREFIX)
    assert member.phone not in token
    assert token.split(":")[1] == f"{member.public_id}.{member.card_version}"


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # altered signature
        lambda t: t.replace(".1:", ".2:"),  # a later card version without a signature for it
        lambda t: t.removeprefix(PREFIX),  # not a member card at all
        lambda t: PREFIX + "garbage",
        lambda t: "",
        lambda t: t + "x" * 500,
    ],
)
def test_a_forged_or_malformed_card_gives_nobody(member, forge):
    assert (
        member_from_card(programme_id=member.programme_id, token=forge(card_token(member))) is None
    )


def test_a_card_of_another_programmes_member_gives_nobody(member, other_programme):
    outsider = Member.objects.get(programme=other_programme)
    assert member_from_card(programme_id=member.programme_id, token=card_token(outsider)) is None


def test_a_revoked_card_gives_nobody_and_the_new_card_works(member, admin):
    old = card_token(member)
    services.revoke_card(actor=admin, member=member)
    assert member_from_card(programme_id=member.programme_id, token=old) is None
    assert member_from_card(programme_id=member.programme_id, token=card_token(member)) == member


@pytest.mark.parametrize("status", [MemberStatus.INACTIVE, MemberStatus.LEFT])
def test_the_card_of_a_member_who_is_not_active_gives_nobody(member, status):
    token = card_token(member)
    _update(member, status=status)
    assert member_from_card(programme_id=member.programme_id, token=token) is None


# --- the PDF sheet ---------------------------------------------------------------------------


@pytest.mark.parametrize(("members", "pages"), [(1, 1), (10, 1), (11, 2), (21, 3)])
def test_the_sheet_holds_ten_cards_a_page(programme, community, members, pages):
    people = _loaded(*[make_member(community=community) for _ in range(members)])
    assert page_count(card_sheet_pdf(programme=programme, members=people)) == pages


def test_the_sheet_shows_chinese_and_latin_names_community_and_household(programme, community):
    household = make_household(community=community, room="301")
    people = _loaded(
        make_member(community=community, name="王秀英", household=household),
        make_member(community=community, name="François Müller"),
        make_member(community=community, name="陈 Chen"),
    )
    text = pdf_text(card_sheet_pdf(programme=programme, members=people))
    for expected in ["幸福里社区", "王秀英", "François Müller", "陈 Chen", "东区", "1-1-301"]:
        assert expected in text


def test_the_sheet_uses_the_built_in_chinese_font(programme, member):
    pdf = card_sheet_pdf(programme=programme, members=_loaded(member))
    assert b"/BaseFont /STSong-Light" in pdf and b"/Encoding /UniGB-UCS2-H" in pdf


def test_the_sheet_never_shows_a_phone_number(programme, member):
    pdf = card_sheet_pdf(programme=programme, members=_loaded(member))
    decoded = b"".join(pdf_streams(pdf))
    for digits in [member.phone, member.phone[-8:]]:
        for encoded in [digits.encode(), digits.encode("utf-16-be")]:
            assert encoded not in pdf and encoded not in decoded
    assert member.phone not in pdf_text(pdf)


def test_the_hint_is_in_the_programmes_language(programme, member):
    programme.default_language = "en"
    assert "Show this card at check-in" in pdf_text(
        card_sheet_pdf(programme=programme, members=_loaded(member))
    )


def test_the_printed_qr_code_is_exactly_the_cards_code(programme, member):
    pdf = card_sheet_pdf(programme=programme, members=_loaded(member))
    matrix = card_qr(member).matrix
    expected = {(r, c) for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark}
    assert drawn_qr_modules(pdf) == expected


def test_a_very_long_name_is_shortened_rather_than_overflowing(programme, community):
    person = make_member(community=community, name="Marie-Claire Dupont-Lefèvre de la Tour")
    text = pdf_text(card_sheet_pdf(programme=programme, members=_loaded(person)))
    assert "Marie-Claire" in text and "…" in text and "de la Tour" not in text


# --- choosing whose cards --------------------------------------------------------------------


def _names(scope, **selection) -> set[str]:
    members = cards_to_print(scope=scope, selection=CardSelection(**selection))
    return {m.display_name for m in members}


@pytest.fixture
def residents(community, other_community):
    """Five members in two communities, with varied flags, plus one who has left."""
    household = make_household(community=community, room="501")
    people = {
        "elder": make_member(community=community, name="Elder", household=household),
        "signed-in": make_member(community=community, name="Signed In", household=household),
        "plain": make_member(community=community, name="Plain"),
        "west": make_member(community=other_community, name="West"),
        "gone": make_member(community=community, name="Gone"),
    }
    _update(people["elder"], is_elderly=True)
    make_resident_user(member=people["signed-in"])
    _update(people["gone"], status=MemberStatus.LEFT)
    return people


def test_every_active_member_is_selected_by_default(programme, admin, residents, member):
    assert _names(staff_scope(admin, programme)) == {
        "Elder",
        "Signed In",
        "Plain",
        "West",
        member.display_name,
    }


def test_the_selection_filters_combine(programme, admin, residents, community, other_community):
    scope = staff_scope(admin, programme)
    household = residents["elder"].household
    assert _names(scope, community=other_community) == {"West"}
    assert _names(scope, household=household) == {"Elder", "Signed In"}
    assert _names(scope, elderly_only=True) == {"Elder"}
    assert _names(scope, without_account=True, household=household) == {"Elder"}
    assert _names(scope, search="pla") == {"Plain"}
    assert _names(scope, community=community, search="West") == set()


def test_community_staff_only_get_their_communitys_cards(programme, residents, other_community):
    organizer = make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=other_community)
    scope = staff_scope(organizer, programme)
    assert _names(scope) == {"West"}
    assert _names(scope, household=residents["elder"].household) == set()


# --- printing and its audit entry ------------------------------------------------------------


def test_printing_records_the_count_and_filter_without_personal_data(programme, admin, residents):
    scope = staff_scope(admin, programme)
    pdf = print_cards(actor=admin, scope=scope, selection=CardSelection(search="139"))
    entry = AuditEntry.objects.get(action="cards.print")
    assert page_count(pdf) == 1
    assert (entry.actor, entry.programme) == (admin, programme)
    assert entry.data == {
        "count": 4,
        "filter": {
            "community": None,
            "household": None,
            "search": True,
            "elderly_only": False,
            "without_account": False,
        },
    }


def test_printing_nothing_is_refused_and_not_recorded(programme, admin, residents):
    with pytest.raises(NoCardsToPrint):
        print_cards(
            actor=admin,
            scope=staff_scope(admin, programme),
            selection=CardSelection(search="nobody by this name"),
        )
    assert not AuditEntry.objects.filter(action="cards.print").exists()


def test_printing_more_than_the_cap_is_refused(programme, admin, residents, monkeypatch):
    # The real cap is 2,000; lowering it spares the test from creating that many members.
    monkeypatch.setattr(cards, "MAX_CARDS_PER_PDF", 3)
    with pytest.raises(TooManyCards, match="3"):
        print_cards(actor=admin, scope=staff_scope(admin, programme), selection=CardSelection())
    assert not AuditEntry.objects.filter(action="cards.print").exists()


def test_printing_one_card_records_its_member(admin, member):
    pdf = print_card(actor=admin, member=member)
    entry = AuditEntry.objects.get(action="cards.print")
    assert page_count(pdf) == 1
    assert entry.target_id == str(member.pk) and entry.data == {
        "count": 1,
        "filter": {"member": True},
    }


def test_the_card_of_an_inactive_member_is_not_printed(admin, member):
    _update(member, status=MemberStatus.INACTIVE)
    with pytest.raises(InactiveMember):
        print_card(actor=admin, member=member)
    assert not AuditEntry.objects.filter(action="cards.print").exists()
