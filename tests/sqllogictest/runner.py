"""A sqllogictest runner for SQLite's corpus, on tqp and on DuckDB.

The format (see the corpus README and https://sqlite.org/sqllogictest):

    statement ok | statement error        the SQL that follows must succeed / fail
    query <types> [sortmode] [label]      SQL, then ``----``, then the expected values
    hash-threshold N                      results of more than N values compare as an md5
    skipif <engine> / onlyif <engine>     guard the next record
    halt                                  ends the file

Each record ends at a blank line. Expected values are one per line. A result of more than
``hash-threshold`` values is written ``<n> values hashing to <md5>``, the md5 being over each
formatted value followed by a newline, in the order the sort mode leaves them. Queries that
share a label must give the same values.

Values print as SQLite's harness prints them (slt_sqlite.c): ``I`` as a 64-bit integer (a
real truncates toward zero, a boolean is 0/1), ``R`` as ``%.3f``, ``T`` as text with bytes
outside printable ASCII shown as ``@``; NULL is ``NULL`` and an empty string ``(empty)``.
``rowsort`` sorts rows by their formatted values (column by column, as strings),
``valuesort`` sorts all the formatted values.

Usage::

    python -m tests.sqllogictest.runner [--engine tqp|duckdb|both] [--limit-files N]
        [--records-per-file N] [--sample-queries N] [--json out.json] [paths...]

Paths may be files or folders; the default is the whole corpus (``TQP_SLT_DIR``, else
``<repo>/../shared/sqllogictest``).
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import pathlib
import re
import signal
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from typing import Callable, Iterable

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]

# The statements every file runs first, on a fresh connection (the corpus README's dialect:
# integer division truncates and x/0 is NULL).
SETUP_SQL = ("SET integer_division = true", "SET error_on_division_by_zero = false")

PASS, FAIL, ERROR, SKIPPED = "pass", "fail", "error", "skipped"
STATUS_CHAR = {PASS: "p", FAIL: "f", ERROR: "e", SKIPPED: "s"}
CHAR_STATUS = {v: k for k, v in STATUS_CHAR.items()}

HASH_LINE = re.compile(r"^(\d+) values hashing to ([0-9a-f]{32})$")


def corpus_dir() -> pathlib.Path | None:
    """The corpus folder: $TQP_SLT_DIR, else <repo>/../shared/sqllogictest; None when absent."""
    env = os.environ.get("TQP_SLT_DIR")
    if env:
        p = pathlib.Path(env)
        return p if p.is_dir() else None
    p = (REPO / ".." / "shared" / "sqllogictest").resolve()
    return p if p.is_dir() else None


def list_test_files(paths: Iterable[str | pathlib.Path] = ()) -> list[pathlib.Path]:
    """The .test files under `paths` (files or folders), sorted; the whole corpus by default."""
    paths = list(paths)
    if not paths:
        root = corpus_dir()
        if root is None:
            return []
        paths = [root]
    out: list[pathlib.Path] = []
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            out.extend(sorted(p.rglob("*.test")))
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(p)
    return out


def display_name(path: pathlib.Path) -> str:
    """`path` relative to the corpus root when it lies under it (the key used in reports)."""
    root = corpus_dir()
    path = pathlib.Path(path).resolve()
    if root is not None:
        try:
            return path.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


# ----------------------------------------------------------------------------------- parser

@dataclasses.dataclass
class Record:
    kind: str                      # statement | query | hash-threshold | halt
    line: int                      # 1-based line of the record's `statement`/`query`/... line
    sql: str = ""
    expect_error: bool = False     # statement error
    types: str = ""                # query: one letter per column
    sortmode: str = "nosort"
    label: str | None = None
    expected: list[str] | None = None   # None when the query has no ---- section
    threshold: int = 0             # hash-threshold
    conditions: tuple[tuple[str, str], ...] = ()   # (skipif|onlyif, engine)

    def runs_on(self, engine: str) -> bool:
        for kind, name in self.conditions:
            if kind == "onlyif" and name != engine:
                return False
            if kind == "skipif" and name == engine:
                return False
        return True


class ParseError(ValueError):
    pass


def parse(text: str, name: str = "<string>") -> list[Record]:
    """The records of one .test file's text."""
    lines = text.splitlines()
    n = len(lines)
    i = 0
    records: list[Record] = []
    conditions: list[tuple[str, str]] = []

    def block(start: int, stop_at_dashes: bool) -> tuple[list[str], int]:
        """Lines from `start` up to a blank line (or ---- when asked); the index after them."""
        out = []
        j = start
        while j < n and lines[j].strip() != "":
            if stop_at_dashes and lines[j].rstrip() == "----":
                break
            out.append(lines[j])
            j += 1
        return out, j

    while i < n:
        raw = lines[i]
        stripped = raw.strip()
        if stripped == "" or stripped.startswith("#"):
            i += 1
            continue
        tokens = raw.split("#", 1)[0].split() if not raw.startswith(("statement", "query")) else raw.split()
        head = tokens[0] if tokens else ""
        lineno = i + 1
        if head in ("skipif", "onlyif"):
            if len(tokens) < 2:
                raise ParseError(f"{name}:{lineno}: {head} without an engine")
            conditions.append((head, tokens[1]))
            i += 1
            continue
        if head == "statement":
            if len(tokens) < 2 or tokens[1] not in ("ok", "error"):
                raise ParseError(f"{name}:{lineno}: bad statement line {raw!r}")
            sql_lines, i = block(i + 1, stop_at_dashes=False)
            records.append(Record("statement", lineno, "\n".join(sql_lines),
                                  expect_error=tokens[1] == "error", conditions=tuple(conditions)))
        elif head == "query":
            if len(tokens) < 2:
                raise ParseError(f"{name}:{lineno}: query without types")
            types = tokens[1]
            sortmode = tokens[2] if len(tokens) > 2 else "nosort"
            if sortmode not in ("nosort", "rowsort", "valuesort"):
                raise ParseError(f"{name}:{lineno}: unknown sort mode {sortmode!r}")
            label = tokens[3] if len(tokens) > 3 else None
            sql_lines, i = block(i + 1, stop_at_dashes=True)
            expected = None
            if i < n and lines[i].rstrip() == "----":
                expected, i = block(i + 1, stop_at_dashes=False)
            records.append(Record("query", lineno, "\n".join(sql_lines), types=types,
                                  sortmode=sortmode, label=label, expected=expected,
                                  conditions=tuple(conditions)))
        elif head == "hash-threshold":
            records.append(Record("hash-threshold", lineno, threshold=int(tokens[1]),
                                  conditions=tuple(conditions)))
            i += 1
        elif head == "halt":
            records.append(Record("halt", lineno, conditions=tuple(conditions)))
            i += 1
        else:
            raise ParseError(f"{name}:{lineno}: unknown record {raw!r}")
        conditions = []
    return records


