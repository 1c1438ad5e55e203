"""Progress of ``plan``, ``adjust`` and city runs on the command line (:mod:`optimizer.progress`).

On a terminal: a Rich progress display (the stage's name, its bar, the whole run's bar, elapsed seconds). When
standard output is not a terminal (a batch job writing a log): one plain line when a stage starts and ends and
at most one every :data:`EVERY` seconds in between, so the log shows the run is alive and how far it is; when a
single solver call reports nothing for :data:`HEARTBEAT` seconds (one CP-SAT week of officer repair on a
million-subject district), a line repeats where the run is, with the seconds elapsed. Stage names in Chinese by
default, English with ``--lang en`` or ``LANG=en…``.
"""

from __future__ import annotations

import contextlib
import sys
import threading
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

HEARTBEAT = 10.0
"""Seconds of silence after which a plain line repeats where the run is (not on a terminal)."""


def _lang(lang: str | None) -> str:
    from ui.cli.common import default_lang

    return lang if lang in ("zh", "en") else default_lang()


class _Lines:
    """Plain lines: ``[进度  42%] 随机抽取 30% · 95 s`` / ``[progress  42%] drawing 30% · 95 s``."""

    def __init__(self, lang: str, stages: Sequence[str]) -> None:
        self.lang, self.stages, self.start = lang, stages, time.monotonic()
        self.stage: str | None = None
        self.done, self.total = -1.0, 1.0
        self.last = -EVERY
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def __call__(self, stage: str, done: float, total: float) -> None:
        with self.lock:
            now = time.monotonic()
            if stage == self.stage and done == self.done:
                return
            edge = stage != self.stage or done >= total
            if not edge and now - self.last < EVERY:
                return
            self.stage, self.done, self.total = stage, done, total
            self._print(now)

    def _print(self, now: float) -> None:
        self.last = now
        word = "progress" if self.lang == "en" else "进度"
        whole = overall(self.stage, self.done, self.total, self.stages)
        part = self.done / self.total if self.total else 1.0
        console.print(f"[{word} {whole:4.0%}] {stage_name(self.stage, self.lang)} {part:.0%} · {now - self.start:.0f} s",
                      highlight=False, markup=False)

    def beat(self) -> None:
        """Repeat the last line after :data:`HEARTBEAT` seconds of silence, until stopped (a daemon thread)."""
        while not self.stop.wait(1.0):
            with self.lock:
                now = time.monotonic()
                if self.stage is not None and now - self.last >= HEARTBEAT:
                    self._print(now)


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
        lines = _Lines(language, stages)
        beat = threading.Thread(target=lines.beat, name="jointcheck-progress", daemon=True)
        beat.start()
        try:
            with reporting(lines):
                yield
        finally:
            lines.stop.set()
            beat.join()
        return
    display = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                       console=console, transient=True)
    with display, reporting(_Bars(language, stages, display)):
        yield
