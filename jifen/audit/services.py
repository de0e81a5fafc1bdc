"""Writing to the audit log. Every staff service calls `record` inside its own transaction."""

from typing import Any

from django.db import models

from jifen.audit.models import AuditEntry


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    programme: Any = None,
    on_behalf_of: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. `data` must not hold phone numbers or other personal details."""
    return AuditEntry.objects.create(
        programme=programme,
        actor=actor if getattr(actor, "pk", None) else None,
        on_behalf_of=on_behalf_of,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        data=data or {},
    )
