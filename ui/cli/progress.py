"""Progress of ``plan``, ``adjust`` and city runs on the command line (:mod:`optimizer.progress`).

On a terminal: a Rich progress display (the stage's name, its bar, the whole run's bar, elapsed seconds). When
standard output is not a terminal (a batch job writing a log): one plain line when a stage starts and ends and
at most one every :data:`EVERY` seconds in between, so the log shows the run is alive and how far it is. Stage
names in Chinese by default, English with ``--lang en`` or ``LANG=en…``.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator, Sequence

from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from optimizer.progress import RUN_STAGES, overall, reporting, stage_name
from ui.cli.common import console

__all__ = ["show_progress", "EVERY"]

EVERY = 5.0
"""Seconds between two plain progress lines within a stage (not on a terminal)."""


def _lang(lang: str | None) -> str:
    from ui.cli.documents import default_lang

    return lang if lang in ("zh", "en") else default_lang()


class _Lines:
    """Plain lines: ``[进度  42%] 随机抽取 30%`` / ``[progress  42%] drawing 30%``."""

    def __init__(self, lang: str, stages: Sequence[str]) -> None:
        self.lang, self.stages, self.start = lang, stages, time.monotonic()
        self.stage: str | None = None
        self.done = -1.0
        self.last = -EVERY

    def __call__(self, stage: str, done: float, total: float) -> None:
        now = time.monotonic()
        if stage == self.stage and done == self.done:
            return
        edge = stage != self.stage or done >= total
        if not edge and now - self.last < EVERY:
            return
        self.stage, self.done, self.last = stage, done, now
        word = "progress" if self.lang == "en" else "进度"
        whole = overall(stage, done, total, self.stages)
        part = done / total if total else 1.0
        console.print(f"[{word} {whole:4.0%}] {stage_name(stage, self.lang)} {part:.0%} · {now - self.start:.0f} s",
                      highlight=False, markup=False)


class _Bars:
    """A Rich display: the current stage's bar and the whole run's bar."""

    def __init__(self, lang: str, stages: Sequence[str], display: Progress) -> None:
        self.lang, self.stages, self.display = lang, stages, display
        whole = "total" if lang == "en" else "总进度"
        self.whole = display.add_task(whole, total=1000)
        self.part = display.add_task("", total=1000)

    def __call__(self, stage: str, done: float, total: float) -> None:
        part = 1000 * done / total if total else 1000
        self.display.update(self.part, completed=part, description=stage_name(stage, self.lang))
        self.display.update(self.whole, completed=1000 * overall(stage, done, total, self.stages))


@contextlib.contextmanager
def show_progress(lang: str | None = None, stages: Sequence[str] = RUN_STAGES, *,
                  terminal: bool | None = None) -> Iterator[None]:
    """Show the progress of the stages run inside (``terminal``: default, whether stdout is a terminal)."""
    language = _lang(lang)
    if terminal is None:
        terminal = console.is_terminal and sys.stdout.isatty()
    if not terminal:
        with reporting(_Lines(language, stages)):
            yield
        return
    display = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                       console=console, transient=True)
    with display, reporting(_Bars(language, stages, display)):
        yield
