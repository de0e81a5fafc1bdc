"""Steps that later parts of the product add to `jifen demo`. An app declares them in a
module named `demo.py` (found like `admin.py`); they run in `order` after the people exist.

    @demo_steps.register(order=10)
    def six_months_of_points(*, programme, staff, seed): ...
"""

from collections.abc import Callable

from django.utils.module_loading import autodiscover_modules

Step = Callable[..., None]
_steps: list[tuple[int, str, Step]] = []


def register(*, order: int) -> Callable[[Step], Step]:
    def decorate(step: Step) -> Step:
        if all(s is not step for _, _, s in _steps):
            _steps.append((order, step.__module__ + "." + step.__name__, step))
        return step

    return decorate


def steps() -> list[Step]:
    autodiscover_modules("demo")
    return [step for _, _, step in sorted(_steps, key=lambda s: (s[0], s[1]))]
