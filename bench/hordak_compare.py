"""Jifen's ledger beside django-hordak, the double-entry app a Django project might pick
instead, on the same PostgreSQL server in the same run:

1. single award, 1 and 4 processes: `award_points(member, 1, "bench")` against hordak's
   `Account.transfer_to()` of 1 point from an issuance account to the member's account
   (one hordak transaction, a credit leg and a debit leg), in transactions per second;
2. balance read at ~10,000 and again at ~1,000,000 transactions on the member's account:
   `summary_of(member)` against hordak's `account.get_balance()` and its annotated form
   `Account.objects.with_balances()` (the database's GET_BALANCE function), in ms per read.

    uv sync --group bench   (uv or .tools/bin/uv; `make bench` syncs it and runs every bench)
    .venv/bin/python bench/hordak_compare.py [--big 1000000] [--awards 1500] [--people 2000]
    … --database postgres://postgres@127.0.0.1:5432/jifen_bench_hordak

The database is one of its own, DROPPED AND CREATED anew at every run: `--database`, by
default jifen_bench_hordak on the PostgreSQL server of DATABASE_URL when that is one (so a
DATABASE_URL meant for bench/ledger.py is left alone), else on 127.0.0.1:5432 as postgres.
It runs with bench/hordak_settings.py (Jifen's settings plus hordak, mptt and djmoney),
never with hordak in Jifen's own settings.

What each side does per award differs: Jifen checks the programme's caps and quota, writes the
transaction (and its transparency-log queue row), two postings, the wallet's balance and
lifetime earnings and a lot; hordak writes a transaction and two legs, checked at commit by
its deferred triggers.

Hordak's amounts are money: every hordak account and leg here uses the one currency "CNY" for
points (hordak refuses the no-currency code "XXX" as its internal currency), with hordak's
default two decimal places (bench/hordak_settings.py).
Hordak 2.0 keeps no stored balance or running-total table: a balance is the sum of the
account's legs (hordak_leg.debit / credit), so the bulk fill writes hordak_transaction and
hordak_leg rows only, exactly as transfer_to() would, with hordak's triggers left on.
The fill of Jifen's wallet writes what an award writes (transaction, both postings with the
wallet's balance_after, a lot, the wallet's balance and lifetime earnings; no quota counter).
"""

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SERVER = "postgres://postgres@127.0.0.1:5432"
NAME = "jifen_bench_hordak"


def default_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return urlsplit(url)._replace(path=f"/{NAME}").geturl()
    return f"{SERVER}/{NAME}"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=default_database(), help="dropped and created")
    parser.add_argument("--big", type=int, default=1_000_000, help="transactions, large read")
    parser.add_argument("--small", type=int, default=10_000, help="transactions, small read")
    parser.add_argument("--awards", type=int, default=1500, help="awards per process")
    parser.add_argument("--people", type=int, default=2000)
    return parser.parse_args()


