"""The packages import downward only and in no circle, read from the source itself so a new import cannot slip by.

Layers, bottom up: ``sentimon`` (shared contracts) ← ``models`` (runtime) ← ``distill`` (training)
← ``stream`` (the roles); ``dashboard`` reads Redis through ``sentimon`` only; ``cli`` sits on top
of everything. Imports inside functions count too: a lazy import upward is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAY_IMPORT: dict[str, set[str]] = {
    "sentimon": {"sentimon"},
    "models": {"sentimon", "models"},
    "distill": {"sentimon", "models", "distill"},
    "stream": {"sentimon", "models", "distill", "stream"},
    "dashboard": {"sentimon", "dashboard"},
    "cli": {"sentimon", "models", "distill", "stream", "dashboard", "cli"},
}

SERVING = ("stream.worker", "stream.agents", "stream.scoring", "stream.pipeline", "stream.teacher_factory")
"""What a worker or teacher process loads: none of it may reach training code (torch, minutes of start-up)."""
TRAINING_ROLE = "stream.trainer_role"
"""The one role that trains: :mod:`stream.agents` imports it only when that role runs."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for package in MAY_IMPORT for p in sorted((ROOT / package).rglob("*.py"))}


def imported(module: str, top_level_only: bool = False) -> Iterator[str]:
    """Our modules that ``module`` imports (``from pkg import submodule`` names the submodule)."""
    tree = ast.parse(MODULES[module].read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module for a in node.names
            ]
        else:
            continue
        yield from (name for name in names if name.split(".")[0] in MAY_IMPORT)


def test_every_package_imports_only_its_own_layer_and_those_below() -> None:
    upward = [
        f"{module} imports {target}"
        for module in MODULES
        for target in imported(module)
        if target.split(".")[0] not in MAY_IMPORT[module.split(".")[0]]
    ]
    assert not upward


def test_no_module_imports_itself_through_others() -> None:
    graph = {module: {t for t in imported(module) if t in MODULES and t != module} for module in MODULES}
    circles: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                circles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not circles


@pytest.mark.parametrize("entry", SERVING)
def test_serving_loads_no_training_code(entry: str) -> None:
    seen, todo = set(), [entry]
    while todo:
        module = todo.pop()
        if module in seen or module not in MODULES or module == TRAINING_ROLE:
            continue
        seen.add(module)
        todo.extend(imported(module))
    assert not sorted(m for m in seen if m.startswith("distill."))


def test_the_reader_finds_imports_at_any_depth() -> None:
    """``cli.stream_cmds`` imports the roles inside a command: a reader blind to that would pass anything."""
    assert "stream.agents" in set(imported("cli.stream_cmds"))
    assert "stream.agents" not in set(imported("cli.stream_cmds", top_level_only=True))
