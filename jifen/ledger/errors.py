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


class CapInvalid(InvalidInput):
    code = "cap_invalid"
    message = _(
        "A cap is a whole number of points from 1 to %(max)s, per resident or household, "
        "per day, week, month or year."
    )


class CapRepeated(InvalidInput):
    code = "cap_repeated"
    message = _("There are two caps per %(scope)s per %(period)s: keep one.")


class QuotaTiersInvalid(InvalidInput):
    code = "quota_tiers_invalid"
    message = _(
        "Each row of the quota table needs a monthly quota from 1 to %(max)s and a population "
        "larger than the row above it; the last row, for every larger community, has no "
        "population. At most %(rows)s rows."
    )


class RollingMonthsInvalid(InvalidInput):
    code = "rolling_months_invalid"
    message = _("Points stay valid for 1 to %(max)s months.")


class PointValueInvalid(InvalidInput):
    code = "point_value_invalid"
    message = _("The value of one point is from 0 to %(max)s, with at most two decimals.")


class PolicyChoiceInvalid(InvalidInput):
    code = "policy_choice_invalid"
    message = _("“%(value)s” is not one of the choices for %(setting)s.")
