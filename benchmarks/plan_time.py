"""Planning time of statements tqp has not seen: parse, bind, optimize and lower, no execution.

Every TPC-H and TPC-DS query text is planned on a connection whose program caches are empty,
after one warm-up plan of an unrelated statement, so the figure is what a dashboard pays for a
new statement shape. Prints per-suite median, 90th percentile and maximum, and the slowest
queries. Data: the smallest generated scale of each suite (the plan depends on the tables'
statistics, not on their size).

    python benchmarks/plan_time.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import statistics
import time

import tqp
from tqp.settings import active
from tqp.sql.parse import parse


def _plan_ms(con, sql: str, repeat: int) -> tuple[float, float]:
    """(wall, CPU) milliseconds of the fastest of `repeat` plans."""
    engine = con._engine
    wall = cpu = float("inf")
    for _ in range(repeat):
        engine._programs.clear()
        engine._shapes.clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        for i, stmt in enumerate(parse(sql)):
            stmt.meta["tqp_text"] = (sql, i)
            with active(engine.settings):
                engine._compile(stmt, [])
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall * 1000, cpu * 1000


def _suite(name: str, con, queries: dict, repeat: int) -> None:
    times = {q: _plan_ms(con, sql, repeat) for q, sql in queries.items()}
    for k, what in ((0, "wall"), (1, "CPU")):  # on a busy machine the wall figure includes waiting
        ordered = sorted(t[k] for t in times.values())
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        slow = ", ".join(f"{q} {t[k]:.1f}" for q, t in sorted(times.items(), key=lambda kv: -kv[1][k])[:5])
        print(f"{name}: {len(times)} queries, planning {what} median {statistics.median(ordered):.1f} ms, "
              f"p90 {p90:.1f} ms, max {ordered[-1]:.1f} ms (slowest: {slow})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="plans per query; the fastest counts")
    args = ap.parse_args()
    from tpch import gen as tpch_gen, runner as tpch_runner
    from tpcds import gen as tpcds_gen, runner as tpcds_runner

    con = tqp.connect()
    for name, table in tpch_gen.load_tables(tpch_gen.ensure_data(0.01)).items():
        con.register(name, table)
    con.execute("SELECT count(*) FROM lineitem WHERE l_quantity > 3").fetchall()
    _suite("TPC-H", con, {f"q{q}": tpch_runner.query_sql(q) for q in range(1, 23)}, args.repeat)

    con = tqp.connect()
    for name, table in tpcds_gen.load_tables(tpcds_gen.ensure_data(0.1)).items():
        con.register(name, table)
    con.execute("SELECT count(*) FROM item WHERE i_item_sk > 3").fetchall()
    _suite("TPC-DS", con, {f"q{q}": tpcds_runner.query_sql(q) for q in range(1, 100)}, args.repeat)


if __name__ == "__main__":
    main()