def parse_file(path: str | pathlib.Path) -> list[Record]:
    path = pathlib.Path(path)
    return parse(path.read_text(encoding="utf-8", errors="surrogateescape"), str(path))


# ------------------------------------------------------------------------------- formatting

_NUM_PREFIX = re.compile(r"\s*[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")
_I64_MIN, _I64_MAX = -(2 ** 63), 2 ** 63 - 1


def _text_number(s: str) -> float | int:
    """What SQLite makes of text read as a number: its numeric prefix, else 0."""
    m = _NUM_PREFIX.match(s)
    if not m:
        return 0
    t = m.group(0).strip()
    try:
        return int(t)
    except ValueError:
        return float(t)


def _to_int64(v) -> int:
    if isinstance(v, float):
        if math.isnan(v):
            return 0
        if math.isinf(v):
            return _I64_MAX if v > 0 else _I64_MIN
    v = int(v)   # truncates toward zero (float, Decimal)
    return min(max(v, _I64_MIN), _I64_MAX)


def _real_text(v: float) -> str:
    """SQLite's text for a REAL: %!.15g (always with a decimal point)."""
    if math.isnan(v):
        return "NULL"
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    s = "%.15g" % v
    if "." not in s and "e" not in s:
        s += ".0"
    return s


def format_value(v, t: str) -> str:
    """One result value as the harness prints it in a column of type `t` (I, R or T)."""
    if v is None:
        return "NULL"
    if t == "I":
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, (float, Decimal)):
            if isinstance(v, Decimal) and not v.is_finite():
                v = float(v)
            return str(_to_int64(v))
        if isinstance(v, str):
            return str(_to_int64(_text_number(v)))
        if hasattr(v, "item"):          # numpy / torch scalars
            return format_value(v.item(), t)
        return str(v)
    if t == "R":
        if isinstance(v, (bool, int, float, Decimal)):
            return "%.3f" % float(v)
        if isinstance(v, str):
            return "%.3f" % float(_text_number(v))
        if hasattr(v, "item"):
            return format_value(v.item(), t)
        return str(v)
    # T (and any other letter): the value's text
    if isinstance(v, str):
        if v == "":
            return "(empty)"
        return "".join(c if " " <= c <= "~" else "@" for c in v)
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (float, Decimal)):
        return _real_text(float(v))
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "".join(chr(b) if 32 <= b <= 126 else "@" for b in bytes(v)) or "(empty)"
    if hasattr(v, "item"):
        return format_value(v.item(), t)
    s = str(v)
    return s if s else "(empty)"


