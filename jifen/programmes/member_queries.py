"""Reads of residents, households and invitations shaped for the console. Every function
takes the staff scope (or an object already fetched through it), so nothing leaves the
programme or the staff's communities."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from jifen.audit.models import AuditEntry
from jifen.programmes.access import StaffScope
from jifen.programmes.models import Household, Invitation, Member

PAGE = 50


@dataclass(frozen=True)
class Page:
    """One page of a keyset-paginated list; `next_cursor` is the id to continue after."""

    items: list[Any]
    next_cursor: int | None


@dataclass(frozen=True)
class AccountStatus:
    """Whether a member can sign in: "signed_in", "password_set", "invited" or "none"."""

    state: str
    last_login: Any = None
    invitation: Invitation | None = None


def _page(items: list[Any]) -> Page:
    """Cut the PAGE + 1 rows a query fetched: the extra one only says a next page exists."""
    return Page(items[:PAGE], items[PAGE - 1].pk if len(items) > PAGE else None)


def resident_page(
    scope: StaffScope,
    *,
    text: str = "",
    community: int | None = None,
    status: str = "",
    after: int | None = None,
) -> Page:
    """Residents by name, PAGE at a time, by keyset on (name, id) — never OFFSET, so the
    last page costs what the first does. `after` is the id of the last row already shown."""
    qs = scope.members().search(text).select_related("community", "household")
    if community:
        qs = qs.filter(community_id=community)
    if status:
        qs = qs.filter(status=status)
    if after:
        # Looked up in the scope: a cursor must not reveal anything about other members.
        last = scope.members().filter(pk=after).values_list("display_name", flat=True).first()
        if last is not None:
            qs = qs.filter(Q(display_name__gt=last) | Q(display_name=last, id__gt=after))
    return _page(list(qs.order_by("display_name", "id")[: PAGE + 1]))


def household_page(
    scope: StaffScope, *, community: int | None = None, after: int | None = None
) -> Page:
    """Households with their member count, PAGE at a time by keyset on id."""
    qs = scope.households().select_related("community", "head")
    if community:
        qs = qs.filter(community_id=community)
    if after:
        qs = qs.filter(id__gt=after)
    qs = qs.annotate(size=Count("members")).order_by("id")
    return _page(list(qs[: PAGE + 1]))


def household_choices(scope: StaffScope) -> list[tuple[str, str, str]]:
    """(public id, label, community name) of every household the staff may use, for a form."""
    rows = scope.households().order_by("community__name", "building", "unit", "room", "address")
    return [(h.public_id, h.label, h.community.name) for h in rows.select_related("community")]


def open_invitations(scope: StaffScope, *, limit: int = 200) -> list[Invitation]:
    """Invitations that can still be used, newest first."""
    return list(
        Invitation.objects.filter(
            member__in=scope.members(),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("member", "created_by")
        .order_by("-created_at")[:limit]
    )


def account_status(member: Member) -> AccountStatus:
    """How far the member has got with signing in, for the resident's console page."""
    user = member.user
    if user is not None and user.last_login is not None:
        return AccountStatus("signed_in", last_login=user.last_login)
    if user is not None and user.has_usable_password():
        return AccountStatus("password_set")
    invitation = (
        member.invitations.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )
    return AccountStatus("invited", invitation=invitation) if invitation else AccountStatus("none")


def member_history(member: Member, *, limit: int = 20) -> list[AuditEntry]:
    """The latest audit entries whose target is this member, newest first."""
    return list(
        AuditEntry.objects.filter(
            programme_id=member.programme_id,
            target_type="programmes.member",
            target_id=str(member.pk),
        )
        .select_related("actor")
        .order_by("-id")[:limit]
    )


def household_members(household: Household | None) -> list[Member]:
    """Everyone in the household, by name."""
    return list(household.members.order_by("display_name", "id")) if household else []
