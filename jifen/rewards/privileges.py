"""Privileges: rewards that cost nothing and come with a resident's points — a balance or
lifetime points at or above their threshold (≥ 800 → priority sign-up for trips). Activity
sign-up asks `enjoys(member, Perk.PRIORITY_SIGNUP)`."""

from django.db.models import Q

from jifen.ledger.queries import Summary, summary_of
from jifen.programmes.models import Member
from jifen.rewards.models import Reward, RewardKind


def privileges_of(member: Member, summary: Summary | None = None) -> list[Reward]:
    """The privileges `member` enjoys now."""
    offered = list(
        Reward.objects.filter(
            programme_id=member.programme_id, kind=RewardKind.PRIVILEGE, is_active=True
        ).prefetch_related("communities")
    )
    if not offered:
        return []
    points = summary or summary_of(member)
    return [r for r in offered if _meets(r, member, points)]


def enjoys(member: Member, perk: str) -> bool:
    """Whether a privilege giving `perk` is `member`'s now. Asked at every activity sign-up:
    one query for the thresholds of that perk in the member's community, and the member's
    points only when there is one."""
    gates = list(
        Reward.objects.filter(
            Q(communities__isnull=True) | Q(communities=member.community_id),
            programme_id=member.programme_id,
            kind=RewardKind.PRIVILEGE,
            is_active=True,
            perk=perk,
        ).values_list("min_balance", "min_lifetime")
    )
    if not gates:
        return False
    points = summary_of(member)
    return any(
        (balance is None or points.balance >= balance)
        and (lifetime is None or points.lifetime_earned >= lifetime)
        for balance, lifetime in gates
    )


def _meets(reward: Reward, member: Member, points: Summary) -> bool:
    communities = {c.pk for c in reward.communities.all()}
    if communities and member.community_id not in communities:
        return False
    if reward.min_balance is not None and points.balance < reward.min_balance:
        return False
    return reward.min_lifetime is None or points.lifetime_earned >= reward.min_lifetime
