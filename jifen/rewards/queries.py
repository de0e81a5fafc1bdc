"""Reads of the rewards shaped for screens: the catalogue as a resident sees it (what they can
afford, and why an item cannot be redeemed now, in the redemption's own words), stock left,
a store's day at the counter, orders."""

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from jifen.ledger.models import Counter
from jifen.ledger.queries import Summary, summary_of
from jifen.lib import clock
from jifen.lib.errors import DomainError
from jifen.lib.periods import local
from jifen.programmes.models import Member, Programme
from jifen.rewards.catalogue import settings_of
from jifen.rewards.models import (
    Handover,
    Redemption,
    RedemptionStatus,
    Reward,
    RewardKind,
    Stock,
    Store,
    WaitlistEntry,
    WaitStatus,
)
from jifen.rewards.privileges import privileges_of
from jifen.rewards.redeeming import check_redeemable, stock_scope


@dataclass(frozen=True)
class Shelf:
    stock: Stock
    left: int | None  # None: no limit


@dataclass(frozen=True)
class Offer:
    reward: Reward
    shelves: list[Shelf]
    affordable: bool
    # Why the resident cannot redeem it now (translated), or "" when they can.
    refusal: str
    zone: int | None

    @property
    def in_stock(self) -> bool:
        return any(s.left is None or s.left > 0 for s in self.shelves)


def stock_left(stocks: list[Stock]) -> dict[int, int | None]:
    """Units left per stock id, with one query for all their counters."""
    if not stocks:
        return {}
    scopes = {stock_scope(s): s for s in stocks}
    used = dict(
        Counter.objects.filter(
            programme_id=stocks[0].store.programme_id, scope__in=list(scopes), period="all"
        ).values_list("scope", "used")
    )
    return {
        s.pk: None if s.quantity is None else max(s.quantity - used.get(scope, 0), 0)
        for scope, s in scopes.items()
    }


def catalogue(
    member: Member,
    *,
    zone: int | None = None,
    category: str = "",
    area: str = "",
    affordable_only: bool = False,
) -> list[Offer]:
    """The rewards offered to `member`, cheapest first, with their shelves and whether the
    resident can redeem each now. Privileges are listed apart (`privileges_of`)."""
    programme = member.programme
    rows = (
        Reward.objects.filter(programme=programme, is_active=True)
        .exclude(kind=RewardKind.PRIVILEGE)
        .prefetch_related("communities")
        .order_by("points", "name")
    )
    if zone is not None:
        rows = rows.filter(points=zone)
    if category:
        rows = rows.filter(category=category)
    if area:
        rows = rows.filter(area=area)
    rewards = list(rows)
    summary = summary_of(member)
    offers = _offers(member, rewards, summary)
    if affordable_only:
        offers = [o for o in offers if o.affordable]
    return offers


def offer(member: Member, reward: Reward) -> Offer:
    return _offers(member, [reward], summary_of(member))[0]


def _offers(member: Member, rewards: list[Reward], summary: Summary) -> list[Offer]:
    zones = set(settings_of(member.programme).zones or [])
    stocks = list(
        Stock.objects.select_related("store")
        .filter(reward__in=rewards, store__is_active=True)
        .order_by("store__kind", "store__name")
    )
    left = stock_left(stocks)
    by_reward: dict[int, list[Shelf]] = {}
    for s in stocks:
        by_reward.setdefault(s.reward_id, []).append(Shelf(s, left[s.pk]))
    now = clock.now()
    found = []
    for reward in rewards:
        reward.programme = member.programme
        refusal = ""
        try:
            check_redeemable(member, reward, now)
        except DomainError as refused:
            refusal = refused.text
        found.append(
            Offer(
                reward=reward,
                shelves=by_reward.get(reward.pk, []),
                affordable=summary.balance >= reward.points,
                refusal=refusal,
                zone=reward.points if reward.points in zones else None,
            )
        )
    return found


def my_redemptions(member: Member, *, limit: int = 100) -> list[Redemption]:
    return list(
        Redemption.objects.filter(member=member)
        .select_related("reward", "store")
        .order_by("-created_at", "-id")[:limit]
    )


def my_waits(member: Member) -> list[WaitlistEntry]:
    return list(
        WaitlistEntry.objects.filter(member=member, status=WaitStatus.WAITING).select_related(
            "reward", "store"
        )
    )


def today_at(store: Store) -> list[Redemption]:
    """What the store's counter handed out today (local day), newest first."""
    tz = store.programme.timezone
    today = local(clock.now(), tz).date()
    start = datetime.combine(today, time.min, tzinfo=ZoneInfo(tz))
    return list(
        Redemption.objects.filter(
            store=store, status=RedemptionStatus.FULFILLED, closed_at__gte=start
        )
        .select_related("reward", "member")
        .order_by("-closed_at", "-id")[:200]
    )


def orders(
    rows: QuerySet[Redemption], *, status: str = "", overdue: bool = False
) -> QuerySet[Redemption]:
    """Delivered redemptions among `rows` (already scoped), the oldest deadline first."""
    rows = rows.filter(handover=Handover.DELIVERY)
    if status:
        rows = rows.filter(status=status)
    if overdue:
        rows = rows.filter(status=RedemptionStatus.OPEN, due_at__lt=clock.now())
    return rows.select_related("member", "reward", "store").order_by("due_at", "id")


def liability(programme: Programme) -> int:
    """Points on hold for open redemptions: promised but not yet handed over."""
    from django.db.models import Sum

    return (
        Redemption.objects.filter(programme=programme, status=RedemptionStatus.OPEN).aggregate(
            s=Sum("points")
        )["s"]
        or 0
    )


__all__ = ["Offer", "Shelf", "catalogue", "my_redemptions", "offer", "privileges_of", "today_at"]
