"""YAML with line numbers: parse ``scenario.yaml`` and remember where every value sits.

Hostile YAML is refused before it can hurt, each with the line it starts on: a file over
:data:`MAX_YAML_BYTES`, nesting deeper than :data:`MAX_DEPTH`, an alias that contains itself, and aliases
that would expand to more than :data:`MAX_NODES` values ("billion laughs") — all measured on the parser's
events and the composed node graph without recursion, before anything walks the expanded document.
A date that does not exist (``2024-02-30``, month 13) stays text, so the scenario's validation reports it
at its file, line and field instead of the YAML library raising.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scenarios.errors import Problem

__all__ = ["LocatedYaml", "parse_located_yaml", "read_located_yaml", "MAX_YAML_BYTES", "MAX_DEPTH", "MAX_NODES"]

Path_ = tuple[str | int, ...]

MAX_YAML_BYTES = 2 * 1024 * 1024
"""The largest scenario.yaml read (the 60,000-subject changning-2024 scenario's is 44 kB)."""
MAX_DEPTH = 64
MAX_NODES = 500_000


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: same result, faster
    """SafeLoader whose impossible dates stay text (validation then names the field)."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _depth_problem(text: str, file: str) -> Problem | None:
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return Problem.of(file, event.start_mark.line + 1, "", "yaml.too_deep", limit=MAX_DEPTH)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return None


def _expansion_problem(root: yaml.Node, file: str) -> Problem | None:
    """A cycle (an alias inside its own anchor) or more than MAX_NODES values once aliases are expanded."""
    size: dict[int, int] = {}
    state: dict[int, int] = {}  # 1 on the stack, 2 done
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = ([v for pair in node.value for v in pair] if isinstance(node, yaml.MappingNode)
                    else node.value if isinstance(node, yaml.SequenceNode) else [])
        if done:
            size[key] = 1 + sum(size[id(c)] for c in children)
            state[key] = 2
            if size[key] > MAX_NODES:
                return Problem.of(file, node.start_mark.line + 1, "", "yaml.alias_bomb", limit=MAX_NODES)
            continue
        if state.get(key) == 2:
            continue
        if state.get(key) == 1:
            return Problem.of(file, node.start_mark.line + 1, "", "yaml.recursive_alias")
        state[key] = 1
        stack.append((node, True))
        for child in children:
            if state.get(id(child)) == 1:
                return Problem.of(file, child.start_mark.line + 1, "", "yaml.recursive_alias")
            if state.get(id(child)) != 2:
                stack.append((child, False))
    return None


class LocatedYaml:
    """The parsed document plus a map from each value's path to its 1-based line."""

    def __init__(self, data: Any, lines: dict[Path_, int]):
        self.data = data
        self._lines = lines

    def line(self, path: Path_) -> int | None:
        """Line of the value at ``path``, or of its closest enclosing value."""
        for end in range(len(path), -1, -1):
            if path[:end] in self._lines:
                return self._lines[path[:end]]
        return None


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], file: str, problems: list[Problem]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem.of(file, line, ".".join(map(str, (*path, key))), "yaml.duplicate_key", first=seen[key])
                )
            seen[key] = line
            _walk(value_node, (*path, key), lines, file, problems)
            lines[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _walk(child, (*path, index), lines, file, problems)


def parse_located_yaml(text: str, file: str) -> tuple[LocatedYaml | None, list[Problem]]:
    """Parse YAML text; syntax errors become a Problem at the line the parser names."""
    problems: list[Problem] = []
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_YAML_BYTES:
        return None, [Problem.of(file, None, "", "yaml.too_big", size=size, limit=MAX_YAML_BYTES)]
    try:
        deep = _depth_problem(text, file)
        if deep is not None:
            return None, [deep]
        node = yaml.compose(text, Loader=_Loader)
        if node is not None:
            expanded = _expansion_problem(node, file)
            if expanded is not None:
                return None, [expanded]
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem.of(file, line, "", "yaml.invalid", reason=reason)]
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines, file, problems)
    return LocatedYaml(data, lines), problems


def read_located_yaml(root: Path, file: str, what: str) -> tuple[LocatedYaml | None, list[Problem]]:
    """``root/file`` read and parsed with line numbers (the head of every directory loader: a scenario, a city).

    None, with the problems, when ``root`` is not a directory (``what`` names it: "scenario", "city"), the file
    cannot be read, or it is not YAML within the limits."""
    from scenarios.files import read_text, resolve_inside

    if not root.is_dir():
        return None, [Problem.of(str(root), None, "", f"dir.{what}_missing")]
    if (root / file).is_symlink() and (root / file).exists() and resolve_inside(root, file) is None:
        return None, [Problem.of(file, None, "", "file.link_outside", target=(root / file).resolve())]
    text, problems = read_text(root / file, file)
    if text is None:
        return None, problems
    doc, found = parse_located_yaml(text, file)
    return doc, problems + found
