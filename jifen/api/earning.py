"""The earning API, tagged "earning": rules (jifen.api.rules), activities (activities), their
sign-ups and check-ins (checkins), claims (claims), earnings and the notice board (earnings),
objections and appeals (appeals), for staff under /programmes/<slug>/… and for the resident
under /programmes/<slug>/me/…. Devices have their own (jifen.api.devices).

Every write takes an `Idempotency-Key` header; every refusal is {"code", "detail"} with the
earning services' stable codes; every object is looked up through jifen.earning.access, so
that another community's or programme's object answers 404 like a missing one."""

from ninja import Router

from jifen.api import activities, appeals, checkins, claims, earnings, rules

router = Router(tags=["earning"])
for part in (rules, activities, checkins, claims, earnings, appeals):
    router.add_router("", part.router)
