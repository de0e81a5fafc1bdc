"""Awarding many members at once (closing an activity with thousands of attendees): one
transaction per member, written with a handful of set-based statements."""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import prefetch_related_objects

from jifen.accounts.models import User
from jifen.idempotency.services import request_hash
from jifen.ledger import errors
from jifen.ledger.accounts import member_accounts_for, policy_of, system_account, wallets_for
from jifen.ledger.awards import AwardResult
from jifen.ledger.bulk import add_to_columns, insert_postings_and_lots, points_accounts
from jifen.ledger.checks import once, require_active, require_amount, require_reason
from jifen.ledger.limits import Charges, Limit, Taken, charge_many
from jifen.ledger.models import AccountKind, LedgerPolicy, Transaction, TransactionKind
from jifen.ledger.policy import award_limits, expiry_for, truncates
from jifen.lib import clock
from jifen.lib.bulk_sql import SQLValue, insert_select, saved_instances
from jifen.lib.ids import new_public_ids
from jifen.programmes.models import Community, Member, Programme, ProgrammeWalletLevel


def bulk_award(
    *,
    programme: Programme,
    awards: list[tuple[Member, int]],
    reason: str,
    actor: User | None = None,
    idempotency_key: str | None = None,
    reference: str = "",
    limits: Callable[[Member], list[Limit]] | None = None,
) -> list[AwardResult]:
    """Award each (member, points), within caps and quotas, and within `limits(member)`:
    counters of the caller's own (an earning rule's caps). A member over a cap gets what is
    left (or nothing): `awarded` says so. Raises AmountNotPositive, ReasonRequired,
    InactiveMember, DuplicateAward (for any member: then nobody is awarded)."""
    require_reason(reason)
    seen: set[int] = set()
    for member, amount in awards:
        require_amount(amount)
        require_active(member)
        if member.programme_id != programme.pk:
            raise ValueError("a member of another programme")
        if member.pk in seen:  # one line per attendee: a second is a mistake, not a bonus
            raise errors.DuplicateAward(name=member.display_name)
        seen.add(member.pk)
    extra = limits or _no_limits
    digest = request_hash(
        "bulk", actor, [(m.pk, a, *_keys_of(extra(m))) for m, a in awards], reason, reference
    )
    key = f"{idempotency_key}#0" if idempotency_key else None
    return once(
        programme,
        key,
        digest,
        lambda: _bulk(programme, awards, reason, actor, idempotency_key, digest, reference, extra),
        lambda tx: _replay(programme, idempotency_key, awards),
    )


def _no_limits(member: Member) -> list[Limit]:
    return []


def _keys_of(limits: list[Limit]) -> list[tuple[str, str, int]]:
    return [(x.scope, x.period, x.ceiling) for x in limits]


@dataclass(frozen=True)
class _Wallet:
    id: int
    own: bool  # the member's own account (else their household's)
    balance: int  # before this award


Awards = list[tuple[Member, int]]  # (member, points)


def _bulk(
    programme: Programme,
    awards: Awards,
    reason: str,
    actor: User | None,
    key: str | None,
    digest: str,
    reference: str,
    extra: Callable[[Member], list[Limit]],
) -> list[AwardResult]:
    now = clock.now()
    policy = policy_of(programme)
    granted = _granted(programme, policy, awards, now, extra)
    members = [m for m, _ in awards]
    wallets = _wallets(members)
    live = [(m, t.granted) for (m, _), t in zip(awards, granted, strict=True) if t.granted > 0]
    charges = [t.charges for t in granted if t.granted > 0]
    txs = _transactions(programme, live, charges, reason, reference, actor, key, digest, now)
    balances = _balances(wallets, live)
    _postings_and_lots(programme, policy, live, txs, wallets, balances, now)
    households = [(m, g) for m, g in live if not wallets[m.pk].own]
    if households:  # lifetime is kept on the member's own account, not the household's
        own = _own_accounts([m for m, _ in households])
        add_to_columns(["lifetime_earned"], _sum_by((own[m.pk], g) for m, g in households))
    done = {m.pk: (tx, after) for (m, _), tx, after in zip(live, txs, balances, strict=True)}
    return [
        AwardResult(done[m.pk][0], a, t.granted, done[m.pk][1], t.truncated_by)
        if t.granted
        else AwardResult(None, a, 0, wallets[m.pk].balance, t.truncated_by)  # type: ignore[arg-type]  # nothing awarded: no tx
        for (m, a), t in zip(awards, granted, strict=True)
    ]


