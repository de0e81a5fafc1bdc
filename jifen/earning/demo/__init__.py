"""The demo's earning, written through the earning services at past dates (`clock.at`):

- 幸福里社区 (xingfuli.py): 004's rule table, a smart bin's device key, and six months of
  activities (activities.py: sign-ups, waitlists, check-ins by every method, closing) and
  claims (claims.py: drawn photos, refusals, appeals, objections to awards on public
  notice), daily check-ins and the bin's events, given to the ledger's history step as
  dated events so that they interleave with redemptions and donations.
- 绿源村 (village.py): garbage sorting by household under 001 篇一 (photo criteria, 5 a day)
  and 篇五 (accuracy bands at the drop-off station's scale, 2 a day, in its windows).
- 清河县 (county.py): the love-supermarket card of 001 篇三: villages' monthly quotas by
  population, 20 a month per household, awards counted after a week's public notice.

Seeded: the same seed gives the same history, relative to the day it is built."""

from jifen.earning.demo import county, village, xingfuli

COUNTY = county.SLUG
VILLAGE = village.SLUG
__all__ = ["COUNTY", "VILLAGE", "county", "village", "xingfuli"]
