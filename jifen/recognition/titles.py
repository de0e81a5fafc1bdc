"""Annual titles (社区之星): the year's top earners by points earned in that calendar year (the
programme's time zone), given once a year has ended, by the year-end job or by an admin. Each
Title keeps its points and the public ids of the transactions behind them, for the log's proof.

Points earned in a year are what its awards and adjustments credited to a wallet, less the
ones reversed since: the same points that lifetime_earned counts, in one aggregate query."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jifen.accounts.models import User
from jifen.ledger.models import WALLETS, Asset, Posting, TransactionKind
from jifen.lib import clock
from jifen.lib.errors import DomainError
from jifen.lib.periods import local
from jifen.programmes.models import Member, Programme
from jifen.recognition.models import Title
from jifen.recognition.names import settings_of

EARNING = (TransactionKind.AWARD, TransactionKind.ADJUST)


class YearNotOver(DomainError):
    code = "year_not_over"
    message = _("The titles of %(year)s are given once the year has ended.")
    status = 409


@dataclass(frozen=True)
class Earner:
    """A member's points earned in a year and the transactions that earned them."""

    member_id: int
    points: int
    transactions: list[str]


def year_bounds(programme: Programme, year: int) -> tuple[datetime, datetime]:
    """The first instant of `year` and of the next one, in the programme's time zone."""
    tz = ZoneInfo(programme.timezone)
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def earned_postings(programme: Programme) -> QuerySet[Posting]:
    """Credits to a wallet by a member's award or adjustment, not reversed."""
    return Posting.objects.filter(
        Q(transaction__reversal__isnull=True),
        transaction__programme=programme,
        transaction__kind__in=EARNING,
        transaction__member__isnull=False,
        account__kind__in=WALLETS,
        asset=Asset.POINTS,
        amount__gt=0,
    )


def top_earners(programme: Programme, year: int, *, count: int) -> list[Earner]:
    """The `count` members who earned most in `year`, most first (ties: the earlier member)."""
    start, end = year_bounds(programme, year)
    in_year = earned_postings(programme).filter(
        transaction__created_at__gte=start, transaction__created_at__lt=end
    )
    rows = in_year.values_list("transaction__member_id", "amount", "transaction__public_id")
    points: dict[int, int] = defaultdict(int)
    behind: dict[int, list[str]] = defaultdict(list)
    for member_id, amount, public_id in rows.order_by("transaction_id"):
        points[member_id] += amount
        behind[member_id].append(public_id)
    ranked = sorted(points, key=lambda m: (-points[m], m))[:count]
    return [Earner(m, points[m], behind[m]) for m in ranked]


def year_is_over(programme: Programme, year: int) -> bool:
    return local(clock.now(), programme.timezone).year > year


def titles_of(programme: Programme, year: int | None = None) -> QuerySet[Title]:
    """The programme's titles (of one year, or all), newest year first, by rank."""
    titles = Title.objects.filter(programme=programme).select_related("member__community")
    return titles.filter(year=year) if year is not None else titles


def give_titles(*, programme: Programme, year: int, actor: User | None = None) -> list[Title]:
    """Give the year's titles to its top earners, once: called again, it returns the titles
    already given. Raises YearNotOver."""
    if not year_is_over(programme, year):
        raise YearNotOver(year=year)
    name = settings_of(programme).title_name
    given = list(titles_of(programme, year).filter(name=name))
    if given:
        return given
    earners = top_earners(programme, year, count=settings_of(programme).title_count)
    try:
        with transaction.atomic():
            return _create(programme, year, name, earners, actor)
    except IntegrityError:  # another call gave them at the same moment (one_title_a_year)
        return list(titles_of(programme, year).filter(name=name))


def _create(
    programme: Programme, year: int, name: str, earners: list[Earner], actor: User | None
) -> list[Title]:
    members = Member.objects.in_bulk([e.member_id for e in earners])
    titles = [
        Title(
            programme=programme,
            member=members[e.member_id],
            name=name,
            year=year,
            rank=rank,
            points=e.points,
            transactions=e.transactions,
            given_by=actor,
        )
        for rank, e in enumerate(earners, start=1)
    ]
    return Title.objects.bulk_create(titles)


def give_last_years_titles() -> int:
    """The year-end job: every programme's titles of the year that ended last, once.
    Returns how many titles it gave."""
    given = 0
    for programme in Programme.objects.order_by("pk"):
        year = local(clock.now(), programme.timezone).year - 1
        name = settings_of(programme).title_name
        if not Title.objects.filter(programme=programme, year=year, name=name).exists():
            given += len(give_titles(programme=programme, year=year))
    return given
