"""Closing an activity with 5,000 attendees on PostgreSQL (DESIGN.md “Budgets”: ≥ 50,000
postings/s), beside a ceiling measured in the same run: raw SQL doing the same writes.

    .venv/bin/python bench/close_activity.py [--attendees 5000] [--rounds 3]

It makes a throwaway PostgreSQL database on BENCH_SERVER (postgres://postgres@127.0.0.1:5432
unless set) and drops it at the end; with DATABASE_URL it uses that database instead (migrated,
with programmes of its own named bench-close-…, so it may be run again).

The attendees are imported residents, two to a household, under the demo's caps (100 a day
and 1,000 a month per resident, 200 a day per household): each award moves three counters.
Each already holds a wallet and its counters (a seed award), as regulars do. A round checks
every attendee in to a new activity under a fixed rule of 10 points and times
`close_activity` (plan the awards, one bulk award, the earnings, the audit entry). The ceiling
writes the same rows for the same attendees with a handful of set-based statements in one
transaction: the locks on wallets and counters, one transaction per attendee (and its queue
row, by the trigger), two postings and a lot each, the wallets and counters moved, an
earning each, the activity closed.
"""

import argparse
import collections
import csv
import io
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
os.environ.setdefault("JIFEN_LOG_SIGNING_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
SERVER = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
THROWAWAY = f"jifen_bench_close_{os.getpid()}"


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

from jifen.accounts.models import User  # noqa: E402
from jifen.earning import services  # noqa: E402
from jifen.earning.activities import plan_awards  # noqa: E402
from jifen.earning.crediting import current_version, reference_of  # noqa: E402
from jifen.earning.models import Activity, Attendance, Earning, Rule  # noqa: E402
from jifen.ledger.accounts import policy_of, system_account  # noqa: E402
from jifen.ledger.models import AccountKind, Counter, Transaction  # noqa: E402
from jifen.ledger.services import bulk_award  # noqa: E402
from jifen.lib import clock  # noqa: E402
from jifen.lib.bulk_sql import array_literal  # noqa: E402
from jifen.lib.ids import new_public_ids  # noqa: E402
from jifen.lib.periods import period_key  # noqa: E402
from jifen.programmes.access import operator_scope  # noqa: E402
from jifen.programmes.import_write import import_residents  # noqa: E402
from jifen.programmes.models import Member, Programme  # noqa: E402
from jifen.programmes.services import create_programme, save_community  # noqa: E402
from jifen.testing import make_activity, make_rule, make_staff  # noqa: E402

CAPS = [
    {"scope": "member", "period": "day", "limit": 100},
    {"scope": "household", "period": "day", "limit": 200},
    {"scope": "member", "period": "month", "limit": 1000},
]
POINTS = 10


def programme_of(slug: str, residents: int) -> Programme:
    """`residents` imported two to a household, under CAPS, each with a wallet and counters."""
    programme = create_programme(actor=None, name=slug, slug=slug)
    save_community(actor=None, programme=programme, name="东区", population=5000)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["community", "building", "unit", "room", "name", "phone"])
    for i in range(residents):
        h = i // 2
        writer.writerow(["东区", h // 400 + 1, h // 100 % 4 + 1, 101 + h % 100, f"居民{i}", ""])
    import_residents(
        actor=None,
        scope=operator_scope(programme),
        filename="residents.csv",
        data=out.getvalue().encode(),
    )
    policy = policy_of(programme)
    policy.caps = CAPS
    policy.save()
    with transaction.atomic():
        bulk_award(programme=programme, reason="seed", awards=[(m, 1) for m in _members(programme)])
    return programme


def _members(programme: Programme) -> list[Member]:
    rows = Member.objects.filter(programme=programme).select_related("community", "household")
    return list(rows.order_by("pk"))


def attended(rule: Rule, members: list[Member]) -> Activity:
    """A new activity under `rule` with every member checked in (written in bulk: the
    check-ins are not what is measured)."""
    activity = make_activity(rule=rule)
    now = clock.now()
    Attendance.objects.bulk_create(
        Attendance(activity=activity, member=m, method="card", checked_in_at=now) for m in members
    )
    return activity


def timed_close(activity: Activity, actor: User) -> tuple[float, int]:
    start = time.perf_counter()
    closed = services.close_activity(activity=activity, actor=actor)
    seconds = time.perf_counter() - start
    assert not closed.already and all(e.credited == POINTS for e in closed.earnings)
    return seconds, len(closed.earnings)


def timed_plan(activity: Activity) -> float:
    version = current_version(activity.rule)
    start = time.perf_counter()
    plan_awards(Activity.objects.select_related("programme").get(pk=activity.pk), version)
    return time.perf_counter() - start


def raw_close(programme: Programme, activity: Activity, members: list[Member]) -> float:
    """The ceiling: the same rows a close writes, by hand, committed."""
    version = current_version(activity.rule)
    now = clock.now()
    issuance = system_account(members[0].community, AccountKind.ISSUANCE).pk
    tz = programme.timezone
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "SELECT a.member_id FROM earning_attendance a WHERE a.activity_id = %s ORDER BY a.id",
            [activity.pk],
        )
        ids = [row[0] for row in cur.fetchall()]
        cur.execute(
            "SELECT id, member_id FROM ledger_account WHERE kind = 'member' AND asset = 'points'"
            " AND member_id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
            [array_literal(ids)],
        )
        wallet = {member: pk for pk, member in cur.fetchall()}
        scopes = [f"member:{m.pk}" for m in members] + [
            f"household:{m.household_id}" for m in members
        ]
        periods = [period_key("day", now, tz), period_key("month", now, tz)]
        cur.execute(
            "SELECT id, scope FROM ledger_counter WHERE programme_id = %s"
            " AND scope = ANY(%s::text[]) AND period = ANY(%s::text[]) ORDER BY id FOR UPDATE",
            [programme.pk, array_literal(scopes), array_literal(periods)],
        )
        charged = counter_points(cur.fetchall(), scopes)
        cur.execute(
            "INSERT INTO ledger_transaction (programme_id, public_id, kind, member_id, reason,"
            " reference, request_hash, idempotency_key, created_at)"
            " SELECT %s, u.pid, 'award', u.member, %s, %s, '', u.key, %s"
            " FROM unnest(%s::text[], %s::bigint[], %s::text[]) WITH ORDINALITY"
            " AS u(pid, member, key, n) ORDER BY u.n RETURNING id",
            [
                programme.pk,
                version.rule.name,
                reference_of(version, f"activity:raw{activity.pk}"),
                now,
                array_literal(new_public_ids(len(ids))),
                array_literal(ids),
                array_literal(f"raw:{activity.pk}#{n}" for n in range(len(ids))),
            ],
        )
        txs = [row[0] for row in cur.fetchall()]
        accounts = [wallet[m] for m in ids]
        cur.execute(
            "UPDATE ledger_account AS a SET balance = a.balance + %s,"
            " lifetime_earned = a.lifetime_earned + %s"
            " FROM unnest(%s::bigint[]) AS v(id) WHERE a.id = v.id RETURNING a.id, a.balance",
            [POINTS, POINTS, array_literal(accounts)],
        )
        after = dict(cur.fetchall())
        cur.execute(
            "WITH credit AS ("
            " INSERT INTO ledger_posting (asset, transaction_id, account_id, amount, balance_after)"
            " SELECT 'points', u.tx, u.account, u.amount, u.after FROM unnest(%s::bigint[],"
            " %s::bigint[], %s::bigint[], %s::bigint[]) WITH ORDINALITY"
            " AS u(tx, account, amount, after, n) ORDER BY u.n RETURNING id, account_id, amount)"
            " INSERT INTO ledger_lot (account_id, posting_id, amount, remaining, expires_at)"
            " SELECT account_id, id, amount, amount, NULL FROM credit WHERE amount > 0",
            [
                array_literal(t for t in txs for _ in (0, 1)),
                array_literal(a for acc in accounts for a in (issuance, acc)),
                array_literal(p for _ in txs for p in (-POINTS, POINTS)),
                array_literal(v for acc in accounts for v in (None, after[acc])),
            ],
        )
        cur.execute(
            "UPDATE ledger_counter SET used = used + u.points"
            " FROM unnest(%s::bigint[], %s::bigint[]) AS u(id, points)"
            " WHERE ledger_counter.id = u.id AND used + u.points <= ceiling",
            [array_literal(charged), array_literal(charged.values())],
        )
        cur.execute(
            "INSERT INTO earning_earning (programme_id, public_id, member_id, rule_version_id,"
            " source, occurrence, activity_id, points, explanation, status, transaction_id,"
            " credited, created_at, posted_at) SELECT %s, u.pid, u.member, %s, 'activity',"
            " u.occurrence, NULL, %s, '[[\"fixed\", 10]]', 'posted', u.tx, %s, %s, %s"
            " FROM unnest(%s::text[], %s::bigint[], %s::text[], %s::bigint[])"
            " AS u(pid, member, occurrence, tx)",
            [
                programme.pk,
                version.pk,
                POINTS,
                POINTS,
                now,
                now,
                array_literal(new_public_ids(len(ids))),
                array_literal(ids),
                array_literal(f"raw:{activity.pk}:{m}" for m in ids),
                array_literal(txs),
            ],
        )
        cur.execute(
            "UPDATE earning_activity SET status = 'closed', closed_at = now() WHERE id = %s",
            [activity.pk],
        )
    return time.perf_counter() - start


def counter_points(rows: list[tuple[int, str]], scopes: list[str]) -> dict[int, int]:
    """Points each counter moves: a member's by one award, a household's by one per member."""
    per_scope = collections.Counter(scopes)
    return {pk: POINTS * per_scope[scope] for pk, scope in rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attendees", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("closing is measured on PostgreSQL")
    call_command("migrate", verbosity=0)
    slug = f"bench-close-{int(time.time())}"
    print(f"setting up {args.attendees:,} attendees …", flush=True)
    programme = programme_of(slug, args.attendees)
    members = _members(programme)
    rule = make_rule(programme=programme, code="patrol", name="巡逻", config={"points": POINTS})
    actor = make_staff(programme=programme)
    print(f"database: {connection.vendor}; caps {CAPS}; {args.attendees:,} attendees a round")
    head = ["round", "close s", "postings/s", "plan s", "raw SQL s", "postings/s", "of ceiling"]
    print("| " + " | ".join(f"{h:>10}" for h in head) + " |")
    print("|" + "|".join(["-" * 11 + ":"] * len(head)) + "|")
    best = (0.0, 0.0)
    for n in range(1, args.rounds + 1):
        activity = attended(rule, members)
        plan = timed_plan(activity)
        seconds, credited = timed_close(activity, actor)
        raw = raw_close(programme, attended(rule, members), members)
        postings = 2 * credited
        best = max(best, (postings / seconds, postings / raw))
        cells = [str(n), f"{seconds:.3f}", f"{postings / seconds:,.0f}", f"{plan:.3f}"]
        cells += [f"{raw:.3f}", f"{postings / raw:,.0f}", f"{raw / seconds:.0%}"]
        print("| " + " | ".join(f"{c:>10}" for c in cells) + " |", flush=True)
    assert Earning.objects.filter(programme=programme).count() == 2 * args.rounds * len(members)
    awards = Transaction.objects.filter(programme=programme, reason=rule.name).count()
    assert awards == 2 * args.rounds * len(members)
    assert Counter.objects.filter(programme=programme).exists()
    service, ceiling = best
    print(
        f"best: {service:,.0f} postings/s through close_activity (budget 50,000), "
        f"raw SQL {ceiling:,.0f} postings/s ({service / ceiling:.0%} of the ceiling)"
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        if os.environ.get("JIFEN_BENCH_THROWAWAY"):
            connections.close_all()
            _admin_sql(f"DROP DATABASE IF EXISTS {THROWAWAY}")
