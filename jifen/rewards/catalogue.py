"""The catalogue and where it is handed out: stores and their cashiers, rewards, stock, and
the programme's redemption settings. Each change is one service, validated before anything is
written, and audited."""

from collections.abc import Iterable, Sequence
from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jifen.accounts.models import User
from jifen.audit.services import record as audit
from jifen.lib.images import CleanPhoto, photo_path, store_photo
from jifen.programmes.models import Community, Programme, Role, RoleKind
from jifen.rewards import errors
from jifen.rewards.models import (
    DEFAULT_ZONES,
    Handover,
    LimitPeriod,
    Perk,
    Reward,
    RewardArea,
    RewardCategory,
    RewardKind,
    RewardSettings,
    Stock,
    Store,
    StoreCashier,
    StoreKind,
)

MAX_POINTS = 1_000_000
MAX_UNITS = 1_000_000
MAX_QUANTITY = 10  # units of one reward in one redemption


def settings_of(programme: Programme) -> RewardSettings:
    found, _created = RewardSettings.objects.get_or_create(
        programme=programme, defaults={"zones": DEFAULT_ZONES}
    )
    return found


def update_settings(
    *,
    programme: Programme,
    actor: User | None,
    code_days: int,
    delivery_working_days: int,
    refusal_penalty: int,
    settlement_months: int,
    zones: Sequence[int],
    donated_needs_goods: bool,
) -> RewardSettings:
    """Raises InvalidRewardSettings."""
    _whole(code_days, 1, 365, errors.InvalidRewardSettings, _("code validity (days)"))
    _whole(delivery_working_days, 1, 60, errors.InvalidRewardSettings, _("working days to deliver"))
    _whole(refusal_penalty, 0, MAX_POINTS, errors.InvalidRewardSettings, _("penalty"))
    if settlement_months not in (1, 3, 6, 12):
        raise errors.InvalidRewardSettings(problem=_("the period is 1, 3, 6 or 12 months"))
    shelves = sorted(set(zones))
    if len(shelves) > 20 or any(type(z) is not int or not 0 < z <= MAX_POINTS for z in shelves):
        raise errors.InvalidRewardSettings(problem=_("zones are up to 20 prices in points"))
    with transaction.atomic():
        found = settings_of(programme)
        found.code_days, found.delivery_working_days = code_days, delivery_working_days
        found.refusal_penalty, found.settlement_months = refusal_penalty, settlement_months
        found.zones, found.donated_needs_goods = shelves, donated_needs_goods
        found.save()
        audit(actor=actor, action="rewards.settings", target=found, programme=programme)
    return found


def save_store(
    *,
    programme: Programme,
    actor: User | None,
    code: str,
    name: str,
    kind: str = StoreKind.SUPERMARKET,
    community: Community | None = None,
    address: str = "",
    opening_hours: str = "",
    description: str = "",
    is_active: bool = True,
    store: Store | None = None,
) -> Store:
    """Create a store, or change `store`. Raises InvalidStore, StoreCodeTaken."""
    code, name = code.strip(), name.strip()
    if (
        not code
        or len(code) > 40
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code)
    ):
        raise errors.InvalidStore(problem=_("the code is 1-40 letters, digits, - or _"))
    if not name or len(name) > 100:
        raise errors.InvalidStore(problem=_("the name is 1-100 characters"))
    if kind not in StoreKind.values:
        raise errors.InvalidStore(problem=_("unknown kind"))
    if community is not None and community.programme_id != programme.pk:
        raise errors.InvalidStore(problem=_("the community is of another programme"))
    target = store or Store(programme=programme)
    target.code, target.name, target.kind, target.community = code, name, kind, community
    target.address, target.opening_hours = address.strip()[:200], opening_hours.strip()[:100]
    target.description, target.is_active = description.strip()[:2000], is_active
    try:
        with transaction.atomic():
            target.save()
            audit(
                actor=actor,
                action="rewards.store",
                target=target,
                programme=programme,
                data={"code": code},
            )
    except IntegrityError:
        raise errors.StoreCodeTaken(code=code) from None
    return target


def set_cashiers(*, store: Store, users: Iterable[User], actor: User | None) -> list[User]:
    """The cashiers who verify codes at `store`: users with the programme's cashier role.
    Raises NotACashier."""
    chosen = list({u.pk: u for u in users}.values())
    cashiers = set(
        Role.objects.filter(
            programme_id=store.programme_id, kind=RoleKind.CASHIER, user__in=chosen
        ).values_list("user_id", flat=True)
    )
    for user in chosen:
        if user.pk not in cashiers:
            raise errors.NotACashier(name=user.get_full_name() or user.get_username())
    with transaction.atomic():
        StoreCashier.objects.filter(store=store).exclude(user__in=chosen).delete()
        for user in chosen:
            StoreCashier.objects.get_or_create(store=store, user=user)
        audit(
            actor=actor,
            action="rewards.cashiers",
            target=store,
            programme=store.programme,
            data={"users": sorted(cashiers)},
        )
    return chosen


