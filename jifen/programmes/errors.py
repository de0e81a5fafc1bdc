"""Refusals raised by the programme services."""

from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import Conflict, DomainError, InvalidInput


class NameRequired(InvalidInput):
    code = "name_required"
    message = _("A name is required.")


class PhoneTaken(Conflict):
    code = "phone_taken"
    message = _("Another member of this programme already has the phone number %(phone)s.")


class CommunityNotInProgramme(InvalidInput):
    code = "unknown_community"
    message = _("There is no community “%(name)s” in this programme.")


class CommunityNameTaken(Conflict):
    code = "community_name_taken"
    message = _("This programme already has a community called “%(name)s”.")


class HouseholdElsewhere(InvalidInput):
    code = "household_in_other_community"
    message = _("The household belongs to another community.")


class AddressRequired(InvalidInput):
    code = "address_required"
    message = _("A household needs a building, unit and room, or an address.")


class SlugTaken(Conflict):
    code = "slug_taken"
    message = _("The short name “%(slug)s” is already used by another programme.")


class RoleExists(Conflict):
    code = "role_exists"
    message = _("This person already has this role here.")


class LastAdmin(DomainError):
    code = "last_admin"
    message = _("A programme must keep at least one administrator.")


class InvitationInvalid(DomainError):
    code = "invitation_invalid"
    message = _("This invitation link is not valid: it has expired, been used or been replaced.")
    status = 410


class MemberHasNoAccount(DomainError):
    code = "member_has_no_account"
    message = _("This member has not signed in yet; send an invitation instead.")


class InactiveMember(DomainError):
    code = "member_inactive"
    message = _("%(name)s is not an active member.")
