"""Awarding many members at once (closing an activity with thousands of attendees): one
transaction per member, written with a handful of set-based statements."""

from collections import defaultdict

from django.db import transaction

from jifen.accounts.models import User
from jifen.ledger import rules
from jifen.ledger.accounts import member_accounts_for, policy_of, system_account, wallets_for
from jifen.ledger.bulk import add_to_column
from jifen.ledger.limits import take
from jifen.ledger.models import AccountKind, Lot, Posting, Transaction, TransactionKind
from jifen.ledger.services import AwardResult, _active, _check, once, request_hash
from jifen.lib import clock
from jifen.lib.errors import DomainError
from jifen.programmes.models import Member, Programme

BATCH = 2_000


def bulk_award(
    *,
    programme: Programme,
    awards: list[tuple[Member, int]],
    reason: str,
    actor: User | None = None,
    idempotency_key: str | None = None,
) -> list[AwardResult]:
    """Award each (member, points), within caps and quotas. A member over a cap gets what is
    left (or nothing): `awarded` says so. Raises AmountNotPositive, ReasonRequired,
    InactiveMember (for any member: then nobody is awarded)."""
    for member, amount in awards:
        _check(amount, reason)
        _active(member)
        if member.programme_id != programme.pk:
            raise ValueError("a member of another programme")
    digest = request_hash("bulk", [(m.pk, a) for m, a in awards], reason)
    key = f"{idempotency_key}#0" if idempotency_key else None
    return once(
        programme,
        key,
        digest,
        lambda: _bulk(programme, awards, reason, actor, idempotency_key, digest),
        lambda tx: _replay(programme, idempotency_key, awards),
    )


def _bulk(programme, awards, reason, actor, key, digest):  # type: ignore[no-untyped-def]
    now = clock.now()
    granted = _granted(programme, awards, now)
    members = [m for m, _ in awards]
    wallets = wallets_for(members)
    issuance = {
        c.pk: system_account(c, AccountKind.ISSUANCE) for c in {m.community for m in members}
    }
    live = [(m, g) for (m, _), g in zip(awards, granted, strict=True) if g > 0]
    txs = Transaction.objects.bulk_create(
        [
            Transaction(
                programme=programme,
                kind=TransactionKind.AWARD,
                member=m,
                reason=reason,
                actor=actor,
                created_at=now,
                request_hash=digest if i == 0 else "",
                idempotency_key=f"{key}#{i}" if key else None,
            )
            for i, (m, _) in enumerate(live)
        ],
        batch_size=BATCH,
    )
    balances = _balances(wallets, live)
    postings = Posting.objects.bulk_create(
        [
            p
            for tx, (m, g), after in zip(txs, live, balances, strict=True)
            for p in (
                Posting(
                    transaction=tx, account=issuance[m.community_id], asset="points", amount=-g
                ),
                Posting(
                    transaction=tx,
                    account=wallets[m.pk],
                    asset="points",
                    amount=g,
                    balance_after=after,
                ),
            )
        ],
        batch_size=BATCH,
    )
    expires = rules.expiry_for(policy_of(programme), now)
    Lot.objects.bulk_create(
        [
            Lot(
                account=p.account,
                posting=p,
                amount=p.amount,
                remaining=p.amount,
                expires_at=expires,
            )
            for p in postings[1::2]
        ],
        batch_size=BATCH,
    )
    own = member_accounts_for(members)
    add_to_column("lifetime_earned", _sum_by((own[m.pk].pk, g) for m, g in live))
    by_member = dict(zip((m.pk for m, _ in live), zip(txs, balances, strict=True), strict=True))
    return [
        AwardResult(by_member[m.pk][0], a, g, by_member[m.pk][1])
        if g
        else AwardResult(None, a, 0, wallets[m.pk].balance)  # type: ignore[arg-type]
        for (m, a), g in zip(awards, granted, strict=True)
    ]


def _granted(programme: Programme, awards, now) -> list[int]:  # type: ignore[no-untyped-def]
    """What each member may receive under the caps (one counter move per member: the slow
    part, so a programme without caps skips it)."""
    policy = policy_of(programme)
    if not policy.caps and not policy.quotas_enabled:
        return [a for _, a in awards]
    granted = []
    for member, amount in awards:
        try:
            with transaction.atomic():
                granted.append(
                    take(
                        programme,
                        rules.award_limits(policy, member, now),
                        amount,
                        truncate=rules.truncates(policy),
                    )
                )
        except DomainError:
            granted.append(0)
    return granted


def _balances(wallets, live) -> list[int]:  # type: ignore[no-untyped-def]
    """Credit every wallet in one statement per batch; return each posting's balance_after
    (several members may share a household wallet: their postings follow one another)."""
    totals = _sum_by((wallets[m.pk].pk, g) for m, g in live)
    new = add_to_column("balance", totals)
    running = {wallet_id: new[wallet_id] - total for wallet_id, total in totals.items()}
    after = []
    for m, g in live:
        running[wallets[m.pk].pk] += g
        after.append(running[wallets[m.pk].pk])
    return after


def _sum_by(pairs) -> dict[int, int]:  # type: ignore[no-untyped-def]
    totals: dict[int, int] = defaultdict(int)
    for key, value in pairs:
        totals[key] += value
    return dict(totals)


def _replay(programme, key, awards) -> list[AwardResult]:  # type: ignore[no-untyped-def]
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
                tx,
                amount,
                leg.amount if leg else 0,  # type: ignore[arg-type]
                leg.balance_after or 0 if leg else 0,
            )
        )
    return results
