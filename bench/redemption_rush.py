"""The redemption rush on PostgreSQL: 1,000 residents try at once to redeem a reward with 100
units on the shelf, each once (issue 8: ≥ 1,000 attempts/s, exactly 100 successes), through
`services.redeem`, beside a ceiling measured in the same run: raw SQL doing the same work.

    .venv/bin/python bench/redemption_rush.py [--attempts 1000] [--units 100]
        [--processes 2] [--threads 8] [--rounds 3]

It makes a throwaway PostgreSQL database on BENCH_SERVER (postgres://postgres@127.0.0.1:5432
unless set) and drops it at the end; with DATABASE_URL it uses that database instead (migrated,
with programmes of its own named bench-rush-…, so it may be run again).

The residents are imported, two to a household, each with points enough for every round (one
bulk award). A round puts a new reward of 100 points with `--units` units on one store's shelf
and releases `--processes` × `--threads` workers together, each thread on its own connection;
attempt i is resident i's, every attempt its own transaction. A worker has its residents and
the reward loaded before the start, as a request has them from its access helpers: what is
timed is the service call. Then the ceiling does the same for a second reward with plain
psycopg, one transaction an attempt: a cheap read of the shelf's counter and the balance
(the service's refusals before any lock), then the stock counter row locked and moved by a
guarded update, the wallet debited by a guarded update and the holds account credited, the
hold's transaction (its log-queue row, by the trigger), two postings, the oldest lot consumed,
the hold and the redemption inserted; out of stock, it rolls back. The figure is attempts a
second from the release to the last worker's end. Last, the queries one attempt runs through
the service (django's CaptureQueriesContext), for a success and for a refusal.
"""

