"""Refusals of the earning services: each a stable code and a translated message."""

from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import Conflict, DomainError, InvalidInput, PermissionDenied


class InvalidRule(InvalidInput):
    code = "invalid_rule"
    message = _("The rule is not valid: %(problem)s.")


class RuleCodeTaken(Conflict):
    code = "rule_code_taken"
    message = _("This programme already has a rule with the code “%(code)s”.")


class RuleInactive(DomainError):
    code = "rule_inactive"
    message = _("This rule is switched off.")


class ClaimsNotAllowed(DomainError):
    code = "claims_not_allowed"
    message = _("Points under “%(rule)s” cannot be claimed: they are given at activities.")


class OutsideWindow(DomainError):
    code = "outside_window"
    message = _("“%(rule)s” earns points only %(windows)s.")


class NotEligible(DomainError):
    code = "not_eligible"
    message = _("%(name)s cannot earn under “%(rule)s”.")


class NotCardOfProgramme(InvalidInput):
    code = "card_not_valid"
    message = _("This card is not valid here: it was replaced, revoked or is of another programme.")


class NoSuchResident(InvalidInput):
    code = "resident_not_found"
    message = _("No resident of this programme has this phone number.")


class ActivityNotOpen(DomainError):
    code = "activity_not_open"
    message = _("This activity is closed or cancelled.")


class OutsideActivity(DomainError):
    code = "outside_activity"
    message = _("Check-in is open from 1 hour before the activity starts until it ends.")


class SignUpClosed(DomainError):
    code = "signup_closed"
    message = _("Sign-up for this activity is not open.")


class NotForCommunity(DomainError):
    code = "not_for_community"
    message = _("This activity is for residents of %(community)s.")


class CodeExpired(InvalidInput):
    code = "code_expired"
    message = _("This check-in code has expired: scan the code on the screen again.")


class CodeInvalid(InvalidInput):
    code = "code_invalid"
    message = _("This is not a check-in code of this activity.")


class NotSignedUp(DomainError):
    code = "not_signed_up"
    message = _("%(name)s is not checked in at this activity.")


class TooManyPhotos(InvalidInput):
    code = "too_many_photos"
    message = _("At most %(max)s photos.")


class UnknownCriterion(InvalidInput):
    code = "unknown_criterion"
    message = _("“%(code)s” is not a criterion of this rule.")


class MeasureRequired(InvalidInput):
    code = "measure_required"
    message = _("Give the %(measure)s (a whole number from 0 to %(max)s).")


class ClaimDecided(Conflict):
    code = "claim_decided"
    message = _("This claim has already been decided.")


class OwnClaim(PermissionDenied):
    code = "own_claim"
    message = _("Nobody decides a claim, appeal or objection of their own or of their household.")


class NothingEarned(DomainError):
    code = "nothing_earned"
    message = _("These criteria earn no points under “%(rule)s”.")


class NoticeOver(DomainError):
    code = "notice_over"
    message = _("The public notice of this award is over: appeal it instead.")


class AppealTooLate(DomainError):
    code = "appeal_too_late"
    message = _("Appeals are accepted within %(days)s days; this one is too late.")


class AppealNotAllowed(InvalidInput):
    code = "appeal_not_allowed"
    message = _("There is nothing to appeal here.")


class AppealOpenAlready(Conflict):
    code = "appeal_open"
    message = _("An appeal about this is already waiting for an answer.")


class AppealAnswered(Conflict):
    code = "appeal_answered"
    message = _("This appeal has already been answered.")


class AlreadyCheckedInToday(Conflict):
    code = "checked_in_today"
    message = _("You have checked in today already.")


class DeviceKeyRevoked(PermissionDenied):
    code = "device_key_revoked"
    message = _("This device key is revoked or unknown.")


class DeviceRuleNotAllowed(PermissionDenied):
    code = "device_rule_not_allowed"
    message = _("This device may not post events for “%(rule)s”.")


class DeviceRateLimited(DomainError):
    code = "rate_limited"
    message = _("Too many events from this device: at most %(limit)s a minute.")
    status = 429