def format_result(rows: list[tuple], types: str, sortmode: str) -> list[str]:
    """The flat list of formatted values, in the order `sortmode` gives."""
    ncols = len(types)
    formatted = [[format_value(v, types[j] if j < ncols else "T") for j, v in enumerate(row)]
                 for row in rows]
    if sortmode == "rowsort":
        formatted.sort()
    flat = [v for row in formatted for v in row]
    if sortmode == "valuesort":
        flat.sort()
    return flat


def hash_values(values: list[str]) -> str:
    h = hashlib.md5()
    for v in values:
        h.update(v.encode("utf-8", errors="surrogateescape"))
        h.update(b"\n")
    return h.hexdigest()


# --------------------------------------------------------------------------------- adapters

class Adapter:
    """One engine connection. `query` returns (rows, ncols), or None for a statement."""

    name = "?"

    def execute(self, sql: str):
        raise NotImplementedError

    def close(self) -> None:
        pass


class TqpAdapter(Adapter):
    name = "tqp"

    def __init__(self, device: str = "cpu"):
        import tqp

        self.con = tqp.connect(device=device)

    def execute(self, sql: str):
        cur = self.con.execute(sql)
        if cur.description is None:
            return None
        return cur.fetchall(), len(cur.description)

    def close(self) -> None:
        try:
            self.con.close()
        except Exception:  # noqa: BLE001
            pass


class DuckDBAdapter(Adapter):
    name = "duckdb"

    def __init__(self, threads: int = 1):
        import duckdb

        self.con = duckdb.connect(":memory:", config={"threads": threads})

    def execute(self, sql: str):
        self.con.execute(sql)
        if self.con.description is None:
            return None
        return self.con.fetchall(), len(self.con.description)

    def close(self) -> None:
        self.con.close()


ADAPTERS: dict[str, Callable[[], Adapter]] = {"tqp": TqpAdapter, "duckdb": DuckDBAdapter}


# --------------------------------------------------------------------------------- executor

class RecordTimeout(BaseException):
    """Raised inside a record that ran past its time (a BaseException, so that an engine's
    `except Exception` does not turn it into an ordinary error)."""


