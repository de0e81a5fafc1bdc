"""Every resident and public page on a 390×844 phone, in each language: nothing is wider
than the screen (the document's width ≤ the viewport's), and every error page answers in
the language of its address. Screenshots: artifacts/screenshots/sweep-<language>-<page>.png.

Filled the way that overflows: a balance of six digits, long reasons, a sealed history with
proofs, a checked entry with its proof on the transparency page."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

from jifen.ledger.services import award_points
from jifen.programmes import services
from jifen.programmes.models import RoleKind
from jifen.programmes.staff import offer_role
from jifen.testing import PASSWORD, make_community, make_programme, make_staff
from jifen.transparency.sequencer import seal_all

pytestmark = pytest.mark.browser

LANGUAGES = ["zh-hans", "en", "fr"]
LONG_REASON = "为社区老人提供上门代购、陪同就医和日常照料服务（每周三次，共计十二周）"
ERRORS = {  # page: (expected status, title msgid)
    "404": (404, "Page not found"),
    "400": (400, "Too much at once"),
    "403-csrf": (403, "The form has expired"),
}


@pytest.fixture
def history(programme, member, admin):
    """The resident's points: 123,456 to spend, a long reason, everything sealed."""
    award_points(member=member, amount=123_000, reason="历年积分结转")
    for amount in (56, 400):
        award_points(member=member, amount=amount, reason=LONG_REASON)
    tx = award_points(member=member, amount=1000, reason="义诊").transaction
    seal_all()
    services.update_programme(
        actor=admin, programme=programme, changes={"description": LONG_REASON * 3}
    )
    return tx


def _overflow(page) -> int:
    """How much wider than the phone's 390 px the document is (0: it fits). Not against
    window.innerWidth: a mobile browser widens that to the content when it overflows."""
    return page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"]


def _check(page, screenshot, language: str, name: str) -> list[str]:
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    screenshot(f"sweep-{language}-{name}", page)
    problems = []
    if (extra := _overflow(page)) > 0:
        problems.append(f"{language} {name}: {extra}px wider than the phone")
    if (lang := page.locator("html").get_attribute("lang")) != language:
        problems.append(f"{language} {name}: the page is in {lang}")
    return problems


def _public_pages(programme, tx, token) -> dict[str, str]:
    return {
        "front": "/{lang}/",
        "landing": f"/{{lang}}/p/{programme.slug}/",
        "transparency": f"/{{lang}}/p/{programme.slug}/transparency/",
        "transparency-check": f"/{{lang}}/p/{programme.slug}/transparency/?entry={tx.public_id}",
        "transparency-unknown": f"/{{lang}}/p/{programme.slug}/transparency/?entry=nope",
        "login": f"/{{lang}}/login/?next=/{{lang}}/p/{programme.slug}/me/",
        "invitation": f"/{{lang}}/invite/{token}/",
        "invitation-invalid": "/{lang}/invite/no-such-token/",
    }


def test_public_pages_fit_a_phone_in_every_language(
    new_page, screenshot, programme, member, admin, history
):
    member_two = services.create_member(
        actor=admin,
        programme=programme,
        data=services.MemberData(display_name="李建国", community=member.community),
    )
    _, token = services.create_invitation(actor=admin, member=member_two)
    problems: list[str] = []
    for language in LANGUAGES:
        page = new_page("phone", locale="en-US")
        for name, address in _public_pages(programme, history, token).items():
            page.goto(address.format(lang=language))
            problems += _check(page, screenshot, language, name)
    assert problems == []


