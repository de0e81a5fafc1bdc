"""Simultaneous answers to one role offer's link on PostgreSQL (SQLite serialises writers, so
there is nothing to prove there): exactly one is taken, the rest find the offer closed."""

import pytest
from django.db import connection

from jifen.audit.models import AuditEntry
from jifen.lib.errors import DomainError
from jifen.programmes import errors, services
from jifen.programmes.models import Role, RoleOffer
from jifen.testing import (
    at_once,
    make_community,
    make_member,
    make_programme,
    make_resident_user,
    make_staff,
)

THREADS = 20

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL"
)


def answer_at_once(secret, user) -> list[object]:
    """Even threads accept, odd ones decline, all at once; each result is the role, None
    (declined) or the refusal."""

    def answer(i: int) -> object:
        if i % 2 == 0:
            return services.accept_role_offer(secret=secret, user=user)
        return services.decline_role_offer(secret=secret, user=user)

    return at_once(answer, threads=THREADS)


def test_twenty_simultaneous_answers_to_one_link_close_it_exactly_once(transactional_db):
    home = make_community(programme=make_programme())
    person = make_resident_user(member=make_member(community=home))
    other = make_programme()
    admin = make_staff(programme=other)
    offer, secret = services.give_role(
        actor=admin, programme=other, login=person.username, password="", kind="auditor"
    )
    results = answer_at_once(secret, person)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == THREADS - 1
    assert all(isinstance(r, errors.RoleOfferClosed) for r in refused)
    status = RoleOffer.objects.get(pk=offer.pk).status
    assert Role.objects.filter(programme=other, user=person).count() == (status == "accepted")
    answers = AuditEntry.objects.filter(action__in=["role.accept", "role.decline"])
    assert answers.count() == 1
