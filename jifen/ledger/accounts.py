"""Finding (or opening) the accounts that a service moves points between."""

from django.db import IntegrityError, transaction
from django.db.models import Q

from jifen.ledger.models import UNBOUNDED, Account, AccountKind, Asset, LedgerPolicy
from jifen.programmes.models import Community, Member, Programme, ProgrammeWalletLevel


def _open(lookup: dict, defaults: dict) -> Account:  # type: ignore[type-arg]
    account = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup, **defaults)
    except IntegrityError:  # opened by a concurrent writer a moment ago
        return Account.objects.get(**lookup)


def member_account(member: Member, asset: str = Asset.POINTS) -> Account:
    """The member's own account: their wallet, and where lifetime earnings are counted."""
    return _open(
        {"member": member, "kind": AccountKind.MEMBER, "asset": asset},
        {"programme_id": member.programme_id},
    )


def wallet_of(member: Member, asset: str = Asset.POINTS) -> Account:
    """Where the member's spendable points are: their household's wallet when the programme
    keeps points per household (the county card), else their own."""
    programme = member.programme
    if programme.wallet_level == ProgrammeWalletLevel.HOUSEHOLD and member.household_id:
        return _open(
            {"household_id": member.household_id, "kind": AccountKind.HOUSEHOLD, "asset": asset},
            {"programme_id": member.programme_id},
        )
    return member_account(member, asset)


def system_account(community: Community, kind: str, asset: str = Asset.POINTS) -> Account:
    return _open(
        {"community": community, "kind": kind, "asset": asset},
        {"programme_id": community.programme_id, "is_bounded": kind not in UNBOUNDED},
    )


def policy_of(programme: Programme) -> LedgerPolicy:
    policy = LedgerPolicy.objects.filter(programme=programme).first()
    if policy is None:
        try:
            with transaction.atomic():
                policy = LedgerPolicy.objects.create(programme=programme)
        except IntegrityError:
            policy = LedgerPolicy.objects.get(programme=programme)
    return policy


def wallets_for(members: list[Member], asset: str = Asset.POINTS) -> dict[int, Account]:
    """The wallet of each member (by member id), opening missing ones in one statement."""
    by_household = (
        members[0].programme.wallet_level == ProgrammeWalletLevel.HOUSEHOLD if members else False
    )
    owner = {
        m.pk: (
            ("household", m.household_id) if by_household and m.household_id else ("member", m.pk)
        )
        for m in members
    }
    found = _existing(members, asset)
    missing = {key for key in owner.values() if key not in found}
    Account.objects.bulk_create(
        [
            Account(
                programme_id=members[0].programme_id, kind=kind, asset=asset, **{f"{kind}_id": pk}
            )
            for kind, pk in missing
        ],
        ignore_conflicts=True,
    )
    if missing:
        found = _existing(members, asset)
    return {member_id: found[key] for member_id, key in owner.items()}


def member_accounts_for(members: list[Member], asset: str = Asset.POINTS) -> dict[int, Account]:
    """Each member's own account (lifetime earnings), opening missing ones."""
    accounts = {
        a.member_id: a
        for a in Account.objects.filter(kind=AccountKind.MEMBER, asset=asset, member__in=members)
    }
    missing = [m for m in members if m.pk not in accounts]
    Account.objects.bulk_create(
        [
            Account(programme_id=m.programme_id, kind=AccountKind.MEMBER, asset=asset, member=m)
            for m in missing
        ],
        ignore_conflicts=True,
    )
    if missing:
        accounts = {
            a.member_id: a
            for a in Account.objects.filter(
                kind=AccountKind.MEMBER, asset=asset, member__in=members
            )
        }
    return accounts


def _existing(members: list[Member], asset: str) -> dict[tuple[str, int], Account]:
    households = {m.household_id for m in members if m.household_id}
    accounts = Account.objects.filter(asset=asset).filter(
        Q(kind=AccountKind.MEMBER, member__in=members)
        | Q(kind=AccountKind.HOUSEHOLD, household_id__in=households)
    )
    return {
        (a.kind, a.member_id if a.kind == AccountKind.MEMBER else a.household_id): a
        for a in accounts
    }
