"""Every console role sees only links it may follow: crawling the console as each role,
from the overview and following every console link on every page reached, each answers
200 (no 404 behind a button such as 打印会员卡 for a reviewer)."""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from jifen.ledger.services import award_points, request_approval
from jifen.programmes import services
from jifen.programmes.models import RoleKind
from jifen.testing import make_household, make_member, make_staff

CONSOLE = "/en/p/xingfuli/console/"
MAX_PAGES = 300  # far above what this programme has: a crawl that runs away fails


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def console_links(page_url: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    absolute = (urljoin(page_url, href) for href in parser.links)
    return [u for u in absolute if urlsplit(u).path.startswith(CONSOLE) and "#" not in u]


def crawl(client) -> dict[str, int]:
    """Every console address reachable by links from the overview, with its status."""
    seen, queue = {CONSOLE: 0}, deque([CONSOLE])
    while queue and len(seen) <= MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code == 200 and "text/html" in response["Content-Type"]:
            for link in console_links(url, response.content.decode()):
                if link not in seen:
                    seen[link] = 0
                    queue.append(link)
    return seen


@pytest.fixture
def lived_in(programme, community, other_community, admin):
    """A programme with what the console lists: households, residents, an invitation,
    points, an approval waiting, audit entries."""
    household = make_household(community=community)
    head = make_member(community=community, name="王秀英", household=household)
    make_member(community=community, name="李建国", household=household)
    make_member(community=other_community, name="西区居民")
    services.create_invitation(actor=admin, member=head)
    award_points(member=head, amount=20, reason="巡逻")
    request_approval(kind="adjust", member=head, amount=5, reason="补录", actor=admin)
    return programme


@pytest.mark.parametrize(
    "kind",
    [RoleKind.ADMIN, RoleKind.ORGANIZER, RoleKind.REVIEWER, RoleKind.CASHIER, RoleKind.AUDITOR],
)
def test_every_link_a_role_sees_in_the_console_opens(client, lived_in, community, kind):
    scoped = community if kind == RoleKind.ORGANIZER else None
    client.force_login(make_staff(programme=lived_in, kind=kind, community=scoped))
    statuses = crawl(client)
    assert len(statuses) <= MAX_PAGES
    assert {url: status for url, status in statuses.items() if status != 200} == {}
    assert len(statuses) > 5  # it did crawl: the overview links to the role's pages