class _Alarm:
    """A per-record wall-clock guard through SIGALRM (main thread on Unix only; else a no-op)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.active = (seconds and seconds > 0 and hasattr(signal, "setitimer")
                       and threading.current_thread() is threading.main_thread())

    def _fire(self, signum, frame):
        raise RecordTimeout(f"record ran past {self.seconds:g}s")

    def __enter__(self):
        if self.active:
            self._old = signal.signal(signal.SIGALRM, self._fire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old)
        return False


@dataclasses.dataclass
class Outcome:
    line: int
    kind: str
    status: str
    sql: str = ""
    error_class: str | None = None
    error: str | None = None
    expected: list[str] | None = None
    got: list[str] | None = None
    reason: str | None = None       # why a record failed or was skipped
    seconds: float = 0.0

    def detail(self, max_values: int = 12) -> dict:
        d = {"line": self.line, "kind": self.kind, "status": self.status, "sql": self.sql}
        for k in ("error_class", "error", "reason"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        if self.expected is not None:
            d["expected"] = self.expected[:max_values]
        if self.got is not None:
            d["got"] = self.got[:max_values]
        return d


@dataclasses.dataclass
class FileResult:
    file: str
    engine: str
    outcomes: list[Outcome]
    seconds: float
    setup_failures: list[str]
    timed_out: bool = False
    halted_at: int | None = None
    crashed: str | None = None      # the engine could not even connect

    def counts(self) -> Counter:
        c = Counter({PASS: 0, FAIL: 0, ERROR: 0, SKIPPED: 0})
        c.update(o.status for o in self.outcomes)
        return c

    def to_json(self) -> dict:
        return {
            "file": self.file, "engine": self.engine, "seconds": round(self.seconds, 3),
            "counts": dict(self.counts()), "setup_failures": self.setup_failures,
            "timed_out": self.timed_out, "halted_at": self.halted_at, "crashed": self.crashed,
            # every record: "line:status-char", compact enough for the whole corpus
            "statuses": {str(o.line): STATUS_CHAR[o.status] for o in self.outcomes},
            "details": [o.detail() for o in self.outcomes if o.status in (FAIL, ERROR)
                        or (o.status == SKIPPED and o.reason and "timeout" in o.reason)],
        }


def _is_onlyif(record: Record) -> bool:
    return any(kind == "onlyif" for kind, _ in record.conditions)


def select_all(record: Record, query_index: int) -> bool:
    return True


def sample_queries(max_queries: int) -> Callable[[Record, int], bool]:
    """A deterministic selection: every statement, and about `max_queries` queries spread
    evenly over the file, `onlyif` records left out (needs the file's query count, so it is
    bound by `run_file`)."""
    def make(total_queries: int):
        stride = max(1, math.ceil(total_queries / max_queries)) if max_queries > 0 else 1

        def select(record: Record, query_index: int) -> bool:
            if record.kind != "query":
                return True
            if _is_onlyif(record):   # another engine's variant: not worth a sampling slot
                return False
            return query_index % stride == 0
        return select
    make.sampling = True  # type: ignore[attr-defined]
    return make


def _error_text(e: BaseException) -> str:
    msg = str(e).strip().replace("\n", " ")
    return msg[:500]


def run_file(path: str | pathlib.Path, engine: str = "tqp", *,
             records_per_file: int | None = None, select=None,
             file_timeout: float | None = None, record_timeout: float | None = 30.0,
             adapter_factory: Callable[[], Adapter] | None = None) -> FileResult:
    """Run one .test file on a fresh connection of `engine`.

    `records_per_file` keeps the first N records (statements and queries counted alike);
    `select` (record, query_index) -> bool, or a `sample_queries(n)` maker, picks records
    (statements are always run by `sample_queries`, since later queries need their tables).
    `file_timeout` caps the file's total time: records after it are skipped ("file timeout").
    """
    path = pathlib.Path(path)
    name = display_name(path)
    records = parse_file(path)
    if select is None:
        select = select_all
    elif getattr(select, "sampling", False):
        select = select(sum(1 for r in records if r.kind == "query" and not _is_onlyif(r)))
    factory = adapter_factory or ADAPTERS[engine]
    t0 = time.perf_counter()
    outcomes: list[Outcome] = []
    try:
        adapter = factory()
    except Exception as e:  # noqa: BLE001
        return FileResult(name, engine, [], time.perf_counter() - t0, [],
                          crashed=f"{type(e).__name__}: {_error_text(e)}")
    setup_failures = []
    for sql in SETUP_SQL:
        try:
            adapter.execute(sql)
        except Exception as e:  # noqa: BLE001
            setup_failures.append(f"{sql}: {type(e).__name__}: {_error_text(e)[:120]}")

    threshold = 0
    labels: dict[str, str] = {}
    n_taken = 0
    query_index = -1
    timed_out = False
    halted_at = None
    try:
        for rec in records:
            if rec.kind == "query" and not _is_onlyif(rec):
                query_index += 1   # counts the queries other engines' variants aside
            if rec.kind in ("statement", "query"):
                if records_per_file is not None and n_taken >= records_per_file:
                    break
                if not select(rec, query_index):
                    continue
                n_taken += 1
            if not rec.runs_on(engine):
                if rec.kind in ("statement", "query"):
                    outcomes.append(Outcome(rec.line, rec.kind, SKIPPED, rec.sql,
                                            reason="skipif/onlyif"))
                continue
            if rec.kind == "halt":
                halted_at = rec.line
                break
            if rec.kind == "hash-threshold":
                threshold = rec.threshold
                continue
            if timed_out or (file_timeout is not None and time.perf_counter() - t0 > file_timeout):
                timed_out = True
                outcomes.append(Outcome(rec.line, rec.kind, SKIPPED, rec.sql, reason="file timeout"))
                continue
            outcomes.append(run_record(adapter, rec, threshold, labels, record_timeout))
    finally:
        adapter.close()
    return FileResult(name, engine, outcomes, time.perf_counter() - t0, setup_failures,
                      timed_out=timed_out, halted_at=halted_at)


def run_record(adapter: Adapter, rec: Record, threshold: int, labels: dict[str, str],
               record_timeout: float | None = 30.0) -> Outcome:
    """One statement or query record's outcome."""
    t = time.perf_counter()
    out = Outcome(rec.line, rec.kind, PASS, rec.sql)
    try:
        with _Alarm(record_timeout or 0):
            res = adapter.execute(rec.sql)
    except RecordTimeout as e:
        out.status, out.error_class, out.error = ERROR, "Timeout", str(e)
        out.seconds = time.perf_counter() - t
        return out
    except Exception as e:  # noqa: BLE001
        out.seconds = time.perf_counter() - t
        if rec.kind == "statement" and rec.expect_error:
            return out
        out.status, out.error_class, out.error = ERROR, type(e).__name__, _error_text(e)
        return out
    out.seconds = time.perf_counter() - t
    if rec.kind == "statement":
        if rec.expect_error:
            out.status, out.reason = FAIL, "statement succeeded, an error was expected"
        return out
    # query
    if res is None:
        out.status, out.reason = FAIL, "query returned no result set"
        return out
    rows, ncols = res
    try:
        values = format_result(rows, rec.types, rec.sortmode)
    except Exception as e:  # noqa: BLE001 - a value the formatter cannot print
        out.status, out.error_class, out.error = ERROR, "FormatError", f"{type(e).__name__}: {e}"
        return out
    if ncols != len(rec.types):
        out.status = FAIL
        out.reason = f"wrong number of columns: expected {len(rec.types)}, got {ncols}"
        out.expected, out.got = rec.expected, values[:50]
        return out
    digest = hash_values(values)
    hashed = f"{len(values)} values hashing to {digest}"
    if rec.expected is not None:
        exp = rec.expected
        if len(exp) == 1 and HASH_LINE.match(exp[0]):
            ok = exp[0] == hashed
            got = [hashed] if ok or len(values) > 50 else values
            if not ok:
                m = HASH_LINE.match(exp[0])
                out.reason = (f"expected {m.group(1)} values, got {len(values)}"
                              if int(m.group(1)) != len(values) else "values differ (hash)")
        else:
            ok = exp == values
            if not ok and ncols > 1 and len(exp) == len(rows):
                # lenient: one row per line, values separated by spaces
                per_row = [" ".join(values[k * ncols:(k + 1) * ncols]) for k in range(len(rows))]
                ok = [" ".join(line.split()) for line in exp] == per_row
            got = values
            if not ok:
                out.reason = (f"expected {len(exp)} values, got {len(values)}"
                              if len(exp) != len(values) else "values differ")
        if not ok:
            out.status = FAIL
            out.expected, out.got = exp, got[:50]
            return out
    if rec.label is not None:
        prev = labels.get(rec.label)
        if prev is None:
            labels[rec.label] = digest
        elif prev != digest:
            out.status, out.reason = FAIL, f"label {rec.label}: result differs from earlier query"
            out.got = values[:50]
    return out


