"""The activity recommender evaluated offline on the demo's history (issue 9): precision@5 on
held-out check-ins, beside a popularity baseline, in the same run.

    .venv/bin/python bench/recommend.py [--holdout 0.2] [--window 30]

It builds the demo (`jifen demo`) in a throwaway SQLite database under a temporary folder,
unless DATABASE_URL names one that has it already, and reads it only.

For each resident with at least two check-ins, the last ones (a fifth, at least one) are held
out; the moment of the first held out is the cut. What the resident could have been offered
then: the programme's activities that start from 12 hours before the cut to `--window` days
after it, of their community or everyone's, not cancelled, that their rule lets them join.
Both rankings see only what happened before the cut: the recommender
(jifen.insights.recommend.score on the profile as it stood then: interests, attendances,
the household's and community's attendances and the household's sign-ups) and the
popularity baseline (check-ins under each candidate's rule before the cut, the most first).
Precision@5: the held-out activities among the top five, over five, averaged over the
residents whose held-out activities are among their candidates. A third line ranks with the
recommender's history and neighbours alone (the interests left out): the demo draws who
attends by how busy each resident is, not by their tags, so its interests carry no signal.
"""

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
os.environ.setdefault("JIFEN_LOG_SIGNING_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
FOLDER = tempfile.mkdtemp(prefix="jifen-bench-recommend-")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{FOLDER}/demo.sqlite3"
    os.environ["JIFEN_DATA_DIR"] = FOLDER

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import Q  # noqa: E402

from jifen.earning import rules  # noqa: E402
from jifen.earning.crediting import config_of, current_version  # noqa: E402
from jifen.earning.models import Activity, ActivityStatus, Attendance  # noqa: E402
from jifen.insights.recommend import profile_of, score  # noqa: E402
from jifen.programmes.models import Member, Programme  # noqa: E402

K = 5


def build() -> None:
    if Programme.objects.exists() if _migrated() else False:
        print("using the demo already in", os.environ["DATABASE_URL"])
        return
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"demo built in {time.monotonic() - started:.0f} s ({os.environ['DATABASE_URL']})")


def _migrated() -> bool:
    from django.db import connection

    return "programmes_programme" in connection.introspection.table_names()


def candidates(member: Member, cut, window: int, activities: list[Activity], ok) -> list[Activity]:
    low, high = cut - timedelta(hours=12), cut + timedelta(days=window)
    return [
        a
        for a in activities
        if low <= a.starts_at < high
        and a.programme_id == member.programme_id
        and (a.community_id is None or a.community_id == member.community_id)
        and ok(a, member)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--window", type=int, default=30)
    args = parser.parse_args()
    build()
    activities = list(
        Activity.objects.exclude(status=ActivityStatus.CANCELLED).select_related("rule__programme")
    )
    configs = {a.rule_id: config_of(current_version(a.rule)) for a in activities}

    def ok(a: Activity, m: Member) -> bool:
        return rules.eligible(
            configs[a.rule_id], community_id=m.community_id, groups=rules.member_groups(m)
        )

    checkins = Attendance.objects.select_related("activity").order_by("checked_in_at", "id")
    by_member: dict[int, list[Attendance]] = {}
    for row in checkins:
        by_member.setdefault(row.member_id, []).append(row)
    members = {m.pk: m for m in Member.objects.filter(pk__in=list(by_member))}
    ours, blind, popular, n, skipped, started = 0.0, 0.0, 0.0, 0, 0, time.monotonic()
    for member_id, rows in by_member.items():
        if len(rows) < 2:
            skipped += 1
            continue
        held = rows[-max(1, int(len(rows) * args.holdout)) :]
        cut, member = held[0].checked_in_at, members[member_id]
        pool = candidates(member, cut, args.window, activities, ok)
        relevant = {r.activity_id for r in held} & {a.pk for a in pool}
        if not relevant:
            skipped += 1
            continue
        profile = profile_of(member, before=cut)
        past = Counter(
            Attendance.objects.filter(
                activity__programme_id=member.programme_id, checked_in_at__lt=cut
            )
            .filter(Q(activity__rule_id__in={a.rule_id for a in pool}))
            .values_list("activity__rule_id", flat=True)
        )
        mine = sorted(pool, key=lambda a: (-score(a, profile)[0], a.starts_at, a.pk))[:K]
        untagged = replace(profile, tags=(), interests=frozenset())
        history = sorted(pool, key=lambda a: (-score(a, untagged)[0], a.starts_at, a.pk))[:K]
        theirs = sorted(pool, key=lambda a: (-past[a.rule_id], a.starts_at, a.pk))[:K]
        ours += len({a.pk for a in mine} & relevant) / K
        blind += len({a.pk for a in history} & relevant) / K
        popular += len({a.pk for a in theirs} & relevant) / K
        n += 1
    print(
        f"residents evaluated: {n} (skipped {skipped}: "
        "one check-in, or none held out among the candidates)"
    )
    print(f"precision@{K}  recommender: {ours / max(n, 1):.3f}")
    print(f"precision@{K}  recommender without interests: {blind / max(n, 1):.3f}")
    print(f"precision@{K}  popularity baseline: {popular / max(n, 1):.3f}")
    print(f"evaluation took {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
