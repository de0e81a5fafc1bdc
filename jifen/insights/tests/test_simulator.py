"""The rule-change simulator on a small world whose figures are worked out by hand below."""

from dataclasses import dataclass
from datetime import date

import pytest
import time_machine
from django.test import Client

from jifen.earning.crediting import current_version, record
from jifen.earning.models import Earning, EarningSource, Rule
from jifen.insights.simulator import (
    Change,
    InvalidPeriod,
    UnknownRule,
    ValueOutOfRange,
    simulate,
)
from jifen.ledger.models import Account, Counter, Posting, Transaction
from jifen.ledger.policy_changes import PolicySettings, update_policy
from jifen.ledger.services import award_points
from jifen.programmes.access import staff_scope
from jifen.programmes.models import Community, Member, Programme, RoleKind
from jifen.testing import (
    make_community,
    make_household,
    make_member,
    make_programme,
    make_rule,
    make_staff,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    programme: Programme
    community: Community
    other: Community
    a: Member
    b: Member
    c: Member
    d: Member


def _earn(member: Member, rule: Rule, occurrence: str, when: str) -> None:
    with time_machine.travel(when, tick=False):
        record(
            member=member,
            version=current_version(rule),
            source=EarningSource.CLAIM,
            occurrence=occurrence,
            points=int(rule.versions.get().config["points"]),
            explanation=[],
            notice=False,
        )


def _give(member: Member, amount: int, when: str) -> None:
    with time_machine.travel(when, tick=False):
        award_points(member=member, amount=amount, reason="by hand")


@pytest.fixture
def world() -> World:
    """April: A earns 10 (culture), B is given 1,000. May: A earns 10 (culture) and 20
    (patrol), B 10 and 10 (culture), C 20 (patrol) and is given 500; D earns nothing. Quotas
    are on: a community of 10,000 has 1,000 a month."""
    programme = make_programme()
    update_policy(actor=None, programme=programme, settings=PolicySettings(quotas_enabled=True))
    community = make_community(programme=programme, name="东村", population=10_000)
    other = make_community(programme=programme, name="西村", population=10_000)
    a, b = make_member(community=community), make_member(community=community)
    c = make_member(community=other)
    d = make_member(community=community)  # joined, never earned: a 0 in the Gini
    Member.objects.filter(programme=programme).update(joined_on=date(2026, 1, 1))
    culture = make_rule(programme=programme, code="culture", config={"points": 10})
    patrol = make_rule(programme=programme, code="patrol", config={"points": 20})
    _earn(a, culture, "a-april", "2026-04-10 10:00 +0800")
    _give(b, 1000, "2026-04-11 10:00 +0800")
    _earn(a, culture, "a-1", "2026-05-02 10:00 +0800")
    _earn(b, culture, "b-1", "2026-05-03 10:00 +0800")
    _earn(c, patrol, "c-1", "2026-05-04 10:00 +0800")
    _earn(a, patrol, "a-2", "2026-05-05 10:00 +0800")
    _earn(b, culture, "b-2", "2026-05-06 10:00 +0800")
    _give(c, 500, "2026-05-07 10:00 +0800")
    return World(programme, community, other, a, b, c, d)


MAY = {"start": date(2026, 5, 1), "end": date(2026, 5, 31)}
# Culture at 25 instead of 10, a member's first award ever doubled, 100 a month each at most.
PROPOSAL = Change(points={"culture": 25}, cap=100, cap_period="month", first_multiplier=2)


def _admin_scope(world: World):
    return staff_scope(make_staff(programme=world.programme), world.programme)


def test_it_rebuilds_the_period_before_from_the_ledger(world):
    before = simulate(_admin_scope(world), **MAY, change=Change()).before
    # A 10 + 20, B 10 + 10, C 20 + 500.
    assert before.issued == 570 and before.members == 3
    assert before.by_rule == {"": 500, "culture": 30, "patrol": 40}
    # The Gini of [0, 20, 30, 520]: 2·(1·0 + 2·20 + 3·30 + 4·520) / (4·570) − 5/4
    # = 4420 / 2280 − 1.25 = 0.6886.
    assert before.gini == pytest.approx(0.6886)
    assert before.earned == [2, 1, 0, 0]
    # Balances on 31 May: A 10 + 30 = 40, B 1,000 + 20 = 1,020, C 520 (D has no wallet).
    assert before.balances == [1, 1, 1, 0]


def test_an_unchanged_replay_gives_the_ledgers_figures_back(world):
    result = simulate(_admin_scope(world), **MAY, change=Change())
    assert result.after == result.before
    assert [(q.community, q.quota, q.before, q.after) for q in result.quotas] == [
        ("东村", 1000, 50, 50),
        ("西村", 1000, 520, 520),
    ]


def test_it_reproduces_a_known_before_and_after(world):
    result = simulate(_admin_scope(world), **MAY, change=PROPOSAL)
    after = result.after
    # A: culture 10 → 25, patrol 20 (not a first: A earned in April) = 45.
    # B: culture 25 + 25 (given 1,000 in April: not a first either) = 50.
    # C: patrol 20 × 2 (a first) = 40, then 500 cut by the cap of 100 to 60 = 100.
    assert after.issued == 195 and result.awards == 6
    assert after.by_rule == {"": 60, "culture": 75, "patrol": 60}
    # [0, 45, 50, 100]: 2·(2·45 + 3·50 + 4·100) / (4·195) − 5/4 = 1280 / 780 − 1.25 = 0.391
    assert after.gini == pytest.approx(0.391, abs=1e-4)
    assert after.earned == [3, 0, 0, 0]
    # Balances: A 40 + 15 = 55, B 1,020 + 30 = 1,050, C 520 − 420 = 100.
    assert after.balances == [2, 0, 1, 0]
    assert [(q.before, q.after) for q in result.quotas] == [(50, 95), (520, 100)]


def test_a_quota_cuts_the_replay_as_the_ledger_would(world):
    change = Change(points={"patrol": 1000})  # 20 → 1,000: A's and C's patrols
    after = simulate(_admin_scope(world), **MAY, change=change).after
    # 东村: A 10, B 10, A's patrol 1,000 cut to the 1,000 − 20 left = 980, and B's second
    # 10 finds nothing left. 西村: C's patrol takes the whole quota, the 500 nothing.
    assert after.by_rule == {"": 0, "culture": 20, "patrol": 1980}


def test_it_writes_nothing(world):
    tables = (Transaction, Posting, Account, Counter, Earning)
    counts = [m.objects.count() for m in tables]
    balances = list(Account.objects.order_by("pk").values_list("balance", "lifetime_earned"))
    counters = list(Counter.objects.order_by("pk").values_list("used", flat=True))
    simulate(_admin_scope(world), **MAY, change=PROPOSAL)
    assert [m.objects.count() for m in tables] == counts
    assert (
        list(Account.objects.order_by("pk").values_list("balance", "lifetime_earned")) == balances
    )
    assert list(Counter.objects.order_by("pk").values_list("used", flat=True)) == counters


def test_a_household_wallet_is_bucketed_with_what_the_change_gives_it():
    """Two residents of one household earn into its one wallet: 200 + 200 before, 400 + 400
    under the rule at 20 instead of 10 (each earning scaled ×2, 200 → 400)."""
    programme = make_programme()
    Programme.objects.filter(pk=programme.pk).update(wallet_level="household")
    programme.refresh_from_db()
    community = make_community(programme=programme)
    home = make_household(community=community)
    one, two = (
        make_member(community=community, household=home),
        make_member(community=community, household=home),
    )
    rule = make_rule(programme=programme, code="culture", config={"points": 200})
    _earn(one, rule, "one", "2026-05-02 10:00 +0800")
    _earn(two, rule, "two", "2026-05-03 10:00 +0800")
    scope = staff_scope(make_staff(programme=programme), programme)
    result = simulate(scope, **MAY, change=Change(points={"culture": 400}))
    assert result.before.balances == [0, 1, 0, 0]  # one wallet of 400
    assert result.after.balances == [0, 0, 1, 0]  # of 800
    assert result.after.earned == [0, 2, 0, 0]  # each earned 400


def test_a_community_limited_reviewer_replays_only_their_community(world):
    user = make_staff(programme=world.programme, kind=RoleKind.REVIEWER, community=world.other)
    result = simulate(staff_scope(user, world.programme), **MAY, change=Change())
    assert result.before.issued == 520 and [q.community for q in result.quotas] == ["西村"]


@pytest.mark.parametrize(
    ("period", "change", "error"),
    [
        ({"start": date(2026, 5, 2), "end": date(2026, 5, 1)}, Change(), InvalidPeriod),
        ({"start": date(2025, 1, 1), "end": date(2026, 5, 1)}, Change(), InvalidPeriod),
        (MAY, Change(points={"nope": 5}), UnknownRule),
        (MAY, Change(points={"culture": 10**30}), ValueOutOfRange),
        (MAY, Change(cap=0), ValueOutOfRange),
        (MAY, Change(first_multiplier=11), ValueOutOfRange),
    ],
)
def test_it_refuses_a_period_or_change_it_cannot_replay(world, period, change, error):
    with pytest.raises(error):
        simulate(_admin_scope(world), **period, change=change)


# The page and the API.

PAGE = "/en/p/{slug}/console/insights/simulator/"
API = "/api/v1/programmes/{slug}/insights/simulator"
QUERY = {"start": "2026-05-01", "end": "2026-05-31", "rule": "culture", "points": "25"}


def _client(world: World, kind: str = RoleKind.ADMIN) -> Client:
    client = Client()
    client.force_login(make_staff(programme=world.programme, kind=kind))
    return client


def test_the_page_shows_the_before_and_after(world):
    page = _client(world).get(PAGE.format(slug=world.programme.slug), {**QUERY, "cap": "100"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="simulation"' in html and "570" in html and "simulation-data" in html


def test_the_page_refuses_hostile_input_clearly(world):
    client = _client(world)
    url = PAGE.format(slug=world.programme.slug)
    assert client.get(url, {**QUERY, "rule": "cul\x00ture"}).status_code == 400
    # A lone surrogate, as a browser would send it: broken UTF-8, read as U+FFFD: no such rule.
    broken = client.get(url + "?start=2026-05-01&end=2026-05-31&rule=%ED%A0%80&points=5")
    assert broken.status_code == 422 and 'id="simulation"' not in broken.content.decode()
    huge = client.get(url, {**QUERY, "points": "9" * 400})
    assert huge.status_code == 422 and 'id="simulation"' not in huge.content.decode()
    unknown = client.get(url, {**QUERY, "rule": "nope"})
    assert unknown.status_code == 422 and "nope" in unknown.content.decode()


def test_the_page_is_for_those_who_view_insights(world):
    url = PAGE.format(slug=world.programme.slug)
    assert _client(world, RoleKind.AUDITOR).get(url, QUERY).status_code == 200
    assert _client(world, RoleKind.ORGANIZER).get(url, QUERY).status_code == 404
    assert _client(world, RoleKind.CASHIER).get(url).status_code == 404


def test_the_api_answers_the_simulation(world):
    client = _client(world, RoleKind.REVIEWER)
    answer = client.get(API.format(slug=world.programme.slug), {**QUERY, "cap": "100"})
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["before"]["issued"] == 570 and data["after"]["issued"] == 195
    # No first-participation multiplier here: C's patrol 20, the 500 cut to 80.
    assert data["after"]["by_rule"] == {"": 80, "culture": 75, "patrol": 40}
    assert data["buckets"] == ["< 300", "300–800", "800–2,000", "> 2,000"]


def test_the_api_refuses_hostile_and_unknown_input(world):
    client = _client(world)
    url = API.format(slug=world.programme.slug)
    for query, status, code in [
        ({**QUERY, "rule": "cul\x00ture"}, 400, "invalid_text"),
        ({**QUERY, "cap": "9" * 400}, 422, None),
        ({**QUERY, "rule": "nope"}, 422, "simulation_rule_unknown"),
        ({**QUERY, "end": "2026-04-01"}, 422, "simulation_period_invalid"),
    ]:
        answer = client.get(url, query)
        assert answer.status_code == status, (query, answer.content)
        assert code is None or answer.json()["code"] == code
    broken = client.get(url + "?start=2026-05-01&end=2026-05-31&rule=%ED%A0%80&points=5")
    assert broken.status_code == 422 and broken.json()["code"] == "simulation_rule_unknown"
    assert _client(world, RoleKind.ORGANIZER).get(url, QUERY).status_code == 404
