"""The JSON API at /api/v1/: one NinjaAPI, one router per domain, one error format."""

from jifen.api import (
    board,
    devices,
    earning,
    insights,
    ledger,
    me,
    members,
    policy,
    programmes,
    recognition,
    rewards,
    transparency,
    voices,
)
from jifen.api.auth import SessionAuth, TokenAuth
from jifen.api.errors import JifenAPI, install_error_handlers

api = JifenAPI(
    title="Jifen API",
    version="1",
    urls_namespace="api",
    description=(
        "Authenticate with a personal token (`Authorization: Bearer jf_…`, made on the "
        "account's token page) or with the browser session plus the `X-CSRFToken` header "
        'for writes. Every refusal is `{"code": …, "detail": …}`: `code` is stable, '
        "`detail` follows `Accept-Language`."
    ),
    # Token first: a session check would otherwise refuse a token call for lack of CSRF.
    auth=[TokenAuth(), SessionAuth()],
)
install_error_handlers(api)

api.add_router("", me.router)
api.add_router("", programmes.router)
api.add_router("", policy.router)
api.add_router("", members.router)
api.add_router("", ledger.router)
api.add_router("", transparency.router)
api.add_router("", earning.router)
api.add_router("", devices.router)
api.add_router("", rewards.router)
api.add_router("", recognition.router)
api.add_router("", board.router)
api.add_router("", insights.router)
api.add_router("", voices.router)
