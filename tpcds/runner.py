"""The TPC-DS benchmark: tqp against DuckDB (and the other TPC-H peers), every result verified.

Example (shell)::

    python -m tpcds run --sf 0.1 --engines tqp,duckdb --queries 1-99 --repeat 3
    python -m tpcds run --sf 1 --queries 3,7,19 --timeout 120 --memory-limit 8GB

Example (Python, as the tests use it)::

    >>> from tpcds.runner import order_spec
    >>> order_spec(3, ["d_year", "brand_id", "brand", "sum_agg"])
    ([0, 3, 1], 100)

It is ``python -m tpch run`` for the 99 TPC-DS queries (``tpcds/queries``, the text
DuckDB's tpcds extension generates), with the same engines, timing rules, JSON report,
table and chart (``tpch.runner``), and two differences that 99 queries on a young engine
need:

- tqp runs in a child process (``TqpWorker``) with a per-query timeout: a timer calls
  ``connection.interrupt()`` at ``--timeout`` seconds, and a worker that still does not
  answer some seconds later (stuck inside one kernel, or dead) is killed and restarted
  for the next query.  ``--memory-limit`` is tqp's ``SET memory_limit``.  A runaway query
  therefore costs at most its timeout, never the run.
- Each query gets one of five statuses: ok, wrong (answer differs from DuckDB's), refused
  (tqp raised NotSupportedError), error (any other exception, class and message kept),
  timeout.  The exit status is 1 when any query was wrong, failed or timed out; refusals
  alone are not failures of the run.

Verification is ``tpch.verify.compare``: ordered on the query's ORDER BY keys (found by
parsing the query, ``order_spec``), rows tied on them as a multiset, floats within a
relative tolerance, decimals by value.  When the result has exactly LIMIT rows, the last
run of tied keys may legitimately hold different rows in each engine; only its keys are
compared.
"""
from __future__ import annotations

import argparse
import functools
import gc
import json
import multiprocessing
import os
import platform
import re
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable

import pyarrow as pa

from tpch import runner as _tpch
from tpch.gen import sf_label
from tpch.runner import (
    ENGINE_CLASSES,
    REFERENCE,
    EngineRun,
    EngineUnavailable,
    QueryResult,
    _build_report,
    _current_rss_mb,
    _error_text,
    _first_line,
    default_threads,
    format_table,
    make_engine,
    write_chart,
)
from tpch.verify import compare, values_equal

from .gen import TABLES, default_data_dir, ensure_data, load_tables

__all__ = [
    "ALL_QUERIES",
    "QueryTimeout",
    "WorkerDied",
    "TqpWorker",
    "query_sql",
    "parse_query_list",
    "order_spec",
    "verify_result",
    "classify",
    "run_benchmark",
    "main",
]

QUERY_DIR = Path(__file__).with_name("queries")
ALL_QUERIES = tuple(range(1, 100))
ENGINES = ("tqp", "duckdb")
STATUSES = ("ok", "wrong", "refused", "error", "timeout")


def query_sql(q: int) -> str:
    """The text of TPC-DS query ``q`` (1..99), as DuckDB's tpcds extension generates it."""
    if q not in ALL_QUERIES:
        raise ValueError(f"TPC-DS has queries 1..99, not {q}")
    return (QUERY_DIR / f"q{q:02d}.sql").read_text()


def parse_query_list(spec: str) -> list[int]:
    """'1-99', '1,3,5-7' or 'all' -> sorted unique query numbers."""
    return _tpch.parse_query_list(spec, ALL_QUERIES, "TPC-DS")


# --------------------------------------------------------------------------- verification


@functools.lru_cache(maxsize=None)
def _parsed(sql: str) -> Any:
    import sqlglot

    return sqlglot.parse_one(sql, read="duckdb")


def _unqualified(e: Any) -> Any:
    from sqlglot import exp

    e = e.copy()
    for c in e.find_all(exp.Column):
        c.set("table", None)
    return e