def recreate(url: str) -> None:
    """Drop and create the bench database, connected to the server's maintenance database."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    db = dj_database_url.parse(url)
    if db["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("run against PostgreSQL: --database postgres://…")
    with psycopg.connect(
        dbname="postgres",
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    ) as conn:
        name = sql.Identifier(db["NAME"])
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


ARGS = arguments()
os.environ["DATABASE_URL"] = ARGS.database
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.hordak_settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from hordak.models import Account, AccountType, Leg  # noqa: E402
from moneyed import Money  # noqa: E402

from bench.ledger import ROWS, rate, row, service_worker, setup_people  # noqa: E402
from jifen.ledger.accounts import system_account, wallet_of  # noqa: E402
from jifen.ledger.models import AccountKind, Posting  # noqa: E402
from jifen.ledger.queries import summary_of  # noqa: E402
from jifen.programmes.models import Member  # noqa: E402

POINTS = settings.POINTS_CURRENCY
ISSUANCE = "Points issued"


def hordak_name(member_id: int) -> str:
    return f"member {member_id}"


def setup_hordak(people: list[int]) -> None:
    """Hordak's accounts: one issuance account (equity) and an asset account per member, so
    that a transfer from the first to the second raises both balances, like an award."""
    Account.objects.create(name=ISSUANCE, type=AccountType.equity, currencies=[POINTS])
    for pk in people:
        Account.objects.create(name=hordak_name(pk), type=AccountType.asset, currencies=[POINTS])


# --- single award: Jifen's service vs hordak's transfer, 1 and 4 processes --------------


def hordak_worker(args: tuple[list[int], int]) -> float:
    member_ids, count = args
    connections.close_all()
    names = [hordak_name(pk) for pk in member_ids]
    named = {a.name: a for a in Account.objects.filter(name__in=names)}
    accounts = [named[name] for name in names]
    issuance = Account.objects.get(name=ISSUANCE)
    one = Money(1, POINTS)
    start = time.perf_counter()
    for i in range(count):
        issuance.transfer_to(accounts[i % len(accounts)], one, description="bench")
    return time.perf_counter() - start


def bench_single_award(people: list[int], awards: int) -> None:
    for processes in (1, 4):
        ours = rate(service_worker, people, processes, awards)
        hordak = rate(hordak_worker, people, processes, awards)
        row(
            f"single award, {processes} process(es)",
            ours,
            "tx/s",
            f"hordak {hordak:,.0f} tx/s",
            f"Jifen/hordak {ours / hordak:.2f}",
        )


# --- balance read at ~10 k and ~1 M transactions on the account ---------------------------


def fill_jifen(member: Member, count: int, tag: str) -> None:
    """`count` awards of 1 point to the member's wallet, in three statements."""
    wallet = wallet_of(member)
    issuance = system_account(member.community, AccountKind.ISSUANCE)
    with connection.cursor() as cur, transaction.atomic():
        cur.execute("SELECT balance FROM ledger_account WHERE id = %s FOR UPDATE", [wallet.pk])
        before = cur.fetchone()[0]
        cur.execute(
            "WITH t AS (INSERT INTO ledger_transaction (programme_id, public_id, kind,"
            " member_id, reason, reference, request_hash, created_at) SELECT %(programme)s,"
            " %(tag)s || g, 'award', %(member)s, 'fill', '', '', now()"
            " FROM generate_series(1, %(count)s) g RETURNING id),"
            " p AS (INSERT INTO ledger_posting (transaction_id, account_id, asset, amount,"
            " balance_after) SELECT id, %(issuance)s, 'points', -1, NULL FROM t UNION ALL"
            " SELECT id, %(wallet)s, 'points', 1, %(before)s + row_number() OVER (ORDER BY id)"
            " FROM t RETURNING id, account_id)"
            " INSERT INTO ledger_lot (account_id, posting_id, amount, remaining, expires_at)"
            " SELECT account_id, id, 1, 1, NULL FROM p WHERE account_id = %(wallet)s",
            {
                "programme": member.programme_id,
                "tag": f"fill-{tag}-",
                "member": member.pk,
                "count": count,
                "issuance": issuance.pk,
                "wallet": wallet.pk,
                "before": before,
            },
        )
        cur.execute(
            "UPDATE ledger_account SET balance = balance + %s,"
            " lifetime_earned = lifetime_earned + %s WHERE id = %s",
            [count, count, wallet.pk],
        )


def fill_hordak(account: Account, count: int) -> None:
    """`count` transfers of 1 point from the issuance account to `account`, as the rows
    transfer_to() writes: a transaction, a credit leg and a debit leg each."""
    issuance = Account.objects.get(name=ISSUANCE)
    with connection.cursor() as cur, transaction.atomic():
        cur.execute(
            "WITH t AS (INSERT INTO hordak_transaction (uuid, timestamp, date, description)"
            " SELECT gen_random_uuid(), now(), current_date, 'fill'"
            " FROM generate_series(1, %(count)s) RETURNING id)"
            " INSERT INTO hordak_leg (uuid, transaction_id, account_id, credit, debit,"
            " currency, description) SELECT gen_random_uuid(), t.id, a.account, a.credit,"
            " a.debit, %(currency)s, '' FROM t, (VALUES (%(issuance)s, 1::numeric,"
            " NULL::numeric), (%(account)s, NULL::numeric, 1::numeric))"
            " a(account, credit, debit)",
            {
                "count": count,
                "currency": POINTS,
                "issuance": issuance.pk,
                "account": account.pk,
            },
        )  # hordak's deferred check_leg triggers check every leg at this commit


