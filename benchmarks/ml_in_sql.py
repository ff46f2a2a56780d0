"""ML inside SQL: a scoring query (filter, PREDICT with a tree ensemble, aggregate) timed on
tqp, on DuckDB with a vectorized Arrow Python UDF calling the model, and on pandas + the model.

    SELECT grp, count(*) AS n, sum(PREDICT('m', f0, ..., f7)) AS positives
    FROM t WHERE f0 > -0.5 GROUP BY grp ORDER BY grp

(with --proba: avg(PREDICT_PROBA('m', ...)) AS p instead of the sum of labels)

Run:

    python benchmarks/ml_in_sql.py                       # 1M rows, 100-tree random forest, CPU
    python benchmarks/ml_in_sql.py --rows 5000000 --trees 200 --model lgbm --device cuda

All three must give the same answer (counts exactly, labels to 1e-5 of the rows for ties in
forest votes, probabilities to 1e-6); times are the median of --reps warm runs (the first run,
which for tqp compiles the query, is reported apart), next to the median CPU time of this
process (all threads; on a machine shared with other jobs it tracks the work better than wall
time does). tqp is reported as unavailable, not
crashed, when its PREDICT does not run. --torch-compile sets TQP_ML_TORCH_COMPILE=1 before the
model is registered (fused tree traversal; its compile time lands in tqp's first run).

--threads sets torch's thread count, which tqp's tree kernels use as the number of
single-threaded workers taking row blocks (tqp.ml.trees.run_row_blocks). Timings depend on
the machine and its load, so none are kept here: compare the ratios of one run.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

N_FEATURES = 8
FEATURES = [f"f{i}" for i in range(N_FEATURES)]


def make_data(rows: int, seed: int = 0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, N_FEATURES))
    df = pd.DataFrame(X, columns=FEATURES)
    df.insert(0, "grp", rng.integers(0, 10, rows).astype(np.int64))
    return df


def make_model(kind: str, trees: int, depth: int, seed: int = 0):
    rng = np.random.default_rng(seed + 1)
    X = rng.normal(size=(20_000, N_FEATURES))
    logit = X[:, 0] - 2 * X[:, 1] * X[:, 2] + np.sin(3 * X[:, 3]) + 0.5 * rng.normal(size=len(X))
    y = (logit > 0).astype(np.int64)
    if kind == "rf":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(trees, max_depth=depth, n_jobs=-1, random_state=seed).fit(X, y)
    if kind == "gb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(max_iter=trees, max_depth=depth, early_stopping=False,
                                              random_state=seed).fit(X, y)
    if kind == "lgbm":
        import lightgbm as lgb

        return lgb.LGBMClassifier(n_estimators=trees, max_depth=depth, num_leaves=min(2 ** depth, 255),
                                  verbose=-1, random_state=seed).fit(X, y)
    if kind == "xgb":
        import xgboost as xgb

        return xgb.XGBClassifier(n_estimators=trees, max_depth=depth, random_state=seed).fit(X, y)
    raise SystemExit(f"unknown --model {kind}")


def sql_for(call: str, proba: bool) -> str:
    agg = f"avg({call}) AS p" if proba else f"sum({call}) AS positives"
    return f"SELECT grp, count(*) AS n, {agg} FROM t WHERE f0 > -0.5 GROUP BY grp ORDER BY grp"


def timed(fn, reps: int):
    """First result, first run's seconds, and the median (wall, CPU) seconds of `reps` warm runs;
    CPU is this process's, all threads (every engine here runs in-process)."""
    first_t = time.perf_counter()
    first = fn()
    first_s = time.perf_counter() - first_t
    times = []
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t, time.process_time() - c))
    if not times:
        return first, first_s, (first_s, float("nan"))
    return first, first_s, tuple(statistics.median(v) for v in zip(*times))


def run_tqp(df, model, reps, device, proba):
    import tqp

    feats = ", ".join(FEATURES)
    sql = sql_for(f"{'PREDICT_PROBA' if proba else 'PREDICT'}('m', {feats})", proba)
    con = tqp.connect(device=device)
    t = time.perf_counter()
    con.register("t", df)
    con.register_model("m", model)
    setup = time.perf_counter() - t
    rows, first, warm = timed(lambda: con.execute(sql).fetchall(), reps)
    return [tuple(r) for r in rows], first, warm, setup


