"""Simultaneous answers to one role offer's link on PostgreSQL (SQLite serialises writers, so
there is nothing to prove there): exactly one is taken, the rest find the offer closed."""

import threading

import pytest
from django.db import connection, connections

from jifen.audit.models import AuditEntry
from jifen.lib.errors import DomainError
from jifen.programmes import errors, services
from jifen.programmes.models import Role, RoleOffer
from jifen.testing import (
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
    results: list[object] = [None] * THREADS
    start = threading.Barrier(THREADS)

    def run(i: int) -> None:
        answer = services.accept_role_offer if i % 2 == 0 else services.decline_role_offer
        try:
            start.wait()
            results[i] = answer(secret=secret, user=user)
        except DomainError as refusal:
            results[i] = refusal
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


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
