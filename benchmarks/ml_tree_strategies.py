"""Tree-evaluation strategies of tqp.ml (gemm / perfect / traverse) timed per model shape.

Random trees (each node splits with probability --split-prob until --depth, so trees are
nearly full but ragged like real ones) on standard-normal features; rows/s per strategy. Run:

    python benchmarks/ml_tree_strategies.py                 # the default grid
    python benchmarks/ml_tree_strategies.py --rows 200000 --depths 3 8 --trees 100 --device cuda

Timing: the CPU is shared with other jobs (load 4-6 on 2 cores while this ran), so wall time
swung 10x between runs; the script measures this process's CPU time, single-threaded, which
tracks the work. Results (torch 2.13 eager, 1 thread, 50k rows, 16 features, median of 3
runs; M rows/s, higher is better; "-" = not run: gemm past depth 8 or 60k leaf slots, perfect
past depth 14):

    device=cpu rows=50000 features=16 threads=1
    depth trees     gemm  perfect traverse  best
        2    10     1.87     4.36     4.27  perfect
        2   100     0.21     0.38     0.72  traverse
        2   500     0.04     0.11     0.14  traverse
        3    10     1.13     3.99     4.01  traverse
        3   100     0.12     0.50     0.47  perfect
        3   500     0.02     0.12     0.10  perfect
        4    10     0.73     3.05     3.25  traverse
        4   100     0.10     0.39     0.37  perfect
        4   500     0.01     0.11     0.13  traverse
        6    10     0.27     3.55     2.49  perfect
        6   100     0.02     0.30     0.30  traverse
        6   500     0.00     0.09     0.08  perfect
        8    10     0.04     2.63     2.62  perfect
        8   100     0.00     0.40     0.38  perfect
        8   500        -     0.05     0.04  perfect
       10    10        -     2.15     2.24  traverse
       10   100        -     0.29     0.24  perfect
       10   500        -     0.04     0.03  perfect
       12    10        -     1.66     1.72  traverse
       12   100        -     0.22     0.21  perfect
       12   500        -     0.02     0.02  perfect
       16    10        -        -     1.19  traverse
       16   100        -        -     0.12  traverse
       16   500        -        -     0.01  traverse

Reading: gemm never wins on this CPU: its dense work (every internal node, then a path-matrix
bmm over all leaves) costs 2x at depth 2 and orders of magnitude by depth 6. perfect and
traverse are within ~10% everywhere (run-to-run noise is about that); perfect is ahead by
5-20% at 100-500 trees of depth 4-12, as expected from saving the child-table gather per level.
`tqp.ml.trees.choose_strategy` therefore picks perfect up to depth 12 (while the padded tables
stay under 4M leaf slots) and traverse beyond; on CUDA, gemm for depth <= 3 (Hummingbird's GPU
finding; no GPU was available to measure here), else the CPU rule.

Earlier iterations, for the record: advanced indexing (`table[idx]`) instead of
`table.index_select(0, idx.view(-1))` made every level ~3x slower (15 ms vs 3.6 ms for a
2M-element lookup); int32 instead of int64 node state gained ~15%; chunks of 2**16..2**20
(row x tree) elements ran equally fast, 2**22 ran 4x slower (fresh large buffers page-fault),
hence tqp.ml.trees.CHUNK_ELEMENTS = 2**20. torch.compile of the traverse loop (opt-in,
TQP_ML_TORCH_COMPILE=1) ran 4-7x faster than eager at 100 trees of depth 8 after a 5-27 s
compile. Since then the module runs rows in blocks of 2**17 (row x tree) elements on
single-threaded workers (tqp.ml.trees.run_row_blocks); a sweep of 2**15..2**19 put the best
at 2**17. Tried and dropped, as no faster within the noise: float32 features and thresholds
(exact for scikit-learn's float32 comparisons, but every op cost the same per element),
int32 flat indexes in place of the int64 gather index, preallocated out= buffers, and
deciding the first levels densely (a win at the root only, of a few per cent).

Bandwidth bound (--bound): the bytes each eager pass reads and writes (LEVEL_BYTES below),
at the copy rate of one block's working set, against the measured time of one worker:

    python benchmarks/ml_tree_strategies.py --bound --depths 8 --trees 100 --features 8

    bound: 100 trees of depth 8, 8 features, blocks of 1310 rows, 1 thread; copy 85.7 GB/s
    at one block's size (cache), DRAM read 13.4 / write 11.6 GB/s
     strategy  ns/(row,tree)  bytes  pass bound ns  x bound  one-pass bound ns  x bound
      perfect          32.51    812           9.48     3.43             0.0546      595
     traverse          36.22    844           9.85     3.68             0.0546      663

(busy 2-core machine). The eager passes run at 3.4-3.7x the time their own bytes take at
cache bandwidth: gathers and compares cost ~0.5 ns per element whatever the element size.
A fused traversal that reads each row once is bounded ~600x lower; the opt-in torch.compile
path (one loop per level instead of ~6 passes) is a step towards it that eager torch cannot take.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

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


# Bytes the eager kernels read and write per (row, tree) and level: int32 state, int64 feature
# index, float64 values, bool decision (see _PerfectCore / _TraverseCore.forward):
#   feature index_select 4 + 8 + 8, x gather 8 + 8 + 8, threshold index_select 4 + 8 + 8,
#   compare 16 + 1, perfect: next = 2g + step 8, minus decision 4 + 1 + 4;
#   traverse: right-child index_select 4 + 4 + 4, minus decision 4 + 1 + 4.
# Plus per (row, tree) and output column: leaf-value index_select 4 + 8 + 8 and the sum's 8.
LEVEL_BYTES = {"perfect": 98, "traverse": 102}
LEAF_BYTES = 28


def bound_report(depth: int, n_trees: int, n_features: int, rows: int, reps: int) -> None:
    """Measured time per (row, tree) of one single-threaded worker on one row block, against
    the time the eager passes' own bytes take at a cache-resident copy rate, and the one-pass
    (fused) bound: read the rows once, write the result once, at DRAM rates."""
    from kernels import bandwidth

    from tqp.exec.memory import keep_freed_memory
    from tqp.ml.trees import BLOCK_ELEMENTS

    keep_freed_memory()  # as the engine does: fresh temporaries reuse freed heap
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    ens = TreeEnsemble([random_tree(rng, depth, n_features, 1.0) for _ in range(n_trees)], n_features, 1)
    x = torch.from_numpy(rng.normal(size=(rows, n_features)))
    block = max(1, BLOCK_ELEMENTS // n_trees)
    src = torch.ones(BLOCK_ELEMENTS, dtype=torch.float64)  # one block's [rows, trees] float64
    dst = torch.zeros_like(src)
    t_copy = min(_cpu_time(lambda: dst.copy_(src), 200) for _ in range(5)) / 200
    cache_bps = 2 * src.numel() * 8 / t_copy
    dram = bandwidth(torch.device("cpu"), lambda: None)
    print(f"bound: {n_trees} trees of depth {depth}, {n_features} features, blocks of {block} rows, "
          f"1 thread; copy {cache_bps / 1e9:.1f} GB/s at one block's size (cache), "
          f"DRAM read {dram['read_GBps']:.1f} / write {dram['write_GBps']:.1f} GB/s")
    print(f"{'strategy':>9} {'ns/(row,tree)':>14} {'bytes':>6} {'pass bound ns':>14} {'x bound':>8} "
          f"{'one-pass bound ns':>18} {'x bound':>8}")
    for strategy in ("perfect", "traverse"):
        mpps = time_strategy(ens, strategy, x, reps, block)
        ns = 1e3 / mpps / n_trees
        touched = depth * LEVEL_BYTES[strategy] + LEAF_BYTES
        pass_ns = touched / cache_bps * 1e9
        one_pass_ns = (8 * n_features / dram["read_GBps"] + 8 / dram["write_GBps"]) / n_trees
        print(f"{strategy:>9} {ns:14.2f} {touched:6d} {pass_ns:14.2f} {ns / pass_ns:8.2f} "
              f"{one_pass_ns:18.4f} {ns / one_pass_ns:8.0f}")


def _cpu_time(fn, n: int) -> float:
    t = time.process_time()
    for _ in range(n):
        fn()
    return time.process_time() - t


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
    ap.add_argument("--bound", action="store_true",
                    help="time the first --depths / --trees shape against its bandwidth bounds")
    args = ap.parse_args(argv)
    if args.bound:
        return bound_report(args.depths[0], args.trees[0], args.features, args.rows, args.reps)
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
