"""GET/PATCH /programmes/{slug}/policy: staff read the points policy, administrators change
it (only what they send), refusals come with their stable code."""

import pytest

from jifen.audit.models import AuditEntry
from jifen.ledger.queries import policy_settings
from jifen.ledger.services import Cap, PolicySettings
from jifen.programmes.models import RoleKind
from jifen.testing import make_staff

PATH = "/programmes/xingfuli/policy"


def test_staff_read_the_policy(api_as, programme):
    body = api_as(make_staff(programme=programme, kind=RoleKind.AUDITOR)).get(PATH).json()
    assert body["caps"] == [] and body["when_capped"] == "truncate"
    assert body["quota_tiers"][0] == {"population": 3000, "quota": 250}
    assert body["quota_tiers"][-1] == {"population": None, "quota": 1500}
    assert (body["expiry_mode"], body["rolling_months"], body["point_value"]) == (
        "year_end",
        12,
        "1.00",
    )


def test_an_administrator_changes_only_what_is_sent(api_with_token, admin, programme):
    response = api_with_token(admin).patch(
        PATH, {"caps": [{"scope": "member", "period": "day", "limit": 100}], "point_value": "0.5"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["caps"] == [{"scope": "member", "period": "day", "limit": 100}]
    programme.refresh_from_db()
    settings = policy_settings(programme)
    assert settings.caps == (Cap("member", "day", 100),)
    assert str(settings.point_value) == "0.50" and settings.expiry_mode == "year_end"
    assert AuditEntry.objects.filter(action="policy.update", actor=admin).count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"quota_tiers": [{"population": 6000, "quota": 5}, {"population": 3000, "quota": 9}]},
            "quota_tiers_invalid",
        ),
        ({"caps": [{"scope": "member", "period": "day", "limit": 5}] * 2}, "cap_repeated"),
        ({"caps": [{"scope": "member", "period": "day", "limit": True}]}, "invalid_input"),
        ({"caps": [{"scope": "member", "period": "day", "limit": -1}]}, "invalid_input"),
        ({"rolling_months": 10**6}, "invalid_input"),
        ({"quotas_enabled": 1}, "invalid_input"),
        ({"point_value": "0.001"}, "invalid_input"),
    ],
)
def test_refusals_say_why_and_change_nothing(api_as, admin, programme, body, code):
    response = api_as(admin).patch(PATH, body)
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert policy_settings(programme) == PolicySettings()


@pytest.mark.parametrize("kind", [RoleKind.ORGANIZER, RoleKind.REVIEWER, RoleKind.AUDITOR])
def test_only_administrators_change_it(api_as, programme, kind):
    staff = make_staff(programme=programme, kind=kind)
    response = api_as(staff).patch(PATH, {"transfers_allowed": True})
    assert response.status_code == 404
    assert not policy_settings(programme).transfers_allowed


def test_residents_and_other_programmes_do_not_find_it(api_as, resident, other_admin):
    for user in (resident, other_admin):
        assert api_as(user).get(PATH).status_code == 404
        assert api_as(user).patch(PATH, {"transfers_allowed": True}).status_code == 404
