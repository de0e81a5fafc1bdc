"""Points pages: the resident's history with proofs, staff awards and corrections, the
approvals queue, and the public transparency page."""

import pytest
from django.urls import reverse
from django.utils import translation

from jifen.ledger.models import Approval, Transaction
from jifen.ledger.queries import summary_of
from jifen.ledger.services import award_points, request_approval
from jifen.programmes.models import RoleKind
from jifen.testing import make_staff, text_of
from jifen.transparency.sequencer import seal_all


def test_the_resident_sees_the_instant_feedback_and_the_balance(
    client, resident, member, programme
):
    award_points(member=member, amount=245, reason="累计")
    award_points(member=member, amount=5, reason="巡逻")
    client.force_login(resident)
    with translation.override("zh-hans"):  # the programme's language
        home_url = reverse("resident-home", args=[programme.slug])
        points_url = reverse("resident-points", args=[programme.slug])
        feedback = translation.gettext(
            "You earned %(points)s %(currency)s; your total is now %(total)s."
        ) % {"points": 5, "currency": "积分", "total": 250}
    home = client.get(home_url).content.decode()
    assert text_of(home, "balance") == "250"
    assert text_of(home, "latest-award") == feedback
    page = client.get(points_url).content.decode()
    assert text_of(page, "balance") == "250"
    assert "巡逻" in page and "+5" in page


def test_history_entries_link_to_their_proof_once_sealed(client, resident, member, programme):
    tx = award_points(member=member, amount=5, reason="巡逻").transaction
    seal_all()
    client.force_login(resident)
    page = client.get(reverse("resident-points", args=[programme.slug])).content.decode()
    assert f"?entry={tx.public_id}" in page


def test_the_resident_history_costs_a_fixed_number_of_queries(
    client, resident, member, programme, django_assert_max_num_queries
):
    for i in range(60):
        award_points(member=member, amount=1, reason=f"r{i}")
    seal_all()
    client.force_login(resident)
    with django_assert_max_num_queries(14):
        client.get(reverse("resident-points", args=[programme.slug]))


def test_an_organizer_awards_and_sees_the_feedback(client, programme, member):
    client.force_login(make_staff(programme=programme, kind=RoleKind.ORGANIZER))
    url = reverse("console-award", args=[programme.slug, member.public_id])
    response = client.post(url, {"amount": 5, "reason": "巡逻", "form_key": "n1"}, follow=True)
    assert summary_of(member).balance == 5
    assert "5" in response.content.decode()
    client.post(url, {"amount": 5, "reason": "巡逻", "form_key": "n1"})  # resent form
    assert summary_of(member).balance == 5


def test_a_reviewer_approves_a_requested_adjustment(client, programme, admin, member):
    approval = request_approval(kind="adjust", member=member, amount=12, reason="补录", actor=admin)
    client.force_login(make_staff(programme=programme, kind=RoleKind.REVIEWER))
    assert (
        "补录" in client.get(reverse("console-approvals", args=[programme.slug])).content.decode()
    )
    client.post(
        reverse("console-approval-decide", args=[programme.slug, approval.pk]),
        {"decision": "approve"},
    )
    assert Approval.objects.get().status == "approved" and summary_of(member).balance == 12


def test_an_admin_reverses_from_the_history(client, admin, programme, member):
    tx = award_points(member=member, amount=8, reason="重复").transaction
    client.force_login(admin)
    client.post(
        reverse("console-reverse", args=[programme.slug, member.public_id, tx.public_id]),
        {"reason": "重复录入"},
    )
    assert summary_of(member).balance == 0 and Transaction.objects.count() == 2


def test_the_public_page_checks_an_entry(client, programme, member):
    tx = award_points(member=member, amount=5, reason="x").transaction
    seal_all()
    page = client.get(
        reverse("transparency", args=[programme.slug]), {"entry": tx.public_id}
    ).content.decode()
    assert "✓" in page and member.phone not in page and member.display_name not in page


def test_the_public_page_says_when_an_entry_is_unknown(client, programme):
    page = client.get(reverse("transparency", args=[programme.slug]), {"entry": "nope"})
    assert page.status_code == 200 and 'role="alert"' in page.content.decode()


@pytest.mark.parametrize("kind", [RoleKind.CASHIER, RoleKind.AUDITOR])
def test_roles_that_may_not_award_cannot(client, programme, member, kind):
    client.force_login(make_staff(programme=programme, kind=kind))
    url = reverse("console-award", args=[programme.slug, member.public_id])
    assert client.post(url, {"amount": 5, "reason": "x"}).status_code == 404
    assert summary_of(member).balance == 0
