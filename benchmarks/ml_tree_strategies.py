"""Tree-evaluation strategies of tqp.ml (gemm / perfect / traverse) timed per model shape.

Random trees (each node splits with probability --split-prob until --depth, so trees are
nearly full but ragged like real ones) on standard-normal features; rows/s per strategy. Run:

    python benchmarks/ml_tree_strategies.py                 # the default grid
    python benchmarks/ml_tree_strategies.py --rows 200000 --depths 3 8 --trees 100 --device cuda

Results (CPU: 2 cores of the development machine, shared with other jobs, torch 2.13, 100k
rows, 16 features, median of 3; M rows/s, higher is better; "-" = not run: gemm beyond depth
8 and perfect beyond depth 14 need too much memory):

RESULTS_PLACEHOLDER

Reading: gemm wins only for very shallow trees (its work is internal nodes x leaves per tree);
perfect (fewer gathers per level than traverse: no child table) wins from there to moderate
depth; traverse is the only option for deep trees (perfect pads to 2**depth leaves) and loses
little against perfect at depth 10-12. `tqp.ml.trees.choose_strategy` encodes: depth <= 3 gemm,
<= 10 perfect, else traverse. On CUDA (not measured in this project yet) the same rule is used:
gemm and perfect are regular batched matmuls / gathers, which suit a GPU at least as well.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqp.ml.trees import NAN_LEFT, RAW, Tree, TreeEnsemble, compile_ensemble  # noqa: E402


def random_tree(rng: np.random.Generator, depth: int, n_features: int, split_prob: float) -> Tree:
    feats, thrs, var, left, right, vals = [], [], [], [], [], []

    def grow(d: int) -> int:
        i = len(feats)
        feats.append(0)
        thrs.append(0.0)
        var.append(RAW)
        left.append(-1)
        right.append(-1)
        vals.append(rng.normal())
        if d < depth and (d < 2 or rng.random() < split_prob):
            feats[i] = int(rng.integers(n_features))
            thrs[i] = float(rng.normal() * 0.7)
            var[i] = NAN_LEFT if rng.random() < 0.5 else RAW
            left[i] = grow(d + 1)
            right[i] = grow(d + 1)
        return i

    grow(0)
    return Tree(np.array(feats), np.array(thrs), np.array(var, np.int8), np.array(left),
                np.array(right), np.array(vals).reshape(-1, 1))


def time_strategy(ens, strategy, x, reps, chunk):
    mod = compile_ensemble(ens, strategy).to(x.device)
    times = []
    # On a shared CPU, wall time swings 10x with other jobs' load; CPU time of this process
    # (single-threaded) tracks the work itself. On CUDA, wall time with synchronization.
    clock = time.perf_counter if x.device.type == "cuda" else time.process_time
    with torch.no_grad():
        for r in range(reps + 1):
            if x.device.type == "cuda":
                torch.cuda.synchronize()
            t = clock()
            for s in range(0, x.shape[0], chunk):
                mod(x[s:s + chunk])
            if x.device.type == "cuda":
                torch.cuda.synchronize()
            if r:  # first run warms up
                times.append(clock() - t)
    return x.shape[0] / statistics.median(times) / 1e6


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--features", type=int, default=16)
    ap.add_argument("--depths", type=int, nargs="+", default=[2, 3, 4, 6, 8, 10, 12, 16])
    ap.add_argument("--trees", type=int, nargs="+", default=[10, 100, 500])
    ap.add_argument("--split-prob", type=float, default=0.9)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--chunk-elements", type=int, default=1 << 20,
                    help="rows per chunk = this / trees (as tqp.ml.trees.chunk_rows)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (CPU time is measured)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.normal(size=(args.rows, args.features))).to(args.device)
    print(f"device={args.device} rows={args.rows} features={args.features} threads={torch.get_num_threads()}")
    print(f"{'depth':>5} {'trees':>5} {'gemm':>8} {'perfect':>8} {'traverse':>8}  best")
    for depth in args.depths:
        for n_trees in args.trees:
            ens = TreeEnsemble([random_tree(rng, depth, args.features, args.split_prob)
                                for _ in range(n_trees)], args.features, 1)
            chunk = max(1024, args.chunk_elements // n_trees)
            res = {}
            for strategy in ("gemm", "perfect", "traverse"):
                if (strategy == "gemm" and depth > 8) or (strategy == "perfect" and depth > 14):
                    continue
                if strategy == "gemm" and n_trees * 2 ** depth > 60_000:
                    continue
                gchunk = max(256, chunk // (2 << depth)) if strategy == "gemm" else chunk
                res[strategy] = time_strategy(ens, strategy, x, args.reps, gchunk)
            best = max(res, key=res.get)
            cells = " ".join(f"{res[s]:8.2f}" if s in res else f"{'-':>8}" for s in ("gemm", "perfect", "traverse"))
            print(f"{depth:5d} {n_trees:5d} {cells}  {best}", flush=True)


if __name__ == "__main__":
    main()
