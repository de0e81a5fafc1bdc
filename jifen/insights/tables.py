"""The dashboard's tables: each KPI's rows under translated column names, the same on the
page, in the CSV and in the XLSX. A rate is a percentage with one decimal (or empty)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from jifen.insights import activity_kpis, kpis, satisfaction
from jifen.programmes.access import StaffScope

Cell = str | int | float | Decimal | None

# Fields holding a rate (0–1), shown as a percentage.
RATES = {"of_signups", "of_eligible", "rate", "fill", "top10_share"}


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    empty: bool = False  # no source for it yet (satisfaction without surveys)


@dataclass(frozen=True)
class Kpi:
    title: Any
    columns: dict[str, Any]  # field of the row → column header
    rows: Callable[[StaffScope], Sequence[object] | None]


KPIS: dict[str, Kpi] = {
    "growth": Kpi(
        _("Member growth (target +20 % a year)"),
        {
            "month": _("Month"),
            "new": _("New members"),
            "members": _("Members"),
            "target": _("Target"),
        },
        kpis.member_growth,
    ),
    "people": Kpi(
        _("New, active and lost members"),
        {"month": _("Month"), "new": _("New"), "active": _("Active"), "lost": _("Lost")},
        kpis.people,
    ),
    "participation": Kpi(
        _("Participation per activity (target 70 %)"),
        {
            "title": _("Activity"),
            "starts_on": _("Date"),
            "signups": _("Sign-ups"),
            "attendees": _("Attendees"),
            "eligible": _("Eligible residents"),
            "of_signups": _("Attendees / sign-ups (%)"),
            "of_eligible": _("Attendees / eligible (%)"),
            "points": _("Points awarded"),
        },
        activity_kpis.participation,
    ),
    "retention": Kpi(
        _("Volunteer retention (target 60 %)"),
        {
            "year": _("Year"),
            "active_before": _("Active the year before"),
            "retained": _("Active again"),
            "rate": _("Retention (%)"),
        },
        kpis.retention,
    ),
    "satisfaction": Kpi(
        _("Satisfaction (target 80 %)"),
        {
            "half": _("Half-year"),
            "satisfied": _("Satisfied (4–5 of 5)"),
            "answers": _("Answers"),
            "rate": _("Satisfaction (%)"),
        },
        satisfaction.satisfaction,
    ),
    "flows": Kpi(
        _("Points issued, redeemed, expired and donated"),
        {
            "month": _("Month"),
            "issued": _("Issued"),
            "redeemed": _("Redeemed"),
            "expired": _("Expired"),
            "donated": _("Donated"),
        },
        kpis.flows,
    ),
    "liability": Kpi(
        _("Outstanding liability"),
        {"community": _("Community"), "points": _("Points in wallets"), "money": _("Value")},
        kpis.liability,
    ),
    "buckets": Kpi(
        _("Balance distribution"),
        {"bucket": _("Balance"), "wallets": _("Wallets"), "points": _("Points")},
        kpis.buckets,
    ),
    "matthew": Kpi(
        _("Concentration of points earned (Matthew effect)"),
        {
            "month": _("Month"),
            "earners": _("Members who earned"),
            "members": _("Members"),
            "points": _("Points earned"),
            "gini": _("Gini coefficient"),
            "top10_share": _("Top 10 % share (%)"),
        },
        kpis.matthew,
    ),
    "undersubscribed": Kpi(
        _("Under-subscribed activities"),
        {
            "title": _("Activity"),
            "starts_on": _("Date"),
            "capacity": _("Capacity"),
            "signups": _("Sign-ups"),
            "fill": _("Filled (%)"),
            "points": _("Points now"),
            "raise_percent": _("Suggested change (%)"),
            "suggested_points": _("Suggested points"),
        },
        activity_kpis.undersubscribed,
    ),
    "organizers": Kpi(
        _("Organizers"),
        {
            "organizer": _("Organizer"),
            "activities": _("Activities run"),
            "signups": _("Sign-ups"),
            "attendees": _("Attendees"),
            "rate": _("Attendees / sign-ups (%)"),
            "points": _("Points awarded"),
        },
        activity_kpis.organizers,
    ),
    "inactive": Kpi(
        _("Inactive members (no points for 90 days)"),
        {
            "name": _("Name"),
            "community": _("Community"),
            "joined_on": _("Joined on"),
            "last_earned": _("Last earned"),
        },
        activity_kpis.inactive_members,
    ),
}


def cell(name: str, value: object) -> Cell:
    """A value as the table shows it: rates as percentages with one decimal, the Gini with
    three, days as ISO text."""
    if value is None:
        return None
    if name == "gini" and isinstance(value, float):
        return round(value, 3)
    if name in RATES and isinstance(value, float):
        return round(value * 100, 1)
    if isinstance(value, str | int | float | Decimal):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table_of(scope: StaffScope, key: str) -> Table:
    """The KPI `key` for the scope, as a table (KeyError for an unknown key)."""
    kpi = KPIS[key]
    found = kpi.rows(scope)
    rows = [[cell(name, getattr(row, name)) for name in kpi.columns] for row in found or []]
    headers = [str(header) for header in kpi.columns.values()]
    return Table(key, str(kpi.title), headers, rows, empty=found is None)
