"""Every operation of the API, found in its own OpenAPI schema, receives hostile input: NUL
characters, lone surrogates, 100,000- and 10,000,000-character strings, 2**63, −2**63−1 and
wrong types (true, "5", 5.0, lists, objects) in each field of a valid body, in its path and in
its headers, as a staff member (or the resident, on /me/ routes) with real objects in the path.
None may answer 500, each refusal has a stable code, and nothing is written. Then the valid
body itself must succeed, which proves the refusals came from the hostile values. An
operation this test cannot build a valid request for fails it, so a new one is covered too."""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from jifen.api.main import api
from jifen.earning.services import checkin_code
from jifen.lib import clock
from jifen.programmes.cardtokens import card_token
from jifen.testing_earning import EarningWorld, make_earning_world, png_base64
from jifen.testing_hostile import (
    HUGE,
    INNER_NUL,
    LONG,
    NUL,
    SURROGATE,
    TOO_BIG,
    TOO_SMALL,
    World,
    changed_tables,
    make_world,
    table_contents,
)
from jifen.testing_rewards import RewardsWorld, make_rewards_world

SCHEMA = api.get_openapi_schema()
OPERATIONS = [
    (method.upper(), path) for path, ops in SCHEMA["paths"].items() for method in sorted(ops)
]
WRITES = [(m, p) for m, p in OPERATIONS if m != "GET"]
READS = [(m, p) for m, p in OPERATIONS if m == "GET"]
Path = tuple[str | int, ...]


def test_every_route_of_the_api_is_in_its_schema():
    """So that no operation hidden from the schema escapes the tests below."""
    routes = {
        "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(p.pattern))
        for p in api.urls[0]
        if p.name not in ("api-root", "openapi-json", "openapi-view")
    }
    assert routes == set(SCHEMA["paths"]) and WRITES and READS


@dataclass(frozen=True)
class ApiWorld(World):
    """The world, with the earning and rewards objects their routes name."""

    earning: EarningWorld | None = None
    reward_world: RewardsWorld | None = None


@pytest.fixture
def world(db) -> ApiWorld:
    base = make_world()
    earning = make_earning_world(
        community=base.community, member=base.member, other=base.other_member, reviewer=base.admin
    )
    rewards = make_rewards_world(member=base.member)
    plain = {f.name: getattr(base, f.name) for f in fields(World)}
    return ApiWorld(**plain, earning=earning, reward_world=rewards)


def client_for(world: ApiWorld, path: str) -> Client:
    if path == DEVICE_EVENTS:  # a device, with its key (and the key its events need)
        assert world.earning is not None
        secret = world.earning.device_secret
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_IDEMPOTENCY_KEY="event-1")
    client = Client()
    client.force_login(world.resident if "/me/" in path else world.admin)
    return client


DEVICE_EVENTS = "/api/v1/devices/events"


def url_of(world: World, path: str, **replace: str) -> str:
    """The operation's path with a real object for each parameter (or `replace`'s text)."""
    segments = path.split("/")
    for n, segment in enumerate(segments):
        if segment.startswith("{"):
            name = segment[1:-1]
            found = replace.get(name) or object_of(world, path, name)
            segments[n] = found or str(path_value(world, name, segments[n - 1]))
    return "/".join(segments)


# Earning routes whose path names an object in a particular state (an appeal needs a refused
# claim, a closed activity, a credited award): operation path → parameter → the object.
E = "/api/v1/programmes/{slug}"
IN_STATE: dict[str, dict[str, Callable[[EarningWorld], Any]]] = {
    f"{E}/claims/{{claim_id}}/appeals": {"claim_id": lambda e: e.rejected_claim},
    f"{E}/me/claims/{{claim_id}}/appeals": {"claim_id": lambda e: e.rejected_claim},
    f"{E}/activities/{{activity_id}}/appeals": {"activity_id": lambda e: e.closed_activity},
    f"{E}/me/activities/{{activity_id}}/appeals": {"activity_id": lambda e: e.closed_activity},
    f"{E}/me/activities/{{activity_id}}/signup/cancel": {
        "activity_id": lambda e: e.joined_activity
    },
    f"{E}/earnings/{{earning_id}}/appeals": {"earning_id": lambda e: e.posted_earning},
    f"{E}/me/earnings/{{earning_id}}/appeals": {"earning_id": lambda e: e.posted_earning},
}
EARNING_PARAMS: dict[str, Callable[[EarningWorld], Any]] = {
    "rule_code": lambda e: e.rule.code,
    "activity_id": lambda e: e.activity,
    "claim_id": lambda e: e.claim,
    "photo_id": lambda e: e.photo,
    "earning_id": lambda e: e.notice_earning,
    "appeal_id": lambda e: e.appeal,
    "device_id": lambda e: e.device,
    "member": lambda e: e.activity.signups.get().member,  # the one signed up
}


