"""Who may see which earning object, for a staff scope (see jifen.programmes.access).
Activities of one community are seen by its staff; activities for everyone (no community)
by all of the programme's staff. Claims, earnings and appeals follow their member.

A resident (jifen.programmes.access.resident_member) sees the activities of their community
and those for everyone, their own claims, earnings and appeals, and the awards on public
notice in the programme. A device sees its programme's members; both name its rules."""

from django.db.models import Q, QuerySet
from django.http import Http404

from jifen.earning.models import (
    Activity,
    Appeal,
    Claim,
    ClaimPhoto,
    DeviceKey,
    Earning,
    EarningStatus,
    Rule,
)
from jifen.lib import clock
from jifen.programmes.access import StaffScope, access_programme, found, in_scope
from jifen.programmes.models import Member, Programme


def rules_of(scope: StaffScope) -> QuerySet[Rule]:
    return Rule.objects.filter(programme=scope.programme)


def access_rule(scope: StaffScope, code: str) -> Rule:
    return found(rules_of(scope), code=code)


def activities_in_scope(scope: StaffScope) -> QuerySet[Activity]:
    rows = Activity.objects.filter(programme=scope.programme)
    if scope.community_ids is None:
        return rows
    return rows.filter(Q(community__isnull=True) | Q(community_id__in=scope.community_ids))


def access_activity(scope: StaffScope, public_id: str) -> Activity:
    return found(
        activities_in_scope(scope).select_related("rule", "community"), public_id=public_id
    )


def claims_in_scope(scope: StaffScope) -> QuerySet[Claim]:
    return in_scope(scope, Claim.objects.all(), "member__community")


def access_claim(scope: StaffScope, public_id: str) -> Claim:
    return found(
        claims_in_scope(scope).select_related("member", "rule", "rule_version"),
        public_id=public_id,
    )


def access_claim_photo(scope: StaffScope, public_id: str) -> ClaimPhoto:
    photos = ClaimPhoto.objects.filter(claim__in=claims_in_scope(scope))
    return found(photos, public_id=public_id)


def earnings_in_scope(scope: StaffScope) -> QuerySet[Earning]:
    return in_scope(scope, Earning.objects.all(), "member__community")


def access_earning(scope: StaffScope, public_id: str) -> Earning:
    return found(earnings_in_scope(scope).select_related("member"), public_id=public_id)


def appeals_in_scope(scope: StaffScope) -> QuerySet[Appeal]:
    return in_scope(scope, Appeal.objects.all(), "subject__community")


def access_appeal(scope: StaffScope, public_id: str) -> Appeal:
    return found(
        appeals_in_scope(scope).select_related("member", "subject", "earning", "claim"),
        public_id=public_id,
    )


def devices_of(scope: StaffScope) -> QuerySet[DeviceKey]:
    """A device key reaches every member of the programme, so only programme-wide staff
    see, make or revoke them: for staff limited to some communities there are none."""
    if scope.community_ids is not None:
        return DeviceKey.objects.none()
    return DeviceKey.objects.filter(programme=scope.programme)


def access_device(scope: StaffScope, public_id: str) -> DeviceKey:
    return found(devices_of(scope), public_id=public_id)


def access_device_keys(user: object, slug: str) -> StaffScope:
    """The programme, for managing its device keys: programme-wide staff with
    `manage_devices` only; else 404."""
    scope = access_programme(user, slug, "manage_devices")
    if scope.community_ids is not None:
        raise Http404
    return scope


# A resident's own.


def activities_for_member(member: Member) -> QuerySet[Activity]:
    rows = Activity.objects.filter(programme_id=member.programme_id)
    return rows.filter(Q(community__isnull=True) | Q(community_id=member.community_id))


def access_member_activity(member: Member, public_id: str) -> Activity:
    return found(
        activities_for_member(member).select_related("rule", "community"), public_id=public_id
    )


def access_own_claim(member: Member, public_id: str) -> Claim:
    return found(
        Claim.objects.filter(member=member).select_related("member", "rule", "rule_version"),
        public_id=public_id,
    )


def access_own_earning(member: Member, public_id: str) -> Earning:
    return found(
        Earning.objects.filter(member=member).select_related("member"), public_id=public_id
    )


def notices_for_member(member: Member) -> QuerySet[Earning]:
    """The programme's awards on public notice now (or objected to), as the notice board
    shows them (jifen.earning.listings.on_notice), names masked by the caller."""
    return Earning.objects.filter(
        programme_id=member.programme_id,
        status__in=[EarningStatus.NOTICE, EarningStatus.OBJECTED],
        notice_ends_at__gt=clock.now(),
    )


def access_notice(member: Member, public_id: str) -> Earning:
    return found(notices_for_member(member).select_related("member"), public_id=public_id)


def access_programme_rule(programme: Programme, code: str) -> Rule:
    """A rule of the member's (or the device's) programme, by code: every rule is theirs to
    name, the service decides what it allows."""
    return found(Rule.objects.filter(programme=programme).select_related("programme"), code=code)


# A device's.


def access_device_member(device: DeviceKey, public_id: str) -> Member:
    rows = Member.objects.filter(programme_id=device.programme_id)
    return found(rows.select_related("programme", "community", "household"), public_id=public_id)
