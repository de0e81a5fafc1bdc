"""Who may see which earning object, for a staff scope (see jifen.programmes.access).
Activities of one community are seen by its staff; activities for everyone (no community)
by all of the programme's staff. Claims, earnings and appeals follow their member."""

from django.db.models import Q, QuerySet

from jifen.earning.models import Activity, Appeal, Claim, ClaimPhoto, DeviceKey, Earning, Rule
from jifen.programmes.access import StaffScope, found, in_scope


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


def access_device(scope: StaffScope, public_id: str) -> DeviceKey:
    return found(DeviceKey.objects.filter(programme=scope.programme), public_id=public_id)
