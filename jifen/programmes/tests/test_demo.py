import hashlib
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from jifen.accounts.backends import find_user
from jifen.audit.models import AuditEntry
from jifen.ledger.models import Posting
from jifen.ledger.queries import award_ceiling
from jifen.ledger.services import award_points
from jifen.lib.phones import normalise_phone
from jifen.programmes import demo
from jifen.programmes.models import Household, Member, Programme, Role, RoleKind

PASSWORD = "demo pass for tests"


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    """One demo for the module, as building it takes a while (six months of history):
    built in a transaction that is rolled back at the end, each test running in a savepoint
    within it. (The command's tests, which need an empty database, are in
    jifen/platform/tests/test_demo_command.py.)"""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        built = demo.build_demo(password=PASSWORD)
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def built(_demo, db) -> demo.Demo:
    return _demo


def _database_digest(programme: Programme) -> str:
    """The digest of the residents as stored, in the form plan_digest uses."""
    rows = Member.objects.filter(programme=programme).select_related("community", "household")
    lines = []
    for m in rows.order_by("id"):
        assert m.household is not None  # every demo resident has a household
        lines.append(
            f"{m.community.name}|{m.household.label}|{m.display_name}|{m.phone}|{m.birth_year}"
        )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_the_demo_has_two_communities_300_households_and_800_residents(built):
    programme = built.programme

    assert (programme.name, programme.slug, programme.default_language) == (
        "幸福里社区",
        "xingfuli",
        "zh-hans",
    )
    assert [c.name for c in programme.communities.order_by("id")] == ["幸福里东区", "幸福里西区"]
    assert Household.objects.filter(programme=programme).count() == 300
    assert Member.objects.filter(programme=programme).count() == 800
    assert not Household.objects.filter(programme=programme, head__isnull=True).exists()


def test_about_a_fifth_of_the_residents_are_elderly_and_some_are_children(built):
    members = Member.objects.filter(programme=built.programme)

    assert 0.15 <= members.filter(is_elderly=True).count() / 800 <= 0.30
    assert members.filter(is_child=True).count() > 50
    assert members.filter(is_new_resident=True).exists()
    assert members.exclude(interest_tags=[]).count() > 400


def test_every_phone_is_normalised_and_unique(built):
    phones = list(Member.objects.exclude(phone="").values_list("phone", flat=True))

    assert len(phones) == len(set(phones)) > 500
    assert all(normalise_phone(phone) == phone for phone in phones)


def test_the_same_seed_always_plans_the_same_residents():
    year = 2026
    first = demo.plan_digest(demo.plan_households(random.Random(7)), year)
    again = demo.plan_digest(demo.plan_households(random.Random(7)), year)
    other = demo.plan_digest(demo.plan_households(random.Random(8)), year)

    assert first == again != other


def test_the_database_holds_exactly_the_planned_residents(built):
    plans = demo.plan_households(random.Random(demo.SEED))

    assert _database_digest(built.programme) == demo.plan_digest(plans, timezone.localdate().year)


def test_each_staff_role_has_an_account_and_the_organizer_only_the_east(built):
    roles = {r.user.username: r for r in Role.objects.filter(programme=built.programme)}

    assert {u: r.kind for u, r in roles.items()} == {
        "admin": RoleKind.ADMIN,
        "organizer": RoleKind.ORGANIZER,
        "reviewer": RoleKind.REVIEWER,
        "cashier": RoleKind.CASHIER,
        "auditor": RoleKind.AUDITOR,
        "shop-cashier": RoleKind.CASHIER,  # the partner shops' (jifen.rewards.demo)
    }
    assert roles["organizer"].community.name == "幸福里东区"
    assert roles["admin"].user.check_password(PASSWORD)


def test_the_demo_resident_signs_in_with_the_printed_phone(built, client):
    user = find_user(demo.RESIDENT_PHONE)
    member = Member.objects.get(programme=built.programme, phone=demo.RESIDENT_PHONE)

    assert member.user == user
    assert client.login(username=demo.RESIDENT_PHONE, password=PASSWORD)


def test_the_demo_is_recorded_in_the_audit_log(built):
    entry = AuditEntry.objects.get(action="demo.create")

    assert entry.programme == built.programme
    assert entry.data == {"seed": demo.SEED, "households": 300, "members": 800}


def test_running_the_command_again_changes_nothing(built):
    before = (Member.objects.count(), AuditEntry.objects.count())

    call_command("demo", stdout=StringIO())

    assert (Member.objects.count(), AuditEntry.objects.count()) == before


def test_the_demo_policy_caps_what_one_award_can_give(built):
    resident = Member.objects.get(programme=built.programme, phone=demo.RESIDENT_PHONE)

    result = award_points(member=resident, amount=100_000, reason="一次点击")

    assert award_ceiling(built.programme) == 100
    assert result.awarded <= 100 and result.truncated


def test_the_demo_history_is_written_in_date_order_so_each_balance_follows(built):
    """Ordered by date, every wallet's entries add up: no entry spends points that were
    only earned later."""
    postings = (
        Posting.objects.filter(account__programme=built.programme, balance_after__isnull=False)
        .order_by("account_id", "transaction__created_at", "id")
        .values_list("account_id", "amount", "balance_after")
    )
    previous: dict[int, int] = {}
    for account, amount, balance in postings:
        assert balance == previous.get(account, 0) + amount
        previous[account] = balance
    assert len(previous) > 300
