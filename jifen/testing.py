"""Plain, deterministic builders for tests and benchmarks. Everything goes through the real
services, so what a test sets up is what the product would have made."""

import itertools
import threading
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser

from django.db import connections

from jifen.accounts.models import User
from jifen.lib.errors import DomainError
from jifen.programmes import services
from jifen.programmes.models import Community, Household, Member, Programme, Role, RoleKind

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(*, username: str = "", phone: str | None = None) -> User:
    username = username or f"user{next(_counter)}"
    user = User(username=username, phone=phone, display_name=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_programme(*, slug: str = "", name: str = "", admin: User | None = None) -> Programme:
    n = next(_counter)
    return services.create_programme(
        actor=admin, name=name or f"Programme {n}", slug=slug or f"programme-{n}"
    )


def make_community(*, programme: Programme, name: str = "", population: int = 2500) -> Community:
    return services.save_community(
        actor=None,
        programme=programme,
        name=name or f"Community {next(_counter)}",
        population=population,
    )


def make_household(*, community: Community, room: str = "") -> Household:
    return services.find_or_create_household(
        programme=community.programme,
        community=community,
        address={"building": "1", "unit": "1", "room": room or str(100 + next(_counter))},
    )


def make_member(
    *,
    community: Community,
    name: str = "",
    phone: str = "",
    household: Household | None = None,
) -> Member:
    n = next(_counter)
    data = services.MemberData(
        display_name=name or f"Resident {n}",
        community=community,
        household=household,
        phone=phone if phone else f"139{n:08d}",
        joined_on=date(2026, 1, 1),
    )
    return services.create_member(actor=None, programme=community.programme, data=data)


def make_staff(
    *,
    programme: Programme,
    kind: str = RoleKind.ADMIN,
    community: Community | None = None,
    username: str = "",
) -> User:
    user = make_user(username=username)
    Role.objects.create(user=user, programme=programme, kind=kind, community=community)
    return user


def make_resident_user(*, member: Member) -> User:
    """Give the member a signed-in account, as accepting an invitation does."""
    admin = make_user()
    _, token = services.create_invitation(actor=admin, member=member)
    return services.accept_invitation(token=token, password=PASSWORD)


_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


class _ElementText(HTMLParser):
    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth, self.parts = element_id, 0, []  # type: ignore[var-annotated]
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in _VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str | None:
    """The text inside the element with this id (whitespace collapsed), None if there is
    none: tests assert on the element that shows a figure, not on the whole page."""
    parser = _ElementText(element_id)
    parser.feed(html)
    return " ".join("".join(parser.parts).split()) if parser.found else None


def at_once(work: Callable[[int], object], *, threads: int) -> list[object]:
    """Run work(i) in `threads` threads released together (for concurrency tests on
    PostgreSQL); return each one's result, or the DomainError it raised."""
    results: list[object] = [None] * threads
    start = threading.Barrier(threads)

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except DomainError as refusal:
            results[i] = refusal
        finally:
            connections.close_all()  # each thread opened its own connection

    running = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return results