# Every page outside the console and the API, by URL name, and where the sweep opens it: a
# new public or resident page must be added here (a test below lists them from the URLs).
SWEPT = {
    "home": "front",
    "landing": "landing",
    "transparency": "transparency",
    "login": "login",
    "invitation": "invitation, consent-sign-in, consent-answer",
    "role-offer": "role-offer-sign-in, role-offer-answer",
    "resident-home": "resident-me",
    "resident-points": "resident-me-points",
    "api_tokens": "resident-tokens",
    "resident-activities": "resident-activities",
    "resident-my-activities": "resident-my-activities",
    "resident-activity-checkin": "resident-activity-checkin",
    "resident-claims": "resident-claims",
    "resident-claim-new": "resident-claim-new, resident-claim-form",
    "resident-appeals": "resident-appeals",
    "resident-appeal-award": "resident-appeal-award",
    "resident-appeal-claim": "resident-appeal-claim",
    "resident-appeal-missing": "resident-appeal-missing",
    "resident-notices": "resident-notices",
    "resident-rewards": "resident-rewards",
    "resident-reward": "resident-reward",
    "resident-redemptions": "resident-redemptions",
    "resident-redemption": "resident-redemption",
    "resident-redemption-print": "resident-redemption-print",
    # Voices (tests/browser/test_voices_phone.py).
    "resident-surveys": "voices-surveys",
    "resident-survey": "voices-survey",
    "resident-feedback": "voices-feedback",
    "newsletter": "voices-newsletter",
    # Recognition (tests/browser/test_recognition_phone.py).
    "leaderboard": "recognition-leaderboard, recognition-leaderboard-households",
    "board": "recognition-board",
    "resident-recognition": "recognition-me",
    "my-certificates": "recognition-certificates",
}
NOT_PAGES = {  # answers that are not pages to look at
    "logout": "POST only, redirects",
    "api_token_revoke": "POST only, redirects",
    "set_language": "POST only, redirects",
    "residents-template": "a file to download",
    "resident-activity-signup": "POST only, redirects",
    "resident-activity-cancel": "POST only, redirects",
    "resident-daily-checkin": "POST only, redirects",
    "resident-claim-withdraw": "POST only, redirects",
    "resident-claim-photo": "a photo, not a page",
    "resident-reward-redeem": "POST only (a GET goes to the reward's page)",
    "resident-reward-waitlist": "POST only, redirects",
    "resident-reward-image": "a photo, not a page",
    "resident-redemption-cancel": "POST only, redirects",
    "resident-wait-leave": "POST only, redirects",
    "newsletter-pdf": "a PDF, not a page",
    "board-poster": "a PDF, not a page",
    "my-title-certificate": "a PDF, not a page",
    "my-star-certificate": "a PDF, not a page",
    "resident-recognition-preference": "POST only, redirects",
}


def test_the_sweep_opens_every_public_and_resident_page():
    names = set(_page_names(get_resolver().url_patterns))
    assert names - set(SWEPT) - set(NOT_PAGES) == set()