def order_spec(q: int | str, result_names: Iterable[str] = ()) -> tuple[list[int] | None, int | None]:
    """(ORDER BY keys as positions in the select list, LIMIT) of query ``q`` (a number or SQL).

    Keys are None without ORDER BY.  A key is an ordinal, an output column's name (``result_names``
    covers ``SELECT *``) or an expression equal to a select item; the keys stop at the first one
    that is none of these (an expression over outputs, say), since later keys only order within it.
    """
    from sqlglot import exp

    tree = _parsed(query_sql(q) if isinstance(q, int) else q)
    lim = tree.args.get("limit")
    limit = int(lim.expression.this) if lim is not None and isinstance(lim.expression, exp.Literal) else None
    order = tree.args.get("order")
    if order is None:
        return None, limit
    sel = tree
    while isinstance(sel, (exp.SetOperation, exp.Subquery)):
        sel = sel.this
    names = [p.alias_or_name for p in sel.expressions]
    if any(isinstance(p, exp.Star) for p in sel.expressions):
        names = list(result_names)
    bodies = [_unqualified(p.unalias()) for p in sel.expressions]
    keys: list[int] = []
    for o in order.expressions:
        e = o.this
        if isinstance(e, exp.Literal) and e.is_int:
            pos = int(e.this) - 1
        elif isinstance(e, exp.Column) and e.name in names:
            pos = names.index(e.name)
        else:
            s = _unqualified(e)
            pos = next((i for i, b in enumerate(bodies) if b == s), None)
        if pos is None:
            break
        keys.append(pos)
    return keys, limit


def _last_tie_start(t: pa.Table, keys: list[int], rtol: float) -> int:
    cols = [t.column(k).to_pylist() for k in keys]
    i = t.num_rows - 1
    while i > 0 and all(values_equal(c[i - 1], c[i], rtol) for c in cols):
        i -= 1
    return i


def verify_result(q: int, expected: pa.Table, actual: pa.Table, *, float_rtol: float = 1e-9) -> str | None:
    """None when ``actual`` is a right answer to query ``q`` given DuckDB's ``expected``, else why not."""
    keys, limit = order_spec(q, expected.column_names)
    if not keys:  # no ORDER BY, or none of its keys is visible in the output
        return compare(expected, actual, ordered=False, float_rtol=float_rtol)
    msg = compare(expected, actual, ordered=True, order_key_columns=keys, float_rtol=float_rtol)
    if msg is None or limit is None or not expected.num_rows == actual.num_rows == limit:
        return msg
    # The LIMIT may cut through a run of rows tied on the keys: which of them make it is each
    # engine's choice, so only the keys of that last run must match.
    start = _last_tie_start(expected, keys, float_rtol)
    if start == limit - 1:
        return msg
    head = compare(expected.slice(0, start), actual.slice(0, start), ordered=True, order_key_columns=keys,
                   float_rtol=float_rtol)
    tail = compare(expected.slice(start).select(keys), actual.slice(start).select(keys), ordered=True,
                   float_rtol=float_rtol)
    return msg if head or tail else None


# --------------------------------------------------------------------------- tqp in a child process


class QueryTimeout(Exception):
    """The query ran past its timeout (interrupted, or its worker killed)."""


class WorkerDied(Exception):
    """The tqp worker process ended without answering (crash, or killed for memory)."""


class RemoteError(Exception):
    """An exception from the worker whose class is not one of tqp's (kept by name)."""

    def __init__(self, cls_name: str, message: str) -> None:
        super().__init__(message)
        self.cls_name = cls_name

    def __str__(self) -> str:
        return f"{self.cls_name}: {self.args[0]}"


def classify(e: BaseException) -> tuple[str, str]:
    """(status, message) of a failed query: timeout, refused (NotSupportedError) or error."""
    from tqp.errors import NotSupportedError

    if isinstance(e, QueryTimeout):
        return "timeout", str(e)
    if isinstance(e, NotSupportedError):
        return "refused", str(e)
    if isinstance(e, RemoteError):
        return "error", str(e)[:2000]
    return "error", _error_text(e)


