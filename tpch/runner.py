"""The TPC-H benchmark: tqp against DuckDB, Polars and DataFusion, every result verified.

Example (shell)::

    python -m tpch run --sf 0.1 --device cpu --queries 1-22 --repeat 3
    python -m tpch run --sf 1 --engines tqp,duckdb --queries 1,3,5-7 --device cuda

Example (Python, as the tests use it)::

    >>> from tpch.runner import check_all
    >>> failures = {q: msg for q, msg in check_all(0.01, "cpu").items() if msg}

How it measures, so the numbers are comparable:

- Data: generated once with tpchgen-cli (``tpch.gen``), read once into Arrow tables
  with TPC-H types (DECIMAL(15,2) money, DATE, int32 keys, low-cardinality strings
  dictionary-encoded).  Each engine then loads those tables into its own memory,
  and that load is timed: tqp ``con.register`` (moves columns to the device);
  DuckDB ``CREATE TABLE AS`` from the registered Arrow table (materialized in
  DuckDB's own storage, so queries do not scan Arrow); Polars ``pl.from_arrow`` into
  DataFrames registered as lazy frames in a ``SQLContext`` (so its optimizer sees the
  whole query; dictionary columns are given as plain strings because Polars SQL's
  LIKE does not take Categoricals); DataFusion in-memory tables
  (``register_record_batches``) split into one partition per thread.
- Threads: ``--threads`` (default: all cores) for every engine alike: DuckDB
  ``SET threads``, ``POLARS_MAX_THREADS`` set before Polars is imported, DataFusion
  ``target_partitions`` (its tokio runtime keeps its default size), tqp
  ``torch.set_num_threads``.
- Per query and engine: one cold run (parsing, planning, compiling included), then
  ``--repeat`` warm runs whose median is reported.  Every timing ends with the result
  as a pyarrow Table, so all engines pay for producing Arrow output.
- ``--budget`` seconds (default 60) bounds the warm runs of a very slow query: once a
  query has taken that long on an engine, its remaining warm runs are skipped
  (``runs_ms`` in the JSON shows how many ran; always at least one).
- Every engine's cold and last warm result is compared with DuckDB's through
  ``tpch.verify.compare`` (ordered on the query's ORDER BY keys, ties as multisets).
  A mismatch or an error is reported loudly and makes the exit status 1; the run
  goes on.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import importlib.metadata
import json
import math
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pyarrow as pa

from .gen import ensure_data, default_data_dir, load_tables, sf_label
from .params import substitute
from .verify import compare

__all__ = [
    "ALL_QUERIES",
    "ENGINES",
    "ORDER_KEYS",
    "query_sql",
    "parse_query_list",
    "verify_result",
    "make_engine",
    "run_query_on_tqp",
    "check_all",
    "run_benchmark",
    "main",
]

QUERY_DIR = Path(__file__).with_name("queries")
ALL_QUERIES = tuple(range(1, 23))
ENGINES = ("tqp", "duckdb", "polars", "datafusion")
REFERENCE = "duckdb"
# Statuses that count as a failed query (TPC-DS adds wrong/refused/timeout to TPC-H's two),
# and how the table shows them in place of a time.
FAILED = ("error", "mismatch", "wrong", "refused", "timeout")
_STATUS_CELL = {"error": "ERR", "refused": "REF", "timeout": "T/O", "skipped": "skip"}

# Positions (0-based, in the select list) of each query's ORDER BY columns; None where the
# query has no ORDER BY (one-row results).  Rows tied on these keys compare as a multiset.
ORDER_KEYS: dict[int, list[int] | None] = {
    1: [0, 1],  # l_returnflag, l_linestatus
    2: [0, 2, 1, 3],  # s_acctbal desc, n_name, s_name, p_partkey
    3: [1, 2],  # revenue desc, o_orderdate
    4: [0],  # o_orderpriority
    5: [1],  # revenue desc
    6: None,
    7: [0, 1, 2],  # supp_nation, cust_nation, l_year
    8: [0],  # o_year
    9: [0, 1],  # nation, o_year desc
    10: [2],  # revenue desc
    11: [1],  # value desc
    12: [0],  # l_shipmode
    13: [1, 0],  # custdist desc, c_count desc
    14: None,
    15: [0],  # s_suppkey
    16: [3, 0, 1, 2],  # supplier_cnt desc, p_brand, p_type, p_size
    17: None,
    18: [4, 3],  # o_totalprice desc, o_orderdate
    19: None,
    20: [0],  # s_name
    21: [1, 0],  # numwait desc, s_name
    22: [0],  # cntrycode
}


def query_sql(q: int) -> str:
    """The text of TPC-H query ``q`` (1..22) with the specification's validation parameters."""
    if q not in ORDER_KEYS:
        raise ValueError(f"TPC-H has queries 1..22, not {q}")
    return (QUERY_DIR / f"q{q:02d}.sql").read_text()


