"""Load: registering TPC-H Parquet files in tqp (``con.register(name, path)``: Parquet read
plus conversion to tqp's columns) against DuckDB's ``CREATE TABLE AS SELECT * FROM
read_parquet(path)`` from the same files, each engine in a fresh process so that its peak RSS
is its own.

Run:

    python benchmarks/load.py                   # SF1 from ~/.cache/tqp/tpch/sf1, 2 threads
    python benchmarks/load.py --sf 0.1 --threads 4 --reps 3

Reports, per engine, the best of --reps loads (each in its own process) in seconds and the
peak RSS of that process in MB (Python, torch and DuckDB themselves included).
"""
from __future__ import annotations

import argparse
import json
import resource
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
        t0 = time.perf_counter()
        for name in TABLES:
            con.register(name, str(data_dir / f"{name}.parquet"))
        rows = con.execute("SELECT count(*) FROM lineitem").fetchone()[0]
    else:
        import duckdb
        con = duckdb.connect()
        con.execute(f"SET threads = {threads}")
        t0 = time.perf_counter()
        for name in TABLES:
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{data_dir / name}.parquet')")
        rows = con.execute("SELECT count(*) FROM lineitem").fetchone()[0]
    seconds = time.perf_counter() - t0
    return {"engine": engine, "seconds": seconds, "lineitem_rows": rows,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


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
    best = {}
    for _ in range(args.reps):
        for engine in ("duckdb", "tqp"):  # alternated, so a busy spell hits both
            out = subprocess.run([sys.executable, __file__, "--engine", engine, "--data-dir", str(data_dir),
                                  "--threads", str(args.threads)], capture_output=True, text=True, check=True)
            got = json.loads(out.stdout.strip().splitlines()[-1])
            if engine not in best or got["seconds"] < best[engine]["seconds"]:
                best[engine] = got
    duck = best["duckdb"]["seconds"]
    for engine, got in best.items():
        print(f"{engine:7s} load {got['seconds']:6.2f} s  ({got['seconds'] / duck:4.2f}x DuckDB)  "
              f"peak RSS {got['peak_rss_mb']:7.0f} MB  lineitem rows {got['lineitem_rows']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
