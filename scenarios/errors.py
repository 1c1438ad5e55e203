"""Problems found in user input, each located by file, row/line and field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Problem", "ScenarioError"]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a scenario: where it is and what was expected.

    ``row`` is the line number as a spreadsheet or editor shows it (the CSV header is row 1, the first
    data row is row 2; YAML lines count from 1); ``None`` when the problem concerns a whole file.
    """

    file: str
    row: int | None
    field: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        if self.field:
            where = f"{where}, {self.field}"
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """Raised when a scenario cannot be loaded; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.row or 0, p.field, p.message))
        errors = [p for p in self.problems if p.severity == "error"]
        head = "\n".join(f"  {p}" for p in errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} problem(s) in scenario:\n{head}{more}")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]
