import pytest
from jifen.ledger import errors
from jifen.ledger.bulk_award import bulk_award
from jifen.ledger.corrections import reverse_transaction
from jifen.ledger.expiry import expiring_soon
from jifen.ledger.models import Hold, Transaction
from jifen.ledger.queries import summary_of
from jifen.ledger.services import award_points, hold_points, settle_hold
from jifen.programmes.models import ProgrammeWalletLevel
from jifen.testing import make_household, make_member
from datetime import timedelta
from django.utils import timezone


def test_probe_reverse_hold(member, admin):
    award_points(member=member, amount=100, reason="x")
    hold = hold_points(member=member, amount=30, reference="r")
    try:
        tx = reverse_transaction(original=hold.hold_transaction, reason="oops", actor=admin)
        print("REVERSED HOLD", tx, summary_of(member))
    except Exception as e:
        print("hold reversal refused", e)
    settle_hold(hold=hold)
    settle_tx = Hold.objects.get(pk=hold.pk).final_transaction
    try:
        reverse_transaction(original=settle_tx, reason="oops", actor=admin)
        print("REVERSED SETTLE")
    except Exception as e:
        print("settle refused", repr(e))


def test_probe_bulk_duplicate(member, programme):
    res = bulk_award(programme=programme, awards=[(member, 5), (member, 7)], reason="x")
    print("DUP", [(r.transaction.pk, r.awarded, r.balance) for r in res])


def test_probe_household_expiring(programme, community):
    programme.wallet_level = ProgrammeWalletLevel.HOUSEHOLD
    programme.save()
    home = make_household(community=community)
    m = make_member(community=community, household=home)
    award_points(member=m, amount=10, reason="x")
    print("EXPIRING", expiring_soon(programme, within_days=400))
