"""The audit log is append-only: the model refuses to save a stored row, and the database
triggers refuse UPDATE and DELETE from anywhere, queryset methods and raw SQL included."""

import pytest
from django.db import DatabaseError, connection, transaction

from jifen.audit.models import AuditEntry
from jifen.audit.services import record


@pytest.fixture
def entry(programme, admin):
    return record(actor=admin, programme=programme, action="test.entry", target=programme)


def test_refuses_to_save_an_entry_that_is_already_stored(entry):
    entry.action = "forged"
    with pytest.raises(ValueError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.entry"


def test_refuses_an_update_through_a_queryset(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.entry"


def test_refuses_a_delete_through_a_queryset(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_refuses_a_delete_of_one_loaded_entry(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_refuses_raw_sql_that_rewrites_history(entry):
    table = AuditEntry._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET target_repr = 'x' WHERE id = %s", [entry.pk])  # noqa: S608
    assert AuditEntry.objects.get(pk=entry.pk).target_repr == entry.target_repr


def test_appending_still_works_after_a_refusal(entry, programme, admin):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
    record(actor=admin, programme=programme, action="test.after", target=programme)
    assert list(
        AuditEntry.objects.filter(action__startswith="test.").values_list("action", flat=True)
    ) == [
        "test.after",
        "test.entry",
    ]
