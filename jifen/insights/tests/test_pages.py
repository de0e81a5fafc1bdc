"""The dashboard page, its exports and the API, on the ledger world of conftest.py: who may
open them, and that every file says what its table says."""

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jifen.insights.tables import KPIS, table_of
from jifen.ledger import services
from jifen.programmes.models import RoleKind
from jifen.testing import (
    make_activity,
    make_member,
    make_resident_user,
    make_rule,
    make_staff,
    text_of,
)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user):
    return _client(user).get(reverse("console-insights", args=["xingfuli"]))


def _export(user, key: str, fmt: str):
    return _client(user).get(reverse("console-insights-export", args=["xingfuli", key, fmt]))


def test_the_dashboard_shows_every_table_and_chart(world, admin):
    response = _page(admin)
    html = response.content.decode()
    assert response.status_code == 200
    for key in KPIS:
        assert f'id="kpi-{key}"' in html
    assert 'id="chart-flows"' in html
    # June: 700 issued, 60 redeemed, 0 expired, 40 donated
    assert "<td>2026-06</td><td>700</td><td>60</td><td>0</td><td>40</td>" in html


def test_a_community_limited_reviewer_sees_only_its_community(world, programme, community):
    reviewer = make_staff(programme=programme, kind=RoleKind.REVIEWER, community=community)
    html = _page(reviewer).content.decode()
    liability = text_of(html, "table-liability")
    assert "东区" in liability
    assert "西区" not in liability
    # June in the east: A's 200 issued, not D's 500 in the west
    assert "<td>2026-06</td><td>200</td><td>60</td><td>0</td><td>40</td>" in html


def test_a_resident_an_organizer_and_another_programme_get_404(
    world, member, other_admin, programme
):
    organizer = make_staff(programme=programme, kind=RoleKind.ORGANIZER)
    for user in (make_resident_user(member=member), organizer, other_admin):
        assert _page(user).status_code == 404
        assert _export(user, "flows", "csv").status_code == 404
        api = _client(user).get("/api/v1/programmes/xingfuli/insights")
        assert api.status_code == 404


def test_an_unknown_table_or_format_is_404(world, admin):
    assert _export(admin, "nothing", "csv").status_code == 404
    assert _export(admin, "flows", "pdf").status_code == 404


@pytest.mark.parametrize("key", list(KPIS))
def test_the_csv_equals_the_table(world, admin, everyone, key):
    response = _export(admin, key, "csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    table = table_of(everyone, key)
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0] == table.headers
    assert rows[1:] == [["" if v is None else str(v) for v in row] for row in table.rows]


@pytest.mark.parametrize("key", list(KPIS))
def test_the_workbook_equals_the_table(world, admin, everyone, key):
    response = _export(admin, key, "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    table = table_of(everyone, key)
    assert rows[0] == table.headers
    assert rows[1:] == [[_as_read(v) for v in row] for row in table.rows]


def _as_read(value):
    """What openpyxl reads back: a Decimal is stored as a number."""
    return float(value) if value is not None and type(value).__name__ == "Decimal" else value


def test_the_liability_workbook_holds_money_as_numbers(world, admin):
    sheet = load_workbook(io.BytesIO(_export(admin, "liability", "xlsx").content)).worksheets[0]
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        ("东区", 500, 250),
        ("西区", 500, 250),
    ]


def test_the_api_gives_the_kpis(world, admin):
    body = _client(admin).get("/api/v1/programmes/xingfuli/insights").json()
    june = next(row for row in body["flows"] if row["month"] == "2026-06")
    assert june == {"month": "2026-06", "issued": 700, "redeemed": 60, "expired": 0, "donated": 40}
    assert body["buckets"][1] == {"bucket": "300–800", "wallets": 2, "points": 900}
    assert body["targets"]["participation"] == 0.7
    may = next(row for row in body["matthew"] if row["month"] == "2026-05")
    assert may["gini"] == pytest.approx(0.625)


def test_the_api_counts_only_a_limited_reviewers_community(world, programme, community):
    reviewer = make_staff(programme=programme, kind=RoleKind.REVIEWER, community=community)
    body = _client(reviewer).get("/api/v1/programmes/xingfuli/insights").json()
    assert [row["community"] for row in body["liability"]] == ["东区"]


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("console-insights", args=["xingfuli"])).status_code == 200
    return len(queries)


def test_the_dashboard_reads_as_often_for_more_rows(world, admin, programme, community):
    client, rule = _client(admin), make_rule(programme=programme)
    activity = make_activity(rule=rule, community=community, capacity=10)
    activity.organizers.add(admin)
    before = _queries(client)
    for n in range(3):
        activity = make_activity(rule=rule, community=community, title=f"活动 {n}", capacity=10)
        activity.organizers.add(make_staff(programme=programme, kind=RoleKind.ORGANIZER))
        services.award_points(member=make_member(community=community), amount=900, reason="t")
    assert _queries(client) == before
