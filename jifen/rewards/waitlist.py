"""When stock is short and the reward says so, residents wait, and new stock goes to the
highest balances first (篇三's time bank: high balances get priority when resources are
scarce). Restocking serves the waitlist through the same redemption as anyone else."""

from django.db import IntegrityError, transaction

from jifen.accounts.models import User
from jifen.ledger.queries import summary_of
from jifen.lib import clock
from jifen.lib.errors import DomainError
from jifen.programmes.models import Member
from jifen.rewards import errors
from jifen.rewards.catalogue import set_stock
from jifen.rewards.models import Redemption, Reward, Stock, Store, WaitlistEntry, WaitStatus
from jifen.rewards.redeeming import available, check_redeemable, redeem, stock_for


def join_waitlist(*, member: Member, reward: Reward, store: Store | None = None) -> WaitlistEntry:
    """Wait for a reward that is out of stock at a store. Joining twice changes nothing.
    Raises NotOnWaitlist and what check_redeemable raises."""
    check_redeemable(member, reward, clock.now())
    stock = stock_for(reward, store)
    if not reward.waitlist or available(stock) != 0:
        raise errors.NotOnWaitlist(reward=reward.name)
    try:
        with transaction.atomic():
            entry, _created = WaitlistEntry.objects.get_or_create(
                reward=reward, store=stock.store, member=member, status=WaitStatus.WAITING
            )
    except IntegrityError:  # joined at the same moment from another tab
        entry = WaitlistEntry.objects.get(
            reward=reward, store=stock.store, member=member, status=WaitStatus.WAITING
        )
    return entry


def leave_waitlist(*, entry: WaitlistEntry) -> None:
    WaitlistEntry.objects.filter(pk=entry.pk, status=WaitStatus.WAITING).update(
        status=WaitStatus.WITHDRAWN
    )


def serve_waitlist(*, stock: Stock, actor: User | None = None) -> list[Redemption]:
    """Redeem for the waiting residents while stock lasts, highest balance first (then who
    came first). A resident who can no longer redeem (too few points, a limit) keeps waiting."""
    waiting = list(
        WaitlistEntry.objects.select_related("member__programme", "member__household")
        .filter(reward=stock.reward, store=stock.store, status=WaitStatus.WAITING)
        .order_by("created_at", "id")
    )
    waiting.sort(key=lambda e: -summary_of(e.member).balance)  # stable: first come on ties
    served = []
    for entry in waiting:
        left = available(stock)
        if left is not None and left <= 0:
            break
        try:
            redemption = redeem(
                member=entry.member, reward=stock.reward, store=stock.store, actor=actor
            )
        except DomainError:
            continue
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            status=WaitStatus.SERVED, redemption=redemption
        )
        served.append(redemption)
    return served


def restock(
    *, reward: Reward, store: Store, actor: User | None, add: int = 0, unlimited: bool = False
) -> tuple[Stock, list[Redemption]]:
    """Put `add` more units of `reward` on `store`'s shelf (or make it unlimited), then serve
    its waitlist. Raises InvalidReward."""
    stock = set_stock(reward=reward, store=store, actor=actor, add=add, unlimited=unlimited)
    stock.reward, stock.store = reward, store
    served = serve_waitlist(stock=stock, actor=actor) if reward.waitlist else []
    return stock, served
