"""Ledger and log budgets (DESIGN.md “Budgets”), each figure beside a ceiling measured in the
same run: raw SQL doing the same writes, or hashing alone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jifen_bench .venv/bin/python bench/ledger.py
    … --big 1000000   (transactions for the balance-read and proof figures; default 1,000,000)

It needs an empty database of its own (it creates the schema and fills it).
"""

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")
os.environ.setdefault("JIFEN_LOG_SIGNING_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")

import django  # noqa: E402

django.setup()

from django.db import connection, connections, transaction  # noqa: E402

from jifen.ledger.accounts import member_account, system_account, wallet_of  # noqa: E402
from jifen.ledger.models import AccountKind  # noqa: E402
from jifen.ledger.queries import summary_of  # noqa: E402
from jifen.ledger.services import award_points, bulk_award  # noqa: E402
from jifen.programmes.models import Member, Programme  # noqa: E402
from jifen.testing import make_community, make_member, make_programme  # noqa: E402
from jifen.transparency import merkle, queries  # noqa: E402
from jifen.transparency.sequencer import seal_all  # noqa: E402

ROWS: list[tuple[str, str, str, str]] = []


def row(name: str, figure: float, unit: str, ceiling: str = "", note: str = "") -> None:
    ROWS.append(
        (name, f"{figure:,.1f} {unit}" if figure >= 10 else f"{figure:.3f} {unit}", ceiling, note)
    )
    print(f"  {name}: {ROWS[-1][1]} {ceiling} {note}", flush=True)


def setup_people(slug: str, count: int) -> list[int]:
    programme = make_programme(slug=slug)
    community = make_community(programme=programme)
    return [make_member(community=community).pk for _ in range(count)]


# --- single award: service vs raw SQL, 1 and 4 processes --------------------------------


def service_worker(args: tuple[list[int], int]) -> float:
    member_ids, count = args
    connections.close_all()
    members = list(
        Member.objects.filter(pk__in=member_ids).select_related(
            "programme", "community", "household"
        )
    )
    for m in members[:count]:
        wallet_of(m), member_account(m)  # accounts exist before timing, as for raw SQL
    start = time.perf_counter()
    for i in range(count):
        award_points(member=members[i % len(members)], amount=1, reason="bench")
    return time.perf_counter() - start


def raw_worker(args: tuple[list[int], int]) -> float:
    """The same rows an award writes, as plain SQL: transaction (+ its log-queue row by the
    trigger), two postings, the guarded wallet update, a lot, lifetime earnings."""
    member_ids, count = args
    connections.close_all()
    members = list(Member.objects.filter(pk__in=member_ids).select_related("community"))[:count]
    accounts = [
        (
            wallet_of(m).pk,
            system_account(m.community, AccountKind.ISSUANCE).pk,
            member_account(m).pk,
            m.pk,
            m.programme_id,
        )
        for m in members
    ]
    start = time.perf_counter()
    with connection.cursor() as cur:
        for i in range(count):
            wallet, issuance, own, member, programme = accounts[i % len(accounts)]
            with transaction.atomic():
                cur.execute(
                    "INSERT INTO ledger_transaction (programme_id, public_id, kind, "
                    "member_id, reason, reference, request_hash, created_at) VALUES "
                    "(%s, left(md5(random()::text), 20), 'award', %s, 'bench', '', '', now()) "
                    "RETURNING id",
                    [programme, member],
                )
                tx = cur.fetchone()[0]
                cur.execute(
                    "UPDATE ledger_account SET balance = balance + 1 WHERE id = %s AND "
                    "balance + 1 >= 0 RETURNING balance",
                    [wallet],
                )
                balance = cur.fetchone()[0]
                cur.execute(
                    "INSERT INTO ledger_posting (transaction_id, account_id, asset, "
                    "amount, balance_after) VALUES (%s, %s, 'points', -1, NULL), "
                    "(%s, %s, 'points', 1, %s) RETURNING id",
                    [tx, issuance, tx, wallet, balance],
                )
                posting = cur.fetchall()[1][0]
                cur.execute(
                    "INSERT INTO ledger_lot (account_id, posting_id, amount, remaining, "
                    "expires_at) VALUES (%s, %s, 1, 1, NULL)",
                    [wallet, posting],
                )
                cur.execute(
                    "UPDATE ledger_account SET lifetime_earned = lifetime_earned + 1 WHERE id = %s",
                    [own],
                )
    return time.perf_counter() - start