# The rewards routes' objects (jifen.testing_rewards.RewardsWorld), as the earning ones.
REWARDS_IN_STATE: dict[str, dict[str, Callable[[RewardsWorld], Any]]] = {
    f"{E}/me/rewards/{{reward}}/waitlist": {"reward": lambda r: r.sold_out.public_id},
    f"{E}/redemptions/{{redemption_id}}/step": {"redemption_id": lambda r: r.delivery.public_id},
    f"{E}/redemptions/{{redemption_id}}/refuse": {"redemption_id": lambda r: r.delivery.public_id},
}
REWARDS_PARAMS: dict[str, Callable[[RewardsWorld], Any]] = {
    "reward": lambda r: r.rice.public_id,
    "store": lambda r: r.store.code,
    "redemption_id": lambda r: r.code.public_id,
    "entry_id": lambda r: str(r.wait.pk),
    "code": lambda r: r.code.code,
    "starts_on": lambda r: r.period.isoformat(),  # over, and not settled
}


# The voices routes' objects (jifen.testing_hostile's voices): a draft to open or change.
VOICES_IN_STATE = {
    f"{E}/surveys/{{survey_id}}/open": "draft",
    f"{E}/surveys/{{survey_id}}": "draft",
}


def object_of(world: World, path: str, name: str) -> str | None:
    """The earning or rewards object a route's parameter names, None for other parameters."""
    if name in ("survey_id", "feedback_id") and world.voices:
        which = "feedback" if name == "feedback_id" else VOICES_IN_STATE.get(path, "survey")
        return str(world.voices[which].public_id)
    rewards = getattr(world, "reward_world", None)
    in_rewards = REWARDS_IN_STATE.get(path, {}).get(name) or REWARDS_PARAMS.get(name)
    if in_rewards is not None and rewards is not None:
        return str(in_rewards(rewards))
    pick = IN_STATE.get(path, {}).get(name) or EARNING_PARAMS.get(name)
    earning = getattr(world, "earning", None)
    if pick is None or earning is None:
        return None
    found = pick(earning)
    return found if isinstance(found, str) else found.public_id


def path_value(world: World, name: str, before: str) -> object:
    values: dict[tuple[str, str], object] = {
        ("slug", ""): world.programme.slug,
        ("public_id", "members"): world.member.public_id,
        ("public_id", "transactions"): world.transaction.public_id,
        ("hold_id", ""): world.hold.public_id,
        ("action", ""): "settle",
        ("approval_id", ""): world.approval.pk,
        ("decision", ""): "approve",
        ("transaction", ""): world.transaction.public_id,
    }
    found = values.get((name, before), values.get((name, "")))
    if found is None:
        pytest.fail(f"no object for the path parameter {name!r} after {before!r}: add one")
    return found