def _worker_main(conn: Any, data_dir: str, tables: list[str], device: str, threads: int, memory_limit: Any) -> None:
    try:
        import torch

        torch.set_num_threads(int(threads))
        import tqp

        data = load_tables(data_dir, tables=tables)
        t0 = time.perf_counter()
        con = tqp.connect(device=device, memory_limit=memory_limit)
        for name, t in data.items():
            con.register(name, t)
        del data
        dev = str(con.device)
        cuda = dev.startswith("cuda")
        if cuda:
            torch.cuda.synchronize()
        conn.send(("ready", {"load_s": time.perf_counter() - t0, "device": dev, "version": tqp.__version__}))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which marks the engine failed
        conn.send(("failed", _error_text(e)))
        return
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        sql, timeout = msg
        fired = threading.Event()

        def fire() -> None:
            fired.set()
            con.interrupt()

        timer = threading.Timer(timeout, fire)
        timer.daemon = True
        gc.collect()
        t0 = time.perf_counter()
        timer.start()
        try:
            out = con.execute(sql).fetch_arrow()
            if cuda:
                torch.cuda.synchronize()
            reply: tuple = ("ok", (time.perf_counter() - t0) * 1000.0, out)
        except Exception as e:  # noqa: BLE001 - every failure goes back to the parent
            reply = ("error", type(e).__module__, type(e).__name__, str(e), fired.is_set())
        finally:
            timer.cancel()
        conn.send(reply)