def _page_names(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(("api/", "operators/")) or "/console/" in route:
            continue
        if isinstance(pattern, URLResolver):
            yield from _page_names(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name


@pytest.fixture
def links(programme, member, resident, admin):
    """A role offered to the resident, and another programme's invitation that she answers
    signed in (she belongs to this one already): the two links a resident may be handed."""
    _, secret = offer_role(
        actor=admin, programme=programme, user=resident, login="13800138000", kind="reviewer"
    )
    elsewhere = make_programme(slug="dongcun", name="东村")
    village = make_community(programme=elsewhere, name="一组")
    village_admin = make_staff(programme=elsewhere, kind=RoleKind.ADMIN, username="cunguan")
    joining = services.create_member(
        actor=village_admin,
        programme=elsewhere,
        data=services.MemberData(display_name="王秀英", community=village, phone=member.phone),
    )
    _, token = services.create_invitation(actor=village_admin, member=joining)
    return {"role-offer": f"/{{lang}}/role/{secret}/", "consent": f"/{{lang}}/invite/{token}/"}


def test_the_links_a_resident_is_handed_fit_a_phone_in_every_language(new_page, screenshot, links):
    problems: list[str] = []
    for language in LANGUAGES:
        page = new_page("phone", locale="en-US")
        for name, address in links.items():
            page.goto(address.format(lang=language))
            problems += _check(page, screenshot, language, f"{name}-sign-in")
        _sign_in(page, language)
        for name, address in links.items():
            page.goto(address.format(lang=language))
            assert page.locator("main form button").count() >= 2  # accept, decline
            problems += _check(page, screenshot, language, f"{name}-answer")
        page.goto(f"/{language}/account/tokens/")
        problems += _check(page, screenshot, language, "resident-tokens")
    assert problems == []


def test_resident_pages_fit_a_phone_in_every_language(
    new_page, screenshot, programme, member, resident, history
):
    problems: list[str] = []
    for language in LANGUAGES:
        page = new_page("phone", locale="en-US")
        _sign_in(page, language)
        for name in ("me/", "me/points/"):
            page.goto(f"/{language}/p/{programme.slug}/{name}")
            assert page.locator("#balance").inner_text() == "124456"
            problems += _wrapped_figures(page, language, name)
            problems += _check(
                page, screenshot, language, "resident-" + name.strip("/").replace("/", "-")
            )
    assert problems == []


def _wrapped_figures(page, language: str, name: str) -> list[str]:
    """Big figures broken over two lines ("12445" / "6") read as two numbers."""
    lines = page.evaluate(
        """() => [...document.querySelectorAll(".big-number")].map(el => {
            const range = document.createRange(); range.selectNodeContents(el);
            const tops = new Set([...range.getClientRects()].map(r => r.top));
            return [el.textContent.trim(), tops.size];
        })"""
    )
    return [f"{language} {name}: {text} on {n} lines" for text, n in lines if n != 1]


def _sign_in(page, language: str) -> None:
    page.goto(f"/{language}/login/")
    form = page.locator(f'main form[action="/{language}/login/"]')
    form.locator("input[name=username]").fill("13800138000")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/{language}/p/**")


def _post_form(page, action: str, fields: dict[str, str]) -> None:
    """Send a form as a browser would, without the page's own CSRF token."""
    page.evaluate(
        """([action, fields]) => {
            const form = document.createElement("form");
            form.method = "post"; form.action = action;
            for (const [name, value] of Object.entries(fields)) {
                const input = document.createElement("input");
                input.name = name; input.value = value; form.appendChild(input);
            }
            document.body.appendChild(form); form.submit();
        }""",
        [action, fields],
    )


def test_error_pages_answer_in_the_language_of_their_address_and_fit_a_phone(
    new_page, screenshot, programme, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    problems: list[str] = []
    for language in LANGUAGES:
        page = new_page("phone", locale="en-US")  # the browser asks for English: the URL wins
        response = page.goto(f"/{language}/no/such/page/")
        seen = {"404": response.status if response else 0}
        problems += _error(page, screenshot, language, "404")
        page.goto(f"/{language}/login/")
        with page.expect_navigation() as sent:
            _post_form(page, f"/{language}/login/", {"username": "x" * 20_000})
        seen["400"] = sent.value.status if sent.value else 0
        problems += _error(page, screenshot, language, "400")
        with page.expect_navigation() as sent:
            _post_form(page, f"/{language}/login/", {"username": "x", "password": "y"})
        seen["403-csrf"] = sent.value.status if sent.value else 0
        problems += _error(page, screenshot, language, "403-csrf")
        assert seen == {name: status for name, (status, _) in ERRORS.items()}
    assert problems == []


def _error(page, screenshot, language: str, name: str) -> list[str]:
    with translation.override(language):
        title = translation.gettext(ERRORS[name][1])
    problems = _check(page, screenshot, language, "error-" + name)
    if page.locator("h1").inner_text() != title:
        problems.append(f"{language} {name}: the title is {page.locator('h1').inner_text()!r}")
    return problems


def test_a_signed_out_visit_to_the_console_asks_to_sign_in_in_that_language(
    new_page, screenshot, programme
):
    for language in LANGUAGES:
        page = new_page("phone", locale="en-US")
        page.goto(f"/{language}/p/{programme.slug}/console/")
        assert page.url.endswith(f"/{language}/login/?next=/{language}/p/{programme.slug}/console/")
        assert _check(page, screenshot, language, "console-signed-out") == []


@pytest.fixture
def claim_pages(programme, community, member, admin):
    """The claim and appeal pages, filled the way that overflows: long descriptions, reasons
    and names, a photo, a refused claim, an award, a missed activity, an award on notice."""
    from io import BytesIO

    from PIL import Image

    from jifen.earning import services as earning
    from jifen.lib.images import clean_photo
    from jifen.testing import make_activity, make_member, make_rule

    rule = make_rule(
        programme=programme,
        code="suggestion",
        name="合理化建议（社区公共事务改进方案）",
        kind="range",
        config={"min": 20, "max": 100},
        description=LONG_REASON,
        allows_claims=True,
        notice_days=3,
    )
    photo = BytesIO()
    Image.new("RGB", (640, 480), "green").save(photo, "JPEG")
    earning.submit_claim(
        member=member,
        rule=rule,
        actor=None,
        description=LONG_REASON * 2,
        photos=[clean_photo(photo.getvalue())],
    )
    refused = earning.submit_claim(member=member, rule=rule, actor=None, description=LONG_REASON)
    earning.reject_claim(claim=refused, actor=admin, reason=LONG_REASON[:200])
    attended, missed = (
        make_activity(rule=make_rule(programme=programme), title=LONG_REASON[:60]) for _ in range(2)
    )
    earning.check_in(activity=attended, member=member, method="name")
    earning.sign_up(activity=missed, member=member)
    (award,) = earning.close_activity(activity=attended, actor=admin).earnings
    earning.close_activity(activity=missed, actor=admin)
    neighbour = make_member(community=community, name="欧阳" + "娜" * 20)
    theirs = earning.submit_claim(member=neighbour, rule=rule, actor=None)
    on_notice = earning.approve_claim(claim=theirs, actor=admin, points=100).earning
    earning.object_to(earning=on_notice, member=member, reason=LONG_REASON)
    return {
        "claims": "claims/",
        "claim-new": "claims/new/",
        "claim-form": "claims/new/?rule=suggestion",
        "appeals": "appeals/",
        "appeal-award": f"appeals/award/{award.public_id}/",
        "appeal-claim": f"appeals/claim/{refused.public_id}/",
        "appeal-missing": f"appeals/activity/{missed.public_id}/",
        "notices": "notices/",
    }


def test_claim_and_appeal_pages_fit_a_phone_in_every_language(
    new_page, screenshot, programme, resident, claim_pages
):
    problems: list[str] = []
    for language in LANGUAGES:
        page = new_page("phone", locale="en-US")
        _sign_in(page, language)
        for name, path in claim_pages.items():
            response = page.goto(f"/{language}/p/{programme.slug}/me/{path}")
            assert response is not None and response.status == 200, (language, name)
            problems += _check(page, screenshot, language, f"resident-{name}")
    assert problems == []


@pytest.fixture
def activity_pages(programme, community, member):
    """The resident's activity pages, filled the way that overflows: long titles, places and
    descriptions, a full activity with the resident on its waitlist, points earned."""
    from urllib.parse import quote

    from jifen.earning import services as earning
    from jifen.testing import make_activity, make_member, make_rule

    rule = make_rule(programme=programme, code="sweep-patrol", name=LONG_REASON[:40])
    full = make_activity(
        rule=rule,
        community=community,
        title=LONG_REASON[:60],
        place=LONG_REASON,
        description=LONG_REASON * 2,
        capacity=1,
    )
    earning.sign_up(activity=full, member=make_member(community=community))
    earning.sign_up(activity=full, member=member)
    attended = make_activity(rule=rule, title=LONG_REASON[:60], place=LONG_REASON)
    earning.check_in(activity=attended, member=member, method="name")
    earning.close_activity(activity=attended, actor=None)
    code = quote(earning.checkin_code(full))
    return {
        "activities": "activities/",
        "my-activities": "activities/mine/",
        "activity-checkin": f"activities/{full.public_id}/checkin/?code={code}",
    }


def test_activity_pages_fit_a_phone_in_every_language(
    new_page, screenshot, programme, resident, activity_pages
):
    problems: list[str] = []
    for language in LANGUAGES:
        page = new_page("phone", locale="en-US")
        _sign_in(page, language)
        for name, path in activity_pages.items():
            response = page.goto(f"/{language}/p/{programme.slug}/me/{path}")
            assert response is not None and response.status == 200, (language, name)
            problems += _check(page, screenshot, language, f"resident-{name}")
    assert problems == []


@pytest.fixture
def reward_pages(programme, community, member):
    """The resident's rewards pages, filled the way that overflows: long names and
    descriptions, several stores, a privilege, an open code, a delivery, a wait and history."""
    from jifen.rewards import services as rewards
    from jifen.testing_rewards import give_points, make_reward, make_store

    give_points(member, 5000)
    store = make_store(programme=programme, name=LONG_REASON[:40], address=LONG_REASON)
    other = make_store(programme=programme, name="西区爱心超市")
    rice = make_reward(store=store, name=LONG_REASON[:60], points=50, description=LONG_REASON * 2)
    rewards.restock(reward=rice, store=other, actor=None, add=3)
    gym = make_reward(store=store, name="健身卡", points=500, units=0, waitlist=True)
    card = make_reward(store=store, name="停车月卡", points=200, handover="delivery")
    rewards.save_reward(
        programme=programme,
        actor=None,
        name=LONG_REASON[:40],
        kind="privilege",
        points=0,
        perk="priority_signup",
        min_balance=800,
        description=LONG_REASON,
    )
    code = rewards.redeem(member=member, reward=rice, store=store, quantity=2)
    rewards.redeem(member=member, reward=card, address=LONG_REASON[:200])
    rewards.cancel(redemption=rewards.redeem(member=member, reward=rice, store=other), actor=None)
    rewards.join_waitlist(member=member, reward=gym)
    return {
        "rewards": "rewards/",
        "reward": f"rewards/{rice.public_id}/",
        "redemptions": "redemptions/",
        "redemption": f"redemptions/{code.public_id}/",
        "redemption-print": f"redemptions/{code.public_id}/print/",
    }


def test_reward_pages_fit_a_phone_in_every_language(
    new_page, screenshot, programme, resident, reward_pages
):
    problems: list[str] = []
    for language in LANGUAGES:
        page = new_page("phone", locale="en-US")
        _sign_in(page, language)
        for name, path in reward_pages.items():
            response = page.goto(f"/{language}/p/{programme.slug}/me/{path}")
            assert response is not None and response.status == 200, (language, name)
            problems += _check(page, screenshot, language, f"resident-{name}")
    assert problems == []
