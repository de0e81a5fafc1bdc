"""Redeeming: a resident (or staff on their behalf) redeems a reward at a store → the points
are held and the reward's counters used (stock, its monthly limit, the resident's own limit)
in one transaction → a code → the cashier verifies it at the counter once (核销) and the hold
settles. Cancelling, or the code's expiry (the worker), releases the hold, which gives the
points and the counters back, exactly once: every change of status is a guarded UPDATE of
the open redemption, so a second caller changes nothing."""

import hashlib
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from jifen.accounts.models import User
from jifen.idempotency.services import IdempotencyConflict
from jifen.ledger import services as ledger
from jifen.ledger.errors import InsufficientPoints
from jifen.ledger.models import Counter
from jifen.ledger.queries import summary_of
from jifen.lib import clock
from jifen.lib.ids import ALPHABET as ID_ALPHABET
from jifen.lib.periods import local, period_key
from jifen.programmes.errors import InactiveMember
from jifen.programmes.models import Member, MemberStatus
from jifen.rewards import codes, errors
from jifen.rewards.catalogue import MAX_QUANTITY, settings_of
from jifen.rewards.models import (
    Handover,
    LimitPeriod,
    Redemption,
    RedemptionStatus,
    Reward,
    RewardArea,
    RewardKind,
    Stock,
    Store,
    new_redemption_id,
    reference_of,
)

OPEN_OR_DONE = (RedemptionStatus.OPEN, RedemptionStatus.FULFILLED)


def stock_scope(stock: Stock) -> str:
    return f"stock:{stock.pk}"


def limits_for(stock: Stock, member: Member, at: datetime) -> list[ledger.Limit]:
    """The counters a redemption of `stock`'s reward by `member` uses: the store's stock,
    the reward's monthly quantity and the resident's own limit."""
    reward, store = stock.reward, stock.store
    tz = reward.programme.timezone
    found: list[ledger.Limit] = []
    if stock.quantity is not None:
        found.append(
            ledger.Limit(
                stock_scope(stock),
                "all",
                stock.quantity,
                lambda: errors.OutOfStock(reward=reward.name, store=store.name),
            )
        )
    if reward.monthly_limit:
        limit = reward.monthly_limit
        found.append(
            ledger.Limit(
                f"reward:{reward.pk}",
                period_key("month", at, tz),
                limit,
                lambda: errors.MonthlyLimitReached(reward=reward.name, limit=limit),
            )
        )
    if reward.member_limit:
        limit, per = reward.member_limit, reward.member_limit_period
        period = "all" if per == LimitPeriod.EVER else period_key(per, at, tz)
        found.append(
            ledger.Limit(
                f"reward:{reward.pk}:member:{member.pk}",
                period,
                limit,
                lambda: errors.MemberLimitReached(
                    reward=reward.name, limit=limit, per=LimitPeriod(per).label
                ),
            )
        )
    return found


def available(stock: Stock) -> int | None:
    """Units left on the shelf (None: no limit). One indexed read."""
    if stock.quantity is None:
        return None
    used = (
        Counter.objects.filter(
            programme_id=stock.store.programme_id, scope=stock_scope(stock), period="all"
        )
        .values_list("used", flat=True)
        .first()
    )
    return max(stock.quantity - (used or 0), 0)


def left_when_read(stock: Stock) -> int | None:
    """Units left on the shelf when `stock_for` read the stock (None: no limit), with no
    query of its own: for a refusal before any lock (the counter's guard is what is exact)."""
    if stock.quantity is None:
        return None
    return max(stock.quantity - (getattr(stock, "units_used", None) or 0), 0)


def stock_for(reward: Reward, store: Store | None) -> Stock:
    """Where `reward` is collected: `store`, or its only store, read with the units its
    counter has used (`left_when_read`). Raises NotAtStore, ChooseStore."""
    counter = Counter.objects.filter(
        programme_id=reward.programme_id,
        scope=Concat(Value("stock:"), Cast(OuterRef("pk"), CharField())),  # stock_scope
        period="all",
    )
    stocks = (
        Stock.objects.select_related("store")
        .filter(reward=reward, store__is_active=True)
        .annotate(units_used=Subquery(counter.values("used")[:1]))
    )
    if store is not None:
        found = stocks.filter(store=store).first()
        if found is None:
            raise errors.NotAtStore(reward=reward.name, store=store.name)
    else:
        candidates = list(stocks[:2])
        if len(candidates) != 1:
            if not candidates:
                raise errors.RewardNotOffered(reward=reward.name)
            raise errors.ChooseStore(reward=reward.name)
        found = candidates[0]
    found.reward = reward  # the caller's, with its programme: not read again
    return found