class TqpWorker:
    """A tqp connection in a child process holding the TPC-DS tables; ``run`` one query at a time.

    A query past ``timeout`` seconds is interrupted inside the worker; one that still does not
    answer ``grace_s`` later gets its worker killed (QueryTimeout), as does a worker that dies
    (WorkerDied).  The next ``run`` then starts a fresh worker, so one bad query costs one query.
    """

    name = "tqp"

    def __init__(
        self,
        data_dir: str | os.PathLike,
        tables: Iterable[str] = TABLES,
        *,
        device: str = "cpu",
        threads: int | None = None,
        memory_limit: Any = None,
        grace_s: float = 15.0,
        start_timeout_s: float = 600.0,
    ) -> None:
        self.data_dir, self.tables = str(data_dir), list(tables)
        self.requested_device, self.threads = device, threads or default_threads()
        self.memory_limit, self.grace_s, self.start_timeout_s = memory_limit, grace_s, start_timeout_s
        self.proc: Any = None
        self.conn: Any = None
        self.info: dict[str, Any] = {}
        self.starts = 0

    @property
    def device(self) -> str:
        return self.info.get("device", self.requested_device)

    def start(self) -> dict[str, Any]:
        """Start the worker (loading the tables) unless it runs; its {load_s, device, version}."""
        if self.proc is not None and self.proc.is_alive():
            return self.info
        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked torch threads
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_worker_main,
            args=(child, self.data_dir, self.tables, self.requested_device, self.threads, self.memory_limit),
            daemon=True,
        )
        self.proc.start()
        child.close()
        self.conn = parent
        self.starts += 1
        if not parent.poll(self.start_timeout_s):
            self.kill()
            raise WorkerDied(f"the tqp worker did not load the tables within {self.start_timeout_s:.0f} s")
        try:
            kind, payload = parent.recv()
        except EOFError:
            code = self._reap()
            raise WorkerDied(f"the tqp worker died while loading the tables (exit code {code})") from None
        if kind != "ready":
            self.kill()
            raise RuntimeError(f"tqp could not load the tables: {payload}")
        self.info = payload
        return payload

    def run(self, sql: str, timeout: float = 300.0) -> tuple[float, pa.Table]:
        """(milliseconds inside the worker, result) of one statement; raises what tqp raised
        (tqp.errors classes), QueryTimeout or WorkerDied."""
        self.start()
        self.conn.send((sql, timeout))
        if not self.conn.poll(timeout + self.grace_s):
            self.kill()
            raise QueryTimeout(f"no answer {timeout + self.grace_s:.0f} s after the start (interrupt ignored): worker killed")
        try:
            reply = self.conn.recv()
        except EOFError:
            code = self._reap()
            raise WorkerDied(f"the tqp worker died running the query (exit code {code})") from None
        if reply[0] == "ok":
            return reply[1], reply[2]
        _, module, cls_name, message, fired = reply
        if fired:
            raise QueryTimeout(f"interrupted after {timeout:g} s ({cls_name}: {message})")
        import tqp.errors

        cls = getattr(tqp.errors, cls_name, None) if module.startswith("tqp") else None
        if isinstance(cls, type) and issubclass(cls, Exception):
            raise cls(message)
        raise RemoteError(cls_name, message)

    def query(self, sql: str) -> pa.Table:
        return self.run(sql)[1]

    def _reap(self) -> int | None:
        self.proc.join(5)
        code = self.proc.exitcode
        self.proc = self.conn = None
        return code

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join(10)
        if self.conn is not None:
            self.conn.close()
        self.proc = self.conn = None

    def close(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            try:
                self.conn.send(None)
                self.proc.join(10)
            except (OSError, ValueError):
                pass
        self.kill()

    def version(self) -> str | None:
        return self.info.get("version")


# --------------------------------------------------------------------------- running


def _run_queries(
    name: str,
    run_one: Callable[[str, float], tuple[float, pa.Table]],
    queries: list[int],
    repeat: int,
    timeout_s: float,
    budget_s: float,
    reference: dict[int, pa.Table] | None,
    say: Callable[[str], None],
    bar: Any,
) -> tuple[dict[int, QueryResult], dict[int, pa.Table]]:
    out: dict[int, QueryResult] = {}
    kept: dict[int, pa.Table] = {}
    for q in queries:
        if bar is not None:
            bar.set_postfix_str(f"{name} q{q}", refresh=True)
        r = QueryResult()
        sql = query_sql(q)
        try:
            r.cold_ms, cold = run_one(sql, timeout_s)
            warm, spent = cold, r.cold_ms
            for _ in range(repeat):
                # A slow query gets fewer warm runs rather than stalling the benchmark.
                if r.runs_ms and spent > budget_s * 1000.0:
                    break
                ms, warm = run_one(sql, timeout_s)
                r.runs_ms.append(ms)
                spent += ms
            r.warm_ms = statistics.median(r.runs_ms) if r.runs_ms else None
            r.rows = cold.num_rows
            if name == REFERENCE:
                kept[q] = cold
            elif reference is None or q not in reference:
                r.status = "unverified"
            else:
                msg = verify_result(q, reference[q], cold)
                if msg is None and warm is not cold:
                    msg = verify_result(q, reference[q], warm)
                    if msg is not None:
                        msg = "warm run differs from the cold run's correct result: " + msg
                if msg is not None:
                    r.status, r.error = "wrong", msg
                    say(f"!!! WRONG {name} Q{q}: {msg.splitlines()[0]}")
        except Exception as e:  # one query failing must not stop the run
            r.status, r.error = classify(e)
            if r.status != "refused":
                say(f"!!! {r.status.upper()} {name} Q{q}: {r.error.splitlines()[0][:300]}")
        out[q] = r
        if bar is not None:
            bar.update(1)
    return out, kept


def run_benchmark(
    sf: float = 0.1,
    *,
    device: str = "cpu",
    queries: Iterable[int] = ALL_QUERIES,
    repeat: int = 3,
    engines: Iterable[str] = ENGINES,
    threads: int | None = None,
    data_dir: str | os.PathLike | None = None,
    tables: Iterable[str] = TABLES,
    progress: bool = True,
    verbose: bool = True,
    budget_s: float = 60.0,
    timeout_s: float = 300.0,
    memory_limit: Any = None,
) -> dict[str, Any]:
    """Run the benchmark and return every figure as a JSON-ready dict (``tpch.runner``'s report
    plus ``counts`` per engine and status, ``timeout_s`` and ``memory_limit``)."""
    queries, tables = list(queries), list(tables)
    engines = [e.strip() for e in engines if e.strip()]
    unknown = [e for e in engines if e not in ENGINE_CLASSES]
    if unknown:
        raise ValueError(f"unknown engines {unknown} (known: {', '.join(ENGINE_CLASSES)})")
    threads = threads or default_threads()

    tqdm = None
    if progress:
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None

    def say(msg: str) -> None:
        if verbose:
            (tqdm.write if tqdm is not None else print)(msg, file=sys.stderr)

    t0 = time.perf_counter()
    data_dir = ensure_data(sf, data_dir, tables=tables, progress=progress)
    gen_or_check_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    arrow = load_tables(data_dir, tables=tables)  # for the in-process engines; tqp's worker reads its own
    arrow_load_s = time.perf_counter() - t0
    say(f"TPC-DS sf{sf_label(sf)}: {sum(t.num_rows for t in arrow.values()):,} rows from {data_dir} "
        f"read in {arrow_load_s:.2f} s; {threads} threads")

    order = [REFERENCE] + [e for e in engines if e != REFERENCE]
    in_process = [e for e in order if e != "tqp"]
    runs: dict[str, EngineRun] = {}
    reference: dict[int, pa.Table] | None = None
    bar = None
    if tqdm is not None:
        bar = tqdm(total=len(order) * len(queries), desc="tpcds", unit="q", file=sys.stderr, dynamic_ncols=True,
                   mininterval=0.1 if sys.stderr.isatty() else 10.0)
    try:
        for name in order:
            run = EngineRun(name)
            eng: Any = None
            try:
                if name == "tqp":
                    eng = TqpWorker(data_dir, tables, device=device, threads=threads, memory_limit=memory_limit)
                    run.load_s = eng.start()["load_s"]
                    run_one = eng.run
                else:
                    eng = make_engine(name, threads)
                    t1 = time.perf_counter()
                    eng.load(arrow)
                    run.load_s = time.perf_counter() - t1
                    in_process.remove(name)
                    if not in_process:
                        arrow = {}  # every engine holds its own copy now

                    def run_one(sql: str, _timeout: float, eng: Any = eng) -> tuple[float, pa.Table]:
                        gc.collect()
                        t = time.perf_counter()
                        res = eng.query(sql)
                        return (time.perf_counter() - t) * 1000.0, res

                run.version, run.device = eng.version(), eng.device
            except EngineUnavailable as e:
                run.status, run.error = "skipped", str(e)
                say(f"skipping {name}: {e}")
            except Exception as e:
                run.status, run.error = "failed", _error_text(e)
                say(f"!!! {name} could not start or load the tables: {_first_line(e)}")
            if run.status == "ok":
                reps = repeat if name in engines else 0  # the reference only answers when not asked for
                run.queries, kept = _run_queries(name, run_one, queries, reps, timeout_s, budget_s, reference, say, bar)
                if name == REFERENCE:
                    reference = kept
                if name == "tqp" and eng.starts > 1:
                    say(f"note: the tqp worker was restarted {eng.starts - 1} time(s)")
            else:
                for q in queries:
                    run.queries[q] = QueryResult(status="error" if run.status == "failed" else "skipped", error=run.error)
                if bar is not None:
                    bar.update(len(queries))
            if name == REFERENCE and not reference:
                say("!!! the reference (duckdb) produced no results: nothing can be verified")
            if eng is not None:
                eng.close()
            gc.collect()
            run.rss_after_mb = _current_rss_mb()
            runs[name] = run
    finally:
        if bar is not None:
            bar.close()

    report = _build_report(
        sf=sf, device=device, queries=queries, repeat=repeat, engines=engines, threads=threads,
        data_dir=str(data_dir), runs=runs, arrow_load_s=arrow_load_s, gen_or_check_s=gen_or_check_s,
        budget_s=budget_s, benchmark="tpcds", title="TPC-DS",
    )
    report["timeout_s"], report["memory_limit"] = timeout_s, memory_limit
    report["counts"] = {
        n: dict(Counter(r.status for r in runs[n].queries.values())) for n in report["engines"] if n in runs
    }
    return report


def refusal_reason(message: str) -> str:
    """A refusal's message without the details in parentheses, so alike refusals group together.

    >>> refusal_reason("Rollup (ROLLUP (channel, id)) is not supported")
    'Rollup (...) is not supported'
    """
    s, prev = (message.splitlines() or [""])[0], None
    while s != prev:
        prev, s = s, re.sub(r"\([^()]*\)", "\0", s)
    return s.replace("\0", "(...)")[:200]


def summarize_failures(report: dict[str, Any], engine: str = "tqp") -> str:
    """Counts per status, then every wrong answer, error and timeout, then refusals grouped by message."""
    res = report["results"].get(engine, {})
    counts = Counter(r["status"] for r in res.values())
    lines = [f"{engine}: " + ", ".join(f"{s} {counts.get(s, 0)}" for s in STATUSES)
             + "".join(f", {s} {n}" for s, n in counts.items() if s not in STATUSES)]
    for status in ("wrong", "error", "timeout"):
        for q, r in sorted(res.items(), key=lambda kv: int(kv[0])):
            if r["status"] == status:
                first = (r["error"] or "").splitlines()[0] if r["error"] else ""
                lines.append(f"  {status.upper():7s} Q{q}: {first[:300]}")
    refused: dict[str, list[str]] = defaultdict(list)
    for q, r in sorted(res.items(), key=lambda kv: int(kv[0])):
        if r["status"] == "refused":
            refused[refusal_reason(r["error"] or "")].append(f"Q{q}")
    for msg, qs in sorted(refused.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"  REFUSED {' '.join(qs)}: {msg}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tpcds run",
        description="TPC-DS benchmark: tqp vs DuckDB (and peers), every result verified against DuckDB.",
    )
    ap.add_argument("--sf", type=float, default=0.1, help="scale factor (default 0.1)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"], help="tqp's device (default cpu)")
    ap.add_argument("--queries", default="1-99", help='e.g. "1-99" (default), "1,3,5-7"')
    ap.add_argument("--repeat", type=int, default=3, help="warm runs per query, median reported (default 3)")
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help="comma list of tqp,duckdb,polars,datafusion (default tqp,duckdb)")
    ap.add_argument("--threads", type=int, default=None, help="threads for every engine (default: all cores)")
    ap.add_argument("--out", default=None, help="report folder (default ./out/tpcds-sf{sf})")
    ap.add_argument("--data-dir", default=None, help="TPC-DS Parquet folder (default ~/.cache/tqp/tpcds/sf{sf})")
    ap.add_argument("--budget", type=float, default=60.0,
                    help="seconds per query and engine after which further warm runs are skipped (default 60)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per tqp query run before it is interrupted (default 300)")
    ap.add_argument("--memory-limit", default=None, help="tqp's memory_limit, e.g. 8GB (default: tqp's, 80%% of memory)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = ap.parse_args(argv)

    threads = args.threads or default_threads()
    os.environ.setdefault("POLARS_MAX_THREADS", str(threads))
    try:
        queries = parse_query_list(args.queries)
    except ValueError as e:
        ap.error(str(e))
    engines = [e.strip().lower() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINE_CLASSES]
    if unknown:
        ap.error(f"unknown engines {unknown}; choose from {', '.join(ENGINE_CLASSES)}")
    if args.repeat < 0:
        ap.error("--repeat must be >= 0")

    report = run_benchmark(
        args.sf, device=args.device, queries=queries, repeat=args.repeat, engines=engines, threads=threads,
        data_dir=args.data_dir or default_data_dir(args.sf), progress=not args.no_progress,
        budget_s=args.budget, timeout_s=args.timeout, memory_limit=args.memory_limit,
    )
    return write_and_print(report, Path(args.out or f"out/tpcds-sf{sf_label(args.sf)}"))


def write_and_print(report: dict[str, Any], out_dir: Path) -> int:
    """Write results.json and chart.png into ``out_dir``, print the table; the exit status."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(report, indent=2, default=str))
    png = write_chart(report, out_dir / "chart.png")
    engines = report["engines"]
    print()
    print(f"TPC-DS sf{sf_label(report['sf'])}, tqp device {report['device']}, {report['threads']} threads, "
          f"{report['machine'].get('cpu_model') or platform.machine()}, timeout {report['timeout_s']:g} s")
    print(format_table(report))
    loads = ", ".join(f"{n} {s:.2f} s" for n, s in report["load_s"].items() if s is not None and n in engines)
    print(f"arrow read {report['arrow_read_s']:.2f} s; load: {loads}; peak RSS {report['peak_rss_mb']:.0f} MB (parent)")
    for name, why in report["skipped_engines"].items():
        print(f"skipped {name}: {why}")
    print(f"report: {json_path}" + (f", chart: {png}" if png else ""))
    for name in engines:
        if name != REFERENCE:
            print(summarize_failures(report, name))
    bad = [f for f in report["failures"] if f["status"] != "refused"]
    return 1 if bad else 0