# ---------------------------------------------------------------------------------- summary

_NUMBER = re.compile(r"\b\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\b")
_QUOTED = re.compile(r"'([^']*)'")


def error_key(error_class: str | None, message: str | None) -> str:
    """Group key of an error: its class and the first 80 chars of its message, with numbers
    and quoted literals normalised."""
    msg = _QUOTED.sub(lambda m: m.group(0) if m.group(1).isidentifier() else "'?'", message or "")
    msg = _NUMBER.sub("N", msg)
    return f"{error_class}: {msg[:80]}"


def summarize(results: list[FileResult]) -> dict:
    totals = Counter({PASS: 0, FAIL: 0, ERROR: 0, SKIPPED: 0})
    errors: Counter = Counter()
    error_example: dict[str, str] = {}
    fail_reasons: Counter = Counter()
    for r in results:
        totals.update(r.counts())
        for o in r.outcomes:
            if o.status == ERROR:
                k = error_key(o.error_class, o.error)
                errors[k] += 1
                error_example.setdefault(k, f"{r.file}:{o.line}")
            elif o.status == FAIL:
                fail_reasons[re.sub(r"\d+", "N", o.reason or "?")] += 1
    ran = totals[PASS] + totals[FAIL] + totals[ERROR]
    return {
        "counts": dict(totals), "ran": ran,
        "pass_rate": totals[PASS] / ran if ran else None,
        "seconds": round(sum(r.seconds for r in results), 2),
        "setup_failures": sum(len(r.setup_failures) for r in results),
        "timed_out_files": [r.file for r in results if r.timed_out],
        "crashed_files": [r.file for r in results if r.crashed],
        "top_errors": [{"key": k, "count": c, "example": error_example[k]}
                       for k, c in errors.most_common(40)],
        "fail_reasons": dict(fail_reasons.most_common(20)),
    }


