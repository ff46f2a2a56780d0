"""Micro-benchmark of tqp's kernels (tqp/kernels/*.py) against a memory-bandwidth bound.

Run:

    python benchmarks/kernels.py                          # 6M rows, 2 threads, CPU, 5 reps
    python benchmarks/kernels.py --rows 20000 --reps 1    # seconds; what the test runs
    python benchmarks/kernels.py --device cuda --json out/kernels.json --only join,group

Bound model. A kernel must at least read its inputs once and write its output once, so with R
bytes in and W bytes out its time is at least

    bound = R / B_read + W / B_write

B_read is measured as `x.sum()` or `x.amax()` (whichever is faster) over a 256 MiB int64
tensor (bytes read / time), and the copy bandwidth B_copy as `dst.copy_(src)` (bytes read +
written / time), best of 5, on the benchmark's threads. B_write is the part of the copy that
reading does not explain, 256 MiB / (t_copy - 256 MiB / B_read), so the read probe and the copy
both sit exactly on the bound. Each case states R + W next to its code, in bytes, with n rows,
l and r rows on a join's left and right side, k output rows and g groups. The model ignores
everything a kernel may legitimately need beyond that (tables, temporaries, sort passes, the
64-byte line fetched for one random 8-byte element), so measured/bound says how far a kernel
is from one streaming pass, not that it is badly written: sorts and random gathers cannot
reach 1.

Every kernel's output is compared with a plain numpy reference on the same inputs, and the run
fails (AssertionError after the table) if any differs, so nothing wrong is ever timed quietly.
Inputs are TPC-H-like and scale with --rows (n): join keys in a range of n/4 (1.5M at 6M
rows), order keys in n, 4 to 1.5M groups, a ~80 MB comment buffer for LIKE at n = 6M; the
ranges scale so that small runs take the same code paths as large ones.

Times are warm (one untimed run first, whose output is checked) and the best and median of
--reps runs. On CPU glibc malloc gets the engine's tuning (tqp.exec.memory) so fresh outputs
do not pay page faults the engine would not pay either.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqp.kernels import group as G  # noqa: E402
from tqp.kernels import join as J  # noqa: E402
from tqp.kernels import keys as K  # noqa: E402
from tqp.kernels import selection as S  # noqa: E402
from tqp.kernels import sort as O  # noqa: E402
from tqp.kernels import strings as T  # noqa: E402

PROBE_BYTES = 256 << 20  # far beyond any last-level cache, so the probe streams from DRAM


@dataclass
class Case:
    run: Callable[[], object]
    check: Callable[[object], bool]
    read: int  # bytes the kernel must read at least
    write: int  # bytes it must write at least
    model: str  # the formula for read + write


CASES: list[tuple[str, Callable[[int, torch.device, np.random.Generator], Case]]] = []


def case(name):
    def register(build):
        CASES.append((name, build))
        return build
    return register


def _np(x) -> np.ndarray:
    return x.cpu().numpy()


def _eq(x, ref) -> bool:
    return np.array_equal(_np(x), ref)


def _ranks(x: np.ndarray) -> np.ndarray:
    return np.unique(x, return_inverse=True)[1].ravel()


def _tuple_id(*cols: np.ndarray) -> np.ndarray:
    """One int64 per tuple of non-negative ints, lexicographic: the reference for dense keys."""
    out = np.zeros(len(cols[0]), dtype=np.int64)
    for c in cols:
        out = out * (int(c.max()) + 1) + c
    return out


# ---------------------------------------------------------------- selection, gather

def _nonzero(p: float):
    def build(n, dev, rng):
        m = rng.random(n) < p
        mask, ref = torch.from_numpy(m).to(dev), np.flatnonzero(m)
        # R = n (bool mask), W = 8k (int64 positions)
        return Case(lambda: S.nonzero(mask), lambda out: _eq(out, ref), n, 8 * len(ref), "n + 8k")
    return build


for _p in (0.01, 0.5, 0.99):
    CASES.append((f"select.nonzero {_p:.0%}", _nonzero(_p)))


@case("gather f64 x[idx], random idx")
def _gather(n, dev, rng):
    x_np, idx_np = rng.random(n), rng.integers(0, n, n)
    x, idx = torch.from_numpy(x_np).to(dev), torch.from_numpy(idx_np).to(dev)
    ref = x_np[idx_np]
    # R = 8n idx + 8n x (each element once; random order fetches a 64 B line per 8 B), W = 8n
    return Case(lambda: x[idx], lambda out: _eq(out, ref), 16 * n, 8 * n, "8n idx + 8n x + 8n out")


# ---------------------------------------------------------------- keys

def _dense_case(a, b, dev, read, write, label):
    cols = [(torch.from_numpy(a).to(dev), None), (torch.from_numpy(b).to(dev), None)]
    ref = _ranks(_tuple_id(a, b))

    def check(out):  # keys ordered as the tuples, inside the domain
        key, dom = out
        k = _np(key)
        return np.array_equal(_ranks(k), ref) and 0 <= k.min() and k.max() < dom
    return Case(lambda: K.dense_keys(cols), check, read, write, label)


@case("keys.dense_keys 2 int32 flags")
def _dense_small(n, dev, rng):
    a, b = rng.integers(0, 3, n).astype(np.int32), rng.integers(0, 2, n).astype(np.int32)
    return _dense_case(a, b, dev, 8 * n, 4 * n, "4n + 4n + 4n out")  # int32 key out


@case("keys.dense_keys orderkey,suppkey i64")
def _dense_wide(n, dev, rng):
    a, b = rng.integers(1, n + 1, n), rng.integers(1, n // 600 + 2, n)
    return _dense_case(a, b, dev, 16 * n, 8 * n, "8n + 8n + 8n out")  # int64 key out


@case("keys.dense_keys f64 price (unique)")
def _dense_float(n, dev, rng):
    x = rng.integers(90_000, 10_500_000, n) / 100  # ~ l_extendedprice: millions of distinct values
    cols = [(torch.from_numpy(x).to(dev), None)]
    ref = _ranks(x)
    # R = 8n, W = 8n; the dense rank needs a sort the model does not count
    return Case(lambda: K.dense_keys(cols), lambda out: np.array_equal(_ranks(_np(out[0])), ref),
                8 * n, 8 * n, "8n + 8n out")


@case("keys.join_keys partkey,suppkey")
def _join_keys(n, dev, rng):
    p, s, m = n // 30 + 1, n // 600 + 1, 4 * (n // 30 + 1)  # lineitem x partsupp
    lp, ls = rng.integers(0, p, n).astype(np.int32), rng.integers(0, s, n).astype(np.int32)
    rp, rs = rng.integers(0, p, m).astype(np.int32), rng.integers(0, s, m).astype(np.int32)
    t = lambda a: (torch.from_numpy(a).to(dev), None)  # noqa: E731
    left, right = [t(lp), t(ls)], [t(rp), t(rs)]
    tid = _ranks(_tuple_id(np.concatenate([lp, rp]), np.concatenate([ls, rs])))

    def check(out):  # equal keys exactly where the tuples are equal (order is not promised)
        key = _ranks(np.concatenate([_np(out[0]), _np(out[1])]))
        return len(np.unique(key * (int(tid.max()) + 1) + tid)) == key.max() + 1 == tid.max() + 1
    # R = 8(n + m) (two int32 columns per side), W = 8(n + m) (int64 keys)
    return Case(lambda: K.join_keys(left, right), check, 8 * (n + m), 8 * (n + m),
                "8(n+m) + 8(n+m) out")


# ---------------------------------------------------------------- joins

def _join_ref(lk: np.ndarray, rk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs ordered by (li, ri): runs of equal keys in the stably sorted right side."""
    order = np.argsort(rk, kind="stable")
    srt = rk[order]
    start, stop = np.searchsorted(srt, lk, "left"), np.searchsorted(srt, lk, "right")
    counts = stop - start
    li = np.repeat(np.arange(len(lk)), counts)
    offset = np.arange(len(li)) - (np.cumsum(counts) - counts)[li]
    return li, order[start[li] + offset]