# --- bodies built from the schema ------------------------------------------------------------


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return resolve(SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    if "anyOf" in schema:
        return resolve(next(s for s in schema["anyOf"] if s.get("type") != "null"))
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return resolve(schema["allOf"][0])
    return schema


def nullable(schema: dict[str, Any]) -> bool:
    return any(s.get("type") == "null" for s in schema.get("anyOf", []))


def valid(world: World, schema: dict[str, Any], name: str = "") -> Any:
    """A value the schema accepts, with real objects where a field names one."""
    named = {
        "member": world.member.public_id,
        "awards": [[world.member.public_id, 5]],
        "community_id": world.community.pk,
        "kind": "adjust",
        "phone": "13900009999",
        "quota_tiers": [{"population": 1000, "quota": 100}, {"population": None, "quota": 200}],
        **earning_named(world),
        **rewards_named(world),
    }
    if name in named:
        return named[name]
    schema = resolve(schema)
    kind = schema.get("type")
    if kind == "object":
        return {k: valid(world, s, k) for k, s in schema.get("properties", {}).items()}
    if kind == "array":  # a tuple (prefixItems) is one value of each; a list has one item
        if "prefixItems" in schema:
            return [valid(world, s) for s in schema["prefixItems"]]
        return [valid(world, schema["items"])]
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        return max(low, 1) if schema.get("maximum", 1) >= 1 else low
    if kind == "string":
        return _valid_text(schema, name)
    if kind == "boolean":
        return True
    if kind == "number":
        return schema.get("minimum", 0) + 1
    pytest.fail(f"cannot make a value for {name!r}: {schema}")


def _valid_text(schema: dict[str, Any], name: str) -> str:
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("format") == "date":
        return "2026-03-01"
    if "pattern" in schema:
        pytest.fail(f"cannot make a string for {name!r} matching {schema['pattern']}: add one")
    return "ok"


def leaves(schema: dict[str, Any], value: Any, at: Path = ()) -> Iterator[tuple[Path, dict]]:
    """Every field of `value` (built from `schema`), nested ones too, with its schema."""
    yield at, schema
    plain = resolve(schema)
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(plain["properties"][key], item, (*at, key))
    elif isinstance(value, list):
        items = plain.get("prefixItems") or [plain["items"]] * len(value)
        for n, (item_schema, item) in enumerate(zip(items, value, strict=False)):
            yield from leaves(item_schema, item, (*at, n))


def replaced(document: Any, at: Path, value: Any) -> Any:
    if not at:
        return value
    copy = json.loads(json.dumps(document))
    target = copy
    for step in at[:-1]:
        target = target[step]
    target[at[-1]] = value
    return copy


# What each hostile value must be refused as: the edge's own codes, or the schema's.
EDGE_TEXT = [NUL, INNER_NUL, SURROGATE]
EDGE_NUMBERS = [TOO_BIG, TOO_SMALL]
WRONG_FOR = {
    "string": [LONG, True, 5, 5.5, [], {}],
    "integer": [2**63 - 1, -(2**63), True, False, "5", 5.0, 5.5, [], {}, "1e3"],
    "array": ["x", {}, 5],
    "object": ["x", [], 5],
    "boolean": [1, 0, "true", "yes", 5.5, [], {}],
    "number": ["x", True, 1e300, -1.0, [], {}],
}


def hostile_values(schema: dict[str, Any]) -> Iterator[tuple[Any, str | None]]:
    """(value, the code it must be refused with, or None for any 4xx refusal)."""
    kind = resolve(schema).get("type", "")
    if kind not in WRONG_FOR:
        pytest.fail(f"no hostile values for a field of type {kind!r}: add some")
    yield from ((text, "invalid_text") for text in EDGE_TEXT)
    yield from ((number, "invalid_number") for number in EDGE_NUMBERS)
    yield from ((value, None) for value in WRONG_FOR[kind])
    if not nullable(schema):
        yield None, None


def body_schema(method: str, path: str) -> dict[str, Any] | None:
    content = SCHEMA["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def earning_named(world: World) -> dict[str, Any]:
    """Valid values of the earning routes' fields, by name."""
    earning = getattr(world, "earning", None)
    if earning is None:
        return {}
    now = clock.now()
    return {
        "rule": earning.rule.code,
        "code": "new-rule",  # of a new rule, and of its criteria
        "requires": ["new-rule"],
        "communities": [world.community.pk],
        "rules": [earning.rule.code],
        "windows": [["00:00", "23:59"]],
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
        "signup_opens_at": (now - timedelta(hours=1)).isoformat(),
        "signup_closes_at": (now + timedelta(hours=1)).isoformat(),
        "occurred_at": (now - timedelta(hours=1)).isoformat(),
        "brought_by": world.other_member.public_id,
        "token": card_token(world.member),
        "checkin_code": checkin_code(earning.activity),
        "criteria": [],
        "photos": [png_base64()],
    }


def rewards_named(world: World) -> dict[str, Any]:
    """Valid values of the rewards routes' fields, by name."""
    rewards = getattr(world, "reward_world", None)
    if rewards is None:
        return {}
    return {
        "store": rewards.store.code,
        "reward": rewards.rice.public_id,
        "cashiers": [rewards.cashier.username],
        "perk": None,  # a perk is a privilege's only
        "image": png_base64(),
    }


# Fields that one operation needs otherwise than its name says.
SURVEY_Q = {"kind": "text", "text": "ok", "required": True}
FOR_OPERATION: dict[str, Callable[[ApiWorld, dict[str, Any]], dict[str, Any]]] = {
    f"POST {E}/rules": lambda w, body: {**body, "kind": "fixed"},
    f"POST {E}/activities/{{activity_id}}/checkins/phone": lambda w, body: {
        **body,
        "phone": w.member.phone,
    },
    f"POST {E}/activities/{{activity_id}}/checkouts": lambda w, body: {
        **body,
        "member": w.earning.attendee.public_id,  # type: ignore[union-attr]
    },
    f"POST {DEVICE_EVENTS}": lambda w, body: {k: v for k, v in body.items() if k != "card"},
    f"POST {E}/rewards": lambda w, body: {**body, "kind": "goods"},
    f"PATCH {E}/rewards/{{reward}}": lambda w, body: {**body, "kind": "goods"},
    f"POST {E}/stores": lambda w, body: {**body, "kind": "supermarket"},
    f"PATCH {E}/stores/{{store}}": lambda w, body: {**body, "kind": "supermarket"},
    f"POST {E}/surveys": lambda w, body: {**body, "kind": "other", "questions": [SURVEY_Q]},
    f"PATCH {E}/surveys/{{survey_id}}": lambda w, body: {**body, "questions": [SURVEY_Q]},
    f"POST {E}/me/surveys/{{survey_id}}/answers": lambda w, body: {
        "answers": [
            {"question": q.pk, "score": 5 if q.kind == "satisfaction" else 9}
            for q in w.voices["survey"].questions.exclude(kind="text")
        ]
    },
    f"POST {E}/counter/{{store}}/verify": lambda w, body: {
        **body,
        "code": w.reward_world.code.code,  # type: ignore[union-attr]
    },
}


def valid_body(world: ApiWorld, method: str, path: str) -> Any:
    """A body the operation accepts, None for an operation without one."""
    schema = body_schema(method, path)
    if schema is None:
        return None
    body = valid(world, schema)
    adjust = FOR_OPERATION.get(f"{method} {path}")
    return adjust(world, body) if adjust else body


def hostile_requests(world, method, path) -> Iterator[tuple[str, Any, dict, str | None, str]]:
    """(url, body, headers, expected code, what) for every hostile request of an operation."""
    schema = body_schema(method, path)
    body = valid_body(world, method, path)
    url = url_of(world, path)
    for at, leaf in leaves(schema, body) if schema else ():
        for value, code in hostile_values(leaf):
            yield url, replaced(body, at, value), {}, code, f"{at} = {value!r:.40}"
    # An operation without a body ignores one, so it gets only what the edge refuses.
    documents: list[tuple[object, str | None]] = [
        ({**(body or {}), "extra": NUL}, "invalid_text"),
        ({NUL: 1}, "invalid_text"),
    ]
    documents += [
        ([TOO_BIG], "invalid_number"),
        ({**(body or {}), "padding": HUGE}, "request_too_large"),
    ]
    documents += [([], None), ("x", None)] if schema else []
    for document, code in documents:
        yield url, document, {}, code, f"body = {document!r:.40}"
    yield url, body, {"Idempotency-Key": NUL}, "invalid_text", "a NUL in a header"
    for name in [s[1:-1] for s in path.split("/") if s.startswith("{")]:
        for text, code in (("%00", "invalid_text"), ("9" * 30, None), ("a%00b", "invalid_text")):
            yield url_of(world, path, **{name: text}), body, {}, code, f"path {name} = {text}"


def send(client: Client, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
    data = json.dumps(body) if body is not None else ""
    return client.generic(method, url, data, "application/json", headers=headers)


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_a_write_refuses_hostile_input_with_a_stable_code_and_writes_nothing(world, method, path):
    client = client_for(world, path)
    before = table_contents()
    for url, body, headers, code, what in hostile_requests(world, method, path):
        response = send(client, method, url, body, headers)
        assert 400 <= response.status_code < 500, (what, response.status_code, response.content)
        answer = response.json()
        assert code is None or answer["code"] == code, (what, answer)
        assert isinstance(answer["code"], str) and answer["code"] != "server_error", what
        assert changed_tables(before) == [], what
    response = send(client, method, url_of(world, path), valid_body(world, method, path), {})
    assert response.status_code in (200, 201), f"the valid request was refused: {response.content}"
    assert changed_tables(before) != []


QUERY_TEXTS = [("%00", "invalid_text"), ("a%00b", "invalid_text"), ("%ED%A0%80", None)]
QUERY_NUMBERS = [("9" * 30, None), ("-5", None), ("%C2%B2", None), ("true", None), ("1.5", None)]


@pytest.mark.parametrize(("method", "path"), READS, ids=[f"{m} {p}" for m, p in READS])
def test_a_read_refuses_hostile_query_and_path_without_a_server_error(world, method, path):
    client = client_for(world, path)
    parameters = SCHEMA["paths"][path]["get"].get("parameters", [])
    queries = [p["name"] for p in parameters if p["in"] == "query"] or ["q"]
    names = [s[1:-1] for s in path.split("/") if s.startswith("{")]
    requests = [
        (f"{url_of(world, path)}?{query}={text}", code)
        for query in queries
        for text, code in QUERY_TEXTS + QUERY_NUMBERS
    ] + [(url_of(world, path, **{name: "%00"}), "invalid_text") for name in names]
    required = {p["name"]: valid(world, p["schema"]) for p in parameters if p.get("required")}
    baseline = client.get(
        url_of(world, path), {k: v for k, v in required.items() if k not in names}
    )
    assert baseline.status_code in (200, 404), baseline.content  # 404: nothing sealed yet
    for url, code in requests:
        response = client.get(url)
        assert response.status_code < 500, (url, response.content)
        assert code is None or response.json()["code"] == code, url
