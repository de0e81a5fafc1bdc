"""Reads of the ledger shaped for screens. Balances are stored: never a sum over postings."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Min, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.ledger.accounts import member_account, wallet_of
from jifen.ledger.accounts import policy_of as policy_of  # for other apps' reads
from jifen.ledger.awards import AwardResult
from jifen.ledger.limits import Limit as Limit
from jifen.ledger.models import (
    WALLETS,
    Account,
    AccountKind,
    Asset,
    Counter,
    LedgerPolicy,
    Lot,
    Posting,
    TransactionKind,
)
from jifen.ledger.policy import _quota, largest_award
from jifen.ledger.policy import award_limits as award_limits
from jifen.ledger.policy import quota_for as quota_for
from jifen.ledger.policy import truncates as truncates
from jifen.ledger.policy_changes import PolicySettings, settings_of
from jifen.lib import clock
from jifen.programmes.models import Community, Household, Member, Programme

PAGE = 50


@dataclass(frozen=True)
class Summary:
    balance: int
    lifetime_earned: int


def summary_of(member: Member, asset: str = Asset.POINTS) -> Summary:
    """Spendable balance and lifetime earnings: one indexed read (two for a household
    wallet, whose member's earnings are on their own account), O(1)."""
    wallet = wallet_of(member, asset)
    own = wallet if wallet.kind == AccountKind.MEMBER else member_account(member, asset)
    return Summary(wallet.balance, own.lifetime_earned)


def statement(
    member: Member, *, before: int | None = None, asset: str = Asset.POINTS, limit: int = PAGE
) -> list[Posting]:
    """The wallet's postings, newest first by the date of their transaction (a posting's id
    breaks ties, so the order is stable), `limit` at a time. For the next page pass the last
    posting's id as `before`: the page continues after that posting's (date, id), a keyset
    with no OFFSET; an id that is not this wallet's gives an empty page."""
    wallet = wallet_of(member, asset)
    qs = (
        Posting.objects.filter(account=wallet)
        .select_related("transaction", "transaction__log_leaf")
        .order_by("-transaction__created_at", "-id")
    )
    if before:
        at = Subquery(
            Posting.objects.filter(pk=before, account=wallet).values("transaction__created_at")
        )
        qs = qs.filter(
            Q(transaction__created_at__lt=at) | Q(transaction__created_at=at, id__lt=before)
        )
    return list(qs[:limit])


@dataclass(frozen=True)
class LatestAward:
    points: int
    total: int
    at: object
    reason: str = ""  # what it was for: the rule's name, for an earning


@dataclass(frozen=True)
class PointsPage:
    summary: Summary
    expiring_soon: int
    latest_award: LatestAward | None
    entries: list[Posting]
    next_before: int | None


def points_page(member: Member, *, before: int | None = None) -> PointsPage:
    wallet = wallet_of(member)
    now = timezone.now()
    soon = (
        Lot.objects.filter(
            account=wallet,
            remaining__gt=0,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=30),
        ).aggregate(total=Sum("remaining"))["total"]
        or 0
    )
    entries = statement(member, before=before)
    return PointsPage(
        summary_of(member),
        soon,
        latest_award(member),
        entries,
        entries[-1].pk if len(entries) == 50 else None,
    )


def latest_award(member: Member, within_hours: int = 24) -> LatestAward | None:
    """The last award of the past day: the “本次获得5积分，当前总积分250” the resident sees."""
    posting = (
        Posting.objects.filter(
            account=wallet_of(member),
            amount__gt=0,
            transaction__kind=TransactionKind.AWARD,
            transaction__member=member,
            transaction__created_at__gte=timezone.now() - timedelta(hours=within_hours),
        )
        .select_related("transaction")
        .order_by("-id")
        .first()
    )
    if posting is None:
        return None
    tx = posting.transaction
    return LatestAward(posting.amount, posting.balance_after or 0, tx.created_at, tx.reason)


def award_message(programme: Programme, result: AwardResult) -> str:
    """The instant feedback the documents ask for after every award:
    “本次获得5积分，当前总积分250”, in the request's language (the points named in it too:
    Programme.points_unit)."""
    params = {
        "points": result.awarded,
        "currency": programme.points_unit(result.awarded),
        "total": result.balance,
        "requested": result.requested,
    }
    if result.truncated:
        return (
            _(
                "You earned %(points)s %(currency)s (of %(requested)s: a limit was reached); "
                "your total is now %(total)s."
            )
            % params
        )
    return _("You earned %(points)s %(currency)s; your total is now %(total)s.") % params


@dataclass(frozen=True)
class Expiring:
    """Points of one wallet that expire soon. `member` is None for a household wallet."""

    account: Account
    member: Member | None
    household: Household | None
    points: int
    first_expiry: datetime


def expiring_soon(
    programme: Programme, *, within_days: int = 30, now: datetime | None = None
) -> list[Expiring]:
    """Wallets (member or household) with points expiring within the coming days, with how
    many and the first date, in one grouped query."""
    now = now or clock.now()
    rows = (
        Lot.objects.filter(
            account__programme=programme,
            account__kind__in=WALLETS,
            remaining__gt=0,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=within_days),
        )
        .values("account")
        .annotate(points=Sum("remaining"), first=Min("expires_at"))
        .order_by("first", "account")
    )
    accounts = Account.objects.select_related("member", "household").in_bulk(
        [r["account"] for r in rows]
    )
    return [
        Expiring(a, a.member, a.household, r["points"], r["first"])
        for r in rows
        for a in [accounts[r["account"]]]
    ]


def policy_settings(programme: Programme) -> PolicySettings:
    """The programme's ledger policy and point value, as the settings page shows them."""
    return settings_of(policy_of(programme), programme)


def award_ceiling(programme: Programme) -> int | None:
    """The most one award can credit under the programme's caps, None when uncapped: the
    award forms offer no more."""
    return largest_award(policy_of(programme))


def room_left(member: Member, extra: list[Limit], at: datetime | None = None) -> int | None:
    """What the tightest counter an award to `member` now would meet leaves: the
    programme's caps and quota and `extra` (an earning rule's caps). None when nothing caps
    it. A read: nothing is locked."""
    limits = award_limits(policy_of(member.programme), member, at or clock.now()) + extra
    if not limits:
        return None
    used = {
        (c.scope, c.period): c.used
        for c in Counter.objects.filter(
            programme=member.programme, scope__in=[x.scope for x in limits]
        )
    }
    return max(0, min(x.ceiling - used.get((x.scope, x.period), 0) for x in limits))


def community_quota(policy: LedgerPolicy, community: Community, at: datetime) -> Limit:
    """The quota limit a community's awards meet at `at` (its counter's scope and period)."""
    return _quota(policy, community, at)
