"""Finding (or opening) the accounts that a service moves points between."""

from typing import Any, Protocol, cast

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from jifen.ledger.models import UNBOUNDED, Account, AccountKind, Asset, LedgerPolicy
from jifen.programmes.models import Community, Member, Programme, ProgrammeWalletLevel


def _open(lookup: dict[str, Any], defaults: dict[str, Any]) -> Account:
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
    return _open({**_wallet_lookup(member), "asset": asset}, {"programme_id": member.programme_id})


def _wallet_lookup(member: Member) -> dict[str, Any]:
    if member.programme.wallet_level == ProgrammeWalletLevel.HOUSEHOLD and member.household_id:
        return {"household_id": member.household_id, "kind": AccountKind.HOUSEHOLD}
    return {"member_id": member.pk, "kind": AccountKind.MEMBER}


def system_account(community: Community, kind: str, asset: str = Asset.POINTS) -> Account:
    """The community's account of this kind (issuance, fund, holds, …), opened on first use."""
    return _open(
        {"community": community, "kind": kind, "asset": asset},
        {"programme_id": community.programme_id, "is_bounded": kind not in UNBOUNDED},
    )


def award_sources(
    member: Member, asset: str = Asset.POINTS
) -> tuple[LedgerPolicy, tuple[Account, Account] | None]:
    """The policy and (wallet, community issuance) for an award, in one query: None for the
    accounts until both exist (`open_award_accounts`). The accounts carry only what moving
    points reads (id, kind, asset, is_bounded); their other fields load when read."""
    lookup = _wallet_lookup(member)
    owner = "household_id" if lookup["kind"] == AccountKind.HOUSEHOLD else "member_id"
    params = [lookup["kind"], lookup[owner], asset, AccountKind.ISSUANCE, member.community_id]
    found = list(
        LedgerPolicy.objects.raw(
            _AWARD_SOURCES.format(owner=owner), [*params, asset, member.programme_id]
        )
    )
    if not found:
        return policy_of(member.programme), None
    policy = found[0]
    policy.programme = member.programme  # callers read its time zone: no second query
    sources = cast(_Sources, policy)  # the columns the raw query adds to the policy's
    if sources.wallet_id is None or sources.issuance_id is None:
        return policy, None
    wallet = _identity(sources.wallet_id, lookup["kind"], asset, sources.wallet_is_bounded)
    issuance = _identity(
        sources.issuance_id, AccountKind.ISSUANCE, asset, sources.issuance_is_bounded
    )
    return policy, (wallet, issuance)


class _Sources(Protocol):
    """What _AWARD_SOURCES reads beside the policy's own fields (NULL: no such account yet)."""

    wallet_id: int | None
    wallet_is_bounded: object
    issuance_id: int | None
    issuance_is_bounded: object


def open_award_accounts(member: Member, asset: str = Asset.POINTS) -> tuple[Account, Account]:
    """(wallet, community issuance), opened if missing."""
    return wallet_of(member, asset), system_account(member.community, AccountKind.ISSUANCE, asset)


_AWARD_SOURCES = """
SELECT p.*, w.id AS wallet_id, w.is_bounded AS wallet_is_bounded,
    i.id AS issuance_id, i.is_bounded AS issuance_is_bounded
FROM ledger_ledgerpolicy p
LEFT JOIN ledger_account w ON w.kind = %s AND w.{owner} = %s AND w.asset = %s
LEFT JOIN ledger_account i ON i.kind = %s AND i.community_id = %s AND i.asset = %s
WHERE p.programme_id = %s
"""


def _identity(pk: int, kind: str, asset: str, is_bounded: object) -> Account:
    # As Account.objects.only("id", "kind", "asset", "is_bounded") would load it.
    return Account.from_db(
        Account.objects.db,
        ["id", "kind", "asset", "is_bounded"],
        [pk, kind, asset, bool(is_bounded)],
    )


def add_lifetime(member: Member, change: int, asset: str = Asset.POINTS) -> None:
    """Move the member's lifetime earnings (kept on their own account, whatever the wallet)."""
    Account.objects.filter(pk=member_account(member, asset).pk).update(
        lifetime_earned=F("lifetime_earned") + change
    )


def policy_of(programme: Programme) -> LedgerPolicy:
    """The programme's ledger policy, created with the defaults on first use."""
    policy = LedgerPolicy.objects.filter(programme=programme).first()
    if policy is None:
        try:
            with transaction.atomic():
                policy = LedgerPolicy.objects.create(programme=programme)
        except IntegrityError:
            policy = LedgerPolicy.objects.get(programme=programme)
    policy.programme = programme  # callers read its time zone: no second query
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
    accounts = _own_accounts(members, asset)
    missing = [m for m in members if m.pk not in accounts]
    Account.objects.bulk_create(
        [
            Account(programme_id=m.programme_id, kind=AccountKind.MEMBER, asset=asset, member=m)
            for m in missing
        ],
        ignore_conflicts=True,
    )
    if missing:
        accounts = _own_accounts(members, asset)
    return accounts


def _own_accounts(members: list[Member], asset: str) -> dict[int, Account]:
    accounts = {}
    for a in Account.objects.filter(kind=AccountKind.MEMBER, asset=asset, member__in=members):
        assert a.member_id is not None  # member__in matches no NULL
        accounts[a.member_id] = a
    return accounts


def _existing(members: list[Member], asset: str) -> dict[tuple[str, int | None], Account]:
    households = {m.household_id for m in members if m.household_id}
    accounts = Account.objects.filter(asset=asset).filter(
        Q(kind=AccountKind.MEMBER, member__in=members)
        | Q(kind=AccountKind.HOUSEHOLD, household_id__in=households)
    )
    return {
        (a.kind, a.member_id if a.kind == AccountKind.MEMBER else a.household_id): a
        for a in accounts
    }
