"""The seams between apps and between reads and writes, checked from the source.

Reads are selectors, writes are services, and tasks call services: a selector (or
an access helper) that reaches a service or a task, even through another module
or an import inside a function, makes an import circle and lets a page write.
Apps depend one way, accounts ← schools ← teams ← assessments ← interventions ←
dashboards: a lower app never imports a higher one. A model named by its label in
a string ("teams.Team") is not an import and is allowed.

The check parses every module with `ast` and never imports one, so it sees imports
a running process has not reached yet, such as those inside functions.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Lowest first: each app may import only the apps before it.
LAYERS = ("accounts", "schools", "teams", "assessments", "interventions", "dashboards")
# Modules that hand data to pages: they read, so they must not reach a write.
READ_MODULES = ("selectors", "access")
# Where the data page's reads live, beside the app's selectors.
EXTRA_READ_MODULES = ("assessments.analysis",)
WRITE_MODULES = frozenset({"services", "tasks"})


# The checker -------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    target: str
    line: int


Graph = dict[str, list[Import]]


def project_modules(root: Path) -> dict[str, Path]:
    """Every module of the project's packages (top-level folders with an
    `__init__.py`), by dotted name."""
    modules: dict[str, Path] = {}
    for package in sorted(p.parent for p in root.glob("*/__init__.py")):
        for path in package.rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imports_in(
    source: str, *, module: str, is_package: bool, known: Iterable[str]
) -> list[Import]:
    """The project modules `source` imports anywhere in it: at the top, inside
    functions, under `if` blocks. `from a import b` imports `a.b` when that is a
    module, else `a`; either way the packages above it run too."""
    known = set(known)
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def add(name: str, line: int) -> None:
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            candidate = ".".join(parts[:end])
            if candidate in known:
                found.append(Import(candidate, line))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            add(origin, node.lineno)
            for alias in node.names:
                if f"{origin}.{alias.name}" in known:
                    found.append(Import(f"{origin}.{alias.name}", node.lineno))
    return [item for item in found if item.target != module]


def build_graph(root: Path) -> Graph:
    modules = project_modules(root)
    return {
        name: imports_in(
            path.read_text(encoding="utf-8"),
            module=name,
            is_package=path.name == "__init__.py",
            known=modules,
        )
        for name, path in modules.items()
    }


def is_write(module: str) -> bool:
    return bool(WRITE_MODULES & set(module.split(".")))


def chains_to(
    graph: Graph, start: str, forbidden: Callable[[str], bool] = is_write
) -> list[list[str]]:
    """The shortest import chain from `start` to each forbidden module it
    reaches, as "module:line" steps."""
    seen = {start}
    came_from: dict[str, tuple[str, int]] = {}
    queue = deque([start])
    found = []
    while queue:
        module = queue.popleft()
        for item in graph.get(module, []):
            if item.target in seen:
                continue
            seen.add(item.target)
            came_from[item.target] = (module, item.line)
            if forbidden(item.target):
                found.append(item.target)
            else:
                queue.append(item.target)
    chains = []
    for target in sorted(found):
        steps, node = [target], target
        while node != start:
            parent, line = came_from[node]
            steps.append(f"{parent}:{line}")
            node = parent
        chains.append(steps[::-1])
    return chains


def app_of(module: str) -> str:
    return module.split(".")[0]


def upward_imports(graph: Graph, layers: tuple[str, ...] = LAYERS) -> list[str]:
    """Every import of a higher app by a lower one's code, as "module:line →
    target" (the module imported, not the packages above it). Tests and
    migrations are left out: tests share tools (the browser harness lives in
    dashboards), and migrations name other apps by label."""
    rank = {app: index for index, app in enumerate(layers)}
    found = []
    for module, items in sorted(graph.items()):
        parts = set(module.split("."))
        if app_of(module) not in rank or parts & {"tests", "migrations"}:
            continue
        upward = {
            (item.line, item.target)
            for item in items
            if rank.get(app_of(item.target), -1) > rank[app_of(module)]
        }
        for line, target in sorted(upward):
            if not any(
                other.startswith(f"{target}.") for at, other in upward if at == line
            ):
                found.append(f"{module}:{line} → {target}")
    return found


def read_modules(graph: Graph) -> list[str]:
    names = [f"{app}.{kind}" for app in LAYERS for kind in READ_MODULES]
    return [name for name in (*names, *EXTRA_READ_MODULES) if name in graph]


# The project's seams -------------------------------------------------------------

GRAPH = build_graph(ROOT)
# Known breaches, each with the reason it stands for now. Empty: none.
KNOWN: dict[str, str] = {}


def _case(module: str):
    if module in KNOWN:
        return pytest.param(
            module, marks=pytest.mark.xfail(strict=True, reason=KNOWN[module])
        )
    return module


@pytest.mark.parametrize("module", [_case(name) for name in read_modules(GRAPH)])
def test_reads_never_reach_a_service_or_a_task(module):
    chains = chains_to(GRAPH, module)
    assert not chains, "\n".join(" → ".join(chain) for chain in chains)


def test_the_reads_of_every_app_are_among_those_checked():
    # A renamed module must not drop out of the check unnoticed.
    assert {
        "schools.selectors",
        "schools.access",
        "teams.selectors",
        "teams.access",
        "assessments.selectors",
        "assessments.access",
        "assessments.analysis",
        "dashboards.selectors",
    } <= set(read_modules(GRAPH))


def test_no_app_imports_a_higher_one():
    found = upward_imports(GRAPH)
    assert not found, "\n".join(found)


# The checker on graphs made for it --------------------------------------------------


def graph_of(files: dict[str, str]) -> Graph:
    """A module graph from {"app/module.py": source}."""
    names = {}
    for path, _ in files.items():
        parts = path.removesuffix(".py").split("/")
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return {
        name: imports_in(
            files[path],
            module=name,
            is_package=path.endswith("__init__.py"),
            known=names,
        )
        for name, path in names.items()
    }


SYNTHETIC = {
    "accounts/__init__.py": "",
    "accounts/models.py": "from django.db import models\n",
    "teams/__init__.py": "",
    "teams/models.py": (
        "from accounts.models import *\n"
        "class Team:\n"
        "    owner = ForeignKey('assessments.CommonAssessment')\n"
    ),
    "teams/helpers.py": "def rows():\n    from teams import services\n",
    "teams/selectors.py": "from .helpers import rows\nfrom teams.models import Team\n",
    "teams/services.py": "from teams.selectors import rows\n",
    "teams/tasks.py": "from teams.services import *\n",
    "assessments/__init__.py": "",
    "assessments/selectors.py": "import teams.models\n",
}


def test_a_selector_reaching_a_service_through_a_function_is_caught():
    graph = graph_of(SYNTHETIC)
    assert chains_to(graph, "teams.selectors") == [
        ["teams.selectors:1", "teams.helpers:2", "teams.services"]
    ]


def test_a_clean_selector_passes():
    graph = graph_of(SYNTHETIC)
    assert chains_to(graph, "assessments.selectors") == []


def test_a_task_is_a_write_too():
    graph = graph_of({**SYNTHETIC, "teams/helpers.py": "import teams.tasks\n"})
    assert chains_to(graph, "teams.selectors") == [
        ["teams.selectors:1", "teams.helpers:1", "teams.tasks"]
    ]


def test_an_upward_import_is_caught_but_a_model_label_in_a_string_is_not():
    graph = graph_of(SYNTHETIC)
    assert upward_imports(graph) == []
    bad = {**SYNTHETIC, "accounts/models.py": "def f():\n    import teams.models\n"}
    assert upward_imports(graph_of(bad)) == ["accounts.models:2 → teams.models"]


def test_relative_and_from_package_imports_resolve_to_modules():
    graph = graph_of(SYNTHETIC)
    assert {i.target for i in graph["teams.selectors"]} == {
        "teams",
        "teams.helpers",
        "teams.models",
    }
    assert {i.target for i in graph["teams.helpers"]} == {"teams", "teams.services"}


def test_the_project_graph_sees_function_local_imports():
    # `schools.access_log` imports `schools.access` inside a function.
    targets = {item.target for item in GRAPH["schools.access_log"]}
    assert "schools.access" in targets