def _join_case(lk_np, rk_np, dev) -> Case:
    lk, rk = torch.from_numpy(lk_np).to(dev), torch.from_numpy(rk_np).to(dev)
    li_ref, ri_ref = _join_ref(lk_np, rk_np)
    # R = keys of both sides once (l left rows, r right rows), W = 16k (int64 li, ri per pair)
    return Case(lambda: J.equi_join(lk, rk), lambda out: _eq(out[0], li_ref) and _eq(out[1], ri_ref),
                lk_np.nbytes + rk_np.nbytes, 16 * len(li_ref),
                f"{lk_np.itemsize}l + {rk_np.itemsize}r + 16k out")


@case("join.equi_join direct (unique, n/4 range)")
def _join_direct(n, dev, rng):
    span = n // 4  # lineitem.l_orderkey -> orders filtered to half its rows (unique keys)
    rk = rng.permutation(span)[: span // 2].astype(np.int32)
    lk = rng.integers(0, span, n).astype(np.int32)
    return _join_case(lk, rk, dev)


@case("join.equi_join bucket (4 dups/key)")
def _join_dups(n, dev, rng):
    p = n // 30  # a quarter of lineitem -> partsupp on partkey: 4 rows per key, stored in order
    rk = np.repeat(np.arange(p, dtype=np.int32), 4)
    lk = rng.integers(0, p, n // 4).astype(np.int32)
    return _join_case(lk, rk, dev)


@case("join.equi_join bucket (unique, sparse i64)")
def _join_sparse(n, dev, rng):
    m = n // 4  # unique keys spread over ~1e12: too wide for a direct-address table
    rk = rng.permutation(m).astype(np.int64) * 1_000_003 + rng.integers(0, 1000, m)
    miss = rng.random(n) < 0.1  # 10% of probes find nothing (key + 1500 is never a key)
    lk = rk[rng.integers(0, m, n)] + np.where(miss, 1500, 0)
    return _join_case(lk, rk, dev)


@case("join.equi_join sort (skewed wide range)")
def _join_skewed(n, dev, rng):
    m = n // 4  # dense keys plus one far outlier: every key shares one bucket, so it sorts
    rk = np.append(rng.permutation(m - 1), 1 << 50).astype(np.int64)
    lk = rng.integers(0, m - 1, n).astype(np.int64)
    return _join_case(lk, rk, dev)


@case("join.semi_mask (n/4 range)")
def _semi(n, dev, rng):
    m = n // 4  # Q4: orders whose key occurs among the qualifying lineitems
    lk_np = rng.permutation(m).astype(np.int32)
    rk_np = rng.integers(0, m, int(0.63 * n)).astype(np.int32)
    present = np.zeros(m, dtype=bool)
    present[rk_np] = True
    ref = present[lk_np]
    lk, rk = torch.from_numpy(lk_np).to(dev), torch.from_numpy(rk_np).to(dev)
    # R = 4l + 4r, W = l (bool)
    return Case(lambda: J.semi_mask(lk, rk), lambda out: _eq(out, ref),
                lk_np.nbytes + rk_np.nbytes, m, "4l + 4r + l out")


# ---------------------------------------------------------------- group by

def _group_case(key_np: np.ndarray, domain: int, dev) -> Case:
    key = torch.from_numpy(key_np).to(dev)
    uniq, ref = np.unique(key_np, return_inverse=True)
    n = len(key_np)
    # R = key once, W = 8n (int64 ids)
    return Case(lambda: G.group_ids(key, domain),
                lambda out: out[1] == len(uniq) and _eq(out[0], ref.ravel()),
                key_np.nbytes, 8 * n, f"{key_np.itemsize}n + 8n out")


@case("group.group_ids 4 groups (domain 6)")
def _gid_small(n, dev, rng):
    return _group_case(rng.choice(np.array([0, 1, 3, 5], dtype=np.int32), n), 6, dev)


@case("group.group_ids n/4 groups (bincount)")
def _gid_dense(n, dev, rng):
    # Q18: l_orderkey, 1.5M groups in a domain of 6M
    return _group_case((rng.integers(0, n // 4, n) * 4).astype(np.int32), n, dev)


@case("group.group_ids n/4 groups (unique)")
def _gid_sparse(n, dev, rng):
    return _group_case(rng.integers(0, n // 4, n) * 64, 16 * n, dev)  # domain too wide to count


def _sum_case(values: np.ndarray, ids_np: np.ndarray, g: int, dev) -> Case:
    v, ids = torch.from_numpy(values).to(dev), torch.from_numpy(ids_np).to(dev)
    # exact in float64: the totals stay far below 2**53 (and are multiples of 1/4)
    ref = np.bincount(ids_np, weights=values.astype(np.float64), minlength=g).astype(values.dtype)
    n = len(values)
    # R = values + 8n ids, W = 8g
    return Case(lambda: G.segment_sum(v, ids, g), lambda out: _eq(out, ref),
                values.nbytes + 8 * n, 8 * g, f"{values.itemsize}n + 8n ids + 8g out")


@case("group.segment_sum i64, 4 groups")
def _sum_small(n, dev, rng):
    return _sum_case(rng.integers(90_000, 10_500_000, n), rng.integers(0, 4, n), 4, dev)


@case("group.segment_sum f64, n/4 groups")
def _sum_large(n, dev, rng):
    g = n // 4
    return _sum_case(rng.integers(0, 400_000, n) / 4, rng.integers(0, g, n), g, dev)


# ---------------------------------------------------------------- sort

@case("sort.lexsort int32 desc, f64 asc")
def _lexsort(n, dev, rng):
    a, b = rng.integers(0, 5, n).astype(np.int32), rng.integers(0, 10_000, n) / 100  # ties
    keys = [(torch.from_numpy(a).to(dev), None, True, False),
            (torch.from_numpy(b).to(dev), None, False, False)]
    ref = np.lexsort((b, -a))  # stable, last key primary
    # R = 4n + 8n, W = 8n (int64 permutation); a comparison sort is n log n work beyond that
    return Case(lambda: O.lexsort(keys), lambda out: _eq(out, ref), 12 * n, 8 * n,
                "4n + 8n + 8n out")


@case("sort.top_k f64 asc, k=100")
def _top_k(n, dev, rng):
    x = rng.integers(0, 1_000_000, n) / 100  # ties: the stable order decides among them
    keys = [(torch.from_numpy(x).to(dev), None, False, False)]
    ref = np.argsort(x, kind="stable")[:100]
    # R = 8n, W = 8k
    return Case(lambda: O.top_k(keys, 100), lambda out: _eq(out, ref), 8 * n, 800, "8n + 8k out")


# ---------------------------------------------------------------- strings

_WORDS = ("furiously carefully quickly blithely slyly final pending ironic regular express bold "
          "even deposits accounts packages theodolites instructions foxes asymptotes dependencies "
          "platelets courts pinto beans ideas excuses dolphins sleep wake haggle nag cajole use "
          "boost are about above according to the among special requests").split()


@case("strings.like_flat '%special%requests%'")
def _like(n, dev, rng):
    rows, per = n // 4, 7  # ~ o_comment: n/4 rows of 7 words, ~80 MB at n = 6M
    vocab = [w.encode() + b" " for w in _WORDS]  # no word holds another's pattern segment
    vlen = np.array([len(w) for w in vocab])
    vmat = np.zeros((len(vocab), vlen.max()), dtype=np.uint8)
    for i, w in enumerate(vocab):
        vmat[i, : len(w)] = np.frombuffer(w, dtype=np.uint8)
    ids = rng.integers(0, len(vocab), (rows, per))
    tl = vlen[ids].ravel()
    tend = np.cumsum(tl)
    tstart, flat_ids = tend - tl, ids.ravel()
    buf = np.empty(int(tend[-1]), dtype=np.uint8)
    for j in range(vlen.max()):  # j-th byte of every token at once
        at = np.flatnonzero(tl > j)
        buf[tstart[at] + j] = vmat[flat_ids[at], j]
    offsets_np = np.concatenate([[0], tend[per - 1 :: per]]).astype(np.int64)
    # words are space separated, so a match is a "special" token before a "requests" token
    sp, rq = ids == _WORDS.index("special"), ids == _WORDS.index("requests")
    first_sp = np.where(sp.any(1), sp.argmax(1), per)
    last_rq = np.where(rq.any(1), per - 1 - rq[:, ::-1].argmax(1), -1)
    ref = first_sp < last_rq
    data, offsets = torch.from_numpy(buf).to(dev), torch.from_numpy(offsets_np).to(dev)
    # R = bytes + 8(rows + 1) offsets, W = rows (bool)
    return Case(lambda: T.like_flat(data, offsets, "%special%requests%"), lambda out: _eq(out, ref),
                buf.nbytes + offsets_np.nbytes, rows, "bytes + 8(r+1) + r out")


# ---------------------------------------------------------------- reference point

@case("elementwise p*(1-d)*(1+t) f64")
def _elementwise(n, dev, rng):
    p_np, d_np, t_np = rng.random(n) * 1e5, rng.random(n) / 10, rng.random(n) / 10
    p, d, t = (torch.from_numpy(a).to(dev) for a in (p_np, d_np, t_np))
    ref = p_np * (1 - d_np) * (1 + t_np)  # same IEEE ops in the same order: bit-equal
    # R = 24n, W = 8n as if fused; eager torch writes and rereads 3 temporaries
    return Case(lambda: p * (1 - d) * (1 + t), lambda out: _eq(out, ref), 24 * n, 8 * n,
                "8n*3 + 8n out")


# ---------------------------------------------------------------- harness

def _timed(fn, reps: int, sync) -> tuple[object, list[float]]:
    """Output of one warm-up run and `reps` timed runs (seconds)."""
    out = fn()
    sync()
    times = []
    for _ in range(reps):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return out, times


_BANDWIDTH: dict[tuple[str, int], dict] = {}  # per process: main() may run several times


def bandwidth(dev: torch.device, sync, reps: int = 5) -> dict:
    cached = _BANDWIDTH.get((str(dev), torch.get_num_threads()))
    if cached is not None:
        return cached
    n = PROBE_BYTES // 8
    src = torch.ones(n, dtype=torch.int64, device=dev)
    dst = torch.zeros_like(src)  # written once now, so the copy pays no first-touch faults
    best = lambda fn: min(_timed(fn, reps, sync)[1])  # noqa: E731
    # torch's int64 sum is compute-bound on some CPUs (22 GB/s where amax streams 38 on the
    # 2-core dev VM): the faster of the two is the read rate
    t_read = min(best(src.sum), best(src.amax))
    t_copy = best(lambda: dst.copy_(src))
    t_fill = best(lambda: dst.fill_(3))
    b_read, b_copy = PROBE_BYTES / t_read, 2 * PROBE_BYTES / t_copy
    t_write = t_copy - PROBE_BYTES / b_read
    # a copy that reads no slower than the read probe leaves nothing to attribute to writes
    b_write = PROBE_BYTES / t_write if t_write > 0.1 * t_copy else b_copy
    bw = {"read_GBps": b_read / 1e9, "copy_GBps": b_copy / 1e9, "write_GBps": b_write / 1e9,
          "fill_GBps": PROBE_BYTES / t_fill / 1e9, "probe_bytes": PROBE_BYTES}
    return _BANDWIDTH.setdefault((str(dev), torch.get_num_threads()), bw)


def machine_info(dev: torch.device, threads: int) -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"cpu": cpu, "threads": threads, "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "device": str(dev)}
    if dev.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(dev)
    return info


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=6_000_000, help="rows per kernel input (>= 1000)")
    ap.add_argument("--reps", type=int, default=5, help="timed runs per kernel, after a warm one")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--only", default="", help="comma-separated substrings of case names")
    ap.add_argument("--json", metavar="PATH", help="write all figures and machine info here")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.rows < 1000 or args.reps < 1:
        ap.error("--rows must be >= 1000 and --reps >= 1")
    return args


def main(argv: list[str] | None = None) -> dict | None:
    """Run the benchmark; returns everything it printed (None when the device is missing).
    Raises AssertionError, after printing the table, if any kernel's output was wrong."""
    args = parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("skipped: --device cuda but torch sees no CUDA device")
        return None
    dev = torch.device(args.device)
    if dev.type == "cpu":
        from tqp.exec.memory import keep_freed_memory
        keep_freed_memory()
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    wanted = [w for w in args.only.split(",") if w]
    cases = [(name, build) for name, build in CASES if not wanted or any(w in name for w in wanted)]
    threads_before = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        with torch.inference_mode():
            return _run(args, dev, sync, cases)
    finally:
        torch.set_num_threads(threads_before)  # the test runs in-process: leave torch as found


def _run(args, dev, sync, cases) -> dict:
    bw = bandwidth(dev, sync)
    b_read, b_write = bw["read_GBps"] * 1e9, bw["write_GBps"] * 1e9
    result = {"machine": machine_info(dev, torch.get_num_threads()), "bandwidth": bw,
              "rows": args.rows, "reps": args.reps, "cases": []}
    m = result["machine"]
    print(f"{m['cpu']}, {m['threads']} threads, torch {m['torch']}, {dev}; rows={args.rows:,} "
          f"reps={args.reps}")
    print(f"bandwidth: read {bw['read_GBps']:.1f} GB/s (sum/amax), copy {bw['copy_GBps']:.1f} GB/s "
          f"(read+write), write {bw['write_GBps']:.1f} GB/s (derived; fill_ gets "
          f"{bw['fill_GBps']:.1f})")
    print(f"bound = read bytes / {bw['read_GBps']:.1f} GB/s + written bytes / "
          f"{bw['write_GBps']:.1f} GB/s\n")
    head = f"{'case':42} {'best ms':>9} {'med ms':>9} {'bound ms':>9} {'ratio':>7}  ok  bytes (R + W)"
    print(head + "\n" + "-" * len(head))
    rng = np.random.default_rng(args.seed)
    failed = []
    for name, build in cases:
        c = build(args.rows, dev, rng)
        out, times = _timed(c.run, args.reps, sync)
        ok = bool(c.check(out))
        del out
        if not ok:
            failed.append(name)
        best, med = min(times) * 1e3, statistics.median(times) * 1e3
        bound = (c.read / b_read + c.write / b_write) * 1e3
        row = {"name": name, "ok": ok, "best_ms": best, "median_ms": med,
               "times_ms": [t * 1e3 for t in times], "bound_ms": bound, "ratio": best / bound,
               "read_bytes": c.read, "write_bytes": c.write, "bytes_model": c.model}
        result["cases"].append(row)
        print(f"{name:42} {best:9.2f} {med:9.2f} {bound:9.2f} {best / bound:7.1f}  "
              f"{'ok' if ok else 'BAD'}  {c.model}", flush=True)
        del c
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    if failed:
        raise AssertionError(f"kernel output differs from the reference: {', '.join(failed)}")
    return result


if __name__ == "__main__":
    main()
