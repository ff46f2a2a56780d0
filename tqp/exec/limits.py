"""Limits a statement runs under: the connection's memory_limit, checked before the large
allocations (join pairs, cross products, padded string matrices, group tables), and
cancellation from another thread (Connection.interrupt()).

>>> from tqp.settings import Settings, active
>>> with active(Settings(memory_limit=1000)):
...     reserve(10**6, "a join's row pairs")
Traceback (most recent call last):
...
tqp.errors.OperationalError: out of memory: a join's row pairs needs 1.0 MB, over the memory_limit of 1.0 KB (SET memory_limit to raise it)
"""
from __future__ import annotations

import threading

from ..errors import OperationalError
from ..settings import current


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"


def reserve(nbytes: float, what: str) -> None:
    """Refuse, before allocating, an intermediate of nbytes that passes the memory limit."""
    check_interrupt()
    limit = current().effective_memory_limit()
    if nbytes > limit:
        raise OperationalError(f"out of memory: {what} needs {_size(nbytes)}, over the memory_limit of "
                               f"{_size(limit)} (SET memory_limit to raise it)")


_CANCEL = threading.local()


class cancellable:
    """Context manager: while it is active on this thread, `check_interrupt` raises once
    `event` is set."""

    def __init__(self, event: threading.Event):
        self.event = event

    def __enter__(self):
        self.saved = getattr(_CANCEL, "event", None)
        _CANCEL.event = self.event
        return self

    def __exit__(self, *exc):
        _CANCEL.event = self.saved


def check_interrupt() -> None:
    event = getattr(_CANCEL, "event", None)
    if event is not None and event.is_set():
        raise OperationalError("statement interrupted")
