"""Activity pages: the console's list, form and management page, the organizer's check-in
screen, and the resident's activities, code check-in and daily check-in."""

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from jifen.earning import errors, services
from jifen.earning.models import (
    Activity,
    ActivityStatus,
    Attendance,
    CheckInMethod,
    Earning,
    SignUp,
    SignUpStatus,
)
from jifen.ledger.queries import summary_of
from jifen.lib import clock
from jifen.lib.errors import InvalidPhone
from jifen.programmes.cardtokens import card_token
from jifen.programmes.models import RoleKind
from jifen.programmes.services import revoke_card
from jifen.testing import make_activity, make_member, make_rule, make_staff, text_of

HTMX = {"HTTP_HX_REQUEST": "true"}
_keys = itertools.count(1)


def key() -> str:
    """A fresh one-time form key, as each page's form carries."""
    return f"test-key-{next(_keys)}"


def url(name: str, *args: object, **query: str) -> str:
    with translation.override("en"):
        path = reverse(name, args=args)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def patrol(programme):
    return make_rule(programme=programme, code="patrol", name="巡逻", config={"points": 10})


@pytest.fixture
def activity(patrol, community):
    return make_activity(rule=patrol, community=community, title="夜间巡逻")


@pytest.fixture
def organizer(programme, community):
    return make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=community)


@pytest.fixture
def staff(client, organizer):
    client.force_login(organizer)
    return client


def _checkin(client, activity, what: str, data: dict[str, str], **headers: str):
    name = {"card": "console-checkin-card", "phone": "console-checkin-phone"}.get(
        what, "console-checkin-member"
    )
    return client.post(
        url(name, activity.programme.slug, activity.public_id),
        data | {"form_key": key()},
        **headers,
    )


# Who sees the console pages


CONSOLE_PAGES = [
    "console-activity",
    "console-activity-edit",
    "console-activity-close",
    "console-activity-checkin",
    "console-checkin-attendance",
    "console-checkin-code",
]


def test_every_console_page_renders_for_the_communitys_organizer(staff, programme, activity):
    for name in ("console-activities", "console-activity-new"):
        assert staff.get(url(name, programme.slug)).status_code == 200, name
    for name in CONSOLE_PAGES:
        assert staff.get(url(name, programme.slug, activity.public_id)).status_code == 200, name


@pytest.mark.parametrize("kind", [RoleKind.REVIEWER, RoleKind.CASHIER, RoleKind.AUDITOR])
def test_staff_without_the_capability_get_404(client, programme, activity, kind):
    client.force_login(make_staff(programme=programme, kind=kind))
    assert client.get(url("console-activities", programme.slug)).status_code == 404
    for name in CONSOLE_PAGES:
        assert client.get(url(name, programme.slug, activity.public_id)).status_code == 404


def test_another_communitys_organizer_and_another_programmes_admin_get_404(
    client, programme, other_community, activity, other_admin, other_programme
):
    client.force_login(make_staff(programme=programme, kind="organizer", community=other_community))
    for name in CONSOLE_PAGES:
        assert client.get(url(name, programme.slug, activity.public_id)).status_code == 404
    assert "夜间巡逻" not in client.get(url("console-activities", programme.slug)).content.decode()
    client.force_login(other_admin)
    for slug in (programme.slug, other_programme.slug):
        assert client.get(url("console-activity", slug, activity.public_id)).status_code == 404


def test_the_list_shows_upcoming_and_past_activities_apart(staff, programme, patrol, activity):
    old = make_activity(rule=patrol, title="上月清扫", starts_at=clock.now() - timedelta(days=30))
    upcoming = staff.get(url("console-activities", programme.slug)).content.decode()
    past = staff.get(url("console-activities", programme.slug, when="past")).content.decode()
    assert "夜间巡逻" in upcoming and old.title not in upcoming
    assert old.title in past and "夜间巡逻" not in past


def test_the_list_costs_a_fixed_number_of_queries(
    staff, programme, patrol, community, django_assert_max_num_queries
):
    for i in range(30):
        a = make_activity(rule=patrol, community=community, title=f"A{i}")
        services.sign_up(activity=a, member=make_member(community=community))
    with django_assert_max_num_queries(12):
        assert staff.get(url("console-activities", programme.slug)).status_code == 200