def compare_engines(reference: list[FileResult], subject: list[FileResult]) -> list[tuple[str, int]]:
    """(file, line) of the records `reference` passes and `subject` does not."""
    sub = {(r.file, o.line): o.status for r in subject for o in r.outcomes}
    out = []
    for r in reference:
        for o in r.outcomes:
            if o.status == PASS and sub.get((r.file, o.line)) != PASS:
                out.append((r.file, o.line))
    return out


def failure_gist(o: Outcome | None) -> str:
    """A short description of why a record did not pass (for known_failures.txt)."""
    if o is None:
        return "not run"
    if o.status == ERROR:
        return error_key(o.error_class, o.error)[:90]
    if o.status == FAIL:
        return f"wrong result: {o.reason or '?'}"[:90]
    return o.status + (f" ({o.reason})" if o.reason else "")


def load_known_failures(path: str | pathlib.Path) -> set[tuple[str, int]]:
    """(file, line) pairs listed in a known-failures file: `<file>:<line>  <gist>` per line,
    `#` comments and blank lines ignored."""
    out = set()
    p = pathlib.Path(path)
    if not p.exists():
        return out
    for raw in p.read_text().splitlines():
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        ref = raw.split()[0]
        f, _, line = ref.rpartition(":")
        out.add((f, int(line)))
    return out


def write_known_failures(path: str | pathlib.Path, reference: list[FileResult],
                         subject: list[FileResult]) -> int:
    """Write the records `reference` (DuckDB) passes and `subject` (tqp) does not, with gists."""
    by_key = {(r.file, o.line): o for r in subject for o in r.outcomes}
    missing = compare_engines(reference, subject)
    lines = ["# Records of the sqllogictest corpus that DuckDB passes and tqp does not yet.",
             "# One `<file>:<line>  <gist>` per line; tests/sqllogictest/test_sqllogictest.py ignores",
             "# these and fails on any other such record. Regenerate with",
             "#   python -m tests.sqllogictest.runner --engine both --write-known-failures "
             "tests/sqllogictest/known_failures.txt",
             "# and only ever let it shrink."]
    for f, line in sorted(missing):
        lines.append(f"{f}:{line}  {failure_gist(by_key.get((f, line)))}")
    pathlib.Path(path).write_text("\n".join(lines) + "\n")
    return len(missing)


def print_file_line(r: FileResult, out=sys.stdout) -> None:
    c = r.counts()
    extra = []
    if r.setup_failures:
        extra.append(f"setup-failures={len(r.setup_failures)}")
    if r.timed_out:
        extra.append("TIMED OUT")
    if r.crashed:
        extra.append(f"CRASHED {r.crashed[:80]}")
    print(f"  [{r.engine:6}] {r.file:45} pass={c[PASS]:6} fail={c[FAIL]:5} error={c[ERROR]:5} "
          f"skip={c[SKIPPED]:5} {r.seconds:7.1f}s {' '.join(extra)}", file=out, flush=True)


