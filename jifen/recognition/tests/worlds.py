"""A small hand-computed world for the leaderboards (the numbers are in december's docstring)."""

import time_machine
from django.utils.translation import gettext

from jifen.ledger import services as ledger
from jifen.programmes.models import Member
from jifen.testing import make_household, make_member, make_user

NOW = "2026-12-15 10:00 +0800"


def family(name: str) -> str:
    """A household's public label, in the language the test runs in."""
    return gettext("%(name)s's family") % {"name": name}


def pair(child: str, adult: str) -> str:
    """A parent–child pair's public label, in the language the test runs in."""
    return gettext("%(child)s and %(adult)s") % {"child": child, "adult": adult}


def award(member, amount, when):
    with time_machine.travel(when, tick=False):
        return ledger.award_points(member=member, amount=amount, reason="志愿服务").transaction


def child(member: Member) -> Member:
    Member.objects.filter(pk=member.pk).update(is_child=True)
    member.is_child = True
    return member


def december(community) -> dict[str, Member]:
    """Six residents; points earned (month = Dec 2026, year = 2026, all time):

    household 1: 王秀英 300 / 800 / 1800, 陈静 200 / 200 / 200, child 王小明 100 / 100 / 100
    household 2: 李明 300 / 400 / 400, child 李小红 50 / 50 / 50 (+900 reversed)
    no household: 张伟 100 / 1099 / 1099 (100 at 00:30 on 1 December local time)

    Members, month: 王秀英 1, 李明 1, 陈静 3, 王小明 4, 张伟 4, 李小红 6.
    Households, month: household 1 600, household 2 350.
    Pairs, month: 王小明 + 王秀英 400, 李小红 + 李明 350; year 900 and 450."""
    h1, h2 = make_household(community=community), make_household(community=community)
    people = {
        "wang": make_member(community=community, name="王秀英", household=h1),
        "chen": make_member(community=community, name="陈静", household=h1),
        "ming": child(make_member(community=community, name="王小明", household=h1)),
        "li": make_member(community=community, name="李明", household=h2),
        "hong": child(make_member(community=community, name="李小红", household=h2)),
        "zhang": make_member(community=community, name="张伟"),
    }
    for name, amount, when in [
        ("wang", 1000, "2025-05-01 10:00 +0800"),
        ("wang", 500, "2026-03-01 10:00 +0800"),
        ("wang", 100, "2026-12-02 10:00 +0800"),
        ("wang", 200, "2026-12-03 10:00 +0800"),
        ("chen", 200, "2026-12-04 10:00 +0800"),
        ("ming", 100, "2026-12-05 10:00 +0800"),
        ("li", 100, "2026-06-01 10:00 +0800"),
        ("li", 300, "2026-12-06 10:00 +0800"),
        ("hong", 50, "2026-12-07 10:00 +0800"),
        ("zhang", 999, "2026-11-30 23:30 +0800"),
        ("zhang", 100, "2026-12-01 00:30 +0800"),
    ]:
        award(people[name], amount, when)
    wrong = award(people["hong"], 900, "2026-12-08 10:00 +0800")
    with time_machine.travel("2026-12-09 10:00 +0800", tick=False):
        ledger.reverse_transaction(original=wrong, reason="录入错误", actor=make_user())
    return people
