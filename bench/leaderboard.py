"""Leaderboards at 1,000,000 members on PostgreSQL (issue 9: the top 20 and "my rank" each
≤ 5 ms), beside a ceiling measured in the same run: raw SQL doing the same lookups.

    .venv/bin/python bench/leaderboard.py [--members 1000000] [--lookups 300]

It makes a throwaway PostgreSQL database on BENCH_SERVER (postgres://postgres@127.0.0.1:5432
unless set) and drops it at the end; with DATABASE_URL it uses that database instead (migrated,
with a programme of its own named bench-board-…, so it may be run again).

The residents are filled with raw SQL (generate_series): 50 communities, two residents to a
household (an adult and a child), a wallet each, and two awards each (one this month, one in
January of this year) with both legs (the community's issuance account and the wallet): 2 M
transactions and 4 M postings. The log's queue trigger is off while filling (nothing here
reads the log). Then it times the refresh (jifen.recognition.standings.refresh: nine boards),
and, for `--lookups` random residents, the median and 95th percentile of:

- top 20: queries.top(programme, "members", "month"), names included (the standings range,
  the named members with their communities, their opt-outs, the settings);
- my rank: queries.place_of(member, "members", "month") and on the households board;
- the ceiling: the same standings range joined to the members' names, and the same
  one-row lookup, as single raw SQL statements on the same connection.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
os.environ.setdefault("JIFEN_LOG_SIGNING_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
SERVER = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
THROWAWAY = f"jifen_bench_board_{os.getpid()}"


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
from django.db import connection, connections  # noqa: E402

from jifen.ledger.accounts import system_account  # noqa: E402
from jifen.ledger.models import AccountKind  # noqa: E402
from jifen.lib import clock  # noqa: E402
from jifen.programmes.models import Member, Programme  # noqa: E402
from jifen.programmes.services import create_programme, save_community  # noqa: E402
from jifen.recognition import queries, standings  # noqa: E402
from jifen.recognition.models import Standing  # noqa: E402

COMMUNITIES = 50

# Each statement fills one table for every resident n in 1..N (%(n)s), community n % 50.
FILL = [
    """INSERT INTO programmes_household (programme_id, community_id, public_id, building, unit,
       room, address, created_at)
       SELECT %(p)s, (%(c)s)[1 + h %% 50], 'bh' || %(tag)s || h, (h / 1000)::text,
              '1', (h %% 1000)::text, '', now()
       FROM generate_series(0, %(n)s / 2) h""",
    """INSERT INTO programmes_member (programme_id, public_id, display_name, phone, community_id,
       household_id, joined_on, is_elderly, is_child, is_new_resident, interest_tags, status,
       card_version, created_at, updated_at)
       SELECT %(p)s, 'bm' || %(tag)s || i,
              (ARRAY['王','李','张','刘','陈','杨'])[1 + i %% 6] || '居民' || i, '',
              (%(c)s)[1 + (i / 2) %% 50], hh.first + i / 2, DATE '2026-01-01', false,
              i %% 2 = 1, false, '[]', 'active', 1, now(), now()
       FROM generate_series(0, %(n)s - 1) i,
            (SELECT min(id) AS first FROM programmes_household WHERE programme_id = %(p)s) hh""",
    """INSERT INTO ledger_account (programme_id, public_id, kind, asset, member_id, is_bounded,
       balance, lifetime_earned, created_at)
       SELECT %(p)s, 'ba' || %(tag)s || m.id, 'member', 'points', m.id, true,
              0, 0, now()
       FROM programmes_member m WHERE m.programme_id = %(p)s""",
    # Two awards per resident: x = 0 this month, x = 1 in January (points 1..500: many ties).
    """INSERT INTO ledger_transaction (programme_id, public_id, kind, member_id, reason,
       reference, request_hash, created_at)
       SELECT %(p)s, 'bt' || %(tag)s || a.id || '-' || x, 'award', a.member_id, '志愿服务', '',
              '', CASE WHEN x = 0 THEN %(this_month)s ELSE %(january)s END
       FROM ledger_account a, generate_series(0, 1) x
       WHERE a.programme_id = %(p)s AND a.kind = 'member'""",
    """INSERT INTO ledger_posting (transaction_id, account_id, asset, amount, balance_after)
       SELECT t.id, leg.account, 'points', leg.sign * (1 + (t.id * 7919) %% 500), NULL
       FROM ledger_transaction t
       JOIN ledger_account w ON w.member_id = t.member_id AND w.kind = 'member'
       JOIN programmes_member m ON m.id = t.member_id
       CROSS JOIN LATERAL (VALUES (w.id, 1),
            ((%(issuance)s)[1 + array_position(%(c)s, m.community_id) - 1], -1))
            AS leg(account, sign)
       WHERE t.programme_id = %(p)s""",
    """UPDATE ledger_account a SET balance = s.total, lifetime_earned = s.total
       FROM (SELECT account_id, sum(amount) AS total FROM ledger_posting p
             JOIN ledger_account w ON w.id = p.account_id
             WHERE w.programme_id = %(p)s AND w.kind = 'member' GROUP BY account_id) s
       WHERE a.id = s.account_id""",
]


def world(slug: str, members: int) -> Programme:
    programme = create_programme(actor=None, name="积分排行", slug=slug)
    communities = [
        save_community(actor=None, programme=programme, name=f"社区{n:02d}", population=20000)
        for n in range(COMMUNITIES)
    ]
    issuance = [system_account(c, AccountKind.ISSUANCE).pk for c in communities]
    now = clock.now()
    params = {
        "p": programme.pk, "n": members, "tag": str(programme.pk) + "-",
        "c": [c.pk for c in communities], "issuance": issuance,
        "this_month": now.replace(day=1, hour=12), "january": now.replace(month=1, day=2),
    }  # fmt: skip
    with connection.cursor() as cursor:  # autocommit: one statement at a time
        cursor.execute("ALTER TABLE ledger_transaction DISABLE TRIGGER USER")
        for statement in FILL:
            cursor.execute(statement, params)
        cursor.execute("ALTER TABLE ledger_transaction ENABLE TRIGGER USER")
        cursor.execute("VACUUM ANALYZE")
    return programme


def timed(work: Callable[[int], object], count: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds of work(i) for i in range(count)."""
    took = []
    for i in range(count):
        began = time.perf_counter()
        work(i)
        took.append((time.perf_counter() - began) * 1000)
    took.sort()
    return statistics.median(took), took[int(len(took) * 0.95) - 1]


