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


class AccountBelongsElsewhere(DomainError):
    code = "account_belongs_elsewhere"
    message = _(
        "This person's account also belongs to another programme, so only they can change "
        "its password (or the platform's operator, if they have lost it)."
    )


class SignInToAccept(DomainError):
    code = "sign_in_to_accept"
    message = _("This invitation is for someone who already has an account: sign in to accept it.")
    status = 403


class InvitationForSomeoneElse(DomainError):
    code = "invitation_for_someone_else"
    message = _(
        "This invitation is for someone else. Sign out, then sign in as the person invited."
    )
    status = 403


class AlreadyMember(Conflict):
    code = "already_member"
    message = _("You are already a member of %(programme)s.")


class RoleOfferClosed(DomainError):
    code = "role_offer_closed"
    message = _("This offer has already been answered or withdrawn.")
    status = 410


class RoleOfferLinkInvalid(DomainError):
    code = "role_offer_link_invalid"
    message = _(
        "This role offer link is not valid. Check that it was copied whole, or ask the "
        "programme's administrator for a new one."
    )
    status = 404


class RoleOfferExpired(DomainError):
    code = "role_offer_expired"
    message = _(
        "This role offer has expired. Ask the programme's administrator to offer you the "
        "role again."
    )
    status = 410


class RoleOfferForSomeoneElse(DomainError):
    code = "role_offer_for_someone_else"
    message = _(
        "This role is offered to someone else. Sign out, then sign in as the person it is "
        "offered to."
    )
    status = 403


class RoleOfferPending(Conflict):
    code = "role_offer_pending"
    message = _(
        "This role is already offered to this person and they have not answered yet. To give "
        "them a new link, withdraw the offer first."
    )


class RoleNeedsConsent(DomainError):
    code = "role_needs_consent"
    message = _("This person already uses their account: offer them the role instead.")


class AccountExists(Conflict):
    code = "account_exists"
    message = _(
        "An account already has this username or phone number. Leave the password empty: "
        "the role is then offered to its owner, who accepts it when signed in."
    )


class UsernameNotAllowed(InvalidInput):
    code = "username_not_allowed"
    message = _(
        "Choose another username: one that looks like a phone number or begins with “m-” "
        "could be taken for a resident's."
    )