def parse_query_list(spec: str, valid: tuple[int, ...] = ALL_QUERIES, name: str = "TPC-H") -> list[int]:
    """'1-22', '1,3,5-7' or 'all' -> sorted unique query numbers (out of ``valid``)."""
    spec = spec.strip().lower()
    if spec in ("", "all"):
        return list(valid)
    out: set[int] = set()
    for part in spec.split(","):
        part = part.strip().lstrip("q")
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            lo, hi = int(a.strip().lstrip("q")), int(b.strip().lstrip("q"))
            if lo > hi:
                lo, hi = hi, lo
            out.update(range(lo, hi + 1))
        else:
            out.add(int(part))
    bad = sorted(q for q in out if q not in valid)
    if bad:
        raise ValueError(f"no such {name} queries: {bad} (valid: {min(valid)}..{max(valid)})")
    return sorted(out)


def verify_result(q: int, expected: pa.Table, actual: pa.Table, *, float_rtol: float = 1e-9) -> str | None:
    """Compare one query's result with the reference, ordered on its ORDER BY keys."""
    keys = ORDER_KEYS[q]
    return compare(expected, actual, ordered=keys is not None, order_key_columns=keys, float_rtol=float_rtol)


def default_threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _first_line(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    return f"{type(e).__name__}: {msg[0] if msg else ''}".rstrip(": ")


def _error_text(e: BaseException, limit: int = 2000) -> str:
    text = f"{type(e).__name__}: {e}".strip()
    return text if len(text) <= limit else text[:limit] + " ..."


def _pkg_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


# --------------------------------------------------------------------------- engines


class EngineUnavailable(Exception):
    """A peer engine's package is missing: the engine is skipped, not failed."""


class Engine:
    name = "?"
    package = "?"

    def __init__(self, threads: int, device: str = "cpu") -> None:
        self.threads = threads
        self.device = "cpu"

    def version(self) -> str | None:
        return _pkg_version(self.package)

    def load(self, tables: dict[str, pa.Table]) -> None:
        raise NotImplementedError

    def query(self, sql: str) -> pa.Table:
        raise NotImplementedError

    def close(self) -> None:
        pass


class DuckDBEngine(Engine):
    name, package = "duckdb", "duckdb"

    def __init__(self, threads: int, device: str = "cpu") -> None:
        super().__init__(threads)
        try:
            import duckdb
        except ImportError as e:
            raise EngineUnavailable(f"duckdb is not installed ({e})") from e
        self.con = duckdb.connect()
        self.con.execute(f"SET threads = {int(threads)}")

    def load(self, tables: dict[str, pa.Table]) -> None:
        for name, t in tables.items():
            self.con.register("__tpch_src", t)
            self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM __tpch_src')
            self.con.unregister("__tpch_src")

    def query(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()


class PolarsEngine(Engine):
    name, package = "polars", "polars"

    def __init__(self, threads: int, device: str = "cpu") -> None:
        super().__init__(threads)
        if "polars" not in sys.modules:
            # Polars sizes its thread pool once, at import.
            os.environ["POLARS_MAX_THREADS"] = str(int(threads))
        try:
            import polars as pl
        except ImportError as e:
            raise EngineUnavailable(f"polars is not installed ({e})") from e
        self.pl = pl
        pool = pl.thread_pool_size()
        if pool != threads:
            print(
                f"note: polars was imported earlier with {pool} threads (wanted {threads})",
                file=sys.stderr,
            )
        self.ctx = None

    def load(self, tables: dict[str, pa.Table]) -> None:
        pl = self.pl
        frames = {}
        for name, t in tables.items():
            # Polars SQL's LIKE/starts_with reject Categorical columns; give it plain strings.
            cols = [
                c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in t.columns
            ]
            frames[name] = pl.from_arrow(pa.Table.from_arrays(cols, names=t.column_names), rechunk=True).lazy()
        self.ctx = pl.SQLContext(frames)

    def query(self, sql: str) -> pa.Table:
        return self.ctx.execute(sql).collect().to_arrow()

    def close(self) -> None:
        self.ctx = None


class DataFusionEngine(Engine):
    name, package = "datafusion", "datafusion"

    def __init__(self, threads: int, device: str = "cpu") -> None:
        super().__init__(threads)
        try:
            from datafusion import SessionConfig, SessionContext
        except ImportError as e:
            raise EngineUnavailable(f"datafusion is not installed ({e})") from e
        self.ctx = SessionContext(SessionConfig().with_target_partitions(int(threads)))

    def load(self, tables: dict[str, pa.Table]) -> None:
        for name, t in tables.items():
            # One partition per thread so scans run in parallel; 8192-row batches as
            # DataFusion's default batch size.  Slicing is zero-copy.
            n = max(1, min(self.threads, t.num_rows))
            step = -(-t.num_rows // n) if t.num_rows else 0
            parts = []
            for i in range(n):
                piece = t.slice(i * step, step) if step else t
                batches = piece.to_batches(max_chunksize=8192)
                parts.append(batches or [pa.RecordBatch.from_pylist([], schema=t.schema)])
            self.ctx.register_record_batches(name, parts)

    def query(self, sql: str) -> pa.Table:
        return self.ctx.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.ctx = None


class TqpEngine(Engine):
    name, package = "tqp", "tqp"

    def __init__(self, threads: int, device: str = "cpu") -> None:
        super().__init__(threads)
        import torch

        torch.set_num_threads(int(threads))
        import tqp  # an import error here is tqp's failure, not a missing peer

        self.torch = torch
        self.con = tqp.connect(device=device)
        self.device = _resolved_device(self.con, device)
        if self.device.startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()

    def version(self) -> str | None:
        try:
            import tqp

            return getattr(tqp, "__version__", None) or _pkg_version("tqp")
        except Exception:
            return _pkg_version("tqp")

    def load(self, tables: dict[str, pa.Table]) -> None:
        for name, t in tables.items():
            self.con.register(name, t)
        self._sync()

    def query(self, sql: str) -> pa.Table:
        out = self.con.execute(sql).fetch_arrow()
        self._sync()
        return out

    def _sync(self) -> None:
        if self.device.startswith("cuda"):
            self.torch.cuda.synchronize()

    def close(self) -> None:
        try:
            self.con.close()
        except Exception:
            pass


def _resolved_device(con: Any, requested: str) -> str:
    dev = getattr(con, "device", None)
    if dev is not None:
        return str(dev)
    if requested == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested


ENGINE_CLASSES: dict[str, type[Engine]] = {
    "tqp": TqpEngine,
    "duckdb": DuckDBEngine,
    "polars": PolarsEngine,
    "datafusion": DataFusionEngine,
}


def make_engine(name: str, threads: int | None = None, device: str = "cpu") -> Engine:
    """An engine adapter by name (tqp, duckdb, polars, datafusion); raises EngineUnavailable
    when a peer's package is missing."""
    return ENGINE_CLASSES[name](threads or default_threads(), device)


def run_query_on_tqp(con: Any, q: int) -> pa.Table:
    """Run TPC-H query ``q`` on a tqp connection and return its result as Arrow."""
    return con.execute(query_sql(q)).fetch_arrow()


# --------------------------------------------------------------------------- running


@dataclass
class QueryResult:
    status: str = "ok"  # ok | mismatch | error | unverified
    cold_ms: float | None = None
    warm_ms: float | None = None
    runs_ms: list[float] = field(default_factory=list)
    rows: int | None = None
    error: str | None = None


@dataclass
class EngineRun:
    name: str
    status: str = "ok"  # ok | skipped | failed (could not start or load)
    version: str | None = None
    device: str = "cpu"
    load_s: float | None = None
    error: str | None = None
    rss_after_mb: float | None = None
    queries: dict[int, QueryResult] = field(default_factory=dict)


def _peak_rss_mb() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024 * 1024) if sys.platform == "darwin" else r / 1024


def _current_rss_mb() -> float | None:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def _time_call(fn: Callable[[], pa.Table]) -> tuple[float, pa.Table]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000.0, out


def _params_note(sql: str) -> str:
    return " ".join(sql.split())[:160] + "..."


def query_variants(queries: Iterable[int], runs: int, sf: float, seed: int | None) -> dict[int, list[str]]:
    """Each query's text for each of `runs` runs: the validation text every time, or with a
    seed, fresh substitution parameters per run (tpch.params, the spec's clause 2.4)."""
    if seed is None:
        return {q: [query_sql(q)] for q in queries}
    rng = random.Random(seed)
    return {q: [substitute(q, query_sql(q), rng, sf) for _ in range(runs)] for q in queries}


def _run_engine(
    eng: Engine,
    queries: list[int],
    repeat: int,
    reference: dict[int, pa.Table] | None,
    bar: Any,
    say: Callable[[str], None],
    is_reference: bool,
    budget_s: float = float("inf"),
    texts: dict[int, list[str]] | None = None,
) -> tuple[dict[int, QueryResult], dict[int, list[pa.Table]]]:
    out: dict[int, QueryResult] = {}
    kept: dict[int, list[pa.Table]] = {}
    for q in queries:
        if bar is not None:
            bar.set_postfix_str(f"{eng.name} q{q}", refresh=True)
        r = QueryResult()
        variants = texts[q] if texts is not None else [query_sql(q)]
        gc.collect()
        try:
            r.cold_ms, cold = _time_call(lambda: eng.query(variants[0]))
            answers = [cold]
            spent = r.cold_ms
            for i in range(repeat):
                # A very slow query gets fewer warm runs rather than stalling the benchmark.
                if r.runs_ms and spent > budget_s * 1000.0:
                    break
                sql = variants[(i + 1) % len(variants)]
                ms, warm = _time_call(lambda: eng.query(sql))
                answers.append(warm)
                r.runs_ms.append(ms)
                spent += ms
            r.warm_ms = statistics.median(r.runs_ms) if r.runs_ms else None
            r.rows = cold.num_rows
            if is_reference:
                kept[q] = answers
                r.status = "ok"  # the reference is right by definition
            elif reference is None or q not in reference:
                r.status = "unverified"
            else:
                varied = len(variants) > 1
                msg = None
                for i, answer in enumerate(answers):
                    # Every answer is checked: with fresh parameters each run has its own.
                    refs = reference[q]
                    ref = refs[i] if i < len(refs) else (None if varied else refs[0])
                    if ref is None:
                        continue
                    msg = verify_result(q, ref, answer)
                    if msg is not None:
                        if i and not varied:
                            msg = "warm run differs from the cold run's correct result: " + msg
                        elif varied:
                            msg = f"run {i} (parameters {_params_note(variants[i])}): " + msg
                        break
                if msg is not None:
                    r.status, r.error = "mismatch", msg
                    say(f"\n!!! MISMATCH {eng.name} Q{q}: {msg}\n")
        except Exception as e:  # an engine failing one query must not stop the run
            r.status, r.error = "error", _error_text(e)
            say(f"!!! ERROR {eng.name} Q{q}: {_first_line(e)}")
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
    progress: bool = True,
    verbose: bool = True,
    budget_s: float = 60.0,
    vary_seed: int | None = None,
    busy: int = 0,
) -> dict[str, Any]:
    """Run the benchmark and return every figure as a JSON-ready dict (see ``main``). With
    `vary_seed`, every run of a query (cold and each warm one) gets fresh parameters, and each
    answer is checked against the reference's answer for the same text. With `busy`, that many
    CPU-bound competitor processes run throughout, for every engine alike."""
    with busy_competitors(busy):
        report = _run_benchmark(sf, device=device, queries=queries, repeat=repeat, engines=engines,
                                threads=threads, data_dir=data_dir, progress=progress, verbose=verbose,
                                budget_s=budget_s, vary_seed=vary_seed)
    report["busy"] = busy
    return report


@contextlib.contextmanager
def busy_competitors(n: int):
    """n processes spinning on a CPU each while the block runs: a machine shared with other
    work, on which an engine should slow down no more than its peers do."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


def _run_benchmark(sf, *, device, queries, repeat, engines, threads, data_dir, progress, verbose, budget_s,
                   vary_seed) -> dict[str, Any]:
    queries = list(queries)
    texts = query_variants(queries, repeat + 1, sf, vary_seed)
    engines = [e.strip() for e in engines if e.strip()]
    unknown = [e for e in engines if e not in ENGINE_CLASSES]
    if unknown:
        raise ValueError(f"unknown engines {unknown} (known: {', '.join(ENGINES)})")
    threads = threads or default_threads()
    if "polars" in engines and "polars" not in sys.modules:
        os.environ["POLARS_MAX_THREADS"] = str(threads)

    tqdm = None
    if progress:
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None

    def say(msg: str) -> None:
        if not verbose:
            return
        if tqdm is not None:
            tqdm.write(msg, file=sys.stderr)
        else:
            print(msg, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    data_dir = ensure_data(sf, data_dir, progress=progress)
    gen_or_check_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    tables = load_tables(data_dir)
    arrow_load_s = time.perf_counter() - t0
    say(
        f"TPC-H sf{sf_label(sf)}: {sum(t.num_rows for t in tables.values()):,} rows from {data_dir} "
        f"read in {arrow_load_s:.2f} s; {threads} threads"
    )

    # The reference runs first; when it is not among the engines asked for, it still
    # runs (untimed in the report) so everything is verified.
    order = [REFERENCE] + [e for e in engines if e != REFERENCE]
    runs: dict[str, EngineRun] = {}
    reference: dict[int, pa.Table] | None = None
    bar = None
    if tqdm is not None:
        # Redirected to a file, a bar updated per query would flood the log; redraw rarely.
        bar = tqdm(
            total=len(order) * len(queries),
            desc="tpch",
            unit="q",
            file=sys.stderr,
            dynamic_ncols=True,
            mininterval=0.1 if sys.stderr.isatty() else 10.0,
        )
    try:
        for name in order:
            run = EngineRun(name)
            eng = None
            try:
                eng = make_engine(name, threads, device if name == "tqp" else "cpu")
                run.version, run.device = eng.version(), eng.device
                t1 = time.perf_counter()
                eng.load(tables)
                run.load_s = time.perf_counter() - t1
            except EngineUnavailable as e:
                run.status, run.error = "skipped", str(e)
                say(f"skipping {name}: {e}")
            except Exception as e:
                run.status, run.error = "failed", _error_text(e)
                say(f"!!! {name} could not start or load the tables: {_first_line(e)}")
                if verbose and name == "tqp":
                    say("".join(traceback.format_exception(type(e), e, e.__traceback__, limit=-3)))
            if run.status == "ok":
                # The reference only answers (no warm runs) when it was not asked for.
                # (with fresh parameters it answers every variant, so each can be checked)
                reps = repeat if name in engines or vary_seed is not None else 0
                results, kept = _run_engine(
                    eng, queries, reps, reference, bar, say, is_reference=(name == REFERENCE), budget_s=budget_s,
                    texts=texts,
                )
                run.queries = results
                if name == REFERENCE:
                    reference = kept
                    if not kept:
                        say("!!! the reference (duckdb) produced no results: nothing can be verified")
            else:
                for q in queries:
                    run.queries[q] = QueryResult(
                        status="error" if run.status == "failed" else "skipped", error=run.error
                    )
                if bar is not None:
                    bar.update(len(queries))
                if name == REFERENCE and run.status == "skipped":
                    say("!!! duckdb is missing: results cannot be verified")
            if eng is not None:
                eng.close()
                del eng
            gc.collect()
            run.rss_after_mb = _current_rss_mb()
            runs[name] = run
    finally:
        if bar is not None:
            bar.close()

    report = _build_report(
        sf=sf,
        device=device,
        queries=queries,
        repeat=repeat,
        engines=engines,
        threads=threads,
        data_dir=str(data_dir),
        runs=runs,
        arrow_load_s=arrow_load_s,
        gen_or_check_s=gen_or_check_s,
        budget_s=budget_s,
    )
    report["vary_seed"] = vary_seed
    return report


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_model": cpu,
        "cpu_cores": os.cpu_count(),
        "cores_available": default_threads(),
    }
    try:
        with open("/proc/meminfo") as f:
            info["memory_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return info


def _geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def _build_report(**kw: Any) -> dict[str, Any]:
    runs: dict[str, EngineRun] = kw.pop("runs")
    # A peer whose package is missing leaves the report (named under "skipped_engines").
    skipped = {n: r.error for n, r in runs.items() if r.status == "skipped"}
    engines: list[str] = [e for e in kw["engines"] if e not in skipped]
    queries: list[int] = kw["queries"]
    device = kw["device"]
    versions = {p: _pkg_version(p) for p in ("tqp", "torch", "duckdb", "polars", "datafusion", "pyarrow", "sqlglot")}
    # tqp run from a source checkout has no distribution metadata; take its __version__.
    if "tqp" in sys.modules:
        versions["tqp"] = getattr(sys.modules["tqp"], "__version__", None) or versions["tqp"]
    cuda: dict[str, Any] = {}
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        tqp_dev = runs.get("tqp").device if "tqp" in runs else device
        if str(tqp_dev).startswith("cuda") and torch.cuda.is_available():
            cuda = {
                "gpu": torch.cuda.get_device_name(),
                "max_memory_allocated_mb": torch.cuda.max_memory_allocated() / 2**20,
            }
    summary: dict[str, Any] = {}
    for name in engines:
        run = runs[name]
        ok = [q for q in queries if run.queries.get(q) and run.queries[q].status in ("ok", "unverified")]
        summary[name] = {
            "ok": len(ok),
            "failed": sum(1 for q in queries if run.queries.get(q) and run.queries[q].status in FAILED),
            "total_cold_ms": sum(run.queries[q].cold_ms for q in ok) if ok else None,
            "total_warm_ms": sum(run.queries[q].warm_ms or 0 for q in ok) if ok else None,
            "geomean_cold_ms": _geomean([run.queries[q].cold_ms for q in ok]),
            "geomean_warm_ms": _geomean([run.queries[q].warm_ms for q in ok]),
        }
    ratios: dict[str, Any] = {}
    if "tqp" in runs and REFERENCE in runs:
        both = [
            q
            for q in queries
            if runs["tqp"].queries.get(q, QueryResult("x")).status == "ok"
            and runs[REFERENCE].queries.get(q, QueryResult("x")).status == "ok"
        ]
        t, d = runs["tqp"].queries, runs[REFERENCE].queries
        ratios = {
            "queries": both,
            "warm_geomean": _geomean([t[q].warm_ms / d[q].warm_ms for q in both if t[q].warm_ms and d[q].warm_ms]),
            "cold_geomean": _geomean([t[q].cold_ms / d[q].cold_ms for q in both if t[q].cold_ms and d[q].cold_ms]),
        }
    failures = [
        {"engine": name, "query": q, "status": r.status, "error": r.error}
        for name in engines
        for q, r in runs[name].queries.items()
        if r.status in FAILED
    ]
    return {
        "benchmark": kw.get("benchmark", "tpch"),
        "title": kw.get("title", "TPC-H"),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "sf": kw["sf"],
        "device": runs["tqp"].device if "tqp" in runs else device,
        "device_requested": device,
        "threads": kw["threads"],
        "repeat": kw["repeat"],
        "query_budget_s": kw["budget_s"],
        "queries": queries,
        "engines": engines,
        "skipped_engines": {n: why for n, why in skipped.items() if n in kw["engines"]},
        "data_dir": kw["data_dir"],
        "machine": _machine(),
        "cuda": cuda or None,
        "versions": versions,
        "arrow_read_s": kw["arrow_load_s"],
        "data_check_or_generate_s": kw["gen_or_check_s"],
        "load_s": {name: runs[name].load_s for name in runs},
        "peak_rss_mb": _peak_rss_mb(),
        "rss_after_engine_mb": {name: runs[name].rss_after_mb for name in runs},
        "engine_status": {
            name: {"status": r.status, "version": r.version, "device": r.device, "error": r.error}
            for name, r in runs.items()
        },
        "results": {
            name: {str(q): asdict(r) for q, r in runs[name].queries.items()} for name in runs if name in engines
        },
        "reference_only": [n for n in runs if n not in engines],
        "summary": summary,
        "tqp_vs_duckdb": ratios,
        "failures": failures,
    }


# --------------------------------------------------------------------------- reporting


def _fmt_ms(x: float | None) -> str:
    if x is None:
        return "-"
    if x >= 10000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def _fmt_ratio(x: float | None) -> str:
    return "-" if x is None else (f"{x:.2f}x" if x < 100 else f"{x:.0f}x")


def format_table(report: dict[str, Any]) -> str:
    """The terminal table: per query each engine's cold/warm ms, tqp/duckdb ratios, status."""
    engines: list[str] = report["engines"]
    queries: list[int] = report["queries"]
    res = report["results"]
    show_ratio = "tqp" in engines and REFERENCE in engines
    # Two header rows: a group title (engine) over its "cold"/"warm" columns.
    groups: list[tuple[str, list[str]]] = [("", ["Q"])]
    groups += [(e, ["cold", "warm"]) for e in engines]
    if show_ratio:
        groups.append(("tqp/duckdb", ["warm", "cold"]))
    groups.append(("", ["status"]))
    header = [h for _g, hs in groups for h in hs]
    rows: list[list[str]] = []

    def cell(e: str, q: int, key: str) -> str:
        r = res[e].get(str(q))
        if r is None:
            return "-"
        if r["status"] in _STATUS_CELL:
            return _STATUS_CELL[r["status"]]
        v = _fmt_ms(r[key])
        return v + ("!" if r["status"] in ("mismatch", "wrong") else "")

    for q in queries:
        row = [f"Q{q}"]
        for e in engines:
            row += [cell(e, q, "cold_ms"), cell(e, q, "warm_ms")]
        if show_ratio:
            t, d = res["tqp"].get(str(q)), res[REFERENCE].get(str(q))
            ok = t and d and t["status"] == "ok" and d["status"] == "ok"
            row += [
                _fmt_ratio(t["warm_ms"] / d["warm_ms"]) if ok and t["warm_ms"] and d["warm_ms"] else "-",
                _fmt_ratio(t["cold_ms"] / d["cold_ms"]) if ok and t["cold_ms"] and d["cold_ms"] else "-",
            ]
        bad = [
            f"{e}:{res[e][str(q)]['status'].upper()}"
            for e in engines
            if str(q) in res[e] and res[e][str(q)]["status"] in FAILED
        ]
        row.append(" ".join(bad) if bad else "ok")
        rows.append(row)

    summ = report["summary"]
    n = len(queries)
    total = ["total"]
    geo = ["geomean"]
    for e in engines:
        s = summ[e]
        mark = "" if s["ok"] == n else "*"
        total += [_fmt_ms(s["total_cold_ms"]) + mark, _fmt_ms(s["total_warm_ms"]) + mark]
        geo += [_fmt_ms(s["geomean_cold_ms"]) + mark, _fmt_ms(s["geomean_warm_ms"]) + mark]
    if show_ratio:
        r = report["tqp_vs_duckdb"]
        total += ["", ""]
        geo += [_fmt_ratio(r.get("warm_geomean")), _fmt_ratio(r.get("cold_geomean"))]
    total.append("")
    geo.append("")
    rows += [total, geo]

    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    # Widen a group's columns when its title is longer than they are together.
    i = 0
    for g, hs in groups:
        span = sum(widths[i : i + len(hs)]) + 2 * (len(hs) - 1)
        if len(g) > span:
            widths[i + len(hs) - 1] += len(g) - span
        i += len(hs)

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i < len(cells) - 1 else c for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    titles, i = [], 0
    for g, hs in groups:
        span = sum(widths[i : i + len(hs)]) + 2 * (len(hs) - 1)
        titles.append(g.center(span) if g else " " * span)
        i += len(hs)
    rule = "  ".join("-" * w for w in widths)
    out = ["  ".join(titles).rstrip(), line(header), rule]
    out += [line(r) for r in rows[:-2]]
    out.append(rule)
    out += [line(r) for r in rows[-2:]]
    notes = ["correct: " + ", ".join(f"{e} {summ[e]['ok']}/{n}" for e in engines)]
    notes += ["times in ms (cold: first run incl. planning/compilation; warm: median of %d)" % report["repeat"]]
    if any(summ[e]["ok"] < n for e in engines):
        notes.append(
            "* = over the queries that engine got right only;  ERR = error;  ! = wrong result"
            + ("; REF = refused (NotSupportedError); T/O = timeout" if report.get("benchmark") != "tpch" else "")
        )
    return "\n".join(out + notes)


def write_chart(report: dict[str, Any], path: str | os.PathLike) -> Path | None:
    """A PNG: per query, grouped bars per engine (warm above, cold below), log scale."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return None
    engines: list[str] = report["engines"]
    queries: list[int] = report["queries"]
    res = report["results"]
    colors = {"tqp": "#d62728", "duckdb": "#f2b701", "polars": "#1f77b4", "datafusion": "#2ca02c"}
    fig, axes = plt.subplots(2, 1, figsize=(min(20.0, max(8.0, 0.12 * len(queries) * max(1, len(engines)) + 2.5)), 8), sharex=True)
    width = 0.8 / max(1, len(engines))
    xs = list(range(len(queries)))
    for ax, key, title in ((axes[0], "warm_ms", "warm (median)"), (axes[1], "cold_ms", "cold (first run)")):
        for k, e in enumerate(engines):
            vals, fails = [], []
            for i, q in enumerate(queries):
                r = res[e].get(str(q))
                ok = r is not None and r["status"] in ("ok", "unverified") and r[key]
                vals.append(r[key] if ok else 0)
                if r is not None and r["status"] in FAILED:
                    fails.append(i)
            pos = [x - 0.4 + width * (k + 0.5) for x in xs]
            ax.bar(pos, [v if v > 0 else float("nan") for v in vals], width, label=e, color=colors.get(e))
            for i in fails:
                # A failed query gets an "x" at the foot of its slot instead of a bar.
                ax.text(pos[i], 0.01, "x", ha="center", va="bottom", color=colors.get(e, "k"), fontsize=9,
                        fontweight="bold", transform=ax.get_xaxis_transform())
        ax.set_yscale("log")
        # Plain numbers (5, 10, 200) read better than 10^x on a ms axis.
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_ylabel("ms (log)")
        ax.set_title(f"{report.get('title', 'TPC-H')} sf{sf_label(report['sf'])}: {title}; tqp on {report['device']}, {report['threads']} threads")
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[1].set_xticks(xs)
    # TPC-DS's 99 labels only fit upright in a small font.
    axes[1].set_xticklabels([f"Q{q}" for q in queries], **({"rotation": 90, "fontsize": 7} if len(queries) > 30 else {}))
    axes[0].legend(ncol=len(engines), fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------- tests' helper


def check_all(
    sf: float = 0.01,
    device: str = "cpu",
    queries: Iterable[int] = ALL_QUERIES,
    *,
    data_dir: str | os.PathLike | None = None,
    threads: int | None = None,
) -> dict[int, str | None]:
    """Run queries on tqp and DuckDB; return {query: None if it matched, else the error/mismatch}."""
    data_dir = ensure_data(sf, data_dir, progress=False)
    tables = load_tables(data_dir)
    ref = make_engine("duckdb", threads)
    ref.load(tables)
    tqp_eng = make_engine("tqp", threads, device)
    tqp_eng.load(tables)
    out: dict[int, str | None] = {}
    for q in queries:
        sql = query_sql(q)
        expected = ref.query(sql)
        try:
            actual = tqp_eng.query(sql)
        except Exception as e:
            out[q] = _error_text(e)
            continue
        out[q] = verify_result(q, expected, actual)
    ref.close()
    tqp_eng.close()
    return out


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tpch run",
        description="TPC-H benchmark: tqp vs DuckDB, Polars, DataFusion, every result verified against DuckDB.",
    )
    ap.add_argument("--sf", type=float, default=0.1, help="scale factor (default 0.1)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"], help="tqp's device (default cpu)")
    ap.add_argument("--queries", default="1-22", help='e.g. "1-22" (default), "1,3,5-7"')
    ap.add_argument("--repeat", type=int, default=3, help="warm runs per query, median reported (default 3)")
    ap.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help="comma list of tqp,duckdb,polars,datafusion (default all; a missing peer package is skipped)",
    )
    ap.add_argument("--threads", type=int, default=None, help="threads for every engine (default: all cores)")
    ap.add_argument("--out", default=None, help="report folder (default ./out/tpch-sf{sf})")
    ap.add_argument("--data-dir", default=None, help="TPC-H Parquet folder (default ~/.cache/tqp/tpch/sf{sf})")
    ap.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds per query and engine after which further warm runs are skipped (default 60; at least one warm run)",
    )
    ap.add_argument("--no-progress", action="store_true", help="no progress bars")
    ap.add_argument("--vary", nargs="?", type=int, const=-1, default=None, metavar="SEED",
                    help="fresh substitution parameters (TPC-H clause 2.4) for every run of every query; "
                         "each answer is verified. An optional seed repeats a draw (default: a new one)")
    ap.add_argument("--busy", type=int, default=0, metavar="N",
                    help="N CPU-bound competitor processes run throughout, for every engine alike: "
                         "how each engine degrades on a shared machine (default 0)")
    args = ap.parse_args(argv)
    if args.vary == -1:
        args.vary = random.SystemRandom().randrange(2**31)

    threads = args.threads or default_threads()
    # Before anything can import polars: it sizes its pool at import.
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    try:
        queries = parse_query_list(args.queries)
    except ValueError as e:
        ap.error(str(e))
    engines = [e.strip().lower() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINE_CLASSES]
    if unknown:
        ap.error(f"unknown engines {unknown}; choose from {', '.join(ENGINES)}")
    if args.repeat < 0:
        ap.error("--repeat must be >= 0")

    report = run_benchmark(
        args.sf,
        device=args.device,
        queries=queries,
        repeat=args.repeat,
        engines=engines,
        threads=threads,
        data_dir=args.data_dir or default_data_dir(args.sf),
        progress=not args.no_progress,
        budget_s=args.budget,
        vary_seed=args.vary,
        busy=args.busy,
    )
    out_dir = Path(args.out or f"out/tpch-sf{sf_label(args.sf)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(report, indent=2, default=str))
    png = write_chart(report, out_dir / "chart.png")

    print()
    print(
        f"TPC-H sf{sf_label(args.sf)}, tqp device {report['device']}, {threads} threads, "
        f"{report['machine'].get('cpu_model') or platform.machine()}"
        + (f", {args.busy} busy competitor process(es)" if args.busy else "")
    )
    print(format_table(report))
    loads = ", ".join(f"{n} {s:.2f} s" for n, s in report["load_s"].items() if s is not None and n in engines)
    print(f"arrow read {report['arrow_read_s']:.2f} s; load: {loads}; peak RSS {report['peak_rss_mb']:.0f} MB")
    if report.get("cuda"):
        print(f"GPU {report['cuda']['gpu']}: max allocated {report['cuda']['max_memory_allocated_mb']:.0f} MB")
    for name, why in report["skipped_engines"].items():
        print(f"skipped {name}: {why}")
    print(f"report: {json_path}" + (f", chart: {png}" if png else ""))

    failures = report["failures"]
    if failures:
        print()
        print(f"!!! {len(failures)} FAILURE(S):")
        for name, st in report["engine_status"].items():
            if st["status"] == "failed" and name in engines:
                first = (st["error"] or "").splitlines()[0]
                print(f"!!!   {name} could not start or load, all {len(queries)} queries failed: {first[:300]}")
        for f in failures:
            if report["engine_status"][f["engine"]]["status"] == "failed":
                continue
            first = (f["error"] or "").splitlines()[0] if f["error"] else ""
            print(f"!!!   {f['engine']} Q{f['query']} {f['status'].upper()}: {first[:300]}")
        return 1
    return 0
