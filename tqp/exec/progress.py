"""The progress bar of `SET enable_progress_bar = true` (off by default, as DuckDB's is in
scripts): once a statement has run for `progress_bar_time` milliseconds, stderr shows the share
of its plan's operators that have finished, redrawn until it ends.

>>> p = Progress(total=4, after=60.0)
>>> p.advance(); p.advance(); p.percent()
50
>>> p.finish()  # ended before the bar was due: nothing was drawn
"""
from __future__ import annotations

import sys
import threading

_WIDTH = 40


class Progress:
    def __init__(self, total: int, after: float, stream=None):
        self.total, self.done, self.drawn = max(total, 1), 0, False
        self.stream = stream or sys.stderr
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(after,), daemon=True)
        self._thread.start()

    def advance(self) -> None:
        self.done += 1  # (a data race with the drawing thread only skews one redraw)

    def percent(self) -> int:
        return min(99, 100 * self.done // self.total)  # an operator may run more than once

    def finish(self) -> None:
        self._stop.set()
        self._thread.join()
        if self.drawn:
            self._draw(100)
            self.stream.write("\n")
            self.stream.flush()

    def _run(self, after: float) -> None:
        if self._stop.wait(after):
            return
        while not self._stop.is_set():
            self._draw(self.percent())
            self._stop.wait(0.1)

    def _draw(self, pct: int) -> None:
        filled = pct * _WIDTH // 100
        self.stream.write(f"\r{pct:3d}% [{'=' * filled}{' ' * (_WIDTH - filled)}]")
        self.stream.flush()
        self.drawn = True
