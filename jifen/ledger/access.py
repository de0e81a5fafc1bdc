"""Who may see which ledger object: transactions, holds and approvals, looked up for a staff
scope as jifen.programmes.access describes. Each is narrowed to the scope's programme and,
for staff limited to some communities, to the communities of the member concerned (a hold:
the wallet's owner, a member or a household). Missing and forbidden both raise Http404.

They live here rather than in programmes/access.py because the programmes app must not
know the ledger's models; web and API import them from here."""

from django.db.models import QuerySet

from jifen.ledger.models import Approval, Hold, Transaction
from jifen.programmes.access import StaffScope, found, in_scope

# The paths from a hold to a community: its wallet is a member's or a household's.
HOLD_COMMUNITY = ("account__member__community", "account__household__community")


def transactions_in_scope(scope: StaffScope) -> QuerySet[Transaction]:
    """Transactions of the scope's members (every one, for programme-wide staff)."""
    return in_scope(scope, Transaction.objects.all(), "member__community")


def access_transaction(scope: StaffScope, public_id: str) -> Transaction:
    return found(transactions_in_scope(scope), public_id=public_id)


def access_hold(scope: StaffScope, public_id: str) -> Hold:
    return found(in_scope(scope, Hold.objects.all(), *HOLD_COMMUNITY), public_id=public_id)


def approvals_in_scope(scope: StaffScope) -> QuerySet[Approval]:
    return in_scope(scope, Approval.objects.all(), "member__community")


def access_approval(scope: StaffScope, approval_id: int) -> Approval:
    return found(approvals_in_scope(scope).select_related("member"), pk=approval_id)
