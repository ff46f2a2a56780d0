"""Per-connection settings, changed with SET / RESET and read while a statement binds and runs.

The names and meanings follow DuckDB's, so scripts written for it keep their behaviour:

- ``integer_division`` (false): ``/`` between integers truncates to an integer, as in SQLite and
  PostgreSQL, instead of giving a DOUBLE.
- ``error_on_division_by_zero`` (true): with false, ``x / 0``, ``x // 0`` and ``x % 0`` are NULL.
- ``threads``: torch's intra-op thread count for this connection's statements. By default
  each statement uses the CPUs that other runnable processes leave free (at least one).
- ``memory_limit``: the most bytes one intermediate may take; a statement that would need more
  fails with OperationalError before it allocates. The default is 80% of the machine's memory
  (or of its cgroup's limit), as DuckDB's is.
- ``enable_external_access`` (true): with false, SQL can read and write no file (read_csv,
  FROM 'file', COPY, EXPORT/IMPORT DATABASE) except under ``allowed_directories`` or in
  ``allowed_paths`` (lists of paths). Once false it stays false on that connection, and the
  lists are fixed, so that an application can hand untrusted SQL to it. Python calls such as
  ``Connection.register(path)`` are trusted and unaffected.
- ``enable_progress_bar`` (false) and ``progress_bar_time`` (2000 ms): a statement that runs
  longer than that shows on stderr the share of its plan's operators that have finished.
- ``python_enable_replacements`` (false) and ``python_scan_all_frames`` (false): a table name
  that names nothing else reads the caller's Python variable of that name (a DataFrame, an
  Arrow table...), in the caller's frame or, with the second, any frame up the stack; DuckDB's
  replacement scan, off here unless asked for (see tqp.io.python_scan).
- ``TimeZone`` ('UTC'): the IANA zone TIMESTAMP WITH TIME ZONE values are read and shown in.
  DuckDB starts from the machine's zone; tqp starts from UTC, so a result never depends on
  the machine it ran on.

>>> s = Settings().with_value("integer_division", "true")
>>> s.integer_division, Settings().integer_division
(True, False)
>>> Settings().with_value("memory_limit", "4GB").memory_limit
4000000000
>>> Settings().with_value("enable_external_access", False).with_value("enable_external_access", True)
Traceback (most recent call last):
...
tqp.errors.ProgrammingError: enable_external_access cannot be set back to true once it is false
"""
from __future__ import annotations

import contextvars
import os
import re
import time
from dataclasses import dataclass, fields, replace

from .errors import ProgrammingError


