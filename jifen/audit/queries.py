"""Reading the audit log."""

from jifen.audit.models import AuditEntry

PAGE = 50


def audit_page(programme, *, before: int | None = None, action: str = "") -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    """Newest first, PAGE at a time, by keyset on id (never OFFSET)."""
    qs = AuditEntry.objects.filter(programme=programme).select_related("actor", "on_behalf_of")
    if before:
        qs = qs.filter(id__lt=before)
    if action:
        qs = qs.filter(action__startswith=action)
    return list(qs.order_by("-id")[:PAGE])
