"""Who may see which rewards object, for a staff scope (see jifen.programmes.access).

The catalogue is the programme's: every member of its staff sees it. Stores of a community
(a village's 爱心超市) are seen by that community's staff, the programme's stores (the county
store, partner shops) by all of its staff. A cashier works at the stores they are assigned
to: their counter, redemptions and settlements are those stores' only. Redemptions are
otherwise seen as their member is. A resident sees their own redemptions."""

from django.db.models import Q, QuerySet
from django.http import Http404

from jifen.programmes.access import StaffScope, found, in_scope
from jifen.programmes.models import Member, RoleKind
from jifen.rewards.models import Redemption, Reward, Settlement, Stock, Store, WaitlistEntry
from jifen.rewards.settlement import Statement, period_start, statement


def stores_in_scope(scope: StaffScope) -> QuerySet[Store]:
    rows = Store.objects.filter(programme=scope.programme)
    if scope.community_ids is None:
        return rows
    return rows.filter(Q(community__isnull=True) | Q(community_id__in=scope.community_ids))


def counter_stores(scope: StaffScope) -> QuerySet[Store]:
    """The stores whose counter the user works: every store in scope for an administrator,
    the stores they are assigned to for a cashier."""
    rows = stores_in_scope(scope)
    if RoleKind.ADMIN in scope.roles:
        return rows
    return rows.filter(cashiers__user_id=scope.user_id)


def _is_store_only(scope: StaffScope) -> bool:
    """Staff who see rewards only through their stores: cashiers without another role that
    sees members (an auditor or administrator sees them all)."""
    return not scope.roles - {RoleKind.CASHIER, RoleKind.RESIDENT}


def access_store(scope: StaffScope, code: str) -> Store:
    return found(stores_in_scope(scope).select_related("community"), code=code)


def access_counter_store(scope: StaffScope, code: str) -> Store:
    return found(counter_stores(scope).select_related("programme"), code=code)


def rewards_of(scope: StaffScope) -> QuerySet[Reward]:
    return Reward.objects.filter(programme=scope.programme)


def access_reward(scope: StaffScope, public_id: str) -> Reward:
    return found(rewards_of(scope), public_id=public_id)


def access_stock(scope: StaffScope, reward: Reward, store_code: str) -> Stock:
    return found(
        Stock.objects.filter(reward=reward, store__in=stores_in_scope(scope)).select_related(
            "store", "reward"
        ),
        store__code=store_code,
    )


def redemptions_in_scope(scope: StaffScope) -> QuerySet[Redemption]:
    if _is_store_only(scope):
        return Redemption.objects.filter(programme=scope.programme, store__in=counter_stores(scope))
    return in_scope(scope, Redemption.objects.all(), "member__community")


def access_redemption(scope: StaffScope, public_id: str) -> Redemption:
    return found(
        redemptions_in_scope(scope).select_related("member", "reward", "store", "hold"),
        public_id=public_id,
    )


def settlement_stores(scope: StaffScope) -> QuerySet[Store]:
    """The stores whose settlements the user sees: a cashier's own, else those in scope."""
    return counter_stores(scope) if _is_store_only(scope) else stores_in_scope(scope)


def access_settlement_store(scope: StaffScope, code: str) -> Store:
    return found(settlement_stores(scope).select_related("programme"), code=code)


def access_statement(scope: StaffScope, store: str, starts_on: str) -> Statement:
    """The statement of a store whose settlements the user sees, for the period starting on
    `starts_on` (2026-07-01); Http404 for another day, store or programme."""
    found = access_settlement_store(scope, store[:40])
    day = period_start(scope.programme, starts_on)
    if day is None:
        raise Http404
    return statement(found, day)


def settlements_in_scope(scope: StaffScope) -> QuerySet[Settlement]:
    return Settlement.objects.filter(programme=scope.programme, store__in=settlement_stores(scope))


def access_settlement(scope: StaffScope, public_id: str) -> Settlement:
    return found(settlements_in_scope(scope).select_related("store"), public_id=public_id)


def own_redemptions(member: Member) -> QuerySet[Redemption]:
    return Redemption.objects.filter(member=member).select_related("reward", "store")


def access_own_redemption(member: Member, public_id: str) -> Redemption:
    return found(own_redemptions(member).select_related("hold"), public_id=public_id)


def access_own_wait(member: Member, entry_id: int) -> WaitlistEntry:
    return found(WaitlistEntry.objects.filter(member=member), pk=entry_id)


def resident_reward(member: Member, public_id: str) -> Reward:
    """A reward of the resident's programme that is offered (inactive ones are not shown)."""
    return found(
        Reward.objects.filter(programme_id=member.programme_id, is_active=True),
        public_id=public_id,
    )
