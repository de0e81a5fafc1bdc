import threading

import pytest
from django.db import connection, connections

from jifen.idempotency.models import IdempotencyRecord
from jifen.idempotency.services import (
    IdempotencyConflict,
    InvalidIdempotencyKey,
    request_hash,
    run_once,
)
from jifen.lib.errors import InvalidInput
from jifen.programmes.models import Community, Programme


def _make_community(programme, name):
    def perform():
        community = Community.objects.create(programme=programme, name=name)
        return 201, {"id": community.pk}

    return perform


def test_performs_once_and_replays_the_stored_answer(programme):
    first = run_once(
        programme=programme,
        key="k",
        request_hash=request_hash("a", None),
        perform=_make_community(programme, "A"),
    )
    again = run_once(
        programme=programme,
        key="k",
        request_hash=request_hash("a", None),
        perform=_make_community(programme, "A2"),
    )
    assert (first.replayed, again.replayed) == (False, True)
    assert again.body == first.body and again.status == 201
    assert list(programme.communities.values_list("name", flat=True)) == ["A"]


def test_refuses_the_key_for_another_request(programme):
    run_once(
        programme=programme,
        key="k",
        request_hash=request_hash("a", None),
        perform=_make_community(programme, "A"),
    )
    with pytest.raises(IdempotencyConflict):
        run_once(
            programme=programme,
            key="k",
            request_hash=request_hash("b", None),
            perform=_make_community(programme, "B"),
        )
    assert not programme.communities.filter(name="B").exists()


def test_a_refusal_rolls_back_the_write_and_the_key(programme):
    def perform():
        Community.objects.create(programme=programme, name="A")
        raise InvalidInput()

    with pytest.raises(InvalidInput):
        run_once(programme=programme, key="k", request_hash="h", perform=perform)
    assert not IdempotencyRecord.objects.exists()
    assert not programme.communities.exists()


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_refuses_an_empty_or_overlong_key(programme, key):
    with pytest.raises(InvalidIdempotencyKey):
        run_once(
            programme=programme, key=key, request_hash="h", perform=_make_community(programme, "A")
        )


def test_the_fingerprint_ignores_key_order_but_not_values():
    assert request_hash("op", 1, {"a": 1, "b": 2}) == request_hash("op", 1, {"b": 2, "a": 1})
    assert request_hash("op", 1, {"a": 1}) != request_hash("op", 1, {"a": 2})


def test_the_fingerprint_includes_the_actor_and_the_operation():
    assert request_hash("op", 1, {"a": 1}) != request_hash("op", 2, {"a": 1})
    assert request_hash("op", 1, {"a": 1}) != request_hash("other", 1, {"a": 1})


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_perform_the_write_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    programme = Programme.objects.create(name="P", slug="p")
    barrier, outcomes = threading.Barrier(8), []

    def retry() -> None:
        try:
            barrier.wait()
            # A distinct name per thread, so a second write would show as a second row.
            perform = _make_community(programme, f"A-{threading.get_ident()}")
            outcomes.append(
                run_once(programme=programme, key="k", request_hash="h", perform=perform)
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 8 and len({str(o.body) for o in outcomes}) == 1
    assert sum(o.replayed for o in outcomes) == 7
    assert programme.communities.count() == 1