def save_reward(
    *,
    programme: Programme,
    actor: User | None,
    name: str,
    kind: str,
    points: int,
    category: str = RewardCategory.OTHER,
    area: str = RewardArea.GOODS,
    description: str = "",
    handover: str = Handover.PICKUP,
    monthly_limit: int | None = None,
    member_limit: int | None = None,
    member_limit_period: str = LimitPeriod.MONTH,
    available_from: date | None = None,
    available_until: date | None = None,
    months: Sequence[int] = (),
    communities: Sequence[Community] = (),
    min_lifetime: int | None = None,
    min_balance: int | None = None,
    perk: str = "",
    waitlist: bool = False,
    is_active: bool = True,
    photo: CleanPhoto | None = None,
    reward: Reward | None = None,
) -> Reward:
    """Create a reward, or change `reward` (a redemption keeps what it was redeemed for: its
    points and area are copied onto it). `photo` was checked and re-encoded
    (jifen.lib.images). Raises InvalidReward."""
    name = name.strip()
    if not name or len(name) > 100:
        raise errors.InvalidReward(problem=_("the name is 1-100 characters"))
    for value, choices, what in (
        (kind, RewardKind, _("kind")),
        (category, RewardCategory, _("category")),
        (area, RewardArea, _("area")),
        (handover, Handover, _("hand-over")),
        (member_limit_period, LimitPeriod, _("limit period")),
    ):
        if value not in choices.values:
            raise errors.InvalidReward(problem=_("unknown %(what)s") % {"what": what})
    if perk and perk not in Perk.values:
        raise errors.InvalidReward(problem=_("unknown privilege"))
    privilege = kind == RewardKind.PRIVILEGE
    _whole(points, 0 if privilege else 1, MAX_POINTS, errors.InvalidReward, _("points"))
    if privilege and (points or not perk or not (min_balance or min_lifetime)):
        raise errors.InvalidReward(
            problem=_("a privilege costs no points, names what it gives and its threshold")
        )
    if not privilege and perk:
        raise errors.InvalidReward(problem=_("only a privilege gives a perk"))
    for number, low, what in (
        (monthly_limit, 1, _("monthly limit")),
        (member_limit, 1, _("limit per resident")),
        (min_lifetime, 0, _("lifetime points")),
        (min_balance, 0, _("balance")),
    ):
        if number is not None:
            _whole(number, low, MAX_UNITS, errors.InvalidReward, what)
    if available_from and available_until and available_until < available_from:
        raise errors.InvalidReward(problem=_("it is available until a day before it starts"))
    season = sorted(set(months))
    if any(type(m) is not int or not 1 <= m <= 12 for m in season):
        raise errors.InvalidReward(problem=_("months are 1 to 12"))
    if any(c.programme_id != programme.pk for c in communities):
        raise errors.InvalidReward(problem=_("a community is of another programme"))
    target = reward or Reward(programme=programme)
    fields: dict[str, object] = {
        "name": name,
        "kind": kind,
        "points": points,
        "category": category,
        "area": area,
        "description": description.strip()[:4000],
        "handover": handover,
        "monthly_limit": monthly_limit,
        "member_limit": member_limit,
        "member_limit_period": member_limit_period,
        "available_from": available_from,
        "available_until": available_until,
        "months": season if len(season) < 12 else [],
        "min_lifetime": min_lifetime,
        "min_balance": min_balance,
        "perk": perk,
        "waitlist": waitlist and not privilege,
        "is_active": is_active,
    }
    for field, setting in fields.items():
        setattr(target, field, setting)
    stored = store_photo(photo, folder=f"rewards/{programme.pk}") if photo else None
    try:
        with transaction.atomic():
            old_image = target.image
            if stored:
                target.image = stored
            target.save()
            target.communities.set(communities)
            audit(
                actor=actor,
                action="rewards.reward",
                target=target,
                programme=programme,
                data={"points": points},
            )
    except BaseException:
        if stored:
            photo_path(stored).unlink(missing_ok=True)
        raise
    if stored and old_image:
        photo_path(old_image).unlink(missing_ok=True)
    return target


def set_stock(
    *, reward: Reward, store: Store, actor: User | None, add: int = 0, unlimited: bool = False
) -> Stock:
    """Offer `reward` at `store` and put `add` more units on its shelf (restock), or make it
    unlimited (a service, a title). Residents waiting for it are then served, highest balance
    first (jifen.rewards.waitlist). Raises InvalidReward."""
    if reward.programme_id != store.programme_id:
        raise errors.InvalidReward(problem=_("the store is of another programme"))
    _whole(add, 0, MAX_UNITS, errors.InvalidReward, _("units added"))
    with transaction.atomic():
        stock, _created = Stock.objects.select_for_update().get_or_create(
            reward=reward, store=store, defaults={"quantity": 0}
        )
        if unlimited:
            stock.quantity = None
        elif stock.quantity is not None:
            stock.quantity += add
            if stock.quantity > MAX_UNITS * 10:
                raise errors.InvalidReward(problem=_("too many units"))
        else:
            stock.quantity = add
        stock.save(update_fields=["quantity"])
        audit(
            actor=actor,
            action="rewards.stock",
            target=stock,
            programme=store.programme,
            data={"reward": reward.public_id, "store": store.code, "add": add},
        )
    return stock


def remove_stock(*, stock: Stock, actor: User | None) -> None:
    """Stop offering a reward at a store (its redemptions stay)."""
    with transaction.atomic():
        audit(
            actor=actor,
            action="rewards.stock_removed",
            target=stock,
            programme=stock.store.programme,
        )
        stock.delete()


def _whole(value: object, low: int, high: int, error: type[errors.InvalidInput], what: str) -> None:
    if type(value) is not int or not low <= value <= high:
        raise error(
            problem=_("%(what)s must be a whole number from %(low)s to %(high)s")
            % {"what": what, "low": low, "high": high}
        )
