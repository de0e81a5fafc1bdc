"""Every refusal has its own stable code: clients switch on it, so two conditions must never
share one."""

import importlib
import pkgutil

import jifen
from jifen.lib.errors import DomainError


def _import_every_module() -> None:
    for info in pkgutil.walk_packages(jifen.__path__, "jifen."):
        if ".tests" in info.name or ".migrations" in info.name or info.name.endswith("wsgi"):
            continue
        importlib.import_module(info.name)


def _every_error_class() -> list[type[DomainError]]:
    found, pending = [], [DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_no_two_error_classes_share_a_code():
    _import_every_module()
    by_code: dict[str, list[str]] = {}
    for cls in _every_error_class():
        by_code.setdefault(cls.code, []).append(f"{cls.__module__}.{cls.__qualname__}")
    shared = {code: names for code, names in by_code.items() if len(names) > 1}
    assert shared == {}


def test_every_error_class_names_its_own_code():
    _import_every_module()
    inheriting = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _every_error_class()
        if "code" not in vars(cls)
    ]
    assert inheriting == []
