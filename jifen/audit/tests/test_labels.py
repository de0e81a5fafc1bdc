"""Every action the code records has a label in the one table, so that no page shows a raw
code such as `role.grant`."""

import ast
from pathlib import Path

from django.utils import translation

import jifen
from jifen.audit.labels import ACTION_LABELS, action_label
from jifen.ledger.models import ApprovalKind

ROOT = Path(jifen.__file__).parent


def _recorded_actions() -> tuple[set[str], set[str]]:
    """The actions passed to record(action=…) in application code: constants, and the
    endings of f-strings (f"{kind}.request" → ".request")."""
    constants: set[str] = set()
    endings: set[str] = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record"):
                continue
            for keyword in node.keywords:
                if keyword.arg != "action":
                    continue
                if isinstance(keyword.value, ast.Constant):
                    assert isinstance(keyword.value.value, str)
                    constants.add(keyword.value.value)
                elif isinstance(keyword.value, ast.JoinedStr):
                    last = keyword.value.values[-1]
                    assert isinstance(last, ast.Constant) and isinstance(last.value, str)
                    endings.add(last.value)
    return constants, endings


def test_every_recorded_action_has_a_label():
    constants, endings = _recorded_actions()
    assert len(constants) > 15 and endings == {".request", ".approve", ".reject"}
    approvals = {kind + ending for kind in ApprovalKind.values for ending in endings}
    assert (constants | approvals) - set(ACTION_LABELS) == set()


def test_an_unknown_action_reads_as_its_code():
    assert action_label("someday.new") == "someday.new"
    with translation.override("en"):
        assert action_label("role.grant") == "Role given"
