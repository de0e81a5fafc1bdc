"""A bulk award under caps through the HTTP API (POST /api/v1/programmes/{slug}/awards/bulk),
beside the same award through the service (bulk_award), for 500 and 5,000 members.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jifen_bench \
        .venv/bin/python bench/bulk_award_http.py [--sizes 500 5000 20000]

Without DATABASE_URL it uses SQLite in a fresh throwaway data directory. With it, the database
is migrated and each run adds programmes of its own (named bench-http-…), so it may be run
again. The server is waitress (as `jifen run` serves), in this process, on a free port; the
caller is a programme administrator with a personal token.

Each size gets a programme of 2 × size residents, two to a household, under a cap of 50 a day
per member, 400 a month per household and the community's monthly quota: half are awarded
over HTTP, the other half through the service, so both create the same counters and wallets.
"""

import argparse
import csv
import io
import json
import os
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("DATABASE_URL"):
    os.environ["JIFEN_DATA_DIR"] = tempfile.mkdtemp(prefix="jifen-bench-")
os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
os.environ.setdefault("JIFEN_LOG_SIGNING_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from waitress.server import create_server  # noqa: E402

from jifen.accounts.services import create_personal_token  # noqa: E402
from jifen.ledger.accounts import policy_of  # noqa: E402
from jifen.ledger.models import Transaction  # noqa: E402
from jifen.ledger.services import bulk_award  # noqa: E402
from jifen.programmes.access import operator_scope  # noqa: E402
from jifen.programmes.import_write import import_residents  # noqa: E402
from jifen.programmes.models import Member, Programme  # noqa: E402
from jifen.programmes.services import create_programme, save_community  # noqa: E402
from jifen.testing import make_staff  # noqa: E402

CAPS = [
    {"scope": "member", "period": "day", "limit": 50},
    {"scope": "household", "period": "month", "limit": 400},
]


def capped_programme(slug: str, residents: int) -> Programme:
    """A programme of `residents` (imported, two to a household) under CAPS and the quota."""
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
    policy.quotas_enabled = True
    policy.quota_tiers = [[None, 10 * residents]]  # nobody is cut: every award is written
    policy.save()
    return programme


def serve() -> str:
    """Start waitress on a free port in a daemon thread; return the base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = create_server(get_wsgi_application(), host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{port}"


def over_http(base: str, token: str, programme: Programme, members: list[Member]) -> float:
    body = json.dumps({"reason": "活动结束", "awards": [[m.public_id, 5] for m in members]})
    request = urllib.request.Request(
        f"{base}/api/v1/programmes/{programme.slug}/awards/bulk",
        data=body.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=3600) as response:
        answered = json.loads(response.read())
    seconds = time.perf_counter() - start
    assert response.status == 201 and len(answered) == len(members), response.status
    assert all(a["awarded"] == 5 for a in answered)
    return seconds


def by_service(programme: Programme, members: list[Member]) -> float:
    members = list(
        Member.objects.filter(pk__in=[m.pk for m in members]).select_related(
            "programme", "community", "household"
        )
    )
    start = time.perf_counter()
    with transaction.atomic():
        results = bulk_award(
            programme=programme, reason="活动结束", awards=[(m, 5) for m in members]
        )
    seconds = time.perf_counter() - start
    assert all(r.awarded == 5 for r in results)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    sizes = parser.parse_args().sizes
    call_command("migrate", verbosity=0)
    base = serve()
    run = int(time.time())
    print(f"database: {connection.vendor}; caps {CAPS} and the community quota")
    head = ["members", "HTTP s", "ms/member", "service s", "ms/member"]
    print("| " + " | ".join(f"{h:>9}" for h in head) + " |")
    print("|" + "|".join(["-" * 10 + ":"] * len(head)) + "|")
    for size in [1, *sizes]:  # the first, of one member, warms the server up: not printed
        programme = capped_programme(f"bench-http-{run}-{size}", 2 * size)
        members = list(Member.objects.filter(programme=programme).order_by("pk"))
        _, token = create_personal_token(user=make_staff(programme=programme), name="bench")
        http = over_http(base, token, programme, members[:size])
        if size == 1:
            continue
        service = by_service(programme, members[size:])
        assert Transaction.objects.filter(programme=programme).count() == 2 * size
        cells = [f"{size:,}", f"{http:.2f}", f"{http * 1000 / size:.2f}"]
        cells += [f"{service:.2f}", f"{service * 1000 / size:.2f}"]
        print("| " + " | ".join(f"{c:>9}" for c in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
