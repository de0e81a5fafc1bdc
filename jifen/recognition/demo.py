"""The demo's recognition, once every programme's history has been played: each demo
programme's leaderboards computed, 幸福里社区's names masked on its public boards (张*三:
an urban neighbourhood, where neighbours are strangers; the village and the county keep the
defaults), one or two of the top residents of each programme opted out of public boards, and
the titles (社区之星) of every year of the history that is over — none when the history lies
in the current year."""

import random

from django.db.models import Min

from jifen.accounts.models import User
from jifen.earning.demo import COUNTY, VILLAGE
from jifen.lib import clock, demo_steps
from jifen.lib.periods import local
from jifen.programmes.demo import SLUG
from jifen.programmes.models import Member, Programme, RoleKind
from jifen.recognition import services, standings, titles
from jifen.recognition.models import Board, NameDisplay, Period, Standing
from jifen.recognition.names import settings_of

PROGRAMMES = (SLUG, VILLAGE, COUNTY)


@demo_steps.register(order=60)
def boards_and_titles(*, programme: Programme, staff: dict[str, User], seed: int) -> None:
    rng = random.Random(seed + 60)
    admin = staff[RoleKind.ADMIN]
    for found in Programme.objects.filter(slug__in=PROGRAMMES).order_by("pk"):
        if found.slug == SLUG:
            _mask_names(found, admin)
        _titles(found, admin)
        standings.refresh(found)
        _opt_out(found, rng)


def _mask_names(programme: Programme, admin: User) -> None:
    current = settings_of(programme)
    services.update_settings(
        programme=programme,
        actor=admin,
        star_thresholds=current.star_thresholds,
        star_names=current.star_names,
        name_display=NameDisplay.MASKED,
    )


def _titles(programme: Programme, admin: User) -> None:
    """The titles of each year from the history's first to the last one that is over."""
    first = titles.earned_postings(programme).aggregate(at=Min("transaction__created_at"))["at"]
    if first is None:
        return
    this_year = local(clock.now(), programme.timezone).year
    for year in range(local(first, programme.timezone).year, this_year):
        titles.give_titles(programme=programme, year=year, actor=admin)


def _opt_out(programme: Programme, rng: random.Random) -> None:
    """One or two of this year's ten first residents choose to stay off the public boards."""
    leaders = list(
        Standing.objects.filter(programme=programme, board=Board.MEMBERS, period=Period.YEAR)
        .order_by("rank", "subject_id")
        .values_list("subject_id", flat=True)[:10]
    )
    chosen = rng.sample(leaders, min(len(leaders), rng.choice((1, 2))))
    for member in Member.objects.filter(pk__in=chosen).order_by("pk"):
        services.set_preference(member=member, hide_name=True)
