"""Refusals of the ledger services."""

from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import Conflict, DomainError, InvalidInput, PermissionDenied


class InsufficientPoints(DomainError):
    code = "insufficient_points"
    message = _("Not enough points: the balance is %(balance)s, %(needed)s are needed.")


class CapReached(DomainError):
    code = "cap_reached"
    message = _("The limit is reached: at most %(limit)s points per %(period)s.")


class QuotaExhausted(DomainError):
    code = "quota_exhausted"
    message = _("The community's quota for this month is used up (%(limit)s points).")


class AmountNotPositive(InvalidInput):
    code = "amount_not_positive"
    message = _("The number of points must be a whole number above zero.")


class ReasonRequired(InvalidInput):
    code = "reason_required"
    message = _("Give a reason.")


class AlreadyReversed(Conflict):
    code = "already_reversed"
    message = _("This transaction has already been reversed.")


class NotReversible(DomainError):
    code = "not_reversible"
    message = _(
        "This entry cannot be reversed: a reversal is corrected by a new entry, and "
        "points on hold by releasing or settling the hold."
    )


class DuplicateAward(InvalidInput):
    code = "duplicate_award"
    message = _("%(name)s appears more than once in the list.")


class HoldNotOpen(Conflict):
    code = "hold_not_open"
    message = _("These points are no longer on hold (already settled or released).")


class SelfApproval(PermissionDenied):
    code = "self_approval"
    message = _("Someone other than the author must approve this.")


class NotAReviewer(PermissionDenied):
    code = "not_a_reviewer"
    message = _("Only a reviewer or an administrator of the programme may approve this.")


class AlreadyDecided(Conflict):
    code = "already_decided"
    message = _("This request has already been decided.")


class TransfersNotAllowed(DomainError):
    code = "transfers_not_allowed"
    message = _("Points cannot be transferred between residents in this programme.")


class FundInsufficient(DomainError):
    code = "fund_insufficient"
    message = _("The community fund holds %(balance)s points; %(needed)s are needed.")
