"""Helpers for API tests: JSON calls as a signed-in user or with a personal token."""

from typing import Any

import pytest
from django.test import Client

from jifen.accounts.services import create_personal_token

API = "/api/v1"


class ApiClient:
    """A Django test client speaking JSON to /api/v1/."""

    def __init__(self, client: Client, headers: dict[str, str] | None = None) -> None:
        self.client, self.headers = client, headers or {}

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        send = getattr(self.client, method)
        extra = {"content_type": "application/json"} if body is not None else {}
        return send(API + path, body, headers={**self.headers, **headers}, **extra)

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(API + path, params or {}, headers={**self.headers, **headers})

    def post(self, path: str, body: Any, **headers: str) -> Any:
        return self.call("post", path, body, **headers)

    def patch(self, path: str, body: Any, **headers: str) -> Any:
        return self.call("patch", path, body, **headers)


@pytest.fixture
def api_as():
    """api_as(user) → an ApiClient signed in with a session; api_as(None) → anonymous."""

    def make(user: Any) -> ApiClient:
        client = Client()
        if user is not None:
            client.force_login(user)
        return ApiClient(client)

    return make


@pytest.fixture
def api_with_token():
    """api_with_token(user) → an ApiClient sending a fresh personal token of `user`."""

    def make(user: Any) -> ApiClient:
        _, key = create_personal_token(user=user, name="test")
        return ApiClient(Client(enforce_csrf_checks=True), {"Authorization": f"Bearer {key}"})

    return make


@pytest.fixture
def member_body(community) -> dict[str, Any]:
    return {
        "display_name": "李建国",
        "phone": "138 0013 9999",
        "community_id": community.pk,
        "household": {"building": "3", "unit": "2", "room": "301"},
        "joined_on": "2026-03-01",
        "birth_year": 1950,
        "flags": ["elderly"],
        "interest_tags": ["书法"],
    }