def print_summary(engine: str, s: dict, out=sys.stdout, top: int = 15) -> None:
    c = s["counts"]
    rate = f"{100 * s['pass_rate']:.2f}%" if s["pass_rate"] is not None else "n/a"
    print(f"\n== {engine}: pass={c[PASS]} fail={c[FAIL]} error={c[ERROR]} skipped={c[SKIPPED]} "
          f"pass rate={rate} of {s['ran']} run, {s['seconds']:.1f}s", file=out)
    if s["setup_failures"]:
        print(f"   SET statements that failed: {s['setup_failures']}", file=out)
    if s["timed_out_files"]:
        print(f"   files cut by the file timeout: {', '.join(s['timed_out_files'])}", file=out)
    if s["crashed_files"]:
        print(f"   files that could not connect: {', '.join(s['crashed_files'])}", file=out)
    if s["top_errors"]:
        print("   top errors:", file=out)
        for e in s["top_errors"][:top]:
            print(f"   {e['count']:7}  {e['key']}   (e.g. {e['example']})", file=out)
    if s["fail_reasons"]:
        print("   wrong results:", file=out)
        for k, v in list(s["fail_reasons"].items())[:8]:
            print(f"   {v:7}  {k}", file=out)


# -------------------------------------------------------------------------------------- CLI

def _git_head() -> str | None:
    """The repository's HEAD commit and subject (and whether tqp/ has local changes)."""
    import subprocess

    try:
        head = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%h %s"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "tqp"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + (" (+ uncommitted changes in tqp/)" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.sqllogictest.runner",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help=".test files or folders (default: the corpus)")
    ap.add_argument("--engine", choices=["tqp", "duckdb", "both"], default="tqp")
    ap.add_argument("--limit-files", type=int, default=None, help="run only the first N files")
    ap.add_argument("--records-per-file", type=int, default=None,
                    help="run only the first N statement/query records of each file")
    ap.add_argument("--sample-queries", type=int, default=None,
                    help="run every statement and about N queries spread evenly over each file")
    ap.add_argument("--file-timeout", type=float, default=None,
                    help="skip the rest of a file after it has run this many seconds")
    ap.add_argument("--record-timeout", type=float, default=30.0,
                    help="a record running longer errors with Timeout (0: no limit)")
    ap.add_argument("--json", default=None, help="write the full results here")
    ap.add_argument("--quiet", action="store_true", help="no per-file lines")
    ap.add_argument("--write-known-failures", default=None, metavar="PATH",
                    help="with --engine both: write the records DuckDB passes and tqp does not")
    args = ap.parse_args(argv)
    import logging

    logging.getLogger("sqlglot").setLevel(logging.ERROR)   # its parse-fallback warnings

    files = list_test_files(args.paths)
    if not files:
        print("no .test files (set TQP_SLT_DIR or create ../shared/sqllogictest)", file=sys.stderr)
        return 2
    if args.limit_files is not None:
        files = files[: args.limit_files]
    engines = ["duckdb", "tqp"] if args.engine == "both" else [args.engine]
    select = sample_queries(args.sample_queries) if args.sample_queries else None

    results: dict[str, list[FileResult]] = {e: [] for e in engines}
    report: dict = {"argv": sys.argv[1:], "files": [display_name(f) for f in files], "engines": {},
                    "commit": _git_head(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}

    def dump():
        if not args.json:
            return
        for e in engines:
            report["engines"][e] = {"summary": summarize(results[e]),
                                    "files": [r.to_json() for r in results[e]]}
        if len(engines) == 2:
            missing = compare_engines(results["duckdb"], results["tqp"])
            report["duckdb_pass_tqp_not"] = {"count": len(missing),
                                             "records": [f"{f}:{l}" for f, l in missing]}
        tmp = args.json + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(report, fh)
        os.replace(tmp, args.json)

    for f in files:
        for e in engines:
            r = run_file(f, e, records_per_file=args.records_per_file, select=select,
                         file_timeout=args.file_timeout, record_timeout=args.record_timeout)
            results[e].append(r)
            if not args.quiet:
                print_file_line(r)
        dump()   # a partial report survives an interrupted run

    for e in engines:
        print_summary(e, summarize(results[e]))
    if len(engines) == 2:
        missing = compare_engines(results["duckdb"], results["tqp"])
        print(f"\n== records DuckDB passes and tqp does not: {len(missing)}")
        per_file = Counter(f for f, _ in missing)
        for f, n in per_file.most_common(10):
            print(f"   {n:7}  {f}")
    dump()
    if args.write_known_failures:
        if len(engines) != 2:
            print("--write-known-failures needs --engine both", file=sys.stderr)
            return 2
        n = write_known_failures(args.write_known_failures, results["duckdb"], results["tqp"])
        print(f"{n} known failures written to {args.write_known_failures}")
    if args.json:
        print(f"\nJSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
