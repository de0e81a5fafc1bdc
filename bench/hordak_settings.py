"""Settings for bench/hordak_compare.py only: Jifen's settings plus django-hordak and the apps it
needs, so that hordak's tables live in the bench database and never in Jifen's own schema.

Hordak's amounts are money: every hordak account and leg in the bench uses the one currency
"CNY" for points. ISO 4217 "XXX" (no currency) would say it better, but hordak refuses it as
HORDAK_INTERNAL_CURRENCY when it loads (its exchange-rate backend lists real currencies only).
`make bench` skips this file (it runs every other bench/*.py).
"""

from jifen.settings import *  # noqa: F403
from jifen.settings import INSTALLED_APPS as JIFEN_APPS

INSTALLED_APPS = [*JIFEN_APPS, "mptt", "djmoney", "hordak"]

POINTS_CURRENCY = "CNY"
DEFAULT_CURRENCY = POINTS_CURRENCY  # hordak: new accounts' currencies
HORDAK_INTERNAL_CURRENCY = POINTS_CURRENCY  # hordak: the legs' default currency
HORDAK_CURRENCIES = [POINTS_CURRENCY]
CURRENCIES = [POINTS_CURRENCY]  # django-money's choices
