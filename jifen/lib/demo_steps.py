"""Steps that later parts of the product add to `jifen demo`. An app declares them in a
module named `demo.py` (found like `admin.py`); they run in `order` after the people exist.

    @demo_steps.register(order=10)
    def six_months_of_points(*, programme, staff, seed): ...

History that several apps write into the same accounts is dated: an app offers its events
(moment, action) with `register_events`, and the step that writes the history plays every
app's events together in date order (`play`), so that each balance follows from the one
before it whichever app wrote it.

    @demo_steps.register_events(order=20)
    def activities(*, programme, staff, seed) -> list[Event]: ...

Each programme whose history is played asks every source (`events(programme=…)`): a source
returns nothing for a programme it does not write. An app that makes accounts of its own
(a store's cashier) names them with `register_login`, to be printed with the demo's logins.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils.module_loading import autodiscover_modules

from jifen.lib import clock

Step = Callable[..., None]
Event = tuple[datetime, Callable[[], object]]  # what an action returns is not read
EventSource = Callable[..., list[Event]]
_steps: list[tuple[int, str, Step]] = []
_sources: list[tuple[int, str, EventSource]] = []
_logins: list[tuple[str, str, str]] = []  # (login, role kind, note)


def register(*, order: int) -> Callable[[Step], Step]:
    def decorate(step: Step) -> Step:
        if all(s is not step for _, _, s in _steps):
            _steps.append((order, step.__module__ + "." + step.__name__, step))
        return step

    return decorate


def steps() -> list[Step]:
    autodiscover_modules("demo")
    return [step for _, _, step in sorted(_steps, key=lambda s: (s[0], s[1]))]


def register_events(*, order: int) -> Callable[[EventSource], EventSource]:
    def decorate(source: EventSource) -> EventSource:
        if all(s is not source for _, _, s in _sources):
            _sources.append((order, source.__module__ + "." + source.__name__, source))
        return source

    return decorate


def events(**context: Any) -> list[Event]:
    """Every registered source's events, in the sources' order (each given `context`)."""
    autodiscover_modules("demo")
    found: list[Event] = []
    for _, _, source in sorted(_sources, key=lambda s: (s[0], s[1])):
        found += source(**context)
    return found


def play(events: list[Event]) -> None:
    """Run each action at its moment (`clock.at`), earliest first; events of one moment in
    the order given."""
    for moment, action in sorted(events, key=lambda e: e[0]):
        with clock.at(moment):
            action()


def register_login(login: str, kind: str, note: str = "") -> None:
    """An account an app's demo creates (with the demo's password): its login, its role's
    kind (RoleKind) and a note saying where it works."""
    if all(x[0] != login for x in _logins):
        _logins.append((login, kind, note))


def logins() -> list[tuple[str, str, str]]:
    autodiscover_modules("demo")
    return list(_logins)
