"""The JSON API at /api/v1/: one NinjaAPI, one router per domain, one error format."""

from ninja import NinjaAPI

api = NinjaAPI(title="Jifen API", version="1", urls_namespace="api")