def check_redeemable(member: Member, reward: Reward, at: datetime) -> None:
    """What a resident must meet to redeem `reward` now, stock and balance aside: offered,
    in season, for them, and the donated-goods area open to them."""
    if (
        not reward.is_active
        or reward.programme_id != member.programme_id
        or (reward.kind == RewardKind.PRIVILEGE and reward.points == 0 and not reward.perk)
    ):
        raise errors.RewardNotOffered(reward=reward.name)
    if reward.kind == RewardKind.PRIVILEGE:
        raise errors.PrivilegeNotSpent(reward=reward.name)
    if member.status != MemberStatus.ACTIVE:
        raise InactiveMember(name=member.display_name)
    check_season(reward, at)
    check_eligible(member, reward)
    # The settings are read only for the donated area: the rush on a popular item is spared it.
    if reward.area == RewardArea.DONATED and settings_of(reward.programme).donated_needs_goods:
        start = month_start(at, reward.programme.timezone)
        if not Redemption.objects.filter(
            member=member,
            area=RewardArea.GOODS,
            status__in=OPEN_OR_DONE,
            created_at__gte=start,
        ).exists():
            raise errors.DonatedAreaClosed()


def check_season(reward: Reward, at: datetime) -> None:
    today = local(at, reward.programme.timezone).date()
    early = reward.available_from and today < reward.available_from
    late = reward.available_until and today > reward.available_until
    if early or late:
        raise errors.OutOfSeason(reward=reward.name, when=season_words(reward))
    if reward.months and today.month not in reward.months:
        raise errors.OutOfSeason(reward=reward.name, when=season_words(reward))


def season_words(reward: Reward) -> str:
    """When a seasonal reward is offered, for a message: “from 2026-06-01 until 2026-08-31”,
    “in months 6, 7, 8”."""
    parts = []
    if reward.available_from:
        parts.append(_("from %(day)s") % {"day": date_format(reward.available_from)})
    if reward.available_until:
        parts.append(_("until %(day)s") % {"day": date_format(reward.available_until)})
    if reward.months:
        months = ", ".join(str(m) for m in reward.months)
        parts.append(_("in months %(months)s") % {"months": months})
    return " ".join(parts)


def check_eligible(member: Member, reward: Reward) -> None:
    """The reward's communities and point thresholds (a tier by lifetime points, a balance).
    Raises NotForResident."""
    communities = list(reward.communities.all())
    if communities and member.community_id not in {c.pk for c in communities}:
        names = "、".join(c.name for c in communities)
        raise errors.NotForResident(
            reward=reward.name, who=_("residents of %(names)s") % {"names": names}
        )
    if reward.min_lifetime or reward.min_balance:
        summary = summary_of(member)
        if reward.min_lifetime and summary.lifetime_earned < reward.min_lifetime:
            raise errors.NotForResident(
                reward=reward.name,
                who=_("residents who earned at least %(points)s points in all")
                % {"points": reward.min_lifetime},
            )
        if reward.min_balance and summary.balance < reward.min_balance:
            raise errors.NotForResident(
                reward=reward.name,
                who=_("residents with a balance of at least %(points)s points")
                % {"points": reward.min_balance},
            )


