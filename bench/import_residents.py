"""Importing 10,000 residents (一户一档) through the real service, beside a ceiling measured in
the same run: raw SQL (cursor.executemany) inserting the same households and members rows.

    .venv/bin/python bench/import_residents.py [--rows 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jifen_bench \
        .venv/bin/python bench/import_residents.py

Without DATABASE_URL it uses SQLite in a fresh throwaway data directory. With it, the database
is migrated and each run adds programmes of its own (named bench-…), so it may be run again.
Timed: the first import (creates everything), the same file again (checks and matches every
row, writes nothing), and a file where every resident changed (bulk updates).
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
if not os.environ.get("DATABASE_URL"):
    os.environ["JIFEN_DATA_DIR"] = tempfile.mkdtemp(prefix="jifen-bench-")
os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from jifen.lib.ids import new_public_id  # noqa: E402
from jifen.programmes.access import operator_scope  # noqa: E402
from jifen.programmes.import_write import ImportResult, import_residents  # noqa: E402
from jifen.programmes.models import Household, Member, Programme  # noqa: E402
from jifen.programmes.services import create_programme, save_community  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚"
HEADER = ["社区", "楼栋", "单元", "房号", "姓名", "手机号", "出生年份", "户主", "老人", "兴趣"]
HEADER += ["入住日期", "状态"]
INTERESTS = ["读书", "助老", "太极", "书法", "志愿服务", "跳舞", ""]
PER_HOUSEHOLD = 3


def make_rows(count: int, seed: int = 2026) -> list[list[str]]:
    """Deterministic residents: three per household, households spread over two communities,
    buildings, units and rooms."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        h = i // PER_HOUSEHOLD
        rows.append(
            [
                "东区" if h % 2 else "西区",
                str(h // 200 + 1),
                str(h // 50 % 4 + 1),
                str(101 + h % 50),
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                f"139{i:08d}",
                str(rng.randint(1935, 2015)),
                "是" if i % PER_HOUSEHOLD == 0 else "否",
                "是" if rng.random() < 0.2 else "否",
                rng.choice(INTERESTS),
                f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "在册",
            ]
        )
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode("utf-8-sig")


def fresh_programme(slug: str) -> Programme:
    programme = create_programme(actor=None, name=slug, slug=slug)
    for name in ("东区", "西区"):
        save_community(actor=None, programme=programme, name=name, population=5000)
    return programme


def timed_import(programme: Programme, data: bytes) -> tuple[float, ImportResult]:
    start = time.perf_counter()
    result = import_residents(
        actor=None, scope=operator_scope(programme), filename="bench.csv", data=data
    )
    return time.perf_counter() - start, result


def raw_sql_ceiling(programme: Programme, rows: list[list[str]]) -> float:
    """Seconds for executemany to insert the same households, then the same members, in one
    transaction (values prepared beforehand; household ids read back between the two)."""
    community = dict(programme.communities.values_list("name", "id"))
    households = {}
    for r in rows:
        households.setdefault((r[0], r[1], r[2], r[3]), new_public_id())
    household_rows = [
        (programme.pk, community[c], public_id, b, u, room, "", "2026-01-01 00:00:00+00")
        for (c, b, u, room), public_id in households.items()
    ]
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO programmes_household (programme_id, community_id, public_id, building,"
            " unit, room, address, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            household_rows,
        )
        ids = dict(Household.objects.filter(programme=programme).values_list("public_id", "id"))
        cursor.executemany(
            "INSERT INTO programmes_member (programme_id, public_id, display_name, phone,"
            " community_id, household_id, joined_on, birth_year, is_elderly, is_child,"
            " is_new_resident, interest_tags, status, card_version, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [_member_values(programme, community, households, ids, r) for r in rows],
        )
    return time.perf_counter() - start


def _member_values(programme, community, households, ids, r) -> tuple:  # type: ignore[no-untyped-def]
    household_id = ids[households[(r[0], r[1], r[2], r[3])]]
    interests = f'["{r[9]}"]' if r[9] else "[]"
    now = "2026-01-01 00:00:00+00"
    return (
        programme.pk,
        new_public_id(),
        r[4],
        r[5],
        community[r[0]],
        household_id,
        r[10],
        int(r[6]),
        r[8] == "是",
        False,
        False,
        interests,
        "active",
        1,
        now,
        now,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    count = parser.parse_args().rows
    call_command("migrate", verbosity=0)
    run = f"{int(time.time())}"
    rows = make_rows(count)
    programme = fresh_programme(f"bench-{run}")
    first, result = timed_import(programme, as_csv(rows))
    again, repeat = timed_import(programme, as_csv(rows))
    for r in rows:
        r[6] = str(int(r[6]) + 1)  # every resident's birth year corrected
    updated, update = timed_import(programme, as_csv(rows))
    assert Member.objects.filter(programme=programme).count() == count
    assert (result.created, repeat.unchanged, update.updated) == (count, count, count)
    ceiling = raw_sql_ceiling(fresh_programme(f"bench-{run}-raw"), rows)
    report(count, result, ceiling, first, again, updated)


def report(count, result, ceiling, first, again, updated) -> None:  # type: ignore[no-untyped-def]
    vendor = connection.vendor
    households = result.households_created
    print(f"database: {vendor}; {count:,} residents in {households:,} households; CSV file")
    print(f"| {'workload':40} | {'seconds':>7} | {'rows/s':>8} | {'vs raw SQL':>10} |")
    print(f"|{'-' * 42}|{'-' * 9}:|{'-' * 10}:|{'-' * 12}:|")
    print(f"| {'raw SQL executemany (ceiling)':40} | {ceiling:7.2f} | {count / ceiling:8,.0f} |")
    for label, seconds in (
        ("import_residents, first time (creates)", first),
        ("the same file again (nothing to write)", again),
        ("every resident changed (bulk updates)", updated),
    ):
        print(
            f"| {label:40} | {seconds:7.2f} | {count / seconds:8,.0f} | {ceiling / seconds:10.2f} |"
        )


if __name__ == "__main__":
    main()
