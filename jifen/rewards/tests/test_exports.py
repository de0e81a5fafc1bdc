"""A store's settlement as files: the PDF and XLSX open, are read back, and their totals equal
the ledger's for a quarter with bought and donated goods, a cancellation and an expiry. A
settled period is frozen by the database, and `jifen verify` names it when a redemption it
counted is changed behind the application's back."""

import io
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import translation
from openpyxl import load_workbook

from jifen.lib import clock
from jifen.rewards import errors, services
from jifen.rewards.exports import statement_pdf, statement_xlsx
from jifen.rewards.models import Redemption, RedemptionStatus, RewardArea, Settlement
from jifen.rewards.settlement import Line, ledger_points, statement
from jifen.testing import pdf_text
from jifen.testing_rewards import give_points, make_reward, make_store
from jifen.transparency.sequencer import seal_all
from jifen.transparency.verify import Discrepancy, verify_programme

QUARTER = date(2026, 4, 1)


@pytest.fixture
def store(programme, member, admin):
    """Q2 2026 at the county store: two bags of rice and a donated book handed out, a third
    bag cancelled and a fourth left to expire; then it is July."""
    with time_machine.travel("2026-04-10 10:00 +0800", tick=False):
        store = make_store(programme=programme, code="county", name="县积分超市")
        rice = make_reward(store=store, name="大米 5kg", points=100, units=10)
        book = make_reward(store=store, name="捐赠图书", points=30, area=RewardArea.DONATED)
        give_points(member, 1000)
        for reward in (rice, rice, book):
            code = services.redeem(member=member, reward=reward, store=store).code
            services.verify_code(store=store, code=code, actor=admin)
        services.cancel(redemption=services.redeem(member=member, reward=rice), actor=None)
        services.redeem(member=member, reward=rice, store=store)
    with time_machine.travel("2026-04-18 10:00 +0800", tick=False):
        assert services.expire_due() == 1
    with time_machine.travel("2026-07-02 10:00 +0800", tick=False):
        yield store


def xlsx_totals(content: bytes) -> tuple[list[tuple[Any, ...]], dict[Any, Any]]:
    """The statement's lines and its totals (label → value), read back with openpyxl."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(("Reward", "Area", "Quantity", "Points", "Money"))
    blank = rows.index((None,) * 5, header)
    lines = rows[header + 1 : blank]
    return lines, {row[0]: row[4] for row in rows[blank + 1 :]}


def test_the_statement_counts_what_was_handed_out_as_the_ledger_does(store):
    found = statement(store, QUARTER)
    assert (found.points, found.items) == ledger_points(store, QUARTER, found.ends_on) == (230, 3)
    assert (found.bought_items, found.bought_points) == (2, 200)
    assert (found.donated_items, found.donated_points) == (1, 30)
    statuses = set(Redemption.objects.values_list("status", flat=True))
    assert {RedemptionStatus.CANCELLED, RedemptionStatus.EXPIRED} <= statuses


def test_the_xlsx_opens_and_its_totals_equal_the_ledgers(store):
    with translation.override("en"):
        lines, totals = xlsx_totals(statement_xlsx(statement(store, QUARTER)))
    points, count = ledger_points(store, QUARTER, date(2026, 6, 30))
    assert sum(line[3] for line in lines) == totals["Points"] == points
    assert sum(line[2] for line in lines) == totals["Items handed out"] == count
    assert totals["Donated goods: points"] == 30 and totals["Bought goods: points"] == 200
    assert Decimal(str(totals["Money (CNY)"])) == store.programme.point_value * points
    assert {line[0] for line in lines} == {"大米 5kg", "捐赠图书"}


def test_the_pdf_opens_in_chinese_and_its_totals_equal_the_ledgers(store):
    with translation.override("en"):
        text = pdf_text(statement_pdf(statement(store, QUARTER)))
    points, count = ledger_points(store, QUARTER, date(2026, 6, 30))
    assert "县积分超市" in text and "大米 5kg" in text and "捐赠图书" in text
    assert re.search(r"Points: (\d+)", text)[1] == str(points)
    assert re.search(r"Items handed out: (\d+)", text)[1] == str(count)
    assert re.search(r"Donated goods: points: (\d+)", text)[1] == "30"
    assert re.search(r"Bought goods: items: (\d+)", text)[1] == "2"


def test_a_settled_period_is_frozen_and_shows_who_settled_it(store, admin):
    settled = services.settle(store=store, starts_on=QUARTER, actor=admin)
    with translation.override("en"):
        text = pdf_text(statement_pdf(statement(store, QUARTER)))
    assert "by admin; it can no longer change" in text
    for attempt in (
        lambda: Settlement.objects.filter(pk=settled.pk).update(points=0),
        lambda: Settlement.objects.filter(pk=settled.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert Settlement.objects.get(pk=settled.pk).points == 230


def test_a_settled_period_is_not_settled_twice_nor_before_it_ends(store, admin):
    services.settle(store=store, starts_on=QUARTER, actor=admin)
    with pytest.raises(errors.AlreadySettled):
        services.settle(store=store, starts_on=QUARTER, actor=admin)
    with pytest.raises(errors.PeriodNotOver):
        services.settle(store=store, starts_on=date(2026, 7, 1), actor=admin)
    assert Settlement.objects.count() == 1


def test_verify_names_the_settlement_when_a_settled_redemption_is_tampered_with(store, admin):
    settled = services.settle(store=store, starts_on=QUARTER, actor=admin)
    seal_all()
    verify_programme(store.programme)
    handed = Redemption.objects.filter(status=RedemptionStatus.FULFILLED).order_by("id").first()
    with connection.cursor() as cursor:  # behind the application's back
        cursor.execute(
            "UPDATE rewards_redemption SET status = 'cancelled' WHERE id = %s", [handed.pk]
        )
    with pytest.raises(Discrepancy) as info:
        verify_programme(store.programme)
    assert settled.public_id in str(info.value)


def test_a_redemption_settled_after_the_period_counts_in_the_next(store, member, admin):
    rice = Redemption.objects.filter(status=RedemptionStatus.OPEN).first()
    assert rice is None  # the one left to expire did
    later = services.redeem(member=member, reward=store.stocks.first().reward, store=store)
    with time_machine.travel(clock.now() + timedelta(hours=1), tick=False):
        services.verify_code(store=store, code=later.code, actor=admin)
    assert statement(store, QUARTER).points == 230
    assert statement(store, date(2026, 7, 1)).points == later.points


def test_a_long_statement_runs_onto_more_pages_and_cuts_long_names(store):
    found = statement(store, QUARTER)
    many = [Line(f"r{i}", "大米" * 40, RewardArea.GOODS, 1, 100) for i in range(60)]
    with translation.override("en"):
        pdf = statement_pdf(replace(found, lines=many))
    text = pdf_text(pdf)
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 2
    assert "大米" * 40 not in text and "…" in text
    assert re.search(r"Points: (\d+)", text)[1] == "6000"
