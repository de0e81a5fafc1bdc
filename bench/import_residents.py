"""Importing 10,000 residents (一户一档) through the real service, beside a ceiling measured in
the same run: raw SQL (executemany) inserting the same households and members.

    .venv/bin/python bench/import_residents.py [--rows 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jifen_bench \
        .venv/bin/python bench/import_residents.py

Without DATABASE_URL it uses a fresh SQLite file in a throwaway data directory.
"""

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if "DATABASE_URL" not in os.environ:
    os.environ["JIFEN_DATA_DIR"] = tempfile.mkdtemp(prefix="jifen-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from jifen.programmes.access import operator_scope  # noqa: E402
from jifen.programmes.importing import import_residents  # noqa: E402
from jifen.programmes.models import Household, Member, Programme  # noqa: E402
from jifen.programmes.services import create_programme, save_community  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


def make_file(rows: int) -> bytes:
    rng = random.Random(2026)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["社区", "楼栋", "单元", "房号", "姓名", "手机号", "出生年份", "户主", "老人"])
    for i in range(rows):
        household = i // 3
        writer.writerow(
            [
                "东区" if household % 2 else "西区",
                household // 200 + 1,
                household // 50 % 4 + 1,
                100 + household % 50,
                rng.choice(SURNAMES) + rng.choice(GIVEN) + f"{i}",
                f"139{i:08d}",
                rng.randint(1935, 2015),
                "是" if i % 3 == 0 else "否",
                "是" if rng.random() < 0.2 else "否",
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def fresh_programme(slug: str) -> Programme:
    programme = create_programme(actor=None, name=slug, slug=slug)
    for name in ("东区", "西区"):
        save_community(actor=None, programme=programme, name=name, population=5000)
    return programme


def raw_sql_ceiling(rows: int) -> float:
    """The same rows written by executemany: households, then members, in one transaction."""
    programme = fresh_programme("ceiling")
    communities = list(programme.communities.values_list("id", flat=True))
    now = "2026-01-01 00:00:00"
    households = [
        (programme.pk, communities[h % 2], f"c{h}", str(h // 200 + 1), "1", str(h), "", now)
        for h in range(rows // 3 + 1)
    ]
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO programmes_household (programme_id, community_id, public_id, building,"
            " unit, room, address, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            households,
        )
        ids = dict(Household.objects.filter(programme=programme).values_list("public_id", "id"))
        cursor.executemany(
            "INSERT INTO programmes_member (programme_id, public_id, display_name, phone,"
            " community_id, household_id, joined_on, birth_year, is_elderly, is_child,"
            " is_new_resident, interest_tags, status, card_version, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    programme.pk,
                    f"m{i}",
                    f"居民{i}",
                    f"138{i:08d}",
                    communities[(i // 3) % 2],
                    ids[f"c{i // 3}"],
                    "2026-01-01",
                    1950,
                    False,
                    False,
                    False,
                    "[]",
                    "active",
                    1,
                    now,
                    now,
                )
                for i in range(rows)
            ],
        )
    return rows / (time.perf_counter() - start)


def timed_import(programme: Programme, data: bytes) -> tuple[float, object]:
    start = time.perf_counter()
    result = import_residents(
        actor=None, scope=operator_scope(programme), filename="bench.csv", data=data
    )
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    call_command("migrate", verbosity=0)
    Programme.objects.filter(slug__in=["bench", "ceiling"]).exists() and sys.exit(
        "the database already has bench programmes; use a fresh one"
    )
    data = make_file(rows)
    programme = fresh_programme("bench")
    first, result = timed_import(programme, data)
    again, _ = timed_import(programme, data)
    assert Member.objects.filter(programme=programme).count() == rows
    ceiling = raw_sql_ceiling(rows)
    print(
        f"database: {connection.vendor}; {rows:,} rows ({result.households_created:,} households)"
    )  # type: ignore[attr-defined]
    print(f"{'workload':34} {'seconds':>8} {'rows/s':>10} {'raw SQL rows/s':>15} {'ratio':>6}")
    for label, seconds in (("first import (creates)", first), ("same file again (updates)", again)):
        rate = rows / seconds
        print(f"{label:34} {seconds:8.2f} {rate:10,.0f} {ceiling:15,.0f} {rate / ceiling:6.2f}")


if __name__ == "__main__":
    main()
