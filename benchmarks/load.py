"""Load: registering TPC-H Parquet files in tqp (``con.register(name, path)``: Parquet read
plus conversion to tqp's columns) against DuckDB's ``CREATE TABLE AS SELECT * FROM
read_parquet(path)`` from the same files, each engine in a fresh process so that its peak RSS
is its own.

Run:

    python benchmarks/load.py                   # SF1 from ~/.cache/tqp/tpch/sf1, 2 threads
    python benchmarks/load.py --sf 0.1 --threads 4 --reps 5

Reports, per engine, the median of --reps loads (each in its own process): seconds per table
and in all, CPU seconds (user + system, all threads: the fairer figure when other processes
share the machine), and the peak RSS of that process in MB (Python, torch and DuckDB
themselves included).
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")


def _load(engine: str, data_dir: Path, threads: int) -> dict:
    if engine == "tqp":
        import tqp
        con = tqp.connect("cpu", threads=threads)

        def load(name, path):
            con.register(name, path)
    else:
        import duckdb
        con = duckdb.connect()
        con.execute(f"SET threads = {threads}")

        def load(name, path):
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{path}')")
    tables, start, cpu0 = {}, time.perf_counter(), _cpu()
    for name in TABLES:
        t0 = time.perf_counter()
        load(name, str(data_dir / f"{name}.parquet"))
        tables[name] = time.perf_counter() - t0
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu0
    rows = con.execute("SELECT count(*) FROM lineitem").fetchone()[0]
    return {"engine": engine, "seconds": seconds, "cpu_seconds": cpu, "tables": tables, "lineitem_rows": rows,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _cpu() -> float:
    """User plus system CPU seconds of this process, all threads: on a machine that others
    share, wall time measures them too."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sf", default="1", help="TPC-H scale factor of the data folder (default 1)")
    ap.add_argument("--data-dir", default=None, help="Parquet folder (default ~/.cache/tqp/tpch/sf{sf})")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--engine", help=argparse.SUPPRESS)  # the child process: one load, JSON out
    args = ap.parse_args(argv)
    data_dir = Path(args.data_dir or Path.home() / ".cache" / "tqp" / "tpch" / f"sf{args.sf}")
    if args.engine:
        print(json.dumps(_load(args.engine, data_dir, args.threads)))
        return 0
    runs = {"duckdb": [], "tqp": []}
    for _ in range(args.reps):
        for engine, got in runs.items():  # alternated, so a busy spell hits both
            out = subprocess.run([sys.executable, __file__, "--engine", engine, "--data-dir", str(data_dir),
                                  "--threads", str(args.threads)], capture_output=True, text=True, check=True)
            got.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {engine: {key: statistics.median(r[key] for r in got) for key in ("seconds", "cpu_seconds", "peak_rss_mb")}
           | {"tables": {t: statistics.median(r["tables"][t] for r in got) for t in TABLES},
              "lineitem_rows": got[0]["lineitem_rows"]} for engine, got in runs.items()}
    duck = med["duckdb"]
    print(f"median of {args.reps} load(s) per engine, each in its own process, {args.threads} threads")
    print(f"{'table':9s}" + "".join(f"{e + ' s':>10s}" for e in med) + f"{'ratio':>8s}")
    for t in TABLES:
        print(f"{t:9s}" + "".join(f"{m['tables'][t]:10.3f}" for m in med.values())
              + f"{med['tqp']['tables'][t] / max(duck['tables'][t], 1e-9):8.2f}")
    for engine, got in med.items():
        print(f"{engine:7s} load {got['seconds']:6.2f} s  ({got['seconds'] / duck['seconds']:4.2f}x DuckDB)  "
              f"cpu {got['cpu_seconds']:6.2f} s ({got['cpu_seconds'] / duck['cpu_seconds']:4.2f}x)  "
              f"peak RSS {got['peak_rss_mb']:7.0f} MB  lineitem rows {got['lineitem_rows']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
