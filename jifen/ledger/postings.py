"""The one way points move: a balanced transaction, its postings, balances and lots.

Balances are stored and moved with a guarded UPDATE (… WHERE balance + x >= 0) in the same
database transaction, so no wallet goes below zero whatever runs at the same time. Accounts
are updated in primary-key order, so two transactions touching the same accounts never wait
for each other in a cycle (deadlock). Unbounded system accounts are not updated at all.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import F

from jifen.ledger.errors import InsufficientPoints
from jifen.ledger.models import WALLETS, Account, Asset, LedgerPolicy, Lot, Posting, Transaction
from jifen.ledger.policy import expiry_for
from jifen.lib import clock

LotPlan = dict[int, list[tuple[int, int]]]  # account id → [(lot id, points)]


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int
    # Points that count as earned (lifetime_earned, for tiers and honours), moved in the same
    # statement as the balance when the wallet is the member's own account.
    earned: int = 0


@dataclass
class Posted:
    transaction: Transaction
    balances: dict[int, int | None]
    lots_used: LotPlan = field(default_factory=dict)


def post(
    tx: Transaction,
    legs: list[Leg],
    *,
    expires_at: datetime | None = None,
    lot_plan: LotPlan | None = None,
) -> Posted:
    """Save `tx` (unsaved, fields set) with its legs. Credits to a wallet open a lot expiring
    at `expires_at`; debits consume the oldest lots. `lot_plan` names exact lots instead:
    consumed for a debit, restored for a credit. Raises InsufficientPoints."""
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        totals[leg.account.asset] += leg.amount
    if any(totals.values()) or not legs:
        raise ValueError("a transaction must balance per asset")
    if connection.vendor == "postgresql" and not lot_plan and _is_issue(legs):
        return _post_issue(tx, legs, expires_at)
    tx.save()
    balances: dict[int, int | None] = {}
    for leg in sorted(legs, key=lambda leg: leg.account.pk):
        balances[leg.account.pk] = _move(leg)
    postings = Posting.objects.bulk_create(
        [
            Posting(
                transaction=tx,
                account=leg.account,
                asset=leg.account.asset,
                amount=leg.amount,
                balance_after=balances[leg.account.pk],
            )
            for leg in legs
        ]
    )
    used = _lots(postings, legs, expires_at, lot_plan or {})
    return Posted(tx, balances, used)


def post_expiring(
    tx: Transaction,
    legs: list[Leg],
    policy: LedgerPolicy,
    *,
    earned_at: datetime | None = None,
    lot_plan: LotPlan | None = None,
) -> Posted:
    """`post`, the points it credits to a wallet expiring as the programme's policy says for
    points earned at `earned_at` (now when not given). Minutes of service never expire."""
    points = all(leg.account.asset == Asset.POINTS for leg in legs)
    expires_at = expiry_for(policy, earned_at or clock.now()) if points else None
    return post(tx, legs, expires_at=expires_at, lot_plan=lot_plan)


def _is_issue(legs: list[Leg]) -> bool:
    """Points made by an unbounded account (issuance) into one wallet, as an award: nothing
    can refuse, no lot is read, one row is locked."""
    if len(legs) != 2:
        return False
    source, wallet = sorted(legs, key=lambda leg: leg.amount)
    return (
        not source.account.is_bounded
        and wallet.account.is_bounded
        and wallet.account.kind in WALLETS
    )


def _post_issue(tx: Transaction, legs: list[Leg], expires_at: datetime | None) -> Posted:
    """`post` for an issue, in one statement (PostgreSQL): the transaction, the wallet's
    balance, both postings and the lot. The same rows as the general path, one round trip
    instead of four."""
    source, wallet = sorted(legs, key=lambda leg: leg.amount)
    fields = [f for f in Transaction._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(tx, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            _ISSUE.format(columns=columns, values=", ".join(["%s"] * len(fields))),
            [
                *values,
                wallet.amount,
                wallet.earned,
                wallet.account.pk,
                *(source.account.pk, source.account.asset, source.amount),
                *(wallet.account.pk, wallet.account.asset, wallet.amount),
                *(wallet.account.pk, wallet.amount, wallet.amount, expires_at),
                wallet.account.pk,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        raise ValueError(f"no account {wallet.account.pk}")
    tx.pk, balance = row
    tx._state.adding, tx._state.db = False, connection.alias
    return Posted(tx, {source.account.pk: None, wallet.account.pk: balance})


# The debit's posting first (nothing reads their order: canonical bytes sort them). A credit
# needs no floor guard. No model signal is sent: the ledger has no receivers.
_ISSUE = """
WITH t AS (
    INSERT INTO ledger_transaction ({columns}) VALUES ({values}) RETURNING id
), w AS (
    UPDATE ledger_account SET balance = balance + %s, lifetime_earned = lifetime_earned + %s
    WHERE id = %s RETURNING balance
), p AS (
    INSERT INTO ledger_posting (transaction_id, account_id, asset, amount, balance_after)
    SELECT t.id, %s, %s, %s, NULL FROM t
    UNION ALL
    SELECT t.id, %s, %s, %s, w.balance FROM t, w
    RETURNING id, account_id
), l AS (
    INSERT INTO ledger_lot (account_id, posting_id, amount, remaining, expires_at)
    SELECT %s, p.id, %s, %s, %s FROM p WHERE p.account_id = %s
)
SELECT t.id, w.balance FROM t, w
"""


def _move(leg: Leg) -> int | None:
    account = leg.account
    if not account.is_bounded:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_account SET balance = balance + %s, "
            "lifetime_earned = lifetime_earned + %s WHERE id = %s "
            "AND balance + %s >= 0 RETURNING balance",
            [leg.amount, leg.earned, account.pk, leg.amount],
        )
        row = cursor.fetchone()
    if row is None:
        balance = Account.objects.filter(pk=account.pk).values_list("balance", flat=True).get()
        raise InsufficientPoints(balance=balance, needed=-leg.amount)
    return row[0]


def _lots(
    postings: list[Posting], legs: list[Leg], expires_at: datetime | None, plan: LotPlan
) -> LotPlan:
    used: LotPlan = {}
    for posting, leg in zip(postings, legs, strict=True):
        if leg.account.kind not in WALLETS:
            continue
        if leg.account.pk in plan:
            used[leg.account.pk] = _apply_plan(plan[leg.account.pk], credit=leg.amount > 0)
        elif leg.amount > 0:
            Lot.objects.create(
                account=leg.account,
                posting=posting,
                amount=leg.amount,
                remaining=leg.amount,
                expires_at=expires_at,
            )
        else:
            used[leg.account.pk] = consume_oldest(leg.account, -leg.amount)
    return used


def consume_oldest(account: Account, points: int) -> list[tuple[int, int]]:
    """Take `points` from the account's lots, soonest-expiring first. The caller has already
    moved the balance, which locks the account row: lots of one account change one at a time."""
    taken: list[tuple[int, int]] = []
    lots = (
        Lot.objects.filter(account=account, remaining__gt=0)
        .order_by(F("expires_at").asc(nulls_last=True), "id")
        .values_list("id", "remaining")
    )
    for lot_id, remaining in lots.iterator(chunk_size=100):
        if points == 0:
            break
        part = min(points, remaining)
        taken.append((lot_id, part))
        points -= part
    if points:
        raise ValueError("the lots hold less than the balance")  # verify would name it
    _apply_plan(taken, credit=False)
    return taken


def _apply_plan(plan: list[tuple[int, int]], *, credit: bool) -> list[tuple[int, int]]:
    for lot_id, points in plan:
        change = points if credit else -points
        updated = Lot.objects.filter(pk=lot_id, remaining__gte=-change if change < 0 else 0).update(
            remaining=F("remaining") + change
        )
        if not updated:
            raise ValueError(f"lot {lot_id} cannot move by {change}")
    return plan