def run_duckdb(df, model, reps, proba):
    import duckdb
    import pyarrow as pa
    from duckdb.sqltypes import BIGINT, DOUBLE

    con = duckdb.connect()
    con.register("t", df)
    if hasattr(model, "n_jobs") and type(model).__module__.startswith("sklearn"):
        # DuckDB calls the UDF per 2048-row vector: joblib's per-call start-up would dominate
        import copy

        model = copy.copy(model)
        model.n_jobs = None

    def score(*cols):  # one vectorized call per DuckDB batch (Arrow arrays in, Arrow out)
        X = np.column_stack([c.to_numpy(zero_copy_only=False) for c in cols])
        if proba:
            return pa.array(model.predict_proba(X)[:, -1])
        return pa.array(np.asarray(model.predict(X)).astype(np.int64))

    # DuckDB reads the arity from the Python signature: spell the 8 parameters out
    udf = eval("lambda " + ", ".join(FEATURES) + ": score(" + ", ".join(FEATURES) + ")",
               {"score": score})
    con.create_function("m_score", udf, [DOUBLE] * N_FEATURES, DOUBLE if proba else BIGINT, type="arrow")
    sql = sql_for(f"m_score({', '.join(FEATURES)})", proba)
    rows, first, warm = timed(lambda: con.execute(sql).fetchall(), reps)
    return [tuple(r) for r in rows], first, warm


def run_pandas(df, model, reps, proba):
    def query():
        sel = df[df["f0"] > -0.5]
        X = sel[FEATURES].to_numpy()
        y = model.predict_proba(X)[:, -1] if proba else np.asarray(model.predict(X)).astype(np.int64)
        g = sel[["grp"]].assign(y=y).groupby("grp", sort=True)["y"].agg(["size", "mean" if proba else "sum"])
        return [(int(k), int(r.iloc[0]), r.iloc[1]) for k, r in g.iterrows()]

    rows, first, warm = timed(query, reps)
    return rows, first, warm


def same(a, b) -> bool:
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b):
        if ra[0] != rb[0] or ra[1] != rb[1] or abs(float(ra[2]) - float(rb[2])) > max(1e-6, 1e-5 * ra[1]):
            return False
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--model", default="rf", choices=["rf", "gb", "lgbm", "xgb"])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--proba", action="store_true", help="avg(PREDICT_PROBA) instead of sum(PREDICT)")
    ap.add_argument("--torch-compile", action="store_true", help="TQP_ML_TORCH_COMPILE=1 for tqp")
    ap.add_argument("--threads", type=int, default=0, help="torch / BLAS / OpenMP threads (0: default)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["tqp", "duckdb", "pandas"])
    args = ap.parse_args(argv)
    if args.torch_compile:
        import os

        os.environ["TQP_ML_TORCH_COMPILE"] = "1"
    if args.threads:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(args.threads)
        threadpool_limits(args.threads)

    df = make_data(args.rows)
    t = time.perf_counter()
    model = make_model(args.model, args.trees, args.depth)
    print(f"rows={args.rows:,} model={args.model} trees={args.trees} depth={args.depth} "
          f"device={args.device} query={'avg(PREDICT_PROBA)' if args.proba else 'sum(PREDICT)'} "
          f"torch_compile={args.torch_compile} (model fit {time.perf_counter() - t:.1f}s)")
    results = {}
    if "pandas" not in args.skip:
        rows, first, warm = run_pandas(df, model, args.reps, args.proba)
        results["pandas + model.predict"] = (rows, first, warm)
    if "duckdb" not in args.skip:
        try:
            rows, first, warm = run_duckdb(df, model, args.reps, args.proba)
            results["DuckDB + Arrow UDF"] = (rows, first, warm)
        except Exception as e:  # noqa: BLE001 - report, keep the other engines' numbers
            print(f"DuckDB: unavailable ({type(e).__name__}: {e})")
    if "tqp" not in args.skip:
        try:
            rows, first, warm, setup = run_tqp(df, model, args.reps, args.device, args.proba)
            results[f"tqp ({args.device})"] = (rows, first, warm)
            print(f"tqp: register table + model {setup:.2f}s")
        except Exception as e:  # noqa: BLE001 - PREDICT may not be wired yet
            print(f"tqp: unavailable ({type(e).__name__}: {str(e)[:200]})")
    if not results:
        return
    ref_name, (ref_rows, _, _) = next(iter(results.items()))
    base = min(w for _, _, (w, _) in results.values())
    base_cpu = min(c for _, _, (_, c) in results.values())
    print(f"{'engine':28s} {'first s':>8s} {'warm s':>8s} {'M rows/s':>9s} {'vs best':>8s} "
          f"{'CPU s':>7s} {'vs best':>8s}  agrees")
    for name, (rows, first, (warm, cpu)) in results.items():
        ok = "yes" if same(rows, ref_rows) else f"NO (vs {ref_name})"
        print(f"{name:28s} {first:8.2f} {warm:8.2f} {args.rows / warm / 1e6:9.2f} {warm / base:7.2f}x "
              f"{cpu:7.2f} {cpu / base_cpu:7.2f}x  {ok}")


if __name__ == "__main__":
    main()
