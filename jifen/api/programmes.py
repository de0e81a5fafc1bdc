"""A programme's settings, for its staff and its members."""

from decimal import Decimal

from django.http import Http404
from ninja import Router, Schema

from jifen.api.auth import ApiRequest
from jifen.programmes.access import access_programme, resident_member
from jifen.programmes.models import Programme

router = Router(tags=["programmes"])


class CommunityOut(Schema):
    id: int
    name: str
    population: int


class ProgrammeOut(Schema):
    slug: str
    name: str
    description: str
    default_language: str
    timezone: str
    currency_name: str
    point_value: Decimal
    money_currency: str
    wallet_level: str
    is_public: bool
    communities: list[CommunityOut]


def visible_programme(user: object, slug: str) -> Programme:
    """The programme if the user is its staff or one of its members; else 404."""
    try:
        return access_programme(user, slug, "view_console").programme
    except Http404:
        return resident_member(user, slug).programme


@router.get("/programmes/{slug}", response=ProgrammeOut)
def programme_detail(request: ApiRequest, slug: str) -> Programme:
    return visible_programme(request.auth, slug)
