"""Phone numbers are never verified. Programme B's staff add a member of B with a phone P that
no one has registered, invite them and set the new account's password themselves (allowed:
the account belongs to B alone), so they control the account with phone P. Programme A then
invites its own member with phone P, and A's administrator offers a role to the login P.
Invitation and offer are matched to B's account by P, but B's staff can neither see nor
answer them — on the home page or on any other page or API route — without A's links; only
the links, opened signed in as the account they lead to, answer them."""

import re
from html import unescape
from itertools import product

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import translation

from jifen.accounts.models import User
from jifen.audit.models import AuditEntry
from jifen.programmes import services
from jifen.programmes.models import Invitation, Member, Role, RoleOffer
from jifen.testing import PASSWORD

P = "13700000077"
A_NAME = "李明远"  # what A's staff typed for their member: B must never read it
LINK = r'value="http://testserver(/zh-hans/{kind}/[^/"]+/)"'


def en(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def text(response):
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return unescape(raw.decode(errors="replace"))  # a PDF or a workbook too


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def link_in(page, kind):
    return re.search(LINK.format(kind=kind), text(page)).group(1)


@pytest.fixture
def controlled(other_admin, other_programme):
    """B's admin makes the account with phone P and signs in with the password they chose."""
    b_staff = signed_in(other_admin)
    b_staff.post(
        en("console-resident-new", "riverside"),
        {
            "display_name": "Made by B",
            "phone": P,
            "community": other_programme.communities.get().pk,
            "status": "active",
        },
    )
    member = Member.objects.get(programme=other_programme, phone=P)
    link = link_in(b_staff.post(en("console-invite", "riverside", member.public_id)), "invite")
    Client().post(link, {"password": PASSWORD, "confirm": PASSWORD})
    client = Client()
    assert client.post("/en/login/", {"username": P, "password": PASSWORD}).status_code == 302
    return User.objects.get(phone=P), client


@pytest.fixture
def a_links(controlled, admin, community):
    """A's admin adds its member with phone P and invites them, and offers the role auditor
    to the login P: the two links, which A's staff would hand to the person."""
    a_staff = signed_in(admin)
    a_staff.post(
        en("console-resident-new", "xingfuli"),
        {"display_name": A_NAME, "phone": P, "community": community.pk, "status": "active"},
    )
    member = Member.objects.get(programme__slug="xingfuli", phone=P)
    invite = link_in(a_staff.post(en("console-invite", "xingfuli", member.public_id)), "invite")
    offered = a_staff.post(en("console-roles", "xingfuli"), {"login": P, "kind": "auditor"})
    assert RoleOffer.objects.get().user == controlled[0]  # matched by phone to B's account
    return invite, link_in(offered, "role")


def a_consent():
    """Everything that answering A's invitation or offer would change."""
    return (
        list(Member.objects.filter(programme__slug="xingfuli").values_list("id", "user_id")),
        list(Invitation.objects.values_list("id", "used_at", "declined_at", "answered_by")),
        list(RoleOffer.objects.values_list("id", "status", "answered_at")),
        list(Role.objects.filter(programme__slug="xingfuli").values_list("id", "user_id")),
        AuditEntry.objects.filter(programme__slug="xingfuli").count(),
    )


def never_shows_a(page):
    assert A_NAME not in page
    assert 'name="answer"' not in page and 'data-answer="consent"' not in page


def test_the_home_page_shows_b_neither_the_invitation_nor_the_offer(controlled, a_links):
    _, client = controlled
    for language in ("en", "zh-hans", "fr"):
        home = client.get(f"/{language}/")
        assert home.status_code == 200
        never_shows_a(text(home))
        assert 'id="waiting"' not in text(home)


def test_the_former_home_page_answers_are_gone(controlled, a_links):
    _, client = controlled
    before = a_consent()
    invitation, offer = (
        Invitation.objects.get(member__programme__slug="xingfuli"),
        RoleOffer.objects.get(),
    )
    for path in ("/en/invitations/answer/", "/en/role-offers/answer/"):
        answer = {"invitation": invitation.pk, "offer": offer.pk, "answer": "accept"}
        assert client.post(path, answer).status_code == 404
    assert a_consent() == before


def every_route():
    """Every web page and API route, from the URL resolver (the operators' admin aside)."""

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    with translation.override("en"):
        routes = set(walk(get_resolver().url_patterns, "/"))
    return sorted(r for r in routes if not r.startswith("/operators/"))


def filled(route, values):
    """The route with each path parameter replaced, once per combination of values."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    for combination in product(*(values.get(name, values["*"]) for name in names)):
        path = route
        for value in combination:
            path = re.sub(r"<(?:\w+:)?\w+>", value, path, count=1)
        yield path


def test_no_page_or_api_route_shows_or_answers_them_without_the_links(
    controlled, a_links, other_admin
):
    account, _ = controlled
    invitation = Invitation.objects.get(member__programme__slug="xingfuli")
    offer = RoleOffer.objects.get()
    values = {
        "slug": ["xingfuli", "riverside"],
        "public_id": [invitation.member.public_id],
        "token": ["not-the-link"],
        "secret": ["not-the-link"],
        "invitation_id": [str(invitation.pk)],
        "*": [str(offer.pk)],
    }
    body = {"answer": "accept", "invitation": invitation.pk, "offer": offer.pk, "kind": "auditor"}
    before = a_consent()
    for route, user in product(every_route(), (account, other_admin)):
        for path in filled(route, values):
            client = signed_in(user)  # again each time: a route may sign out
            got = client.get(path)
            json = "application/json" if path.startswith("/api/") else None
            posted = client.post(path, body, content_type=json) if json else client.post(path, body)
            for response in (got, posted):
                assert response.status_code < 500, path
                never_shows_a(text(response))
    assert a_consent() == before


def test_with_the_links_anyone_else_signed_in_is_refused(a_links, resident):
    invite, offer = a_links
    client = signed_in(resident)  # A's own resident: an account the links do not lead to
    before = a_consent()
    assert 'data-answer="someone_else"' in text(client.get(invite))
    assert 'data-answer="someone_else"' in text(client.get(offer))
    for link in (invite, offer):
        refused = client.post(link, {"answer": "accept"})
        assert refused.status_code == 403
        never_shows_a(text(refused))
    assert a_consent() == before


def test_signed_out_the_links_name_no_one_of_the_account(controlled, a_links):
    account, _ = controlled
    for link in a_links:
        page = text(Client().get(link))
        assert 'data-answer="sign_in"' in page
        assert "Made by B" not in page and account.username not in page and P not in page


def test_a_removes_the_phone_and_invites_again_so_the_person_gets_an_account_of_their_own(
    controlled, a_links, admin, community
):
    account, _ = controlled
    member = Member.objects.get(programme__slug="xingfuli", phone=P)
    data = services.MemberData(display_name=A_NAME, community=community, phone="")
    services.update_member(actor=admin, member=member, data=data)
    fresh_link = link_in(
        signed_in(admin).post(en("console-invite", "xingfuli", member.public_id)), "invite"
    )
    person = Client()
    page = text(person.get(fresh_link))
    assert 'data-answer="password"' in page and f"m-{member.public_id}" in page
    person.post(fresh_link, {"password": "my own 2026 pass", "confirm": "my own 2026 pass"})
    mine = Member.objects.get(pk=member.pk).user
    assert mine.username == f"m-{member.public_id}" and mine != account
    assert (
        Client()
        .post("/en/login/", {"username": mine.username, "password": "my own 2026 pass"})
        .status_code
        == 302
    )
    assert Client().get(a_links[0]).status_code == 410  # the first link was replaced
