"""The API tests' clients (api_as, api_with_token) for recognition's API tests."""

from jifen.api.tests.conftest import api_as, api_with_token  # noqa: F401
