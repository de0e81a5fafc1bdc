"""Refusals of the rewards services: each a stable code and a translated message."""

from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import Conflict, DomainError, InvalidInput, NotFound


class InvalidReward(InvalidInput):
    code = "invalid_reward"
    message = _("The reward is not valid: %(problem)s.")


class InvalidStore(InvalidInput):
    code = "invalid_store"
    message = _("The store is not valid: %(problem)s.")


class StoreCodeTaken(Conflict):
    code = "store_code_taken"
    message = _("This programme already has a store with the code “%(code)s”.")


class NotACashier(InvalidInput):
    code = "not_a_cashier"
    message = _("%(name)s has no cashier role in this programme.")


class RewardNotOffered(DomainError):
    code = "reward_not_offered"
    message = _("“%(reward)s” is not offered at the moment.")


class OutOfSeason(DomainError):
    code = "out_of_season"
    message = _("“%(reward)s” is offered only %(when)s.")


class NotForResident(DomainError):
    code = "reward_not_for_resident"
    message = _("“%(reward)s” is for %(who)s.")


class PrivilegeNotSpent(DomainError):
    code = "privilege_not_spent"
    message = _("“%(reward)s” is a privilege: it costs nothing and comes with your points.")


class DonatedAreaClosed(DomainError):
    code = "donated_area_closed"
    message = _("The donated-goods area opens after a redemption in the goods area this month.")


class NotAtStore(DomainError):
    code = "not_at_store"
    message = _("“%(reward)s” is not handed out at %(store)s.")


class ChooseStore(InvalidInput):
    code = "store_required"
    message = _("Choose where to collect “%(reward)s”.")


class OutOfStock(DomainError):
    code = "out_of_stock"
    message = _("“%(reward)s” is out of stock at %(store)s.")


class MonthlyLimitReached(DomainError):
    code = "monthly_limit_reached"
    message = _("“%(reward)s” is limited to %(limit)s a month and none are left this month.")


class MemberLimitReached(DomainError):
    code = "member_limit_reached"
    message = _("You may redeem “%(reward)s” %(limit)s times %(per)s, and have already.")


class QuantityInvalid(InvalidInput):
    code = "quantity_invalid"
    message = _("The quantity must be a whole number from 1 to %(max)s.")


class AddressRequired(InvalidInput):
    code = "delivery_address_required"
    message = _("A delivery address is required for “%(reward)s”.")


class CodeMistyped(InvalidInput):
    code = "code_mistyped"
    message = _("“%(code)s” is not a redemption code: check the characters and try again.")


class UnknownCode(NotFound):
    code = "code_unknown"
    message = _("No redemption has the code %(code)s.")


class CodeOfAnotherStore(DomainError):
    code = "code_other_store"
    message = _("This code is for %(store)s, not for this store.")


class CodeUsed(Conflict):
    code = "code_used"
    message = _("This code was already used on %(when)s.")


class CodeCancelled(Conflict):
    code = "code_cancelled"
    message = _("This code was cancelled: its points went back to the resident.")


class CodeExpired(Conflict):
    code = "redemption_code_expired"
    message = _("This code expired on %(when)s: its points went back to the resident.")


class CodeForDelivery(DomainError):
    code = "code_for_delivery"
    message = _("This redemption is delivered, not collected at a counter.")


class NotCancellable(Conflict):
    code = "not_cancellable"
    message = _("This redemption can no longer be cancelled.")


class StepNotAllowed(Conflict):
    code = "delivery_step_not_allowed"
    message = _("A delivery cannot go from “%(current)s” to “%(step)s”.")


class NotOnWaitlist(DomainError):
    code = "waitlist_not_offered"
    message = _("“%(reward)s” has no waitlist: it is in stock or not offered by balance.")


class PeriodNotOver(DomainError):
    code = "period_not_over"
    message = _("The period ends on %(end)s: it can be settled after that.")


class AlreadySettled(Conflict):
    code = "already_settled"
    message = _("This store's period from %(start)s was settled already.")


class InvalidRewardSettings(InvalidInput):
    code = "invalid_reward_settings"
    message = _("The redemption settings are not valid: %(problem)s.")