def default_threads() -> int:
    """The CPUs this process may run on: its affinity mask, then any cgroup CPU quota."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            n = min(n, max(1, int(int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n)


_FREE = [0.0, 0]  # (when last read, CPUs other processes left free then)


def free_threads(limit: int) -> int:
    """Of `limit` threads, those the machine has CPUs for now: the CPUs this process may use
    minus the runnable tasks of other processes (/proc/loadavg's running count less this
    process's running threads), read at most every 100 ms. torch's parallel regions end at a
    barrier, so a thread that shares its CPU with another process stalls its siblings; fewer
    threads that each own a CPU finish first on a busy machine."""
    now = time.monotonic()
    if now - _FREE[0] > 0.1:
        try:
            with open("/proc/loadavg") as f:
                running = int(f.read().split()[3].split("/")[0])
            mine = 0
            for task in os.listdir("/proc/self/task"):
                with open(f"/proc/self/task/{task}/stat") as f:
                    mine += f.read().rpartition(")")[2].split()[0] == "R"
        except (OSError, ValueError, IndexError):
            return limit
        _FREE[:] = [now, default_threads() - max(0, running - mine)]
    return max(1, min(limit, _FREE[1]))


def physical_memory() -> int:
    """Bytes of memory this process can have: RAM, or a smaller cgroup limit."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 16 * 2**30
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            text = f.read().strip()
        if text != "max":
            total = min(total, int(text))
    except (OSError, ValueError):
        pass
    return total


_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_bytes(value) -> int | None:
    """'4GB', '512MiB', 1000000 -> bytes; None, '', 'none', 'unlimited' or -1 -> no limit."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ProgrammingError(f"memory_limit needs a size such as '4GB', not {value!r}")
    if isinstance(value, (int, float)):
        return None if value < 0 else int(value)
    text = str(value).strip().lower()
    if text in ("", "none", "unlimited", "-1"):
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]*)", text)
    if not m or m.group(2) not in _UNITS:
        raise ProgrammingError(f"memory_limit needs a size such as '4GB', not {value!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2)])


def _parse_bool(name, value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "on", "yes", "t"):
        return True
    if text in ("false", "0", "off", "no", "f"):
        return False
    raise ProgrammingError(f"setting {name} needs a boolean, not {value!r}")


def _parse_threads(name, value) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ProgrammingError(f"setting {name} needs a positive integer, not {value!r}") from None
    if n < 1:
        raise ProgrammingError(f"setting {name} needs a positive integer, not {value!r}")
    return n


def _parse_zone(name, value) -> str:
    from .kernels.zones import zone_name
    return zone_name(str(value))


def _parse_paths(name, value) -> tuple:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(p, str) for p in items):
        raise ProgrammingError(f"setting {name} needs a list of paths, not {value!r}")
    return tuple(items)


# Settings that guard file access only ever tighten: untrusted SQL must not undo them.
_LOCKED_WHEN_SANDBOXED = ("enable_external_access", "allowed_directories", "allowed_paths")


@dataclass(frozen=True)
class Settings:
    integer_division: bool = False
    error_on_division_by_zero: bool = True
    threads: int = 0  # 0: default_threads()
    memory_limit: int | None = None
    enable_external_access: bool = True
    allowed_directories: tuple = ()
    allowed_paths: tuple = ()
    timezone: str = "UTC"
    enable_progress_bar: bool = False
    progress_bar_time: int = 2000  # milliseconds a statement runs before its bar shows
    python_enable_replacements: bool = False
    python_scan_all_frames: bool = False

    _PARSERS = {
        "integer_division": _parse_bool,
        "error_on_division_by_zero": _parse_bool,
        "threads": _parse_threads,
        "memory_limit": lambda name, v: parse_bytes(v),
        "enable_external_access": _parse_bool,
        "allowed_directories": _parse_paths,
        "allowed_paths": _parse_paths,
        "timezone": _parse_zone,
        "enable_progress_bar": _parse_bool,
        "python_enable_replacements": _parse_bool,
        "python_scan_all_frames": _parse_bool,
        "progress_bar_time": lambda name, v: _parse_threads(name, int(str(v).strip()) + 1) - 1 if str(v).strip().isdigit()
        else _parse_threads(name, v),
    }
    _ALIASES = {"worker_threads": "threads", "max_memory": "memory_limit"}

    @classmethod
    def canonical(cls, name: str) -> str:
        key = name.lower()
        key = cls._ALIASES.get(key, key)
        if key not in cls._PARSERS:
            from .sql.scope import suggest
            raise ProgrammingError(f'unknown setting "{name}"' + suggest(key, list(cls._PARSERS)))
        return key

    def with_value(self, name: str, value) -> "Settings":
        key = self.canonical(name)
        return self._changed(key, self._PARSERS[key](key, value))

    def reset(self, name: str) -> "Settings":
        key = self.canonical(name)
        return self._changed(key, getattr(Settings(), key))

    def _changed(self, key: str, value) -> "Settings":
        if not self.enable_external_access and key in _LOCKED_WHEN_SANDBOXED and value != getattr(self, key):
            if key == "enable_external_access":
                raise ProgrammingError("enable_external_access cannot be set back to true once it is false")
            raise ProgrammingError(f"{key} cannot change while enable_external_access is false")
        return replace(self, **{key: value})

    def value(self, name: str):
        key = self.canonical(name)
        v = getattr(self, key)
        if key == "threads" and not v:
            return default_threads()
        if key == "memory_limit" and v is None:
            return self.effective_memory_limit()
        return v

    def effective_memory_limit(self) -> int:
        return self.memory_limit if self.memory_limit is not None else int(0.8 * physical_memory())

    def items(self):
        return [(f.name, self.value(f.name)) for f in fields(self)]


_CURRENT: contextvars.ContextVar[Settings] = contextvars.ContextVar("tqp_settings", default=Settings())


def current() -> Settings:
    """The settings of the statement being bound or run on this thread."""
    return _CURRENT.get()


class active:
    """Context manager making `settings` current for the statement it wraps."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def __enter__(self):
        self._token = _CURRENT.set(self.settings)
        return self.settings

    def __exit__(self, *exc):
        _CURRENT.reset(self._token)
