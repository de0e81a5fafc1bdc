"""Device events through the HTTP API on PostgreSQL (POST /api/v1/devices/events, each with its
own Idempotency-Key), served by waitress as `jifen run` serves, from many concurrent clients:
events a second and latency (DESIGN.md “Budgets”: an award endpoint ≥ 500/s, p99 ≤ 50 ms),
beside two ceilings measured in the same run: the same server answering a trivial WSGI
application (what HTTP and waitress cost), and raw SQL writing the same rows as each event,
one transaction per event, from as many connections as clients.

    .venv/bin/python bench/device_events_http.py [--events 6000] [--clients 16]
        [--devices 8] [--threads 8]

It makes a throwaway PostgreSQL database on BENCH_SERVER (postgres://postgres@127.0.0.1:5432
unless set) and drops it at the end; with DATABASE_URL it uses that database instead (migrated,
with programmes of its own named bench-devices-…). The server runs in a process of its own
(so that the clients do not share its interpreter), with `--threads` threads like `jifen run`.

The programme has 2,000 residents, two to a household, under the demo's caps (100 a day and
1,000 a month per resident, 200 a day per household), and a garbage-sorting rule whose
accuracy bands give 3 points at 85 %; `--devices` smart bins post to it, each key allowed far
more events a minute than the run sends. Every event is credited at once (no notice).
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
os.environ.setdefault("JIFEN_LOG_SIGNING_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
SERVER = os.environ.get("BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
THROWAWAY = f"jifen_bench_devices_{os.getpid()}"
SORTING = {"bands": {"measure": "accuracy", "steps": [[60, 1], [80, 3]]}}
CAPS = [
    {"scope": "member", "period": "day", "limit": 100},
    {"scope": "household", "period": "day", "limit": 200},
    {"scope": "member", "period": "month", "limit": 1000},
]
RESIDENTS = 2000


def _psql(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def serve(port: int, app: str, threads: int) -> None:
    """The server process: Jifen (or the trivial application) on waitress."""
    import logging

    from waitress import serve as waitress_serve

    # Many clients at once keep a few requests waiting for a thread: waitress says so.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    if app == "trivial":

        def application(environ: dict, start_response) -> list[bytes]:  # type: ignore[no-untyped-def]
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            body = b'{"key": "x", "points": 3, "credited": 3, "status": "posted"}'
            start_response("201 Created", [("Content-Type", "application/json")])
            return [body]

        waitress_serve(application, host="127.0.0.1", port=port, threads=threads, _quiet=True)
        return
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    wsgi = get_wsgi_application()
    waitress_serve(wsgi, host="127.0.0.1", port=port, threads=threads, _quiet=True)


def start_server(app: str, threads: int) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    command = [sys.executable, __file__, "--serve", str(port), "--app", app]
    command += ["--threads", str(threads)]
    process = subprocess.Popen(command, env={**os.environ, "JIFEN_LOG_LEVEL": "ERROR"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def world(slug: str, devices: int) -> tuple[list[str], list[str]]:
    """The programme; returns its members' public ids and the device keys' secrets."""
    import csv
    import io

    from jifen.earning import services
    from jifen.ledger.accounts import policy_of
    from jifen.programmes.access import operator_scope
    from jifen.programmes.import_write import import_residents
    from jifen.programmes.models import Member
    from jifen.programmes.services import create_programme, save_community
    from jifen.testing import make_rule

    programme = create_programme(actor=None, name=slug, slug=slug)
    save_community(actor=None, programme=programme, name="东区", population=5000)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["community", "building", "unit", "room", "name", "phone"])
    for i in range(RESIDENTS):
        h = i // 2
        writer.writerow(["东区", h // 400 + 1, h // 100 % 4 + 1, 101 + h % 100, f"居民{i}", ""])
    scope = operator_scope(programme)
    import_residents(actor=None, scope=scope, filename="r.csv", data=out.getvalue().encode())
    policy = policy_of(programme)
    policy.caps = CAPS
    policy.save()
    rule = make_rule(
        programme=programme, code="bin", kind="criteria", config=SORTING, allows_devices=True
    )
    secrets = [
        services.create_device_key(
            programme=programme, name=f"桶{n}", rules=[rule], actor=None, per_minute=1_000_000
        ).secret
        for n in range(devices)
    ]
    members = list(
        Member.objects.filter(programme=programme)
        .order_by("pk")
        .values_list("public_id", flat=True)
    )
    return members, secrets


def hammer(port: int, members: list[str], secrets: list[str], events: int, clients: int) -> dict:
    """`events` posted by `clients` threads, each on one keep-alive connection with one
    device's key; returns throughput and latency."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {
            "Authorization": f"Bearer {secrets[n % len(secrets)]}",
            "Content-Type": "application/json",
        }
        mine, times = range(n, events, clients), []
        start.wait()
        for i in mine:
            body = {
                "rule": "bin",
                "member": members[i % len(members)],
                "measures": {"accuracy": 85},
            }
            begun = time.perf_counter()
            conn.request(
                "POST",
                "/api/v1/devices/events",
                json.dumps(body),
                {**headers, "Idempotency-Key": uuid.uuid4().hex},
            )
            answer = conn.getresponse()
            data = answer.read()
            times.append(time.perf_counter() - begun)
            if answer.status != 201:
                with lock:
                    failures.append(f"{answer.status} {data[:200]!r}")
        conn.close()
        with lock:
            latencies.extend(times)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    begun = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - begun
    if failures:
        raise SystemExit(f"{len(failures)} events failed, e.g. {failures[0]}")
    latencies.sort()
    return {
        "rate": len(latencies) / seconds,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
    }


