"""Dependencies between the apps of fairbill/ point down (DESIGN §2): no app imports one of a
higher layer, and no two apps import each other, even through others. Every import counts,
inside functions too. There is no list of exceptions: fix the import instead (move the code
down, or let the higher app act through a hook, fairbill/core/hooks.py)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "fairbill"

# Lowest first. Apps of one layer may import each other, as long as that makes no cycle.
LAYERS = [
    ["core"],
    ["accounts", "catalog", "customers"],
    ["invoicing", "payments", "subscriptions"],
    ["automation", "notifications"],
    ["orders", "timebilling", "imports", "reports"],
    ["portal", "backoffice", "api", "integrations.basecamp", "demo"],
]
LAYER = {app: number for number, apps in enumerate(LAYERS) for app in apps}


def app_of(module: str) -> str | None:
    """The app a dotted module name belongs to (fairbill.integrations.basecamp.x is
    integrations.basecamp); None outside the apps (fairbill.settings, django, ...)."""
    parts = module.split(".")
    if parts[0] != "fairbill" or len(parts) < 2 or parts[1:] == ["integrations"]:
        return None
    name = ".".join(parts[1:3]) if parts[1] == "integrations" and len(parts) > 2 else parts[1]
    return name if (ROOT / name.replace(".", "/")).is_dir() else None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    package = module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's package, up level - 1
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found += [(node.lineno, base)]
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def app_imports() -> dict[str, dict[str, list[str]]]:
    """{app: {imported app: ["file:line", ...]}} over every module of every app."""
    edges: dict[str, dict[str, list[str]]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        app = app_of(module_name(path))
        if app is None or "migrations" in path.parts:
            continue
        for line, module in imported_modules(path):
            target = app_of(module)
            if target is not None and target != app:
                where = f"{path.relative_to(ROOT.parent)}:{line}"
                if where not in edges.setdefault(app, {}).setdefault(target, []):
                    edges[app][target].append(where)
    return edges


def cycles(edges: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The groups of apps that import each other, directly or through others."""
    reach = {app: set(targets) for app, targets in edges.items()}
    changed = True
    while changed:
        changed = False
        for targets in reach.values():
            more = set().union(*(reach.get(t, set()) for t in targets)) - targets
            if more:
                targets |= more
                changed = True
    groups = {frozenset({a, *[b for b in reach[a] if a in reach.get(b, ())]}) for a in reach}
    return sorted(sorted(group) for group in groups if len(group) > 1)


def test_every_app_has_a_layer():
    apps = {app for app in map(app_of, map(module_name, ROOT.rglob("*.py"))) if app}
    assert sorted(apps - set(LAYER)) == []


def test_no_app_imports_a_higher_layer():
    upward = [
        f"{app} (layer {LAYER[app]}) imports {target} (layer {LAYER[target]}): {', '.join(where)}"
        for app, targets in app_imports().items()
        for target, where in targets.items()
        if LAYER[target] > LAYER[app]
    ]
    assert upward == []


def test_no_import_cycle_between_apps():
    assert cycles(app_imports()) == []


def test_the_checks_see_an_upward_import_and_a_cycle():
    # the checks themselves: a made-up graph with one upward import making one cycle
    edges = {"core": {"customers": ["x.py:1"]}, "customers": {"core": ["y.py:1"]}}
    assert cycles(edges) == [["core", "customers"]]
    assert app_of("fairbill.integrations.basecamp.client") == "integrations.basecamp"
    assert app_of("fairbill.settings") is None