import argparse
import csv
import io
import json
import multiprocessing
import os
import sys
import threading
import time
from collections import Counter as Tally
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
os.environ.setdefault("JIFEN_LOG_SIGNING_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
SERVER = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
THROWAWAY = f"jifen_bench_rush_{os.getpid()}"


def _admin_sql(statement: str) -> None:
    import psycopg

    url = urlsplit(SERVER)
    with psycopg.connect(
        host=url.hostname, port=url.port or 5432, user=url.username, dbname="postgres",
        password=url.password, autocommit=True,
    ) as conn:  # fmt: skip
        conn.execute(statement)


if not os.environ.get("DATABASE_URL"):
    _admin_sql(f"CREATE DATABASE {THROWAWAY}")
    os.environ["DATABASE_URL"] = f"{SERVER}/{THROWAWAY}"
    os.environ["JIFEN_BENCH_THROWAWAY"] = THROWAWAY

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from jifen.ledger.accounts import system_account, wallet_of  # noqa: E402
from jifen.ledger.models import Account, AccountKind, Counter, Lot  # noqa: E402
from jifen.ledger.services import bulk_award  # noqa: E402
from jifen.lib import clock  # noqa: E402
from jifen.lib.errors import DomainError  # noqa: E402
from jifen.lib.ids import new_public_id  # noqa: E402
from jifen.programmes.access import operator_scope  # noqa: E402
from jifen.programmes.import_write import import_residents  # noqa: E402
from jifen.programmes.models import Member, Programme  # noqa: E402
from jifen.programmes.services import create_programme, save_community  # noqa: E402
from jifen.rewards import codes, services  # noqa: E402
from jifen.rewards.models import Redemption, Reward, Stock, Store, reference_of  # noqa: E402
from jifen.rewards.redeeming import end_of_day, stock_scope  # noqa: E402
from jifen.testing_rewards import make_reward, make_store  # noqa: E402

PRICE = 100
REDEEMED = "redeemed"


def world(slug: str, residents: int, funds: int) -> tuple[Programme, Store, list[int]]:
    """The programme, its store and `residents` imported residents with `funds` points each."""
    programme = create_programme(actor=None, name=slug, slug=slug)
    community = save_community(actor=None, programme=programme, name="东区", population=5000)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["community", "building", "unit", "room", "name", "phone"])
    for i in range(residents):
        h = i // 2
        writer.writerow(["东区", h // 400 + 1, h // 100 % 4 + 1, 101 + h % 100, f"居民{i}", ""])
    scope = operator_scope(programme)
    import_residents(actor=None, scope=scope, filename="r.csv", data=out.getvalue().encode())
    members = list(Member.objects.filter(programme=programme).select_related("community"))
    with transaction.atomic():
        bulk_award(programme=programme, reason="种子积分", awards=[(m, funds) for m in members])
    system_account(community, AccountKind.HOLDS)  # opened by the first hold in real life
    services.settings_of(programme)  # likewise by the first redemption
    return (
        programme,
        make_store(programme=programme, code="county", name="县积分超市"),
        [m.pk for m in members],
    )


def shelf(store: Store, name: str, units: int) -> Stock:
    reward = make_reward(store=store, name=name, points=PRICE, units=units)
    return Stock.objects.select_related("store", "reward").get(reward=reward)


# --- workers: processes × threads released together -----------------------------------------


def rush(
    target: str, plan: dict, attempts: int, processes: int, threads: int
) -> tuple[float, Tally]:
    """Run `attempts` attempts of `target` ("service" or "raw") from processes × threads
    workers released by one barrier; returns the seconds from the release to the last
    worker's end, and how the attempts ended."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(processes * threads + 1)
    results = context.Queue()
    connections.close_all()  # a forked child must not share the parent's connection
    children = [
        context.Process(
            target=_child, args=(target, plan, p, attempts, (processes, threads), start, results)
        )
        for p in range(processes)
    ]
    for child in children:
        child.start()
    start.wait(timeout=300)  # a worker that died before the start breaks it: the run fails
    begun = time.monotonic()
    ends, tally = [], Tally()
    for _ in children:
        end, counted = results.get(timeout=600)
        ends.append(end)
        tally.update(counted)
    for child in children:
        child.join()
    return max(ends) - begun, tally


def _child(target, plan, p, attempts, shape, start, results) -> None:
    processes, threads = shape
    workers = processes * threads
    ends: list[float] = []
    tally: Tally = Tally()
    lock = threading.Lock()

    def run(n: int) -> None:
        mine = list(range(p * threads + n, attempts, workers))
        attempt, done = (_service_worker if target == "service" else _raw_worker)(plan, mine)
        counted: Tally = Tally()
        try:
            start.wait()
            for i in mine:
                counted[attempt(i)] += 1
        finally:
            with lock:
                ends.append(time.monotonic())
                tally.update(counted)
            done()

    running = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    results.put((max(ends), dict(tally)))


def _service_worker(plan: dict, mine: list[int]):
    """The attempt through the service, with this worker's residents and reward loaded; and
    what closes its connection."""
    ids = [plan["members"][i] for i in mine]
    rows = Member.objects.filter(pk__in=ids).select_related("programme", "community", "household")
    members = {m.pk: m for m in rows}
    reward = Reward.objects.select_related("programme").get(pk=plan["reward"])

    def attempt(i: int) -> str:
        try:
            services.redeem(member=members[plan["members"][i]], reward=reward)
        except DomainError as refusal:
            return refusal.code
        except Exception as error:  # counted, and the run fails on it
            return f"error: {error!r}"[:200]
        return REDEEMED

    return attempt, connections.close_all


def _raw_worker(plan: dict, mine: list[int]):
    """The attempt in raw SQL, on a connection of this worker's own; and what closes it."""
    import psycopg

    conn = psycopg.connect(plan["dsn"], autocommit=True)
    conn.execute("SELECT 1")

    def attempt(i: int) -> str:
        member, wallet = plan["people"][i]
        try:
            return _raw_attempt(conn, plan, member, wallet)
        except Exception as error:  # counted, and the run fails on it
            return f"error: {error!r}"[:200]

    return attempt, conn.close


# The service's refusals before any lock: the shelf's counter and the balance, read at once.
RAW_PRECHECK = (
    "SELECT (SELECT used FROM ledger_counter WHERE id = %(counter)s),"
    " (SELECT balance FROM ledger_account WHERE id = %(wallet)s)"
)
# The stock counter first, as the ledger locks counters before any account.
RAW_LOCK = "SELECT used FROM ledger_counter WHERE id = %(counter)s FOR UPDATE"
# Guarded updates, each with the refusal it means when it changes no row.
RAW_GUARDED = [
    (
        "UPDATE ledger_counter SET used = used + 1 WHERE id = %(counter)s"
        " AND used + 1 <= ceiling RETURNING used",
        "out_of_stock",
    ),
    (
        "UPDATE ledger_account SET balance = balance - %(price)s WHERE id = %(wallet)s"
        " AND balance - %(price)s >= 0 RETURNING balance",
        "insufficient_points",
    ),
]
# Then each statement with the name of what it returns, for the ones after it.
RAW_HOLD = [
    (
        "UPDATE ledger_account SET balance = balance + %(price)s WHERE id = %(holds)s"
        " RETURNING balance",
        "holds_after",
    ),
    (
        "INSERT INTO ledger_transaction (programme_id, public_id, kind, member_id, reason,"
        " reference, request_hash, charged, created_at) VALUES (%(programme)s, %(tx_id)s,"
        " 'hold', %(member)s, '', %(reference)s::text, md5(%(reference)s::text),"
        " %(charged)s::jsonb, now()) RETURNING id",
        "tx",
    ),
    (
        "INSERT INTO ledger_posting (transaction_id, account_id, asset, amount, balance_after)"
        " VALUES (%(tx)s, %(wallet)s, 'points', -%(price)s, %(wallet_after)s),"
        " (%(tx)s, %(holds)s, 'points', %(price)s, %(holds_after)s)",
        None,
    ),
    (
        "UPDATE ledger_lot SET remaining = remaining - %(price)s WHERE id = (SELECT id"
        " FROM ledger_lot WHERE account_id = %(wallet)s AND remaining >= %(price)s"
        " ORDER BY expires_at ASC NULLS LAST, id LIMIT 1) RETURNING jsonb_build_array("
        "jsonb_build_array(id, %(price)s))::text",
        "lots",
    ),
    (
        "INSERT INTO ledger_hold (programme_id, public_id, account_id, amount, status, reference,"
        " hold_transaction_id, lots, created_at) VALUES (%(programme)s, %(hold_id)s, %(wallet)s,"
        " %(price)s, 'open', %(reference)s, %(tx)s, %(lots)s::jsonb, now()) RETURNING id",
        "hold",
    ),
    (
        "INSERT INTO rewards_redemption (programme_id, public_id, code, member_id, reward_id,"
        " store_id, quantity, points, area, handover, hold_id, status, step, address,"
        " expires_at, refusal_reason, penalty_due, created_at, updated_at) VALUES"
        " (%(programme)s, %(public_id)s, %(code)s, %(member)s, %(reward)s, %(store)s, 1,"
        " %(price)s, 'goods', 'pickup', %(hold)s, 'open', '', '', %(expires)s, '', 0, now(),"
        " now())",
        None,
    ),
]


class _Refused(Exception):
    pass


def _raw_attempt(conn, plan: dict, member: int, wallet: int) -> str:
    p = {**plan["fixed"], "member": member, "wallet": wallet}
    used, balance = conn.execute(RAW_PRECHECK, p).fetchone()
    if used is not None and used + 1 > plan["units"]:
        return "out_of_stock"
    if balance < PRICE:
        return "insufficient_points"
    public_id = new_public_id(12)
    p |= {"public_id": public_id, "reference": reference_of(public_id), "code": codes.new_code()}
    p |= {"tx_id": new_public_id(20), "hold_id": new_public_id(16)}
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(RAW_LOCK, p)
            for statement, refusal in RAW_GUARDED:
                row = cur.execute(statement, p).fetchone()
                if row is None:
                    raise _Refused(refusal)
            p["wallet_after"] = row[0]
            for statement, name in RAW_HOLD:
                cur.execute(statement, p)
                if name:
                    p[name] = cur.fetchone()[0]
    except _Refused as refusal:  # rolled back
        return str(refusal)
    return REDEEMED


def raw_plan(programme: Programme, stock: Stock, members: list[int]) -> dict:
    """What the raw workers need: every resident's wallet, the counter, the fixed values."""
    counter = Counter.objects.create(
        programme=programme, scope=stock_scope(stock), period="all", used=0, ceiling=stock.quantity
    )
    rows = Member.objects.filter(pk__in=members).select_related("programme", "community")
    wallets = {m.pk: wallet_of(m).pk for m in rows}
    community = rows[0].community
    holds = system_account(community, AccountKind.HOLDS).pk
    settings = services.settings_of(programme)
    expires = end_of_day(clock.now() + timedelta(days=settings.code_days), programme.timezone)
    db = connection.settings_dict
    dsn = f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"
    fixed = {
        "programme": programme.pk,
        "counter": counter.pk,
        "holds": holds,
        "price": PRICE,
        "charged": json.dumps([[counter.pk, 1]]),
        "reward": stock.reward_id,
        "store": stock.store_id,
        "expires": expires,
    }
    return {
        "dsn": dsn,
        "people": [(m, wallets[m]) for m in members],
        "units": stock.quantity,
        "fixed": fixed,
    }


def checked(stock: Stock, tally: Tally, attempts: int) -> None:
    """Exactly `units` redeemed, the counter at its ceiling, nobody below zero."""
    errors = [code for code in tally if code.startswith("error")]
    assert not errors, errors
    assert sum(tally.values()) == attempts, tally
    assert tally[REDEEMED] == stock.quantity, tally
    assert Redemption.objects.filter(reward_id=stock.reward_id).count() == stock.quantity
    counter = Counter.objects.get(programme_id=stock.store.programme_id, scope=stock_scope(stock))
    assert counter.used == counter.ceiling == stock.quantity
    assert not Account.objects.filter(balance__lt=0).exists()
    assert not Lot.objects.filter(remaining__lt=0).exists()


def profile(store: Store, member_id: int) -> tuple[int, int]:
    """Queries of one attempt through the service: a success, then a refusal (out of stock)."""
    stock = shelf(store, "剖析", units=1)
    counts = []
    for _ in range(2):
        member = Member.objects.select_related("programme", "community", "household").get(
            pk=member_id
        )
        reward = Reward.objects.select_related("programme").get(pk=stock.reward_id)
        with CaptureQueriesContext(connection) as queries:
            try:
                services.redeem(member=member, reward=reward)
            except DomainError:
                pass
        counts.append(len(queries.captured_queries))
    return counts[0], counts[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("the rush is measured on PostgreSQL")
    call_command("migrate", verbosity=0)
    slug = f"bench-rush-{int(time.time())}"
    print(f"setting up {args.attempts:,} residents …", flush=True)
    funds = PRICE * (2 * args.rounds + 1)
    programme, store, members = world(slug, args.attempts, funds)
    workers = args.processes * args.threads
    print(
        f"database: {connection.vendor}; {args.attempts:,} attempts by as many residents on "
        f"{args.units} units; {args.processes} processes × {args.threads} threads = "
        f"{workers} connections at once"
    )
    head = ["round", "service s", "attempts/s", "redeemed", "raw SQL s", "attempts/s", "redeemed"]
    head.append("of ceiling")
    print("| " + " | ".join(f"{h:>10}" for h in head) + " |")
    print("|" + "|".join(["-" * 11 + ":"] * len(head)) + "|")
    best = (0.0, 0.0)
    for n in range(1, args.rounds + 1):
        stock = shelf(store, f"大米 5kg 第{n}轮", args.units)
        plan = {"members": members, "reward": stock.reward_id}
        seconds, tally = rush("service", plan, args.attempts, args.processes, args.threads)
        checked(stock, tally, args.attempts)
        other = shelf(store, f"食用油 第{n}轮", args.units)
        raw_seconds, raw_tally = rush(
            "raw", raw_plan(programme, other, members), args.attempts, args.processes, args.threads
        )
        checked(other, raw_tally, args.attempts)
        rate, raw_rate = args.attempts / seconds, args.attempts / raw_seconds
        best = max(best, (rate, raw_rate))
        cells = [str(n), f"{seconds:.3f}", f"{rate:,.0f}", str(tally[REDEEMED])]
        cells += [f"{raw_seconds:.3f}", f"{raw_rate:,.0f}", str(raw_tally[REDEEMED])]
        cells.append(f"{rate / raw_rate:.0%}")
        print("| " + " | ".join(f"{c:>10}" for c in cells) + " |", flush=True)
    success, refusal = profile(store, members[0])
    service, ceiling = best
    print(f"queries an attempt through the service: {success} redeemed, {refusal} out of stock")
    print(
        f"best: {service:,.0f} attempts/s through services.redeem (goal 1,000), raw SQL "
        f"{ceiling:,.0f} attempts/s ({service / ceiling:.0%} of the ceiling); exactly "
        f"{args.units} redeemed in every run"
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        if os.environ.get("JIFEN_BENCH_THROWAWAY"):
            connections.close_all()
            _admin_sql(f"DROP DATABASE IF EXISTS {THROWAWAY}")