# The form


def _form(patrol, community, **changes: str) -> dict[str, str]:
    start = clock.now() + timedelta(days=2)
    data = {
        "title": "垃圾分类指导",
        "category": "sorting",
        "community": str(community.pk),
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "12",
        "rule": patrol.code,
        "form_key": key(),
    }
    return data | changes


def test_an_organizer_creates_an_activity_with_its_rule_and_organizers(
    staff, programme, patrol, community, organizer
):
    data = _form(patrol, community, organizers=str(organizer.pk))
    response = staff.post(url("console-activity-new", programme.slug), data)
    activity = Activity.objects.get(title="垃圾分类指导")
    assert response.status_code == 302
    assert response["Location"] == url("console-activity", programme.slug, activity.public_id)
    assert activity.rule == patrol and activity.capacity == 12 and activity.community == community
    assert list(activity.organizers.all()) == [organizer]


def test_the_form_offers_only_the_programmes_fixed_hourly_and_range_rules(
    staff, programme, patrol, other_programme
):
    make_rule(programme=programme, code="every-day", kind="checkin", config={"points": 1})
    make_rule(programme=programme, code="tutoring", kind="hourly", config={"points": 30})
    make_rule(programme=other_programme, code="elsewhere", config={"points": 5})
    page = staff.get(url("console-activity-new", programme.slug)).content.decode()
    assert 'value="patrol"' in page and 'value="tutoring"' in page
    assert 'value="every-day"' not in page and 'value="elsewhere"' not in page


def test_an_organizer_of_one_community_cannot_plan_for_every_community(
    staff, programme, patrol, community, other_community
):
    for chosen in ("", str(other_community.pk)):
        data = _form(patrol, community) | {"community": chosen}
        assert staff.post(url("console-activity-new", programme.slug), data).status_code == 422
    assert not Activity.objects.filter(title="垃圾分类指导").exists()


def test_an_activity_that_ends_before_it_starts_is_refused(staff, programme, patrol, community):
    data = _form(patrol, community)
    data["ends_at"] = data["starts_at"]
    assert staff.post(url("console-activity-new", programme.slug), data).status_code == 422
    assert not Activity.objects.filter(title="垃圾分类指导").exists()


def test_editing_changes_the_activity_but_a_closed_one_is_not_edited(
    staff, programme, patrol, community, activity
):
    edit = url("console-activity-edit", programme.slug, activity.public_id)
    assert staff.post(edit, _form(patrol, community, title="夜巡")).status_code == 302
    activity.refresh_from_db()
    assert activity.title == "夜巡"
    services.close_activity(activity=activity, actor=None)
    response = staff.post(edit, _form(patrol, community, title="改"), follow=True)
    activity.refresh_from_db()
    assert activity.title == "夜巡"
    assert str(errors.ActivityNotOpen()) in response.content.decode()


# Managing one


def test_the_management_page_shows_sign_ups_the_waitlist_and_attendance(
    staff, programme, patrol, community
):
    activity = make_activity(rule=patrol, community=community, capacity=1)
    first = make_member(community=community, name="张三")
    second = make_member(community=community, name="李四")
    services.sign_up(activity=activity, member=first)
    services.sign_up(activity=activity, member=second)
    services.check_in(activity=activity, member=first, method="name")
    page = staff.get(url("console-activity", programme.slug, activity.public_id)).content.decode()
    assert "张三" in text_of(page, "signed-up") and "李四" in text_of(page, "waitlist")
    assert "张三" in text_of(page, "attendance-table")


def test_closing_shows_what_it_will_credit_then_credits_once(
    staff, programme, activity, member, resident
):
    services.check_in(activity=activity, member=member, method="name")
    close = url("console-activity-close", programme.slug, activity.public_id)
    preview = staff.get(close).content.decode()
    assert "10" in text_of(preview, "close-preview")
    page = staff.post(close, {"form_key": key()}, follow=True).content.decode()
    again = staff.post(close, {"form_key": key()}, follow=True).content.decode()
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CLOSED
    assert (
        summary_of(member).balance == 10 and Earning.objects.filter(activity=activity).count() == 1
    )
    assert "10" in text_of(page, "credited")
    assert "10" in text_of(again, "credited")