def _wallets(members: list[Member]) -> dict[int, _Wallet]:
    """Each member's wallet (by member id), opening missing ones in one statement. On
    PostgreSQL they are locked, and no Account instance is made."""
    if connection.vendor != "postgresql" or not members:
        return {
            pk: _Wallet(a.pk, a.kind == AccountKind.MEMBER, a.balance)
            for pk, a in wallets_for(members).items()
        }
    by_household = members[0].programme.wallet_level == ProgrammeWalletLevel.HOUSEHOLD
    owner = {
        m.pk: (
            ("household", m.household_id) if by_household and m.household_id else ("member", m.pk)
        )
        for m in members
    }
    found = points_accounts(members[0].programme_id, set(owner.values()))
    return {
        pk: _Wallet(found[key][0], key[0] == "member", found[key][1]) for pk, key in owner.items()
    }


def _own_accounts(members: list[Member]) -> dict[int, int]:
    """The id of each member's own account (where lifetime earnings are kept)."""
    if connection.vendor != "postgresql":
        return {pk: a.pk for pk, a in member_accounts_for(members).items()}
    found = points_accounts(members[0].programme_id, {("member", m.pk) for m in members})
    return {m.pk: found[("member", m.pk)][0] for m in members}


def _transactions(
    programme: Programme,
    live: Awards,
    charges: list[Charges],
    reason: str,
    reference: str,
    actor: User | None,
    key: str | None,
    digest: str,
    now: datetime,
) -> list[Transaction]:
    """One award transaction per member, written by one statement (per batch on SQLite),
    each with the counters it charged (a reversal gives them back); returns instances
    carrying what callers read (public id, member, time)."""
    ids = new_public_ids(len(live))
    keys = [f"{key}#{i}" if key else None for i in range(len(live))]
    charged = [json.dumps(c) if c else None for c in charges]
    rows = [[pid, m.pk, k, c] for pid, (m, _), k, c in zip(ids, live, keys, charged, strict=True)]
    constants: dict[str, SQLValue] = {
        "programme_id": programme.pk,
        "kind": TransactionKind.AWARD.value,
        "reason": reason,
        "reference": reference,
        "actor_id": actor.pk if actor else None,
        "request_hash": digest,
        "created_at": now,
    }
    varying = [
        ("public_id", "text"),
        ("member_id", "bigint"),
        ("idempotency_key", "text"),
        ("charged", "jsonb"),
    ]
    saved: dict[str, int] = dict(
        insert_select("ledger_transaction", constants, varying, rows, "public_id, id")
    )
    template = Transaction(
        programme=programme,
        kind=TransactionKind.AWARD,
        reason=reason,
        reference=reference,
        actor=actor,
        request_hash=digest,
        created_at=now,
    )
    txs = saved_instances(
        template,
        [
            {
                "id": saved[pid],
                "public_id": pid,
                "member_id": m.pk,
                "idempotency_key": k,
                "charged": c or None,
            }
            for pid, (m, _), k, c in zip(ids, live, keys, charges, strict=True)
        ],
    )
    member = Transaction._meta.get_field("member")
    for tx, (m, _) in zip(txs, live, strict=True):
        member.set_cached_value(tx, m)
    return txs


