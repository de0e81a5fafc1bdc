"""The console's points policy page: administrators change it, every console role reads it,
nobody else finds it; the award form offers no more than the caps allow."""

import pytest
from django.urls import reverse

from jifen.audit.models import AuditEntry
from jifen.ledger.queries import policy_settings, summary_of
from jifen.ledger.services import Cap, PolicySettings, QuotaTier, update_policy
from jifen.programmes.models import RoleKind
from jifen.testing import make_staff


def _form(**changes: object) -> dict[str, object]:
    """What the page posts for the default policy, with `changes`."""
    data: dict[str, object] = {
        "when_capped": "truncate",
        "expiry_mode": "year_end",
        "rolling_months": 12,
        "point_value": "1.00",
    }
    for row, (population, quota) in enumerate([(3000, 250), (6000, 500), (None, 900)]):
        data[f"tier_{row}_population"] = population or ""
        data[f"tier_{row}_quota"] = quota
    return {**data, **changes}


def _url(programme) -> str:
    return reverse("console-policy", args=[programme.slug])


def test_an_administrator_saves_caps_quotas_expiry_and_value(client, admin, programme):
    client.force_login(admin)
    data = _form(
        cap_member_day=100,
        cap_household_month=300,
        when_capped="refuse",
        quotas_enabled="on",
        expiry_mode="rolling",
        rolling_months=6,
        transfers_allowed="on",
        point_value="0.50",
    )
    assert client.post(_url(programme), data).status_code == 302
    programme.refresh_from_db()
    settings = policy_settings(programme)
    assert settings.caps == (Cap("member", "day", 100), Cap("household", "month", 300))
    assert settings.quota_tiers == (
        QuotaTier(3000, 250),
        QuotaTier(6000, 500),
        QuotaTier(None, 900),
    )
    assert (settings.when_capped, settings.expiry_mode, settings.rolling_months) == (
        "refuse",
        "rolling",
        6,
    )
    assert settings.quotas_enabled and settings.transfers_allowed
    assert str(settings.point_value) == "0.50"
    assert AuditEntry.objects.filter(action="policy.update", actor=admin).count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"tier_1_population": 2000},  # below the row above it
        {"tier_2_population": 9000},  # the last row must be open-ended
        {"cap_member_day": -1},
        {"cap_member_week": "many"},
        {"rolling_months": 0},
        {"point_value": "-3"},
    ],
)
def test_bad_settings_are_shown_and_change_nothing(client, admin, programme, changes):
    client.force_login(admin)
    response = client.post(_url(programme), _form(**changes))
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert policy_settings(programme) == PolicySettings()
    assert not AuditEntry.objects.filter(action="policy.update").exists()


@pytest.mark.parametrize("kind", [RoleKind.ORGANIZER, RoleKind.REVIEWER, RoleKind.AUDITOR])
def test_other_console_roles_read_the_policy_but_cannot_change_it(client, programme, kind):
    client.force_login(make_staff(programme=programme, kind=kind))
    page = client.get(_url(programme))
    assert page.status_code == 200
    assert 'id="read-only"' in page.text and 'type="submit">' not in page.text.split("<main")[1]
    assert 'name="cap_member_day"' in page.text and "disabled" in page.text
    assert client.post(_url(programme), _form(cap_member_day=5)).status_code == 404
    assert policy_settings(programme) == PolicySettings()


def test_staff_of_another_programme_and_residents_do_not_find_it(
    client, programme, other_admin, resident
):
    for user in (other_admin, resident):
        client.force_login(user)
        assert client.get(_url(programme)).status_code == 404


def test_the_award_form_offers_no_more_than_the_smallest_cap(client, admin, programme, member):
    update_policy(
        actor=admin,
        programme=programme,
        settings=PolicySettings(caps=(Cap("member", "month", 400), Cap("household", "day", 60))),
    )
    client.force_login(admin)
    page = client.get(reverse("console-member-points", args=[programme.slug, member.public_id]))
    assert 'name="amount"' in page.text and 'max="60"' in page.text
    award = reverse("console-award", args=[programme.slug, member.public_id])
    client.post(award, {"amount": 61, "reason": "巡逻", "nonce": "n1"})
    assert summary_of(member).balance == 0


def test_without_caps_the_award_form_keeps_its_own_maximum(client, admin, programme, member):
    client.force_login(admin)
    page = client.get(reverse("console-member-points", args=[programme.slug, member.public_id]))
    assert 'max="100000"' in page.text