def month_start(at: datetime, tz: str) -> datetime:
    day = local(at, tz)
    return day.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def redeem(
    *,
    member: Member,
    reward: Reward,
    store: Store | None = None,
    quantity: int = 1,
    actor: User | None = None,
    address: str = "",
    idempotency_key: str | None = None,
) -> Redemption:
    """Redeem `quantity` units of `reward` for `member`, to collect at `store` (or its only
    store) with a code, or to be delivered to `address`. Raises QuantityInvalid,
    RewardNotOffered, PrivilegeNotSpent, OutOfSeason, NotForResident, DonatedAreaClosed,
    NotAtStore, ChooseStore, AddressRequired, OutOfStock, MonthlyLimitReached,
    MemberLimitReached, InsufficientPoints, InactiveMember, IdempotencyConflict; a refusal
    writes nothing."""
    if type(quantity) is not int or not 1 <= quantity <= MAX_QUANTITY:
        raise errors.QuantityInvalid(max=MAX_QUANTITY)
    if idempotency_key:  # a retry gets its redemption back, whatever stock or points are left
        replayed = _replayed(member, reward, store, quantity, idempotency_key)
        if replayed is not None:
            return replayed
    now = clock.now()
    check_redeemable(member, reward, now)
    stock = stock_for(reward, store)
    address = address.strip()[:200]
    if reward.handover == Handover.DELIVERY and not address:
        raise errors.AddressRequired(reward=reward.name)
    price = reward.points * quantity
    # Cheap refusals before any lock: the rush of a popular item is mostly these.
    left = left_when_read(stock)
    if left is not None and left < quantity:
        raise errors.OutOfStock(reward=reward.name, store=stock.store.name)
    balance = summary_of(member).balance
    if balance < price:
        raise InsufficientPoints(balance=balance, needed=price)
    public_id = _public_id_for(member, idempotency_key)
    # Everything but the hold is read and computed before the counters are locked: a rush
    # waits on the shelf's counter for as short a time as it can.
    redemption = _unsaved(member, stock, quantity, address, now)
    redemption.public_id, redemption.created_by = public_id, actor
    with transaction.atomic():
        redemption.hold = ledger.hold_points(
            member=member,
            amount=redemption.points,
            reference=reference_of(public_id),
            actor=actor,
            idempotency_key=idempotency_key,
            limits=limits_for(stock, member, now),
            units=quantity,
        )
        # Only a retried key finds its hold already redeemed; without one the hold is new.
        if idempotency_key:
            replayed = Redemption.objects.filter(hold=redemption.hold).first()
            if replayed is not None:
                return replayed
        _save_with_new_code(redemption)
    return redemption


def _unsaved(
    member: Member, stock: Stock, quantity: int, address: str, now: datetime
) -> Redemption:
    """The redemption of `quantity` units of `stock`, its hold, code and author not set yet."""
    reward = stock.reward
    settings = settings_of(reward.programme)
    pickup = reward.handover == Handover.PICKUP
    expires = end_of_day(now + timedelta(days=settings.code_days), reward.programme.timezone)
    return Redemption(
        programme=member.programme,
        member=member,
        reward=reward,
        store=stock.store,
        quantity=quantity,
        points=reward.points * quantity,
        area=reward.area,
        handover=reward.handover,
        step="" if pickup else "ordered",
        address="" if pickup else address,
        expires_at=expires if pickup else None,
        due_at=None if pickup else _delivery_due(now, settings.delivery_working_days, member),
        created_at=now,
        updated_at=now,
    )


def _replayed(
    member: Member, reward: Reward, store: Store | None, quantity: int, key: str
) -> Redemption | None:
    """The redemption an earlier request with this key made, if any. Raises
    IdempotencyConflict when that request was another."""
    found = Redemption.objects.filter(
        programme_id=member.programme_id, public_id=_public_id_for(member, key)
    ).first()
    if found is None:
        return None
    same = (found.member_id, found.reward_id, found.quantity) == (member.pk, reward.pk, quantity)
    if not same or (store is not None and found.store_id != store.pk):
        raise IdempotencyConflict()
    return found


def _public_id_for(member: Member, key: str | None) -> str:
    """A new redemption's id; with an idempotency key, the same one for every retry (its
    hold's reference must be the same for the ledger to replay it)."""
    if not key:
        return new_redemption_id()
    digest = hashlib.sha256(f"{member.programme_id}:{key}".encode()).digest()
    return "".join(ID_ALPHABET[b % len(ID_ALPHABET)] for b in digest[:12])


def _save_with_new_code(redemption: Redemption) -> None:
    for _attempt in range(8):  # 31⁸ codes: a collision is already unlikely once
        redemption.code = codes.new_code()
        try:
            with transaction.atomic():
                redemption.save(force_insert=True)
            return
        except IntegrityError:
            if Redemption.objects.filter(public_id=redemption.public_id).exists():
                raise
    raise RuntimeError("no free redemption code")


def end_of_day(moment: datetime, tz: str) -> datetime:
    day = local(moment, tz)
    return datetime.combine(day.date(), time(23, 59, 59), tzinfo=day.tzinfo)


def _delivery_due(now: datetime, days: int, member: Member) -> datetime:
    from jifen.earning.appeals import settings_of as calendar_of
    from jifen.earning.appeals import working_days_later

    programme = member.programme
    return working_days_later(now, days, calendar_of(programme), programme.timezone)


