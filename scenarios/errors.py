"""Problems found in user input, each located by file, row/line and field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Problem", "ScenarioError"]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a scenario: where it is and what was expected.

    ``row`` is the line number as a spreadsheet or editor shows it (the CSV header is row 1, the first
    data row is row 2; YAML lines count from 1); ``None`` when the problem concerns a whole file.
    ``code`` and ``params`` name the message in :data:`scenarios.messages.MESSAGES`, which holds it in
    Chinese and English (:meth:`text`); ``message`` is its English text (logs, exceptions, ``str``).
    Build one with :meth:`of`.
    """

    file: str
    row: int | None
    field: str
    message: str
    severity: Literal["error", "warning"] = "error"
    code: str = field(default="", compare=False)
    params: tuple[tuple[str, Any], ...] = field(default=(), compare=False)

    @classmethod
    def of(cls, file: str, row: int | None, field: str, code: str,
           severity: Literal["error", "warning"] = "error", **params: Any) -> Problem:
        """A problem with message ``code`` of the table and its parameters."""
        from scenarios.messages import render

        return cls(file, row, field, render(code, params, "en"), severity, code, tuple(params.items()))

    def text(self, lang: str = "zh") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        if not self.code:
            return self.message
        from scenarios.messages import render

        return render(self.code, dict(self.params), lang)

    def located(self, file: str) -> Problem:
        """The same problem reported against another file name (an upload's original name)."""
        return Problem(file, self.row, self.field, self.message, self.severity, self.code, self.params)

    def describe(self, lang: str = "zh") -> str:
        """Where and what, in ``lang``: "subjects.csv 第 3 行，字段 risk_class：…"."""
        if lang == "en":
            return str(self) if not self.code else str(Problem(self.file, self.row, self.field, self.text("en")))
        where = self.file if self.row is None else f"{self.file} 第 {self.row} 行"
        if self.field:
            where = f"{where}，字段 {self.field}"
        return f"{where}：{self.text('zh')}"

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