RAW_EVENT = [
    # The device's events this minute (the rate limit), as the service's counter.
    "INSERT INTO ledger_counter (programme_id, scope, period, used, ceiling)"
    " VALUES (%(programme)s, %(rate_scope)s::text, to_char(now() AT TIME ZONE 'UTC',"
    " 'YYYY-MM-DD\"T\"HH24:MI'), 1, 1000000) ON CONFLICT (programme_id, scope, period)"
    " DO UPDATE SET used = ledger_counter.used + 1 WHERE ledger_counter.used + 1 <= 1000000",
    "INSERT INTO earning_deviceevent (device_id, idempotency_key, request_hash, member_id,"
    " rule_id, measures, created_at) VALUES (%(device)s, %(key)s::text, md5(%(key)s::text),"
    ' %(member)s, %(rule)s, \'{"criteria": [], "accuracy": 85}\', now()) RETURNING id',
    "INSERT INTO earning_earning (programme_id, public_id, member_id, rule_version_id, source,"
    " occurrence, points, explanation, status, created_at) VALUES (%(programme)s,"
    " left(%(key)s::text, 12), %(member)s, %(version)s, 'device', 'device:' || %(key)s::text, 3,"
    " '[[\"band\", 3, \"accuracy\", 85]]', 'posted', now()) RETURNING id",
    "SELECT id FROM ledger_counter WHERE id = ANY(%(caps)s::bigint[]) ORDER BY id FOR UPDATE",
    "UPDATE ledger_counter SET used = used + 3 WHERE id = ANY(%(caps)s::bigint[])"
    " AND used + 3 <= ceiling",
    "INSERT INTO ledger_transaction (programme_id, public_id, kind, member_id, reason,"
    " reference, request_hash, idempotency_key, created_at) VALUES (%(programme)s,"
    " left(md5(%(key)s::text), 20), 'award', %(member)s, '智能垃圾桶', 'bin@v1',"
    " md5(%(key)s::text), 'earning:' || left(%(key)s::text, 12), now()) RETURNING id",
    "UPDATE ledger_account SET balance = balance + 3, lifetime_earned = lifetime_earned + 3"
    " WHERE id = %(wallet)s AND balance + 3 >= 0 RETURNING balance",
    "WITH credit AS (INSERT INTO ledger_posting (transaction_id, account_id, asset, amount,"
    " balance_after) VALUES (currval('ledger_transaction_id_seq'), %(issuance)s, 'points', -3,"
    " NULL), (currval('ledger_transaction_id_seq'), %(wallet)s, 'points', 3, NULL)"
    " RETURNING id, account_id, amount) INSERT INTO ledger_lot (account_id, posting_id, amount,"
    " remaining, expires_at) SELECT account_id, id, 3, 3, NULL FROM credit WHERE amount > 0",
    "UPDATE earning_earning SET transaction_id = currval('ledger_transaction_id_seq'),"
    " credited = 3, posted_at = now() WHERE id = currval('earning_earning_id_seq')",
    "UPDATE earning_deviceevent SET earning_id = currval('earning_earning_id_seq')"
    " WHERE id = currval('earning_deviceevent_id_seq')",
    "UPDATE earning_devicekey SET last_used_at = now() WHERE id = %(device)s",
]


