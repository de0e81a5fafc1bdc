"""Reads of residents shaped for the console."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from jifen.audit.models import AuditEntry
from jifen.programmes.access import StaffScope
from jifen.programmes.models import Household, Invitation, Member

PAGE = 50


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: int | None


def resident_page(scope: StaffScope, *, text: str = "", community: int | None = None,
                  status: str = "", after: int | None = None) -> Page:
    """Residents by name, PAGE at a time, by keyset on (name, id): no OFFSET."""
    qs = scope.members().search(text).select_related("community", "household")
    if community:
        qs = qs.filter(community_id=community)
    if status:
        qs = qs.filter(status=status)
    if after:
        last = Member.objects.filter(pk=after).values_list("display_name", flat=True).first()
        if last is not None:
            qs = qs.filter(Q(display_name__gt=last) | Q(display_name=last, id__gt=after))
    items = list(qs.order_by("display_name", "id")[:PAGE + 1])
    return Page(items[:PAGE], items[PAGE - 1].pk if len(items) > PAGE else None)


def household_page(scope: StaffScope, *, after: int | None = None) -> Page:
    qs = scope.households().select_related("community", "head").annotate(
        size=Count("members")).order_by("id")
    if after:
        qs = qs.filter(id__gt=after)
    items = list(qs[:PAGE + 1])
    return Page(items[:PAGE], items[PAGE - 1].pk if len(items) > PAGE else None)


def open_invitations(scope: StaffScope) -> list[Invitation]:
    return list(Invitation.objects.filter(
        member__in=scope.members(), used_at__isnull=True, revoked_at__isnull=True,
        expires_at__gt=timezone.now()).select_related("member", "created_by")[:200])


def member_history(member: Member, limit: int = 20) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(
        programme=member.programme, target_type="programmes.member", target_id=str(member.pk)
    ).select_related("actor").order_by("-id")[:limit])


def household_members(household: Household | None) -> list[Member]:
    return list(household.members.order_by("display_name")) if household else []