def test_cancelling_an_activity(staff, programme, activity):
    staff.post(
        url("console-activity-cancel", programme.slug, activity.public_id), {"form_key": key()}
    )
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED


def test_an_organizer_sets_the_minutes_for_a_per_hour_rule(staff, programme, community, member):
    tutoring = make_rule(programme=programme, kind="hourly", config={"points": 30})
    activity = make_activity(rule=tutoring, community=community, hours=3)
    services.check_in(activity=activity, member=member, method="name")
    minutes = url(
        "console-attendance-minutes", programme.slug, activity.public_id, member.public_id
    )
    staff.post(minutes, {"minutes": "90", "form_key": key()})
    assert Attendance.objects.get(activity=activity).minutes == 90
    services.close_activity(activity=activity, actor=None)
    assert summary_of(member).balance == 30  # one whole hour of the 90 minutes


def test_a_check_in_made_by_mistake_is_removed(staff, programme, activity, member):
    services.check_in(activity=activity, member=member, method="name")
    remove = url("console-attendance-remove", programme.slug, activity.public_id, member.public_id)
    staff.post(remove, {"form_key": key()})
    assert not Attendance.objects.filter(activity=activity).exists()


# The check-in screen


def test_checking_in_by_phone_answers_in_large_text_and_the_list_shows_it(staff, activity, member):
    response = _checkin(staff, activity, "phone", {"phone": "138 0013 8000"}, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert text_of(page, "result-name") == "王秀英"
    assert response["HX-Trigger"] == "attendance-changed"
    attendance = staff.get(
        url("console-checkin-attendance", activity.programme.slug, activity.public_id)
    ).content.decode()
    assert "王秀英" in text_of(attendance, "attendance-list")
    assert text_of(attendance, "attendance-count") == "1"


def test_a_resident_signed_up_is_checked_in_by_phone_and_one_who_is_not_is_a_walk_in(
    staff, activity, member, community
):
    services.sign_up(activity=activity, member=member)
    walk_in = make_member(community=community, phone="13700000000")
    _checkin(staff, activity, "phone", {"phone": "13800138000"}, **HTMX)
    _checkin(staff, activity, "phone", {"phone": "13700000000"}, **HTMX)
    methods = dict(Attendance.objects.values_list("member_id", "method"))
    assert methods == {member.pk: CheckInMethod.PHONE, walk_in.pk: CheckInMethod.WALK_IN}


def test_checking_in_by_name_searches_the_scope_then_checks_in_the_one_clicked(
    staff, activity, member, other_community
):
    services.sign_up(activity=activity, member=member)
    make_member(community=other_community, name="王秀兰")
    checkin = url("console-activity-checkin", activity.programme.slug, activity.public_id)
    found = staff.get(checkin, {"q": "王秀"}, **HTMX).content.decode()
    assert "王秀英" in text_of(found, "search-results") and "王秀兰" not in found
    _checkin(staff, activity, "name", {"member": member.public_id}, **HTMX)
    assert Attendance.objects.get(activity=activity).method == CheckInMethod.NAME


def test_a_repeated_scan_is_harmless(staff, activity, member):
    first = _checkin(staff, activity, "card", {"token": card_token(member)}, **HTMX)
    again = _checkin(staff, activity, "card", {"token": card_token(member) + "\n"}, **HTMX)
    assert first.status_code == again.status_code == 200
    assert text_of(first.content.decode(), "result-text") == "Checked in successfully"
    assert text_of(again.content.decode(), "result-text").startswith("Already checked in")
    assert text_of(again.content.decode(), "result-name") == "王秀英"
    assert Attendance.objects.filter(activity=activity).count() == 1


def test_marking_everyone_signed_up_as_attended(staff, activity, member, community):
    waiting = make_member(community=community)
    activity.capacity = 1
    activity.save()
    services.sign_up(activity=activity, member=member)
    services.sign_up(activity=activity, member=waiting)
    roster = url("console-checkin-roster", activity.programme.slug, activity.public_id)
    staff.post(roster, {"form_key": key()}, **HTMX)
    assert list(Attendance.objects.values_list("member_id", flat=True)) == [member.pk]


def test_without_javascript_a_check_in_comes_back_as_a_message_on_the_screen(
    staff, activity, member
):
    response = _checkin(staff, activity, "phone", {"phone": "13800138000"})
    assert response.status_code == 302
    page = staff.get(response["Location"]).content.decode()
    assert "王秀英" in page and Attendance.objects.filter(activity=activity).exists()


def _zh_refusal(client, activity, what, data, error) -> str:
    """Post as a Chinese page does, and return the refusal shown; nothing may be written."""
    with translation.override("zh-hans"):
        path = reverse(
            f"console-checkin-{what}", args=[activity.programme.slug, activity.public_id]
        )
        expected = str(error)
    response = client.post(path, data | {"form_key": key()}, **HTMX)
    assert response.status_code == 422
    assert not Attendance.objects.filter(activity=activity).exists()
    assert text_of(response.content.decode(), "result-text") == expected
    return expected


def test_refusals_are_shown_in_the_pages_language_and_write_nothing(staff, activity, member, admin):
    shown = _zh_refusal(staff, activity, "phone", {"phone": "12345"}, InvalidPhone(phone="12345"))
    assert "不是有效的手机号" in shown  # translated in the catalogue already
    _zh_refusal(staff, activity, "phone", {"phone": "13999999999"}, errors.NoSuchResident())
    token = card_token(member)
    revoke_card(actor=admin, member=member)
    _zh_refusal(staff, activity, "card", {"token": token}, errors.NotCardOfProgramme())


def test_a_card_outside_the_activitys_time_is_refused(staff, patrol, community, member):
    later = make_activity(
        rule=patrol, community=community, starts_at=clock.now() + timedelta(hours=5)
    )
    _zh_refusal(staff, later, "card", {"token": card_token(member)}, errors.OutsideActivity())


def test_a_resident_of_another_community_is_unknown_to_the_phone_check_in(
    staff, activity, other_community
):
    make_member(community=other_community, phone="13600000000")
    _zh_refusal(staff, activity, "phone", {"phone": "13600000000"}, errors.NoSuchResident())


def test_the_rotating_code_links_to_the_residents_check_in_page(staff, activity):
    page = staff.get(
        url("console-checkin-code", activity.programme.slug, activity.public_id)
    ).content.decode()
    with translation.override("zh-hans"):  # the programme's language
        resident_page = reverse(
            "resident-activity-checkin", args=[activity.programme.slug, activity.public_id]
        )
    assert "<svg" in page and 'hx-trigger="every 15s"' in page
    assert staff.get(url("console-activity-checkin", activity.programme.slug, activity.public_id))
    assert f"http://testserver{resident_page}?code=JA1" in _code_link(staff, activity)


def _code_link(client, activity) -> str:
    response = client.get(url("console-checkin-code", activity.programme.slug, activity.public_id))
    return text_attribute(response.content.decode(), "data-link")


def text_attribute(html: str, name: str) -> str:
    start = html.index(f'{name}="') + len(name) + 2
    return html[start : html.index('"', start)].replace("&amp;", "&")


# The resident


@pytest.fixture
def signed_in(client, resident):
    client.force_login(resident)
    return client


def test_the_resident_sees_activities_of_their_community_and_for_everyone(
    signed_in, programme, patrol, other_community, activity
):
    everyone = make_activity(rule=patrol, title="全体大会")
    elsewhere = make_activity(rule=patrol, community=other_community, title="西区活动")
    page = signed_in.get(url("resident-activities", programme.slug)).content.decode()
    assert activity.title in page and everyone.title in page and elsewhere.title not in page


def test_signing_up_cancelling_and_the_waitlist(signed_in, programme, activity, community):
    activity.capacity = 1
    activity.save()
    services.sign_up(activity=activity, member=make_member(community=community))
    listing = url("resident-activities", programme.slug)
    assert "Join the waitlist" in signed_in.get(listing).content.decode()
    signup = url("resident-activity-signup", programme.slug, activity.public_id)
    page = signed_in.post(signup, {"form_key": key()}, follow=True).content.decode()
    assert "number 1" in text_of(page, f"standing-{activity.public_id}")
    cancel = url("resident-activity-cancel", programme.slug, activity.public_id)
    signed_in.post(cancel, {"form_key": key()})
    assert SignUp.objects.get(activity=activity, member__phone="13800138000").status == (
        SignUpStatus.CANCELLED
    )


def test_a_refused_sign_up_shows_why_and_writes_nothing(signed_in, programme, patrol):
    closed = make_activity(rule=patrol, signup_closes_at=clock.now() - timedelta(hours=1))
    signup = url("resident-activity-signup", programme.slug, closed.public_id)
    page = signed_in.post(signup, {"form_key": key()}, follow=True).content.decode()
    assert str(errors.SignUpClosed()) in page
    assert not SignUp.objects.exists()


def test_another_communitys_or_programmes_activity_is_404_to_a_resident(
    signed_in, programme, patrol, other_community, other_programme
):
    elsewhere = make_activity(rule=patrol, community=other_community)
    foreign = make_activity(rule=make_rule(programme=other_programme))
    for a, slug in (
        (elsewhere, programme.slug),
        (foreign, programme.slug),
        (foreign, other_programme.slug),
    ):
        assert signed_in.get(url("resident-activity-checkin", slug, a.public_id)).status_code == 404
        signup = url("resident-activity-signup", slug, a.public_id)
        assert signed_in.post(signup, {"form_key": key()}).status_code == 404
    assert not SignUp.objects.exists()


def test_my_activities_show_the_points_each_earned(signed_in, programme, activity, member):
    services.sign_up(activity=activity, member=member)
    services.check_in(activity=activity, member=member, method="name")
    services.close_activity(activity=activity, actor=None)
    page = signed_in.get(url("resident-my-activities", programme.slug)).content.decode()
    assert "+10" in text_of(page, f"mine-{activity.public_id}")


def test_checking_in_with_the_code_on_the_screen(signed_in, programme, activity, member):
    code = services.checkin_code(activity)
    checkin = url("resident-activity-checkin", programme.slug, activity.public_id)
    page = signed_in.get(checkin, {"code": code}).content.decode()
    assert 'id="confirm-checkin"' in page and not Attendance.objects.exists()
    response = signed_in.post(checkin, {"code": code, "form_key": key()})
    assert response.status_code == 200
    assert Attendance.objects.get(activity=activity).method == CheckInMethod.CODE


def test_an_expired_code_is_refused_and_writes_nothing(signed_in, programme, activity):
    old = services.checkin_code(activity, clock.now() - timedelta(minutes=5))
    checkin = url("resident-activity-checkin", programme.slug, activity.public_id)
    response = signed_in.post(checkin, {"code": old, "form_key": key()})
    assert response.status_code == 422
    assert text_of(response.content.decode(), "checkin-answer") == str(errors.CodeExpired())
    assert not Attendance.objects.exists()


def test_the_daily_check_in_gives_its_point_once_a_day(signed_in, programme, member):
    make_rule(programme=programme, code="daily", kind="checkin", config={"points": 1})
    home = url("resident-home", programme.slug)
    assert 'id="daily-checkin"' in signed_in.get(home).content.decode()
    daily = url("resident-daily-checkin", programme.slug)
    page = signed_in.post(daily, {"form_key": key()}, follow=True).content.decode()
    assert summary_of(member).balance == 1
    assert 'id="daily-checkin-done"' in page
    again = signed_in.post(daily, {"form_key": key()}, follow=True).content.decode()
    assert str(errors.AlreadyCheckedInToday()) in again and summary_of(member).balance == 1


def test_after_closing_the_home_shows_what_was_earned_and_for_which_rule(
    signed_in, programme, activity, member
):
    services.check_in(activity=activity, member=member, method="name")
    services.close_activity(activity=activity, actor=None)
    with translation.override("zh-hans"):
        home = signed_in.get(reverse("resident-home", args=[programme.slug])).content.decode()
    assert text_of(home, "latest-award") == "本次获得10积分，当前总积分10"
    assert "巡逻" in text_of(home, "latest-award-reason")
