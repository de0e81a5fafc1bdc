"""Personas shared by every test: two programmes, so that every test can check isolation."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from jifen.programmes.models import RoleKind
from jifen.testing import (
    make_community,
    make_member,
    make_programme,
    make_resident_user,
    make_staff,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Nothing a test leaves in the cache reaches the next one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a page a test opened earlier (the locale
    middleware activates the request's language and leaves it) does not change what the next
    test's messages say."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _append_only_tables_emptied(request):
    """After a transactional test pytest-django empties every table. On SQLite that is a
    DELETE, which the append-only triggers refuse; so empty those tables first, with their
    triggers lifted for the moment and put back exactly as they were. (PostgreSQL truncates,
    which row triggers do not see.) Requesting transactional_db here makes this teardown run
    before pytest-django's."""
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        # Off while these tables go first: rows of other tables (lots, holds) still point at
        # them until the flush that follows empties those too.
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND name LIKE '%%_no_delete'"
        )
        for name, table, sql in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')
            cursor.execute(f'DELETE FROM "{table}"')
            cursor.execute(sql)
        cursor.execute("PRAGMA foreign_keys = ON")


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
