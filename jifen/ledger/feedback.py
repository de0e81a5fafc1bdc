"""The instant feedback the documents ask for after every award: “本次获得5积分，当前总积分250”."""

from django.utils.translation import gettext as _

from jifen.ledger.services import AwardResult
from jifen.programmes.models import Programme


def award_message(programme: Programme, result: AwardResult) -> str:
    params = {
        "points": result.awarded,
        "currency": programme.currency_name,
        "total": result.balance,
        "requested": result.requested,
    }
    if result.truncated:
        return (
            _(
                "You earned %(points)s %(currency)s (of %(requested)s: a limit was reached); "
                "your total is now %(total)s."
            )
            % params
        )
    return _("You earned %(points)s %(currency)s; your total is now %(total)s.") % params
