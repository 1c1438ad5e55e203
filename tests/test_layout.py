"""The layout shows the architecture: no import cycle between the project's modules, no crowded folder, and no
stage reaching into another stage's modules past its package's exports."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("scenarios", "rules", "optimizer", "records", "documents", "ui", "benchmarks")
STAGES = ("optimizer.draw", "optimizer.calendar", "optimizer.bundling", "optimizer.teams")


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules imported anywhere in the file (function-level imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found |= {n for n in names if n in modules}
    return found


def _graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for target in _imports(path, modules):
            if target != name and not name.startswith(target + "."):  # a module importing its own package's __init__
                graph.add_edge(name, target)
    return graph


def test_no_import_cycle_between_modules():
    """Package __init__ files that re-export their own modules are edges from the package to its children; a
    cycle is any loop of distinct modules."""
    graph = _graph()
    cycles = [c for c in nx.simple_cycles(graph) if len(c) > 1]
    assert cycles == [], f"import cycles: {cycles[:5]}"


def test_no_folder_holds_more_than_15_modules():
    crowded = {}
    for package in PACKAGES:
        for folder in [ROOT / package, *[p for p in (ROOT / package).rglob("*") if p.is_dir()]]:
            n = len([p for p in folder.glob("*.py") if p.name != "__init__.py"])
            if n > 15:
                crowded[str(folder.relative_to(ROOT))] = n
    assert crowded == {}


def test_stages_use_each_other_only_through_their_package():
    """A module outside a stage imports that stage's package, never its private modules."""
    graph = _graph()
    reaching = []
    for source, target in graph.edges:
        for stage in STAGES:
            if target.startswith(stage + ".") and not source.startswith(stage) and source.startswith("optimizer"):
                reaching.append((source, target))
    assert reaching == []