def raw_ceiling(slug: str, events: int, clients: int) -> dict:
    """The same rows as each event, one transaction each, from `clients` connections."""
    import psycopg
    from django.db import connection

    from jifen.earning.models import DeviceKey, Rule
    from jifen.ledger.accounts import member_account, system_account
    from jifen.ledger.models import AccountKind, Counter
    from jifen.programmes.models import Member

    rule = Rule.objects.get(programme__slug=slug, code="bin")
    devices = list(DeviceKey.objects.filter(programme=rule.programme).order_by("pk"))
    members = list(Member.objects.filter(programme=rule.programme).select_related("community"))
    issuance = system_account(members[0].community, AccountKind.ISSUANCE).pk
    counters: dict[str, list[int]] = {}
    for c in Counter.objects.filter(programme=rule.programme):
        counters.setdefault(c.scope, []).append(c.pk)
    people = [(m.pk, member_account(m).pk, _array(counters, m.pk, m.household_id)) for m in members]
    version = rule.versions.get().pk
    url = connection.settings_dict
    dsn = f"host={url['HOST']} port={url['PORT'] or 5432} user={url['USER']} dbname={url['NAME']}"
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        try:
            write(n)
        except Exception as error:  # reported below: the run fails
            failures.append(repr(error))
            start.abort()

    def write(n: int) -> None:
        device = devices[n % len(devices)]
        times = []
        with psycopg.connect(dsn) as conn:
            start.wait()
            for i in range(n, events, clients):
                member, wallet, caps = people[i % len(people)]
                params = {
                    "programme": rule.programme_id,
                    "rate_scope": f"device:{device.pk}:raw",
                    "device": device.pk,
                    "key": uuid.uuid4().hex,
                    "member": member,
                    "rule": rule.pk,
                    "version": version,
                    "caps": caps,
                    "wallet": wallet,
                    "issuance": issuance,
                }
                begun = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    for statement in RAW_EVENT:
                        cur.execute(statement, params)
                times.append(time.perf_counter() - begun)
        with lock:
            latencies.extend(times)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    begun = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - begun
    if failures:
        raise SystemExit(f"the raw SQL ceiling failed: {failures[0]}")
    latencies.sort()
    return {
        "rate": len(latencies) / seconds,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def _array(counters: dict[str, list[int]], member: int, household: int | None) -> str:
    """The ids of a member's cap counters (as the warm-up made them), as an array literal."""
    ids = counters.get(f"member:{member}", []) + counters.get(f"household:{household}", [])
    return "{" + ",".join(map(str, ids)) + "}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--devices", type=int, default=8)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--app", default="jifen", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.app, args.threads)
        return
    throwaway = not os.environ.get("DATABASE_URL")
    if throwaway:
        _psql(f"{SERVER}/postgres", f"CREATE DATABASE {THROWAWAY}")
        os.environ["DATABASE_URL"] = f"{SERVER}/{THROWAWAY}"
    try:
        run(args)
    finally:
        if throwaway:
            from django.db import connections

            connections.close_all()
            _psql(f"{SERVER}/postgres", f"DROP DATABASE IF EXISTS {THROWAWAY}")


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from jifen.earning.models import DeviceEvent, Earning
    from jifen.ledger.models import Transaction

    if connection.vendor != "postgresql":
        sys.exit("device events are measured on PostgreSQL")
    call_command("migrate", verbosity=0)
    slug = f"bench-devices-{int(time.time())}"
    print(f"setting up {RESIDENTS:,} residents and {args.devices} devices …", flush=True)
    members, secrets = world(slug, args.devices)
    connection.close()  # the server processes open their own
    rows = []
    for app in ("jifen", "trivial"):
        process, port = start_server(app, args.threads)
        try:
            hammer(port, members, secrets, min(400, args.events), args.clients)  # warm-up
            rows.append((app, hammer(port, members, secrets, args.events, args.clients)))
        finally:
            stop(process)
    rows.append(("raw SQL", raw_ceiling(slug, args.events, args.clients)))
    made = DeviceEvent.objects.filter(device__programme__slug=slug).count()
    assert made == min(400, args.events) + 2 * args.events, made  # the trivial app writes none
    assert Earning.objects.filter(programme__slug=slug).count() == made
    assert Transaction.objects.filter(programme__slug=slug).count() == made
    print(
        f"database: {connection.vendor}; {args.clients} clients, {args.devices} devices, "
        f"waitress with {args.threads} threads, {args.events:,} events a run"
    )
    print(f"| {'':32} | {'events/s':>9} | {'p50 ms':>7} | {'p99 ms':>7} |")
    print(f"|{'-' * 34}|{'-' * 10}:|{'-' * 8}:|{'-' * 8}:|")
    names = {
        "jifen": "POST /api/v1/devices/events",
        "trivial": "ceiling: a trivial WSGI app",
        "raw SQL": "ceiling: the same rows, raw SQL",
    }
    for app, r in rows:
        print(f"| {names[app]:32} | {r['rate']:>9,.0f} | {r['p50']:>7.1f} | {r['p99']:>7.1f} |")
    service = rows[0][1]
    print(
        f"devices API: {service['rate']:,.0f} events/s (budget 500), p99 {service['p99']:.1f} ms"
        f" (budget 50); {service['rate'] / rows[2][1]['rate']:.0%} of the raw-SQL ceiling"
    )


if __name__ == "__main__":
    main()
