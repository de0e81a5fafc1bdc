"""幸福里's history: what its dated events share (the people, their rules, the seed)."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from jifen.accounts.models import User
from jifen.earning.models import Rule
from jifen.lib import clock
from jifen.programmes.demo import RESIDENT_PHONE
from jifen.programmes.models import Community, Member, Programme, RoleKind

WEEKS = 26  # six months of history, as the ledger's demo


@dataclass
class Town:
    """The programme, its residents and rules, and one random source for every event (the
    events run in date order, so the draws are the same for the same seed)."""

    programme: Programme
    staff: dict[str, User]
    rules: dict[str, Rule]
    members: list[Member]
    weights: list[float]
    rng: random.Random
    tz: ZoneInfo
    now: datetime
    resident: Member
    children: dict[int, list[Member]]  # household id → its children
    communities: list[Community]

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    @property
    def reviewer(self) -> User:
        return self.staff[RoleKind.REVIEWER]

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), self.tz)

    def age(self, member: Member) -> int:
        return self.today.year - (member.birth_year or self.today.year - 40)

    def adult(self, member: Member) -> bool:
        return not member.is_child and self.age(member) >= 18

    def pick(self, k: int, when: date, fits: Callable[[Member], bool]) -> list[Member]:
        """Up to `k` residents who fit and had joined by `when`, the busiest likelier (a few
        do most of the work: the Matthew effect the programme must watch)."""
        pool = [(m, w) for m, w in zip(self.members, self.weights, strict=True) if fits(m)]
        pool = [(m, w) for m, w in pool if m.joined_on <= when]
        chosen: dict[int, Member] = {}
        for _ in range(k * 3):
            if len(chosen) >= k or not pool:
                break
            member = self.rng.choices([m for m, _ in pool], [w for _, w in pool])[0]
            chosen.setdefault(member.pk, member)
        return list(chosen.values())

    def one(self, when: date) -> Member:
        return self.pick(1, when, self.adult)[0]


def build_town(programme: Programme, staff: dict[str, User], seed: int) -> Town:
    rng = random.Random(seed + 20)
    members = list(
        Member.objects.active()
        .filter(programme=programme)
        .select_related("community", "household", "programme")
        .order_by("id")
    )
    children: dict[int, list[Member]] = {}
    for m in members:
        if m.is_child and m.household_id:
            children.setdefault(m.household_id, []).append(m)
    return Town(
        programme=programme,
        staff=staff,
        rules={r.code: r for r in Rule.objects.filter(programme=programme)},
        members=members,
        weights=[rng.paretovariate(1.2) for _ in members],
        rng=rng,
        tz=ZoneInfo(programme.timezone),
        now=clock.now(),
        resident=next(m for m in members if m.phone == RESIDENT_PHONE),
        children=children,
        communities=list(programme.communities.order_by("id")),
    )


def history_start(programme: Programme) -> datetime:
    """Before the first week of history and before last December (whose points expire)."""
    tz = ZoneInfo(programme.timezone)
    today = clock.now().astimezone(tz).date()
    first = min(today - timedelta(weeks=WEEKS, days=14), date(today.year - 1, 12, 1))
    return datetime.combine(first, time(9), tz)
