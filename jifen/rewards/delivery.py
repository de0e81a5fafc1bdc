"""Delivered rewards (篇二's gifts): ordered → resident notified → shipped → delivered, within
the programme's working days (7 by default), with an overdue list. Delivered settles the
hold; a refusal releases it, and a refusal for personal reasons costs the programme's penalty
(2,000 points by default), taken through the ledger and never below zero: when the balance is
lower, what there is is taken and the rest is waived (the redemption records both)."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jifen.accounts.models import User
from jifen.ledger import services as ledger
from jifen.lib import clock
from jifen.programmes.models import Programme
from jifen.rewards import errors
from jifen.rewards.catalogue import settings_of
from jifen.rewards.models import (
    DeliveryStep,
    Handover,
    Redemption,
    RedemptionStatus,
    RefusalReason,
)
from jifen.rewards.redeeming import close

ORDER = [DeliveryStep.ORDERED, DeliveryStep.NOTIFIED, DeliveryStep.SHIPPED, DeliveryStep.DELIVERED]


def advance(*, redemption: Redemption, step: str, actor: User | None) -> Redemption:
    """Move a delivery forward (steps may be skipped, never taken back); delivered hands it
    over and settles the hold. Raises StepNotAllowed."""
    current = redemption.step
    allowed = (
        redemption.handover == Handover.DELIVERY
        and redemption.status == RedemptionStatus.OPEN
        and step in ORDER
        and current in ORDER
        and ORDER.index(DeliveryStep(step)) > ORDER.index(DeliveryStep(current))
    )
    if not allowed:
        raise errors.StepNotAllowed(current=_step_label(current), step=_step_label(step))
    if step == DeliveryStep.DELIVERED:
        if not close(redemption, RedemptionStatus.FULFILLED, actor, step=step):
            raise errors.StepNotAllowed(current=_step_label(current), step=_step_label(step))
        return redemption
    now = clock.now()
    changed = Redemption.objects.filter(
        pk=redemption.pk, status=RedemptionStatus.OPEN, step=current
    ).update(step=step, updated_at=now)
    if not changed:
        raise errors.StepNotAllowed(current=_step_label(current), step=_step_label(step))
    redemption.step, redemption.updated_at = step, now
    return redemption


def refuse(*, redemption: Redemption, reason: str, actor: User | None) -> Redemption:
    """The resident refused the delivery: the hold is released and, for personal reasons,
    the programme's penalty is taken (what the balance allows). Raises StepNotAllowed."""
    if (
        redemption.handover != Handover.DELIVERY
        or reason not in RefusalReason.values
        or redemption.status != RedemptionStatus.OPEN
    ):
        raise errors.StepNotAllowed(
            current=_step_label(redemption.step), step=_step_label(DeliveryStep.REFUSED)
        )
    penalty = settings_of(redemption.programme).refusal_penalty
    due = penalty if reason == RefusalReason.PERSONAL else 0
    with transaction.atomic():
        if not close(
            redemption,
            RedemptionStatus.REFUSED,
            actor,
            step=DeliveryStep.REFUSED,
            refusal_reason=reason,
            penalty_due=due,
        ):
            raise errors.StepNotAllowed(
                current=_step_label(redemption.step), step=_step_label(DeliveryStep.REFUSED)
            )
        if due:
            taken = ledger.charge_penalty(
                member=redemption.member,
                amount=due,
                reason=_("Refused the delivery of %(reward)s") % {"reward": redemption.reward.name},
                reference=redemption.reference,
                actor=actor,
            )
            if taken is not None:
                Redemption.objects.filter(pk=redemption.pk).update(penalty_transaction=taken)
                redemption.penalty_transaction = taken
    return redemption


def overdue(programme: Programme) -> QuerySet[Redemption]:
    """Deliveries past their deadline and not yet delivered, the most overdue first."""
    return Redemption.objects.filter(
        programme=programme,
        handover=Handover.DELIVERY,
        status=RedemptionStatus.OPEN,
        due_at__lt=clock.now(),
    ).order_by("due_at", "id")


def _step_label(step: str) -> str:
    return str(DeliveryStep(step).label) if step in DeliveryStep.values else "—"
