"""Points change through one public module: other apps call jifen.ledger.services, read
through queries, models and errors, and look ledger objects up through access; none reaches
into the ledger's private modules."""

import ast
from pathlib import Path

import jifen

PUBLIC = {"services", "queries", "models", "errors", "access"}
ROOT = Path(jifen.__file__).parent


def _application_modules() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and path.parts[len(ROOT.parts)] != "ledger"
    ]


def _ledger_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "jifen.ledger":
                names += [alias.name for alias in node.names]
            elif node.module.startswith("jifen.ledger."):
                names.append(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            names += [
                a.name.split(".")[2] for a in node.names if a.name.startswith("jifen.ledger.")
            ]
    return names


def test_other_apps_use_only_the_public_modules_of_the_ledger():
    reaching_in = {
        str(path.relative_to(ROOT)): sorted(set(_ledger_imports(path)) - PUBLIC)
        for path in _application_modules()
    }
    assert {path: names for path, names in reaching_in.items() if names} == {}


def test_the_services_module_offers_every_point_changing_service():
    from jifen.ledger import services

    expected = {
        "award_points",
        "bulk_award",
        "hold_points",
        "settle_hold",
        "release_hold",
        "donate_points",
        "request_approval",
        "approve",
        "reject",
        "reverse_transaction",
        "transfer_points",
        "expire_lots",
    }
    assert expected <= set(services.__all__)