def rate(worker, people: list[int], processes: int, per_process: int) -> float:
    chunks = [(people[i::processes], per_process) for i in range(processes)]
    connections.close_all()  # children must not inherit (and then close) our connection
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        seconds = pool.map(worker, chunks)  # each worker times its own writing loop
    return processes * per_process / max(seconds)


def bench_single_award(people: list[int]) -> None:
    for processes in (1, 4):
        service = rate(service_worker, people, processes, 1500)
        raw = rate(raw_worker, people, processes, 1500)
        row(
            f"single award, {processes} process(es)",
            service,
            "tx/s",
            f"raw SQL {raw:,.0f} tx/s",
            f"{service / raw:.0%} of the ceiling",
        )


# Capped: 5 a day per member, 400 a month per household (two members to a household) and the
# community's monthly quota (a tier high enough that nobody is cut: the same postings as
# uncapped). Each award moves three counters, the household and quota ones shared.
CAPS = [
    {"scope": "member", "period": "day", "limit": 50},
    {"scope": "household", "period": "month", "limit": 400},
]


def setup_capped(slug: str, count: int) -> None:
    from jifen.ledger.accounts import policy_of
    from jifen.testing import make_household

    programme = make_programme(slug=slug)
    community = make_community(programme=programme)
    for i in range(count):
        if i % 2 == 0:
            home = make_household(community=community)
        make_member(community=community, household=home)
    policy = policy_of(programme)
    policy.caps = CAPS
    policy.quotas_enabled = True
    policy.quota_tiers = [[None, 10 * count]]
    policy.save()


def timed_bulk(slug: str, count: int) -> tuple[int, float]:
    """Members awarded and seconds taken by one bulk award to `count` members of `slug`."""
    programme = Programme.objects.get(slug=slug)
    members = list(
        Member.objects.filter(programme=programme).select_related(
            "programme", "community", "household"
        )[:count]
    )
    start = time.perf_counter()
    with transaction.atomic():
        bulk_award(programme=programme, reason="close", awards=[(m, 5) for m in members])
    return len(members), time.perf_counter() - start


def executemany_ceiling(postings: int) -> float:
    """Rows a second that executemany inserts into a bare postings table, in one transaction."""
    start = time.perf_counter()
    with connection.cursor() as cur, transaction.atomic():
        cur.execute(
            "CREATE TEMP TABLE ceiling_posting (id bigint GENERATED BY DEFAULT AS "
            "IDENTITY, transaction_id bigint, account_id bigint, asset varchar(10), "
            "amount bigint, balance_after bigint) ON COMMIT DROP"
        )
        cur.executemany(
            "INSERT INTO ceiling_posting (transaction_id, account_id, asset, amount,"
            " balance_after) VALUES (%s, %s, 'points', %s, %s)",
            [(1, 1, 5, 5)] * postings,
        )
    return postings / (time.perf_counter() - start)


def bench_bulk(count: int) -> None:
    setup_capped("bench-capped", count)
    for slug, label in (("bench", "attendees"), ("bench-capped", "capped attendees")):
        members, seconds = timed_bulk(slug, count)
        postings = 2 * members
        raw = executemany_ceiling(postings)
        row(
            f"bulk award, {members:,} {label}",
            postings / seconds,
            "postings/s",
            f"executemany {raw:,.0f} rows/s",
            f"{members:,} transactions in {seconds:.2f} s",
        )


