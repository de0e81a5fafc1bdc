"""Every web page and every form, found from the URL resolver and the pages themselves,
receives hostile input: NUL characters, broken UTF-8, 100,000- and 10,000,000-character
values, 2**63 and −2**63−1, "1e400", "²" and the like, in each query parameter, path segment
and form field, as the staff member (or the resident, on their own pages) with real objects
in the path. None may answer 500; a NUL is refused at the edge with 400; nothing is written.
Each form's own values are then sent as they are, to show the form was reached. A route that
only takes POST and has no form on any page fails the test, so that a new one is covered."""

import re
import urllib.parse
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve

from jifen.programmes.models import Member
from jifen.testing import PASSWORD
from jifen.testing_hostile import (
    HUGE,
    INNER_NUL,
    LONG,
    NUL,
    RULE_CODE,
    TOO_BIG,
    TOO_SMALL,
    World,
    changed_tables,
    make_world,
    table_contents,
)
from jifen.web.common import ACTING_FOR_SESSION_KEY

NOT_OURS = ("api/", "operators/")  # the API has its own test; the Django admin is Django's
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def web_routes(patterns: list[Any], prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(NOT_OURS):
            continue
        if isinstance(pattern, URLResolver):
            routes += web_routes(pattern.url_patterns, route)
        else:
            routes.append(route)
    return routes


ROUTES = web_routes(get_resolver().url_patterns)


@pytest.fixture
def world(db) -> World:
    return make_world()


def path_value(world: World, name: str, before: str, member: Member) -> object:
    values: dict[tuple[str, str], object] = {
        ("slug", ""): world.programme.slug,
        ("public_id", "residents"): member.public_id,
        ("public_id", "member"): member.public_id,
        ("public_id", "households"): world.household.public_id,
        ("transaction_id", ""): world.transaction.public_id,
        ("approval_id", ""): world.approval.pk,
        ("invitation_id", ""): world.invitation.pk,
        ("role_id", ""): world.role.pk,
        ("community_id", ""): world.community.pk,
        ("pk", ""): world.token.pk,
        ("token", ""): world.invitation_token,
        ("secret", "role"): world.role_offer_secret,
        ("fmt", ""): "csv",
        # Activities and check-in (jifen/web/activities.py, checkin.py, resident_activities.py).
        ("public_id", "activities"): world.activity.public_id if world.activity else "",
        ("member_id", ""): member.public_id,
        ("code", "rule"): RULE_CODE,
        # Claims, notices and appeals (jifen/web/claims.py, appeals.py, review.py).
        ("public_id", "claims"): world.claims["claim"].public_id,
        ("public_id", "photos"): world.claims["claim_photo"].public_id,
        ("public_id", "award"): world.claims["award"].public_id,
        ("public_id", "claim"): world.claims["refused_claim"].public_id,
        ("public_id", "activity"): world.claims["activity_attended"].public_id,
        ("public_id", "appeals"): world.claims["appeal"].public_id,
        # Rewards (jifen/web/rewards_resident.py, counter.py).
        ("store", ""): world.rewards["store"].code if world.rewards else "",
        ("reward", ""): world.rewards["reward"].public_id if world.rewards else "",
        ("public_id", "redemptions"): world.rewards["redemption"].public_id
        if world.rewards
        else "",
        ("entry_id", ""): world.rewards["wait"].pk if world.rewards else "",
        # The console's orders and settlements (jifen/web/orders.py, settlements.py).
        ("public_id", "orders"): world.rewards["redemption"].public_id if world.rewards else "",
        ("starts_on", ""): "2026-01-01",
        # Voices (jifen/web/voices.py): the open survey, the member's feedback, a month.
        ("public_id", "surveys"): world.voices["survey"].public_id if world.voices else "",
        ("public_id", "feedback"): world.voices["feedback"].public_id if world.voices else "",
        ("month", ""): "2026-11",
        # Recognition (jifen/web/board.py, insights.py): a poster's paper, the member's title,
        # an insights table.
        ("paper", "poster-"): "a4",
        ("public_id", "title-"): world.title.public_id if world.title else "",
        ("title", ""): world.title.public_id if world.title else "",
        ("key", ""): "growth",
    }
    found = values.get((name, before), values.get((name, "")))
    if found is None:
        pytest.fail(f"no object for the path parameter {name!r} after {before!r}: add one")
    return found


def url_of(world: World, route: str, member: Member | None = None, **replace: str) -> str:
    """The route with a real object for each parameter (the member: `member`, else the one
    with an account), or `replace`'s text."""

    def value(match: re.Match[str]) -> str:
        name = match.group(2)
        before = route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        return replace.get(name) or str(path_value(world, name, before, member or world.member))

    return "/" + PARAMETER.sub(value, route)


def client_for(world: World, route: str) -> Client:
    client = Client()
    client.force_login(world.resident if "/me/" in route else world.admin)
    return client


@pytest.fixture(autouse=True)
def _sign_in_writes_nothing():
    """force_login would record the time of the sign-in: a write that no request made."""
    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    yield
    user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")


# --- pages: hostile query strings and path segments ---------------------------------------

QUERY_NAMES = ["q", "community", "status", "after", "before", "action", "entry", "household"]
QUERY_NAMES += ["next", "elderly", "without_account", "language"]
EDGE_QUERY = ["%00", "a%00b"]
OTHER_QUERY = ["%ED%A0%80", "9" * 30, "-9223372036854775809", "%C2%B2", "1e400", "true"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_page_refuses_hostile_query_strings_and_path_segments(world, route):
    client = client_for(world, route)
    url = url_of(world, route)
    assert client.get(url).status_code < 500
    for name in QUERY_NAMES:  # refused before any view reads it, whatever its name
        for text in EDGE_QUERY:
            assert client.get(f"{url}?{name}={text}").status_code == 400, (name, text)
    for text in OTHER_QUERY:  # every name at once: each view reads those it knows
        query = "&".join(f"{name}={text}" for name in QUERY_NAMES)
        assert client.get(f"{url}?{query}").status_code < 500, text
    for name in PARAMETER.findall(route):
        for text in ("%00", "a%00b", "9" * 30, "%ED%A0%80"):
            response = client.get(url_of(world, route, **{name[1]: text}))
            assert response.status_code < 500, (name, text)
            assert "%00" not in text or response.status_code == 400, (name, text)


# --- forms: found on the pages, sent back with hostile fields -----------------------------


class Forms(HTMLParser):
    """The POST forms of a page: action, encoding and fields (name, kind, value, options)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._field: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            form = {"action": a.get("action", ""), "enctype": a.get("enctype", "")}
            self.forms.append({**form, "fields": []})
        elif not self.forms or self.forms[-1].get("closed"):
            return
        elif tag in ("input", "button", "select", "textarea") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            self._field = {"name": a["name"], "kind": kind, "value": a.get("value", "")}
            self._field |= {"checked": "checked" in a, "options": [], "min": a.get("min")}
            self._field["maxlength"] = a.get("maxlength")
            self.forms[-1]["fields"].append(self._field)
        elif tag == "option" and self._field is not None:
            self._field["options"].append((a.get("value", ""), "selected" in a))

    def handle_data(self, data: str) -> None:
        if self._field is not None and self._field["kind"] == "textarea":
            self._field["value"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.forms:
            self.forms[-1]["closed"] = True
        if tag in ("select", "textarea"):
            self._field = None


FILL = {"phone": "13900009999", "login": "newstaff", "username": "admin"}
FILL |= {"password": PASSWORD, "confirm": PASSWORD, "amount": "5", "population": "100"}


def baseline(form: dict[str, Any]) -> dict[str, Any]:
    """The form as a browser would send it, its empty fields filled in."""
    data: dict[str, Any] = {}
    for field in form["fields"]:
        name, kind, value = field["name"], field["kind"], field["value"]
        if kind in ("submit", "button", "radio") and name in data:
            continue
        if kind == "checkbox" and not field["checked"]:
            continue
        if kind == "select":
            chosen = [v for v, selected in field["options"] if selected]
            value = (chosen or [v for v, _ in field["options"]] or [""])[0]
        elif kind == "file":
            value = ("residents.csv", "community,name,address\n东区,新居民,幸福路 9 号\n".encode())
        elif not value and kind not in ("hidden", "submit", "button"):
            value = FILL.get(name) or {"number": field["min"] or "1", "date": "2026-03-01"}.get(
                kind, "ok"
            )
        data[name] = value
    return data


EDGE, REFUSED, SURVIVES = "refused at the edge", "refused", "survives"
NUMBERS = [str(TOO_BIG), str(TOO_SMALL), "1e400", "true", "²", "--1"]


def hostile_fields(form: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(field, value, what must happen) for each field of the form. EDGE: a 400 and nothing
    written; REFUSED: no 500 and nothing written (a number input's number beyond any bound, a
    value no list offers, text longer than the field allows); SURVIVES: no 500 (text a field
    may take, such as a long nonce or U+FFFD, which broken UTF-8 becomes)."""
    variants: list[tuple[str, Any, str]] = []
    for field in form["fields"]:
        name, kind = field["name"], field["kind"]
        if kind == "file":  # Django drops what is not printable from an uploaded file's name
            variants.append((name, ("a\x00.csv", b"community,name\n"), SURVIVES))
            continue
        variants += [(name, NUL, EDGE), (name, INNER_NUL, EDGE), (name, b"\xed\xa0\x80", SURVIVES)]
        variants.append((name, LONG, REFUSED if field["maxlength"] else SURVIVES))
        if kind in ("number", "select"):
            variants += [(name, number, REFUSED) for number in NUMBERS]
    first = next((f["name"] for f in form["fields"] if f["kind"] != "file"), "extra")
    return [*variants, (first, HUGE, EDGE), ("extra\x00", "1", EDGE)]


def post(client: Client, url: str, form: dict[str, Any], data: dict[str, Any]) -> Any:
    if "multipart" in form["enctype"]:
        return client.post(
            url, {k: SimpleUploadedFile(*v) if isinstance(v, tuple) else v for k, v in data.items()}
        )
    pairs = [(k, v if isinstance(v, bytes) else str(v).encode()) for k, v in data.items()]
    body = urllib.parse.urlencode(pairs)
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def discover_forms(world: World) -> tuple[dict[str, tuple[str, dict[str, Any]]], list[str]]:
    """Every POST form on every page, by the route it posts to (with its URL), and the routes
    that answer GET with 405 (so take only POST). Pages are read for both members (one has
    an account, the other an invitation), the staff member acting on behalf of the second."""
    forms: dict[str, tuple[str, dict[str, Any]]] = {}
    post_only = []
    for route in ROUTES:
        client = crawler(world, route)
        for member in (world.member, world.other_member):
            url = url_of(world, route, member)
            response = client.get(url)
            if response.status_code == 405:
                post_only.append(route)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                for form in forms_of(response.content.decode()):
                    action = urllib.parse.urlsplit(form["action"] or url).path
                    forms.setdefault(resolve(action).route, (action, form))
    return forms, sorted(set(post_only))


def crawler(world: World, route: str) -> Client:
    client = client_for(world, route)
    session = client.session
    other = world.other_member
    session[ACTING_FOR_SESSION_KEY] = {"programme": world.programme.slug, "member": other.public_id}
    session.save()
    return client


def forms_of(page: str) -> list[dict[str, Any]]:
    parser = Forms()
    parser.feed(page)
    return parser.forms


def test_every_form_refuses_hostile_fields_and_writes_nothing(world):
    forms, post_only = discover_forms(world)
    failures = [
        f"{r}: takes only POST, but no page has its form" for r in post_only if r not in forms
    ]
    for route, (url, form) in sorted(forms.items()):
        failures += form_failures(world, route, url, form)
    assert failures == [], "\n".join(failures)
    assert len(forms) >= 20  # a sign the pages were read at all


def form_failures(world: World, route: str, url: str, form: dict[str, Any]) -> list[str]:
    failures = []
    variants = [*hostile_fields(form), ("", None, SURVIVES)]  # the last: the form as it is
    for name, value, expected in variants:
        data = {**baseline(form), name: value} if name else baseline(form)
        status, written = _sent(client_for(world, route), url, form, data, expected)
        what = f"{route} {name}={value!r:.30}"
        if status >= 500 or (expected == EDGE and status != 400):
            failures.append(f"{what}: {status}")
        if written:
            failures.append(f"{what}: wrote {written}")
    if status in (400, 404, 405):
        failures.append(f"{route}: its own values were refused: {status}")
    return failures


class _Undo(Exception):
    pass


def _sent(client: Client, url: str, form: dict, data: dict, expected: str) -> tuple[int, list]:
    """Post; return the status and the tables written where nothing may be. What may be
    written is undone, so that each variant meets the same data."""
    before = table_contents() if expected != SURVIVES else None
    try:
        with transaction.atomic():
            status = post(client, url, form, data).status_code
            written = changed_tables(before) if before is not None else []
            raise _Undo
    except _Undo:
        return status, written