def _postings_and_lots(
    programme: Programme,
    policy: LedgerPolicy,
    live: Awards,
    txs: list[Transaction],
    wallets: dict[int, _Wallet],
    balances: list[int],
    now: datetime,
) -> None:
    issuance = _issuance_accounts(programme, {m.community_id for m, _ in live})
    rows: list[list[object]] = []
    for (m, g), tx, after in zip(live, txs, balances, strict=True):
        rows.append([tx.pk, issuance[m.community_id], -g, None])
        rows.append([tx.pk, wallets[m.pk].id, g, after])
    expires = expiry_for(policy, now)
    if connection.vendor == "postgresql":
        insert_postings_and_lots(rows, expires)
        return
    varying = [
        ("transaction_id", "bigint"),
        ("account_id", "bigint"),
        ("amount", "bigint"),
        ("balance_after", "bigint"),
    ]
    credits = insert_select(
        "ledger_posting", {"asset": "points"}, varying, rows, "id, account_id, amount"
    )
    # A lot for each credit, with the account and amount of that very posting.
    lots = [
        [account, posting, amount, amount] for posting, account, amount in credits if amount > 0
    ]
    varying = [
        ("account_id", "bigint"),
        ("posting_id", "bigint"),
        ("amount", "bigint"),
        ("remaining", "bigint"),
    ]
    insert_select("ledger_lot", {"expires_at": expires}, varying, lots, "id")


def _issuance_accounts(programme: Programme, community_ids: set[int]) -> dict[int, int]:
    communities = Community.objects.filter(programme=programme, pk__in=community_ids)
    return {c.pk: system_account(c, AccountKind.ISSUANCE).pk for c in communities}


def _granted(
    programme: Programme,
    policy: LedgerPolicy,
    awards: Awards,
    now: datetime,
    extra: Callable[[Member], list[Limit]],
) -> list[Taken]:
    """What each member may receive under the caps and quotas, why less, and the counters it
    moved: all counters at once, each member charged after the ones before it in the list
    (a household cap or a community quota is shared), as awarding one by one would."""
    members = [m for m, _ in awards]
    if policy.quotas_enabled:  # each member's quota is their community's: read them once
        prefetch_related_objects(members, "community")
    requests = [([*award_limits(policy, m, now), *extra(m)], a) for m, a in awards]
    return charge_many(programme, requests, truncate=truncates(policy))


def _balances(wallets: dict[int, _Wallet], live: Awards) -> list[int]:
    """Credit every wallet in one statement (per batch on SQLite); return each posting's
    balance_after (several members may share a household wallet: their postings follow one
    another)."""
    own = _sum_by((wallets[m.pk].id, g) for m, g in live if wallets[m.pk].own)
    new = add_to_columns(["balance", "lifetime_earned"], own) if own else {}
    shared = _sum_by((wallets[m.pk].id, g) for m, g in live if not wallets[m.pk].own)
    new |= add_to_columns(["balance"], shared) if shared else {}
    running = {wallet_id: new[wallet_id] - total for wallet_id, total in (own | shared).items()}
    after = []
    for m, g in live:
        running[wallets[m.pk].id] += g
        after.append(running[wallets[m.pk].id])
    return after


def _sum_by(pairs: Iterable[tuple[int, int]]) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for key, value in pairs:
        totals[key] += value
    return dict(totals)


def _replay(programme: Programme, key: str | None, awards: Awards) -> list[AwardResult]:
    txs = {
        t.member_id: t
        for t in Transaction.objects.filter(
            programme=programme, idempotency_key__startswith=f"{key}#"
        ).prefetch_related("postings")
    }
    results = []
    for member, amount in awards:
        tx = txs.get(member.pk)
        leg = next((p for p in tx.postings.all() if p.amount > 0), None) if tx else None
        results.append(
            AwardResult(
                tx,  # type: ignore[arg-type]  # None when nothing was awarded
                amount,
                leg.amount if leg else 0,
                leg.balance_after or 0 if leg else 0,
            )
        )
    return results