def fill(count: int) -> None:
    """`count` more transactions with postings, written by SQL in bulk (the service's speed is
    measured above; here we only need a big ledger). They move points from issuance to
    expiry — two unbounded accounts — so every balance and lot stays right for verify."""
    programme = Programme.objects.get(slug="bench")
    member = Member.objects.filter(programme=programme).first()
    issuance = system_account(member.community, "issuance").pk
    wallet = system_account(member.community, "expiry").pk
    with connection.cursor() as cur, transaction.atomic():
        cur.execute(
            "INSERT INTO ledger_transaction (programme_id, public_id, kind, member_id,"
            " reason, reference, request_hash, created_at) SELECT %s, 'f' || g, 'award',"
            " %s, 'fill', '', '', now() FROM generate_series(1, %s) g",
            [programme.pk, member.pk, count],
        )
        cur.execute(
            "INSERT INTO ledger_posting (transaction_id, account_id, asset, amount,"
            " balance_after) SELECT id, a.acc, 'points', a.amt, NULL FROM"
            " ledger_transaction t, (VALUES (%s, -1), (%s, 1)) a(acc, amt)"
            " WHERE t.reason = 'fill'",
            [issuance, wallet],
        )
        cur.execute("ANALYZE")


def bench_balance_read(big: int) -> None:
    member = Member.objects.filter(programme__slug="bench").select_related("programme").first()
    wallet = wallet_of(member).pk

    def read_ms(read) -> float:  # type: ignore[no-untyped-def]
        """Milliseconds per balance read, the best of three rounds of 1,000 reads."""
        rounds = []
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(1000):
                read()
            rounds.append(time.perf_counter() - start)
        return min(rounds)

    def raw() -> None:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT balance, lifetime_earned FROM ledger_account WHERE id = %s", [wallet]
            )
            cur.fetchone()

    from jifen.ledger.models import Transaction

    small, small_raw = read_ms(lambda: summary_of(member)), read_ms(raw)
    n_small = Transaction.objects.count()
    fill(big)
    large, large_raw = read_ms(lambda: summary_of(member)), read_ms(raw)
    n_large = Transaction.objects.count()
    row(f"balance read at {n_small:,} transactions", small, "ms", f"raw SQL {small_raw:.3f} ms")
    row(
        f"balance read at {n_large:,} transactions",
        large,
        "ms",
        f"raw SQL {large_raw:.3f} ms",
        f"ratio to the small ledger {large / small:.2f} (raw SQL {large_raw / small_raw:.2f})",
    )


def raw_sealing_rate(programme: Programme, queued: int) -> float:
    """The ceiling: the same reads and writes as sealing in plain SQL (each queued
    transaction read with its postings, hashed by the database, appended as a leaf, taken
    off the queue), rolled back."""
    start = time.perf_counter()
    with connection.cursor() as cur, transaction.atomic():
        cur.execute(
            "INSERT INTO transparency_logleaf (programme_id, index, transaction_id, leaf_hash,"
            " sealed_at) SELECT %s, 10000000000 + row_number() OVER (ORDER BY q.id), t.id,"
            " sha256(convert_to(t.public_id || t.kind || p.legs, 'UTF8')), now()"
            " FROM transparency_logqueue q JOIN ledger_transaction t ON t.id = q.transaction_id"
            " JOIN (SELECT transaction_id, string_agg(account_id || asset || amount, ',') legs"
            "       FROM ledger_posting GROUP BY transaction_id) p ON p.transaction_id = t.id"
            " WHERE q.programme_id = %s",
            [programme.pk, programme.pk],
        )
        cur.execute("DELETE FROM transparency_logqueue WHERE programme_id = %s", [programme.pk])
        transaction.set_rollback(True)
    return queued / (time.perf_counter() - start)


def raw_reading_rate(programme: Programme, leaves: int) -> float:
    """The ceiling for verify: reading every leaf, transaction and posting once in SQL."""
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), sum(length(l.leaf_hash)), sum(length(t.public_id || t.reason))"
            " FROM transparency_logleaf l JOIN ledger_transaction t ON t.id = l.transaction_id"
            " WHERE l.programme_id = %s",
            [programme.pk],
        )
        cur.execute(
            "SELECT count(*), sum(p.amount) FROM ledger_posting p"
            " JOIN ledger_transaction t ON t.id = p.transaction_id WHERE t.programme_id = %s",
            [programme.pk],
        )
    return leaves / (time.perf_counter() - start)


