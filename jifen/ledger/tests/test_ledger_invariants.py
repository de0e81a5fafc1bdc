"""Random sequences of every ledger operation keep the books right: each transaction
balances, each stored balance equals its postings, lots add up to every wallet, no wallet
goes below zero, and lifetime earnings never fall (only a reversal of an earning takes some
back) nor below zero."""

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from jifen.ledger import services
from jifen.ledger.accounts import policy_of
from jifen.ledger.models import Account, Hold, HoldStatus, Lot, Posting, Transaction
from jifen.ledger.services import bulk_award, expire_lots
from jifen.lib.errors import DomainError
from jifen.programmes.models import RoleKind
from jifen.testing import make_community, make_member, make_programme, make_staff

amounts = st.integers(min_value=1, max_value=60)


class Ledger(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.programme = make_programme()
        community = make_community(programme=self.programme)
        self.members = [make_member(community=community) for _ in range(3)]
        self.admin = make_staff(programme=self.programme, kind=RoleKind.ADMIN)
        self.reviewer = make_staff(programme=self.programme, kind=RoleKind.REVIEWER)
        policy = policy_of(self.programme)
        policy.caps = [{"scope": "member", "period": "day", "limit": 400}]
        policy.save()
        self.lifetime: dict[int, int] = {}
        self.reversed = False

    def attempt(self, operation, **kwargs):
        try:
            return operation(**kwargs)
        except DomainError:
            return None

    @rule(who=st.integers(0, 2), amount=amounts)
    def award(self, who, amount):
        self.attempt(services.award_points, member=self.members[who], amount=amount, reason="r")

    @rule(amount=amounts)
    def award_everyone(self, amount):
        self.attempt(
            bulk_award,
            programme=self.programme,
            reason="活动",
            awards=[(m, amount) for m in self.members],
        )

    @rule(who=st.integers(0, 2), amount=amounts)
    def hold(self, who, amount):
        self.attempt(services.hold_points, member=self.members[who], amount=amount, reference="r")

    @rule(settle=st.booleans(), pick=st.integers(0, 50))
    def close_a_hold(self, settle, pick):
        holds = list(Hold.objects.filter(status=HoldStatus.OPEN))
        if holds:
            close = services.settle_hold if settle else services.release_hold
            self.attempt(close, hold=holds[pick % len(holds)])

    @rule(who=st.integers(0, 2), amount=amounts)
    def donate(self, who, amount):
        self.attempt(services.donate_points, member=self.members[who], amount=amount)

    @rule(who=st.integers(0, 2), amount=amounts, grant=st.booleans(), negative=st.booleans())
    def approved_change(self, who, amount, grant, negative):
        kind = "grant" if grant else "adjust"
        change = -amount if negative and not grant else amount
        approval = self.attempt(
            services.request_approval,
            kind=kind,
            amount=change,
            member=self.members[who],
            reason="r",
            actor=self.admin,
        )
        if approval:
            self.attempt(services.approve, approval=approval, actor=self.reviewer)

    @rule(pick=st.integers(0, 200))
    def reverse(self, pick):
        count = Transaction.objects.count()
        if count:
            original = Transaction.objects.order_by("id")[pick % count]
            self.reversed = bool(
                self.attempt(
                    services.reverse_transaction,
                    original=original,
                    reason="r",
                    actor=self.admin,
                )
            )

    @rule()
    def expire_everything_earned_so_far(self):
        from datetime import timedelta

        from django.utils import timezone

        expire_lots(programme=self.programme, now=timezone.now() + timedelta(days=800))

    @invariant()
    def books_are_right(self):
        if not hasattr(self, "programme"):
            return
        for total in Posting.objects.values("transaction", "asset").annotate(t=Sum("amount")):
            assert total["t"] == 0
        for account in Account.objects.all():
            posted = account.postings.aggregate(t=Sum("amount"))["t"] or 0
            if account.is_bounded:
                assert account.balance == posted >= 0
            if account.kind in ("member", "household"):
                lots = Lot.objects.filter(account=account).aggregate(t=Sum("remaining"))["t"]
                assert (lots or 0) == account.balance
            assert account.lifetime_earned >= 0
            if not self.reversed:
                assert account.lifetime_earned >= self.lifetime.get(account.pk, 0)
            self.lifetime[account.pk] = account.lifetime_earned
        self.reversed = False


@pytest.mark.django_db
def test_random_sequences_keep_the_books_right():
    Ledger.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    Ledger.TestCase().runTest()
