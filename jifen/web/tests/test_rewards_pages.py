"""The resident's rewards pages and the cashier's counter: each page calls the rewards
services and queries and shows their refusals in the page's language; a form sent twice is
one redemption; nobody reaches another resident's code or another programme's reward."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from PIL import Image

from jifen.ledger.queries import summary_of
from jifen.lib.images import clean_photo
from jifen.programmes.models import RoleKind
from jifen.rewards import codes, services
from jifen.rewards.models import Redemption, RedemptionStatus, WaitlistEntry, WaitStatus
from jifen.testing import make_community, make_member, make_resident_user, make_staff, text_of
from jifen.testing_rewards import give_points, make_reward, make_store
from jifen.web.common import ACTING_FOR_SESSION_KEY

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


@pytest.fixture
def store(programme, community):
    return make_store(programme=programme, code="dongqu", name="东区积分超市", community=community)


@pytest.fixture
def rice(store):
    return make_reward(store=store, name="大米 5kg", points=100, units=3, category="food")


@pytest.fixture
def signed_in(client, resident, member):
    give_points(member, 300)
    client.force_login(resident)
    return client


@pytest.fixture
def cashier(programme, community, store):
    user = make_staff(programme=programme, kind=RoleKind.CASHIER, community=community)
    services.set_cashiers(store=store, users=[user], actor=None)
    return user


def redeem(client, programme, reward, **fields):
    data = {"quantity": "1", **fields}
    return client.post(url("resident-reward-redeem", programme.slug, reward.public_id), data)


def post_raw(client, path: str, body: str, **extra):
    """A form body as written (%ED%A0%80 is a lone surrogate, which the test client cannot
    encode itself)."""
    return client.post(path, body, content_type="application/x-www-form-urlencoded", **extra)


# The catalogue and an item


def test_the_catalogue_shows_zones_points_stock_and_why_an_item_cannot_be_redeemed(
    signed_in, programme, store, rice
):
    parking = make_reward(store=store, name="停车月卡", points=500, units=None)
    page = signed_in.get(url("resident-rewards", programme.slug)).content.decode()
    assert text_of(page, "balance") == "300"
    assert 'name="zone" value="50"' in page  # the supermarket's shelves as chips
    assert "3 left" in text_of(page, f"reward-{rice.public_id}")
    assert "You need 500 points." in text_of(page, f"reward-{parking.public_id}")


def test_the_catalogue_filters_by_zone_and_by_what_the_resident_can_afford(
    signed_in, programme, store, rice
):
    pen = make_reward(store=store, name="中性笔", points=5, units=None)
    parking = make_reward(store=store, name="停车月卡", points=500, units=None)
    by_zone = signed_in.get(url("resident-rewards", programme.slug), {"zone": "5"}).content
    assert pen.name.encode() in by_zone and rice.name.encode() not in by_zone
    cheap = signed_in.get(url("resident-rewards", programme.slug), {"affordable": "1"}, **HTMX)
    assert rice.name.encode() in cheap.content and parking.name.encode() not in cheap.content
    assert b"<h1>" not in cheap.content  # the list's partial only


def test_the_catalogue_shows_the_privileges_the_resident_enjoys_apart(
    signed_in, programme, store, rice
):
    services.save_reward(
        programme=programme,
        actor=None,
        name="优先报名",
        kind="privilege",
        points=0,
        perk="priority_signup",
        min_balance=200,
    )
    page = signed_in.get(url("resident-rewards", programme.slug)).content.decode()
    assert "优先报名" in text_of(page, "privileges")
    assert "优先报名" not in text_of(page, "offers")


def test_nonsense_filters_show_everything_rather_than_fail(signed_in, programme, rice):
    query = f"zone={'9' * 40}&category=%C2%B2&area=%ED%A0%80&affordable=yes"
    response = signed_in.get(url("resident-rewards", programme.slug) + "?" + query)
    assert response.status_code == 200 and rice.name.encode() in response.content


def test_the_item_page_shows_its_stores_and_a_redeem_form(signed_in, programme, rice):
    page = signed_in.get(url("resident-reward", programme.slug, rice.public_id)).content.decode()
    assert "东区积分超市" in text_of(page, "stores")
    assert 'id="redeem-form"' in page


def test_a_reward_image_is_served_to_the_programmes_residents(
    signed_in, programme, rice, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    photo = io.BytesIO()
    Image.new("RGB", (16, 16), "orange").save(photo, "JPEG")
    services.save_reward(
        programme=programme,
        actor=None,
        name=rice.name,
        kind=rice.kind,
        points=rice.points,
        photo=clean_photo(photo.getvalue()),
        reward=rice,
    )
    response = signed_in.get(url("resident-reward-image", programme.slug, rice.public_id))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"


# Redeeming


def test_redeeming_holds_the_points_and_opens_the_code_page(signed_in, programme, member, rice):
    response = redeem(signed_in, programme, rice)
    redemption = Redemption.objects.get(member=member)
    assert response.url == url("resident-redemption", programme.slug, redemption.public_id)
    page = signed_in.get(response.url).content.decode()
    assert text_of(page, "code-text") == codes.display(redemption.code)
    assert "<svg" in page
    assert summary_of(member).balance == 200


def test_through_htmx_a_redemption_sends_the_browser_to_its_code(
    signed_in, programme, member, rice
):
    path = url("resident-reward-redeem", programme.slug, rice.public_id)
    response = signed_in.post(path, {"quantity": "1"}, **HTMX)
    redemption = Redemption.objects.get(member=member)
    assert response["HX-Redirect"] == url(
        "resident-redemption", programme.slug, redemption.public_id
    )
    assert signed_in.get(path).url == url("resident-reward", programme.slug, rice.public_id)


def test_the_code_is_a_full_qr_code_that_phone_scanners_read(signed_in, programme, member, rice):
    kept = services.redeem(member=member, reward=rice)
    page = signed_in.get(url("resident-redemption", programme.slug, kept.public_id)).content
    # A full QR code is at least 21 modules wide (a Micro QR, at most 17, is not read).
    width = int(re.search(rb'<svg[^>]* width="(\d+)"', page).group(1))
    assert width >= (21 + 2 * 3) * 10


def test_a_redeem_form_sent_twice_is_one_redemption(signed_in, programme, member, rice):
    form_key = {"form_key": "k" * 22}
    first = redeem(signed_in, programme, rice, **form_key)
    second = redeem(signed_in, programme, rice, **form_key)
    assert first.url == second.url
    assert Redemption.objects.filter(member=member).count() == 1
    assert summary_of(member).balance == 200


def test_a_refused_redemption_says_why_in_the_page_and_writes_nothing(
    signed_in, programme, member, store
):
    parking = make_reward(store=store, name="停车月卡", points=500, units=None)
    path = url("resident-reward-redeem", programme.slug, parking.public_id)
    response = signed_in.post(path, {"quantity": "1"}, **HTMX)
    assert response.status_code == 422
    assert "500" in text_of(response.content.decode(), "redeem-errors")
    assert not Redemption.objects.exists()


def test_refusals_are_in_the_residents_language(signed_in, programme, store):
    parking = make_reward(store=store, name="停车月卡", points=500, units=None)
    with translation.override("zh-hans"):
        path = reverse("resident-reward-redeem", args=[programme.slug, parking.public_id])
    response = signed_in.post(path, {"quantity": "1"})
    assert response.status_code == 422
    assert "积分" in text_of(response.content.decode(), "redeem-errors")


@pytest.mark.parametrize("quantity", ["9" * 40, "-1", "0", "1.5", "%ED%A0%80", "", "%C2%B2"])
def test_a_hostile_quantity_is_refused_as_a_form_error(signed_in, programme, rice, quantity):
    path = url("resident-reward-redeem", programme.slug, rice.public_id)
    response = post_raw(signed_in, path, f"quantity={quantity}")
    assert response.status_code == 422
    assert text_of(response.content.decode(), "error-quantity")
    assert not Redemption.objects.exists()


def test_a_delivery_needs_an_address_of_at_most_200_characters_without_nul_bytes(
    signed_in, programme, member, store
):
    card = make_reward(store=store, name="健身卡", points=100, units=None, handover="delivery")
    assert redeem(signed_in, programme, card).status_code == 422
    assert redeem(signed_in, programme, card, address="3号楼\x00").status_code == 400
    assert redeem(signed_in, programme, card, address="x" * 5000).status_code == 422
    assert redeem(signed_in, programme, card, address="3号楼 201").status_code == 302
    assert Redemption.objects.get(member=member).address == "3号楼 201"


def test_nul_bytes_are_refused_before_any_form_reads_them(signed_in, programme, rice):
    path = url("resident-reward-redeem", programme.slug, rice.public_id)
    assert post_raw(signed_in, path, "quantity=1%00").status_code == 400
    assert not Redemption.objects.exists()


def test_with_several_stores_the_resident_chooses_one(signed_in, programme, member, store, rice):
    other = make_store(programme=programme, code="xiqu", name="西区超市")
    services.restock(reward=rice, store=other, actor=None, add=2)
    assert redeem(signed_in, programme, rice).status_code == 422
    assert redeem(signed_in, programme, rice, store="nowhere").status_code == 422
    assert redeem(signed_in, programme, rice, store="xiqu").status_code == 302
    assert Redemption.objects.get(member=member).store == other


def test_an_out_of_stock_reward_with_a_waitlist_can_be_joined_and_left(
    signed_in, programme, member, store
):
    gym = make_reward(store=store, name="健身卡", points=100, units=0, waitlist=True)
    page = signed_in.get(url("resident-reward", programme.slug, gym.public_id)).content.decode()
    assert 'id="waitlist-form"' in page
    signed_in.post(url("resident-reward-waitlist", programme.slug, gym.public_id))
    entry = WaitlistEntry.objects.get(member=member)
    page = signed_in.get(url("resident-redemptions", programme.slug)).content.decode()
    assert "健身卡" in text_of(page, "waits")
    signed_in.post(url("resident-wait-leave", programme.slug, entry.pk))
    entry.refresh_from_db()
    assert entry.status == WaitStatus.WITHDRAWN


def test_staff_acting_on_behalf_redeem_for_the_resident(client, programme, member, admin, rice):
    give_points(member, 300)
    client.force_login(admin)
    session = client.session
    session[ACTING_FOR_SESSION_KEY] = {"programme": programme.slug, "member": member.public_id}
    session.save()
    assert redeem(client, programme, rice).status_code == 302
    redemption = Redemption.objects.get()
    assert (redemption.member, redemption.created_by) == (member, admin)


# My codes


def test_my_codes_show_open_codes_with_a_qr_and_the_history(signed_in, programme, member, rice):
    kept = services.redeem(member=member, reward=rice)
    done = services.redeem(member=member, reward=rice)
    services.cancel(redemption=done, actor=None)
    page = signed_in.get(url("resident-redemptions", programme.slug)).content.decode()
    assert "<svg" in page
    assert text_of(page, f"code-text-{kept.public_id}") == codes.display(kept.code)
    assert "cancelled" in text_of(page, f"history-{done.public_id}")


def test_the_printable_code_shows_the_code_and_the_residents_name(
    signed_in, programme, member, rice
):
    kept = services.redeem(member=member, reward=rice)
    page = signed_in.get(url("resident-redemption-print", programme.slug, kept.public_id))
    assert "王秀英" in page.content.decode() and "@media print" not in page.content.decode()
    assert kept.code[:3].encode() in page.content


def test_cancelling_gives_the_points_back(signed_in, programme, member, rice):
    kept = services.redeem(member=member, reward=rice)
    signed_in.post(url("resident-redemption-cancel", programme.slug, kept.public_id))
    kept.refresh_from_db()
    assert kept.status == RedemptionStatus.CANCELLED
    assert summary_of(member).balance == 300


def test_cancelling_a_used_code_is_refused_with_a_message(
    signed_in, programme, member, store, rice
):
    kept = services.redeem(member=member, reward=rice)
    services.verify_code(store=store, code=kept.code, actor=None)
    response = signed_in.post(
        url("resident-redemption-cancel", programme.slug, kept.public_id), follow=True
    )
    assert b"can no longer be cancelled" in response.content


def test_another_residents_code_and_wait_are_not_found(client, programme, community, member, rice):
    give_points(member, 300)
    theirs = services.redeem(member=member, reward=rice)
    neighbour = make_member(community=community, name="李明")
    client.force_login(make_resident_user(member=neighbour))
    for name in ("resident-redemption", "resident-redemption-print"):
        assert client.get(url(name, programme.slug, theirs.public_id)).status_code == 404
    assert (
        client.post(url("resident-redemption-cancel", programme.slug, theirs.public_id)).status_code
        == 404
    )
    assert client.post(url("resident-wait-leave", programme.slug, 2**70)).status_code == 404
    assert Redemption.objects.get().status == RedemptionStatus.OPEN


def test_another_programmes_reward_is_not_found(client, other_programme, programme, rice):
    outsider = make_member(community=make_community(programme=other_programme, name="南区"))
    client.force_login(make_resident_user(member=outsider))
    for name in ("resident-reward", "resident-reward-image"):
        assert client.get(url(name, other_programme.slug, rice.public_id)).status_code == 404
    path = url("resident-reward-redeem", other_programme.slug, rice.public_id)
    assert client.post(path, {"quantity": "1"}).status_code == 404


# The counter


def test_a_cashier_of_one_store_goes_straight_to_its_counter(client, programme, cashier, store):
    client.force_login(cashier)
    response = client.get(url("console-counter-stores", programme.slug))
    assert response.url == url("console-counter", programme.slug, store.code)


def test_an_administrator_chooses_among_the_stores(client, programme, admin, store):
    make_store(programme=programme, code="xiqu", name="西区超市")
    client.force_login(admin)
    page = client.get(url("console-counter-stores", programme.slug)).content.decode()
    assert "东区积分超市" in text_of(page, "counter-stores")
    assert "西区超市" in text_of(page, "counter-stores")


def test_the_counter_hands_over_a_code_once(client, programme, member, cashier, store, rice):
    give_points(member, 300)
    kept = services.redeem(member=member, reward=rice)
    client.force_login(cashier)
    verify = url("console-counter-verify", programme.slug, store.code)
    typed = kept.code.lower()[:4] + " " + kept.code.lower()[4:]
    first = client.post(verify, {"code": typed}, **HTMX)
    assert first.status_code == 200
    assert text_of(first.content.decode(), "result-item") == "大米 5kg × 1"
    assert "王*英" in text_of(first.content.decode(), "result-text")
    again = client.post(verify, {"code": kept.code}, **HTMX)
    assert again.status_code == 422
    assert "already used" in text_of(again.content.decode(), "result-text")
    assert summary_of(member).balance == 200
    page = client.get(url("console-counter", programme.slug, store.code)).content.decode()
    assert text_of(page, "today-count") == "1" and "王*英" in text_of(page, "today-list")
    assert "王秀英" not in page


def test_the_counter_refuses_another_stores_code(client, programme, member, cashier, store, rice):
    give_points(member, 300)
    other = make_store(programme=programme, code="xiqu", name="西区超市")
    services.restock(reward=rice, store=other, actor=None, add=2)
    theirs = services.redeem(member=member, reward=rice, store=other)
    client.force_login(cashier)
    response = client.post(
        url("console-counter-verify", programme.slug, store.code), {"code": theirs.code}, **HTMX
    )
    assert response.status_code == 422
    assert "西区超市" in text_of(response.content.decode(), "result-text")
    assert Redemption.objects.get().status == RedemptionStatus.OPEN


@pytest.mark.parametrize("code", ["", "%ED%A0%80", "9" * 5000, "JF1:abc", "ABCDEFGHJ", "%C2%B2"])
def test_the_counter_answers_junk_with_a_translated_refusal(
    client, programme, cashier, store, code
):
    client.force_login(cashier)
    with translation.override("zh-hans"):
        verify = reverse("console-counter-verify", args=[programme.slug, store.code])
    response = post_raw(client, verify, f"code={code}", **HTMX)
    assert response.status_code == 422
    assert text_of(response.content.decode(), "result-text")


def test_without_javascript_the_counter_answers_with_a_message(
    client, programme, member, cashier, store, rice
):
    give_points(member, 300)
    kept = services.redeem(member=member, reward=rice)
    client.force_login(cashier)
    verify = url("console-counter-verify", programme.slug, store.code)
    response = client.post(verify, {"code": kept.code}, follow=True)
    assert "Hand over 1 × 大米 5kg to 王*英." in response.content.decode()


def test_a_cashier_reaches_only_the_counters_of_their_stores(
    client, programme, cashier, other_programme
):
    other = make_store(programme=programme, code="xiqu", name="西区超市")
    client.force_login(cashier)
    assert client.get(url("console-counter", programme.slug, other.code)).status_code == 404
    assert client.get(url("console-counter-stores", other_programme.slug)).status_code == 404
    organizer = make_staff(programme=programme, kind=RoleKind.ORGANIZER)
    client.force_login(organizer)
    assert client.get(url("console-counter-stores", programme.slug)).status_code == 404


def test_the_catalogue_and_my_codes_read_as_many_rows_in_as_many_queries(
    signed_in, programme, member, store
):
    def queries_of(name: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get(url(name, programme.slug)).status_code == 200
        return len(queries)

    rewards = [make_reward(store=store, points=10) for _ in range(2)]
    services.redeem(member=member, reward=rewards[0])
    few = queries_of("resident-rewards"), queries_of("resident-redemptions")
    rewards += [make_reward(store=store, points=10) for _ in range(5)]
    for reward in rewards[1:]:
        services.redeem(member=member, reward=reward)
    assert (queries_of("resident-rewards"), queries_of("resident-redemptions")) == few
