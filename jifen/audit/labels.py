"""What each audit action is called on a page: the one table of them. Entries keep the
stable code (`member.create`); people read the label, in their own language. A service that
records a new action adds its label here (a test finds every action recorded in the code)."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "programme.create": _("Programme created"),
    "programme.update": _("Programme settings changed"),
    "policy.update": _("Points policy changed"),
    "community.create": _("Community added"),
    "community.update": _("Community changed"),
    "member.create": _("Resident added"),
    "member.update": _("Resident's details changed"),
    "member.reset_access": _("Resident's access reset"),
    "household.set_head": _("Head of household named"),
    "residents.import": _("Residents imported"),
    "invitation.create": _("Invitation sent"),
    "invitation.accept": _("Invitation accepted"),
    "invitation.revoke": _("Invitation revoked"),
    "invitation.decline": _("Invitation declined"),
    "card.revoke": _("Printed cards voided"),
    "cards.print": _("Member cards printed"),
    "on_behalf.start": _("Started acting on behalf"),
    "on_behalf.stop": _("Stopped acting on behalf"),
    "role.grant": _("Role given"),
    "role.revoke": _("Role taken away"),
    "role.offer": _("Role offered"),
    "role.accept": _("Role offer accepted"),
    "role.decline": _("Role offer declined"),
    "role.withdraw": _("Role offer withdrawn"),
    "user.create": _("Staff account created"),
    "token.create": _("API token created"),
    "token.revoke": _("API token revoked"),
    "adjust.request": _("Adjustment requested"),
    "adjust.approve": _("Adjustment approved"),
    "adjust.reject": _("Adjustment rejected"),
    "grant.request": _("Grant from the fund requested"),
    "grant.approve": _("Grant from the fund approved"),
    "grant.reject": _("Grant from the fund rejected"),
    "demo.create": _("Demo programme built"),
    "rule.create": _("Earning rule added"),
    "rule.update": _("Earning rule changed"),
    "activity.create": _("Activity created"),
    "activity.update": _("Activity changed"),
    "activity.close": _("Activity closed and points credited"),
    "activity.cancel": _("Activity cancelled"),
    "claim.approve": _("Claim approved"),
    "claim.reject": _("Claim refused"),
    "appeal.uphold": _("Appeal upheld"),
    "appeal.dismiss": _("Appeal dismissed"),
    "device.create": _("Device key created"),
    "device.revoke": _("Device key revoked"),
    "earning_settings.update": _("Earning settings changed"),
}


def action_label(action: str) -> str:
    """The label of an action; the code itself for one this table does not know."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
