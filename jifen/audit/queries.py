"""Reading the audit log."""

from jifen.audit.models import AuditEntry
from jifen.programmes.models import Programme

PAGE = 50


def audit_page(
    programme: Programme, *, before: int | None = None, action: str = ""
) -> list[AuditEntry]:
    """The programme's entries newest first, PAGE at a time: those with an id below `before`
    (keyset pagination, never OFFSET), whose action starts with `action` when one is given."""
    qs = AuditEntry.objects.filter(programme=programme).select_related("actor", "on_behalf_of")
    if before is not None:
        qs = qs.filter(id__lt=before)
    if action:
        qs = qs.filter(action__startswith=action)
    return list(qs.order_by("-id")[:PAGE])
