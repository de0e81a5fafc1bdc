"""Personas shared by every test: two programmes, so that every test can check isolation."""

import pytest
from django.core.cache import cache

from jifen.programmes.models import RoleKind
from jifen.testing import (
    make_community, make_member, make_programme, make_resident_user, make_staff,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login throttling counts in the cache; one test's failures must not lock the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def programme(db):
    return make_programme(slug="xingfuli", name="幸福里社区")


@pytest.fixture
def community(programme):
    return make_community(programme=programme, name="东区")


@pytest.fixture
def other_community(programme):
    return make_community(programme=programme, name="西区")


@pytest.fixture
def admin(programme):
    return make_staff(programme=programme, kind=RoleKind.ADMIN, username="admin")


@pytest.fixture
def member(community):
    return make_member(community=community, name="王秀英", phone="13800138000")


@pytest.fixture
def resident(member):
    return make_resident_user(member=member)


@pytest.fixture
def other_programme(db):
    """A second tenant with its own admin and member, which nobody above may see."""
    programme = make_programme(slug="riverside", name="Riverside")
    community = make_community(programme=programme, name="North")
    make_member(community=community, name="Outsider", phone="13900000001")
    return programme


@pytest.fixture
def other_admin(other_programme):
    return make_staff(programme=other_programme, kind=RoleKind.ADMIN, username="other-admin")