VERIFY_IN_A_CHILD = """
import resource, time, django
django.setup()
from jifen.programmes.models import Programme
from jifen.transparency.verify import verify_programme
start = time.perf_counter()
report = verify_programme(Programme.objects.get(slug="bench"))
seconds = time.perf_counter() - start
print(report.leaves, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def verify_in_a_child() -> tuple[int, float, int]:
    """`jifen verify` in a process of its own: (leaves, seconds, peak resident MB)."""
    import subprocess

    connections.close_all()
    output = subprocess.run(
        [sys.executable, "-c", VERIFY_IN_A_CHILD], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(output[0]), float(output[1]), int(output[2])


def bench_small_verify() -> tuple[int, int]:
    """Seal and verify the ledger as it is before the big fill: the memory to compare."""
    seal_all()
    leaves, _, peak = verify_in_a_child()
    return leaves, peak


def bench_seal_and_verify(small: tuple[int, int]) -> None:
    from jifen.transparency.models import LogQueue

    programme = Programme.objects.get(slug="bench")
    queued = LogQueue.objects.count()
    raw = raw_sealing_rate(programme, queued)
    start = time.perf_counter()
    seal_all(batch=20_000)
    seconds = time.perf_counter() - start
    row(
        f"sealing {queued:,} transactions",
        queued / seconds,
        "tx/s",
        f"raw SQL {raw:,.0f} tx/s",
        f"{queued / seconds / raw:.0%} of the ceiling",
    )
    leaves, seconds, peak = verify_in_a_child()
    reading = raw_reading_rate(programme, leaves)
    row(
        f"jifen verify, {leaves:,} leaves",
        leaves / seconds,
        "tx/s",
        f"SQL reading alone {reading:,.0f} tx/s",
        f"{seconds:.1f} s; peak memory {peak} MB (at {small[0]:,} leaves: {small[1]} MB)",
    )


def bench_proofs() -> None:
    from jifen.ledger.models import Transaction

    programme = Programme.objects.get(slug="bench")
    head = queries.latest_head(programme)
    ids = list(
        Transaction.objects.filter(programme=programme)
        .order_by("?")
        .values_list("public_id", flat=True)[:500]
    )
    start = time.perf_counter()
    for public_id in ids:
        proof = queries.inclusion_proof_for(programme, public_id)
        assert merkle.verify_inclusion(
            proof.leaf_hash, proof.leaf_index, head.size, proof.path, bytes(head.root_hash)
        )
    per = (time.perf_counter() - start) * 1000 / len(ids)
    row(
        f"inclusion proof at {head.size:,} leaves",
        per,
        "ms",
        "budget 10 ms",
        "read + verify: leaf, head, nodes, low leaves",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["single", "bulk", "balance", "seal", "proofs"],
        help="run only these workloads (seal and proofs fill the big ledger first)",
    )
    args = parser.parse_args()
    only = set(args.only or ["single", "bulk", "balance", "seal", "proofs"])
    if connection.vendor != "postgresql":
        sys.exit("run against PostgreSQL: DATABASE_URL=postgres://…")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if Programme.objects.filter(slug="bench").exists():
        sys.exit("this database already holds a bench run; use an empty one")
    print(f"setting up {args.people:,} members …", flush=True)
    people = setup_people("bench", args.people)
    if "single" in only:
        bench_single_award(people)
    if "bulk" in only:
        bench_bulk(min(args.people, 5000))
    small = bench_small_verify() if only & {"seal", "proofs"} else (0, 0)
    if only & {"balance", "seal", "proofs"}:
        bench_balance_read(args.big)
    if only & {"seal", "proofs"}:
        bench_seal_and_verify(small)
    if "proofs" in only:
        bench_proofs()
    print(f"\n{'workload':44} {'figure':>18}  {'ceiling / comparison':28} note")
    for name, figure, ceiling, note in ROWS:
        print(f"{name:44} {figure:>18}  {ceiling:28} {note}")


if __name__ == "__main__":
    main()