def per_read_ms(read, budget: float = 2.0, most: int = 1000) -> float:
    """Milliseconds per read, averaged over up to `most` reads or `budget` seconds."""
    read()  # warm the caches (and the statement) first
    reads, start = 0, time.perf_counter()
    while reads < most and (reads < 5 or time.perf_counter() - start < budget):
        read()
        reads += 1
    return (time.perf_counter() - start) * 1000 / reads


def bench_balance_read(people: list[int], small: int, big: int) -> None:
    member = Member.objects.select_related("programme", "community").get(pk=people[0])
    account = Account.objects.get(name=hordak_name(member.pk))
    wallet = wallet_of(member)

    def annotated():  # hordak 2's annotated form: one query, GET_BALANCE() in the database
        return Account.objects.with_balances().get(pk=account.pk).balance

    def reads() -> tuple[int, float, float, float]:
        n = Posting.objects.filter(account=wallet).count()
        assert Leg.objects.filter(account=account).count() == n
        assert summary_of(member).balance == n
        assert account.get_balance()[POINTS] == annotated()[POINTS] == Money(n, POINTS)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        return (
            n,
            per_read_ms(lambda: summary_of(member)),
            per_read_ms(account.get_balance),
            per_read_ms(annotated),
        )

    def fill_to(target: int, tag: str) -> None:
        print(f"filling both accounts up to {target:,} transactions …", flush=True)
        start = time.perf_counter()
        if (missing := target - Posting.objects.filter(account=wallet).count()) > 0:
            fill_jifen(member, missing, tag)
        middle = time.perf_counter()
        if (missing := target - Leg.objects.filter(account=account).count()) > 0:
            fill_hordak(account, missing)
        end = time.perf_counter()
        print(f"  (Jifen {middle - start:.1f} s, hordak {end - middle:.1f} s)", flush=True)

    fill_to(small, "s")
    n_small, ours_small, hordak_small, annotated_small = reads()
    fill_to(big, "l")
    n_large, ours_large, hordak_large, annotated_large = reads()
    for n, ours, hordak, annotated in (
        (n_small, ours_small, hordak_small, annotated_small),
        (n_large, ours_large, hordak_large, annotated_large),
    ):
        row(
            f"balance read at {n:,} transactions",
            ours,
            "ms",
            f"hordak {hordak:,.2f} ms",
            f"with_balances() {annotated:,.2f} ms",
        )
    row(
        "balance read, large/small",
        ours_large / ours_small,
        "x",
        f"hordak {hordak_large / hordak_small:,.1f}x",
        f"with_balances() {annotated_large / annotated_small:,.1f}x;"
        " Jifen O(1), hordak sums the legs",
    )


def main() -> None:
    recreate(ARGS.database)
    if connection.vendor != "postgresql":
        sys.exit("run against PostgreSQL: --database postgres://…")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"setting up {ARGS.people:,} members in both ledgers …", flush=True)
    people = setup_people("bench-hordak", ARGS.people)
    setup_hordak(people)
    bench_single_award(people, ARGS.awards)
    bench_balance_read(people, ARGS.small, ARGS.big)
    print(f"\n{'workload':44} {'figure (Jifen)':>18}  {'comparison (hordak)':28} note")
    for name, figure, comparison, note in ROWS:
        print(f"{name:44} {figure:>18}  {comparison:28} {note}")


if __name__ == "__main__":
    main()