def cancel(*, redemption: Redemption, actor: User | None) -> Redemption:
    """Cancel an open redemption (a delivery only before it is dispatched): its points and
    the counters it used go back. Raises NotCancellable."""
    if redemption.handover == Handover.DELIVERY and redemption.step not in ("", "ordered"):
        raise errors.NotCancellable()
    if not close(redemption, RedemptionStatus.CANCELLED, actor):
        raise errors.NotCancellable()
    return redemption


def close(redemption: Redemption, status: str, actor: User | None, **fields: object) -> bool:
    """Move an open redemption to `status` and settle (handed over) or release its hold, in
    one transaction; False, with nothing written, when it was no longer open."""
    now = clock.now()
    with transaction.atomic():
        changed = Redemption.objects.filter(pk=redemption.pk, status=RedemptionStatus.OPEN).update(
            status=status, closed_by=actor, closed_at=now, updated_at=now, **fields
        )
        if not changed:
            return False
        hold = redemption.hold
        if status == RedemptionStatus.FULFILLED:
            tx = ledger.settle_hold(hold=hold, actor=actor)
        else:
            tx = ledger.release_hold(hold=hold, actor=actor)
        # Closed when the ledger says: a settlement's period is read from the same instant.
        Redemption.objects.filter(pk=redemption.pk).update(closed_at=tx.created_at)
    redemption.status, redemption.closed_by, redemption.closed_at = status, actor, tx.created_at
    redemption.updated_at = now
    for field, value in fields.items():
        setattr(redemption, field, value)
    return True


def find_code(store: Store, typed: str) -> Redemption:
    """The redemption whose code was typed or scanned at `store`'s counter, if it may be
    handed over there now. Raises CodeMistyped, UnknownCode, CodeOfAnotherStore, CodeUsed,
    CodeCancelled, CodeExpired, CodeForDelivery; writes nothing."""
    code = codes.normalize(typed)
    if not codes.is_valid(code):
        shown = "".join(c for c in code if c.isprintable())[:20]
        raise errors.CodeMistyped(code=shown)
    found = (
        Redemption.objects.select_related("member", "reward", "store", "hold")
        .filter(programme_id=store.programme_id, code=code)
        .first()
    )
    if found is None:
        raise errors.UnknownCode(code=codes.display(code))
    check_at_counter(found, store, clock.now())
    return found


def check_at_counter(redemption: Redemption, store: Store, now: datetime) -> None:
    tz = store.programme.timezone
    if redemption.store_id != store.pk:
        raise errors.CodeOfAnotherStore(store=redemption.store.name)
    if redemption.handover == Handover.DELIVERY:
        raise errors.CodeForDelivery()
    status = redemption.status
    if status == RedemptionStatus.FULFILLED:
        assert redemption.closed_at is not None
        raise errors.CodeUsed(when=_when(redemption.closed_at, tz))
    if status in (RedemptionStatus.CANCELLED, RedemptionStatus.REFUSED):
        raise errors.CodeCancelled()
    expires = redemption.expires_at
    if status == RedemptionStatus.EXPIRED or (expires is not None and expires < now):
        raise errors.CodeExpired(when=_when(expires or now, tz))


def _when(moment: datetime, tz: str) -> str:
    return date_format(local(moment, tz), "Y-m-d H:i")


def verify_code(*, store: Store, code: str, actor: User | None) -> Redemption:
    """Hand the reward over at the counter (核销): the code is used, exactly once, and the
    hold settles. Two cashiers at once: one succeeds, the other is told it was used. Raises
    what find_code raises."""
    redemption = find_code(store, code)
    if not close(redemption, RedemptionStatus.FULFILLED, actor):
        redemption.refresh_from_db()
        check_at_counter(redemption, store, clock.now())
        raise errors.CodeUsed(when=_when(clock.now(), store.programme.timezone))
    return redemption


def expire_due(*, batch: int = 500) -> int:
    """Release the codes whose validity ended uncollected (the worker). Returns how many."""
    now = clock.now()
    due = list(
        Redemption.objects.select_related("hold")
        .filter(status=RedemptionStatus.OPEN, handover=Handover.PICKUP, expires_at__lt=now)
        .order_by("expires_at", "id")[:batch]
    )
    return sum(close(r, RedemptionStatus.EXPIRED, None) for r in due)