RAW_TOP = """SELECT s.rank, s.points, m.display_name, c.name FROM recognition_standing s
    JOIN programmes_member m ON m.id = s.member_id
    JOIN programmes_community c ON c.id = m.community_id
    WHERE s.programme_id = %s AND s.board = 'members' AND s.period = 'month'
      AND s.starts_on = %s ORDER BY s.rank, s.subject_id LIMIT 20"""
RAW_MINE = """SELECT rank, points FROM recognition_standing WHERE programme_id = %s
    AND board = %s AND period = 'month' AND starts_on = %s AND subject_id = %s"""


def lookups(programme: Programme, count: int) -> list[tuple[str, float, float]]:
    ids = list(Member.objects.filter(programme=programme).values_list("pk", flat=True))
    step = max(1, len(ids) // count)
    sample = list(Member.objects.filter(pk__in=ids[::step][:count]).select_related("programme"))
    month = standings.period_start("month", programme)
    pid = programme.pk
    with connection.cursor() as cursor:

        def raw(sql: str, *args: object) -> list[tuple]:
            cursor.execute(sql, args)
            return cursor.fetchall()

        return [
            ("top 20 (members, month)",
             *timed(lambda i: queries.top(programme, "members", "month"), count)),
            ("raw SQL: top 20 with names", *timed(lambda i: raw(RAW_TOP, pid, month), count)),
            ("my rank (members, month)",
             *timed(lambda i: queries.place_of(sample[i], "members", "month"), count)),
            ("my rank (households, month)",
             *timed(lambda i: queries.place_of(sample[i], "households", "month"), count)),
            ("raw SQL: my rank", *timed(
                lambda i: raw(RAW_MINE, pid, "members", month, sample[i].pk), count)),
        ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=300)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("leaderboards are measured on PostgreSQL")
    call_command("migrate", verbosity=0)
    print(f"filling {args.members:,} residents with raw SQL …", flush=True)
    began = time.perf_counter()
    programme = world(f"bench-board-{int(time.time())}", args.members)
    print(f"filled in {time.perf_counter() - began:.0f} s", flush=True)
    began = time.perf_counter()
    for board in ("members", "households", "pairs"):
        for period in ("month", "year", "all"):
            one = time.perf_counter()
            places = standings.refresh_board(programme, board, period)
            print(f"refresh {board:>10} {period:>5}: {places:>9,} places "
                  f"in {time.perf_counter() - one:6.1f} s", flush=True)  # fmt: skip
    print(f"refresh, every board: {time.perf_counter() - began:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE recognition_standing")
    assert Standing.objects.filter(programme=programme, board="members").count() >= args.members
    print(f"database: {connection.vendor}; {args.members:,} residents; "
          f"{args.lookups} lookups each (budget: 5 ms)")  # fmt: skip
    print("| lookup                        | median ms |  p95 ms |")
    print("|-------------------------------|----------:|--------:|")
    for name, median, p95 in lookups(programme, args.lookups):
        print(f"| {name:<29} | {median:9.2f} | {p95:7.2f} |", flush=True)


if __name__ == "__main__":
    try:
        main()
    finally:
        if os.environ.get("JIFEN_BENCH_THROWAWAY"):
            connections.close_all()
            _admin_sql(f"DROP DATABASE IF EXISTS {THROWAWAY}")
