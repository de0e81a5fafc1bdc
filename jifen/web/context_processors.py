"""Values every template may use."""

from django.http import HttpRequest

from jifen.web.me import acting_for


def acting(request: HttpRequest) -> dict[str, object]:
    """`acting_for`: the member a staff user is acting on behalf of (base.html shows a
    banner), or None. Costs no query unless acting has been started."""
    return {"acting_for": acting_for(request)}
