"""The demo's rewards, redeemed through the rewards services at past dates (`clock.at`),
given as dated events to the history of the programme they belong to, so that each
redemption spends points earned before it:

- 幸福里社区 (xingfuli.py): the points supermarket and partner shops with 004's catalogue
  and privileges, and six months of redemptions (the ledger's history step plays them).
- 清河县 (county.py): the county store and the villages' 爱心超市 with 篇三's shelves and
  donated-goods area, and the households' shopping after each month's points (the county's
  history plays them).

Both: codes verified at the counter by the store's cashier, some collected later, some
cancelled, some expired by the worker's nightly run, and last quarter settled. Seeded: the
same seed gives the same redemptions, relative to the day the demo is built."""

from jifen.accounts.models import User
from jifen.earning.demo import COUNTY
from jifen.lib import clock, demo_steps
from jifen.lib.demo_steps import Event
from jifen.programmes.demo import SLUG
from jifen.programmes.models import Programme, RoleKind
from jifen.rewards.demo import county, xingfuli

demo_steps.register_login(xingfuli.SHOP_CASHIER[0], RoleKind.CASHIER, "幸福里合作商户")
demo_steps.register_login(county.AIXIN_CASHIER[0], RoleKind.CASHIER, "清河县各村爱心超市")


@demo_steps.register_events(order=50)
def redemptions(*, programme: Programme, staff: dict[str, User], seed: int) -> list[Event]:
    """The stores, their catalogue and their redemptions, for the programme's history."""
    if programme.slug == SLUG:
        return xingfuli.history(programme, staff, seed, clock.now())
    if programme.slug == COUNTY:
        return county.history(programme, staff, seed, clock.now())
    return []
