"""YAML with line numbers: parse ``scenario.yaml`` and remember where every value sits."""

from __future__ import annotations

from typing import Any

import yaml

from scenarios.errors import Problem

__all__ = ["LocatedYaml", "parse_located_yaml"]

Path_ = tuple[str | int, ...]


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
                    Problem(file, line, ".".join(map(str, (*path, key))), f"duplicate key (first at line {seen[key]})")
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
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(file, line, "", f"not valid YAML: {reason}")]
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines, file, problems)
    return LocatedYaml(data, lines), problems
