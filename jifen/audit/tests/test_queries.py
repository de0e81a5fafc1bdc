"""audit_page: the programme's entries newest first, by keyset, filtered by action prefix."""

from jifen.audit.queries import PAGE, audit_page
from jifen.audit.services import record


def _record(programme, actor, action, count=1):
    for _ in range(count):
        record(actor=actor, programme=programme, action=action, target=programme)


def test_returns_the_newest_page_first(programme, admin):
    _record(programme, admin, "test.a", PAGE + 5)
    page = audit_page(programme)
    assert len(page) == PAGE
    assert [e.pk for e in page] == sorted((e.pk for e in page), reverse=True)


def test_the_next_page_starts_below_the_last_id_seen(programme, admin):
    _record(programme, admin, "test.a", PAGE + 5)
    first = audit_page(programme)
    second = audit_page(programme, before=first[-1].pk)
    assert second and max(e.pk for e in second) < first[-1].pk
    assert not {e.pk for e in first} & {e.pk for e in second}


def test_filters_by_the_start_of_the_action(programme, admin):
    _record(programme, admin, "member.create")
    _record(programme, admin, "role.grant")
    assert {e.action for e in audit_page(programme, action="member.")} == {"member.create"}


def test_never_shows_another_programmes_entries(programme, admin, other_programme, other_admin):
    _record(other_programme, other_admin, "test.elsewhere")
    assert all(e.programme_id == programme.pk for e in audit_page(programme))
    assert not [e for e in audit_page(programme) if e.action == "test.elsewhere"]
