"""Tree ensembles as tensor programs.

Every tree model tqp reads (scikit-learn, LightGBM, XGBoost) is first brought into one
library-neutral form, `TreeEnsemble`: per tree, node arrays with *go left iff x <= threshold*
semantics, a per-node missing-value rule, and leaf value vectors. `compile_ensemble` then turns it
into a `torch.nn.Module` using one of three strategies (ideas as published by Hummingbird,
implemented here from scratch):

* ``gemm``: per tree, evaluate every internal node at once (gather of the node's feature, compare
  with its threshold), then find the leaf whose root path agrees with the decisions by one batched
  matrix product against a path matrix. Dense work grows with internal nodes x leaves, so it only
  pays for shallow trees.
* ``perfect``: pad every tree to a perfect binary tree of the ensemble's maximum depth, stored in
  heap order; one gather-compare step per level moves every (row, tree) pair to a child at
  ``2i+1`` or ``2i+2``. Memory grows as 2**depth per tree.
* ``traverse``: general node tables (children stored next to each other, leaves loop onto
  themselves); one step per level of the deepest tree. Works at any depth.

All trees of an ensemble run in the same tensor ops: state is an ``[n_rows, n_trees]`` index
tensor. Which strategy is fastest depends on depth and tree count; `choose_strategy` encodes
what benchmarks/ml_tree_strategies.py measured. On CPU, perfect and traverse run in row blocks
on single-threaded workers, as many as torch's thread count (`run_row_blocks`).

Missing values need no per-node branch: the input is expanded once into a few *variants* of each
feature column (NaN kept, NaN -> -inf, NaN -> 0, ...) and each node reads the variant that makes a
plain ``x <= threshold`` send missing values where the model wants them.

>>> import numpy as np, torch
>>> stump = Tree(feature=np.array([0, -1, -1]), threshold=np.array([0.5, 0, 0]),
...              variant=np.array([NAN_LEFT, 0, 0]), left=np.array([1, -1, -1]),
...              right=np.array([2, -1, -1]), value=np.array([[0.0], [1.0], [2.0]]))
>>> ens = TreeEnsemble([stump], n_features=1, n_outputs=1)
>>> m = compile_ensemble(ens, "perfect")
>>> m(torch.tensor([[0.0], [1.0], [float("nan")]], dtype=torch.float64))[:, 0].tolist()
[1.0, 2.0, 1.0]
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..errors import NotSupportedError

# Missing-value variants of a feature column. A node reads column (variant, feature) of the
# expanded input and goes left iff value <= threshold; NaN fails every comparison (goes right)
# and -inf passes every one (goes left), so the variant alone decides where missing values go.
RAW = 0         # as is: NaN goes right
NAN_LEFT = 1    # NaN -> -inf: NaN goes left
NAN_ZERO = 2    # NaN -> 0.0, then compared (LightGBM missing_type "None")
ZERO_LEFT = 3   # NaN and |x| <= 1e-35 -> -inf (LightGBM missing_type "Zero", default left)
ZERO_RIGHT = 4  # NaN and |x| <= 1e-35 -> NaN  (LightGBM missing_type "Zero", default right)
_LGBM_ZERO = float(np.float32(1e-35))  # LightGBM's kZeroThreshold is a float literal

STRATEGIES = ("gemm", "perfect", "traverse")


@dataclass
class Tree:
    """One binary tree; node 0 is the root. Leaves have left == right == -1."""

    feature: np.ndarray    # int64 [m], input feature of internal nodes
    threshold: np.ndarray  # float64 [m], go left iff x <= threshold
    variant: np.ndarray    # int [m], missing-value variant read by the node (see RAW...)
    left: np.ndarray       # int64 [m]
    right: np.ndarray      # int64 [m]
    value: np.ndarray      # float64 [m, W], used at leaves

    def depth(self) -> int:
        d = np.zeros(len(self.left), dtype=np.int64)
        best = 0
        stack = [0]
        while stack:
            i = stack.pop()
            if self.left[i] >= 0:
                for c in (self.left[i], self.right[i]):
                    d[c] = d[i] + 1
                    best = max(best, int(d[c]))
                    stack.append(c)
        return best


@dataclass
class TreeEnsemble:
    """Sum (or average, via divisor) of trees, plus a constant base, per output column.

    With ``tree_output`` given, each tree holds scalar leaves (W = 1) added to output
    ``tree_output[t]`` (boosted multiclass: one tree per class per iteration). Without it, every
    tree's leaf vector has W = n_outputs entries added to all outputs (random-forest class
    probabilities).
    """

    trees: list[Tree]
    n_features: int
    n_outputs: int
    tree_output: np.ndarray | None = None
    base: np.ndarray | None = None
    divisor: float = 1.0
    float32_input: bool = False  # the library compares float32(x): round the input first
    max_depth: int = field(init=False)

    def __post_init__(self):
        self.max_depth = max((t.depth() for t in self.trees), default=0)
        if self.base is None:
            self.base = np.zeros(self.n_outputs)


def choose_strategy(max_depth: int, n_trees: int, device: torch.device | str = "cpu") -> str:
    """The tree strategy for a model shape and device.

    CPU (measured, benchmarks/ml_tree_strategies.py): gemm lost everywhere (2x at depth 2, by
    orders of magnitude from depth 6); perfect and traverse were within ~10% of each other, with
    perfect ahead by 5-20% at 100-500 trees of depth 4-12 (it saves the child-table gather per
    level). So: perfect up to depth 12 while its padded tables stay small, traverse beyond.
    CUDA (not measurable in this project so far): Hummingbird's published finding, that dense
    batched matmuls (gemm) win for shallow trees on GPUs, where the extra arithmetic is cheap
    next to dependent gathers; perfect to depth 12 as on CPU; traverse beyond.
    """
    if torch.device(device).type == "cuda" and max_depth <= CUDA_GEMM_MAX_DEPTH:
        return "gemm"
    if max_depth <= PERFECT_MAX_DEPTH and max(n_trees, 1) << max_depth <= PERFECT_MAX_SLOTS:
        return "perfect"
    return "traverse"


CUDA_GEMM_MAX_DEPTH = 3
PERFECT_MAX_DEPTH = 12
PERFECT_MAX_SLOTS = 1 << 22  # leaf slots over all trees (32 MiB of float64 leaf values)
# Rows per chunk are chosen so that the per-chunk [rows, trees] state stays near this many
# elements on CPU: measured flat from 2**16 to 2**20 and 4x slower at 2**22 (fresh large
# buffers page-fault); on CUDA 16x more (CompiledModel applies CUDA_CHUNK_FACTOR).
CHUNK_ELEMENTS = 1 << 20
CPU_CHUNK_ROWS = 1 << 16


def chunk_rows(ens: TreeEnsemble, strategy: str, device: torch.device | str = "cpu") -> int:
    t = max(len(ens.trees), 1)
    if torch.device(device).type == "cpu" and strategy != "gemm":
        # the module works in row blocks of its own (run_row_blocks): a chunk only bounds the
        # [rows, outputs] result, and fewer chunks mean fewer waits for the slowest worker
        return max(CPU_CHUNK_ROWS, BLOCK_ELEMENTS // t)
    per_row = t * (_gemm_width(ens) if strategy == "gemm" else 1)
    elements = CHUNK_ELEMENTS * (16 if torch.device(device).type == "cuda" else 1)
    return int(min(max(elements // per_row, 1024), 1 << 22))


def _gemm_width(ens: TreeEnsemble) -> int:
    leaves = max(int((t.left < 0).sum()) for t in ens.trees)
    return 2 * leaves


def compile_ensemble(ens: TreeEnsemble, strategy: str | None = None) -> "TreeEnsembleModule":
    """A module mapping float64 [n, n_features] to float64 raw scores [n, n_outputs]."""
    if strategy is None:
        strategy = choose_strategy(ens.max_depth, len(ens.trees))
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown tree strategy {strategy!r}")
    t = max(len(ens.trees), 1)
    if strategy == "perfect" and t << ens.max_depth > MAX_TABLE_ENTRIES:
        raise NotSupportedError(f"tree strategy 'perfect' for {t} trees of depth {ens.max_depth}: "
                                "padded tables would be too large (use 'traverse')")
    if strategy == "gemm" and t * _gemm_width(ens) ** 2 > 4 * MAX_TABLE_ENTRIES:
        raise NotSupportedError(f"tree strategy 'gemm' for {t} trees of depth {ens.max_depth}: "
                                "path matrices would be too large (use 'traverse')")
    return TreeEnsembleModule(ens, strategy)


MAX_TABLE_ENTRIES = 1 << 26


class TreeEnsembleModule(nn.Module):
    def __init__(self, ens: TreeEnsemble, strategy: str):
        super().__init__()
        self.strategy = strategy
        self.n_features = ens.n_features
        self.n_trees = len(ens.trees)
        self.max_depth = ens.max_depth
        self.float32_input = ens.float32_input
        used = sorted({int(v) for t in ens.trees for v in t.variant[t.left >= 0]}) or [RAW]
        self.variants = used
        k = ens.n_features
        pos = {v: i for i, v in enumerate(used)}
        zero_col = len(used) * k  # an all-zero column: padding and leaf nodes read it
        # node -> column of the expanded input
        trees = []
        for t in ens.trees:
            col = np.full(len(t.left), zero_col, dtype=np.int64)
            internal = t.left >= 0
            col[internal] = [pos[int(v)] * k + int(f) for v, f in zip(t.variant[internal], t.feature[internal])]
            trees.append((t, col))
        width = ens.trees[0].value.shape[1] if ens.trees else ens.n_outputs
        core = {"gemm": _GemmCore, "perfect": _PerfectCore, "traverse": _TraverseCore}[strategy]
        self.core = core(trees, width, zero_col, self.max_depth)
        self.n_outputs = ens.n_outputs
        self.divisor = float(ens.divisor)
        base = np.asarray(ens.base, dtype=np.float64).reshape(-1)
        self.has_base = bool(np.any(base != 0))
        self.register_buffer("base", torch.from_numpy(base.copy()))
        self.cyclic = False
        self.register_buffer("out_map", None)
        if ens.tree_output is not None and ens.n_outputs > 1:
            to = np.asarray(ens.tree_output)
            o = ens.n_outputs
            if len(to) % o == 0 and np.array_equal(to, np.arange(len(to)) % o):
                # iteration-major, class-minor: a reshape and a sum do the scatter
                self.cyclic = True
            else:
                m = np.zeros((len(to), o))
                m[np.arange(len(to)), to] = 1.0
                self.register_buffer("out_map", torch.from_numpy(m))

    def expand(self, x: torch.Tensor) -> torch.Tensor:
        if self.float32_input:
            x = x.to(torch.float32).to(torch.float64)
        parts = []
        nan = torch.isnan(x) if any(v != RAW for v in self.variants) else None
        for v in self.variants:
            if v == RAW:
                parts.append(x)
            elif v == NAN_LEFT:
                parts.append(x.masked_fill(nan, float("-inf")))
            elif v == NAN_ZERO:
                parts.append(x.masked_fill(nan, 0.0))
            else:
                zero = nan | (x.abs() <= _LGBM_ZERO)
                parts.append(x.masked_fill(zero, float("-inf") if v == ZERO_LEFT else float("nan")))
        parts.append(x.new_zeros(x.shape[0], 1))
        return torch.cat(parts, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type == "cpu" and self.strategy != "gemm" and not self.core.use_torch_compile:
            return run_row_blocks(self.scores, x, max(1, BLOCK_ELEMENTS // max(self.n_trees, 1)),
                                  self.n_outputs)
        return self.scores(x)

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        found = self.core(self.expand(x))
        n = x.shape[0]
        if self.cyclic:
            out = self._tree_values(found, 0).view(n, -1, self.n_outputs).sum(1)
        elif self.out_map is not None:
            out = self._tree_values(found, 0) @ self.out_map
        else:
            out = torch.stack([self._tree_values(found, w).sum(1) for w in range(self.core.width)], 1)
        if self.divisor != 1.0:
            out = out / self.divisor
        if self.has_base:
            out = out + self.base
        return out

    def _tree_values(self, found: torch.Tensor, w: int) -> torch.Tensor:
        """[n, T] values of output column w: gemm finds leaf values [n, T, W], the other cores
        leaf rows [n, T], gathered per column (contiguous rows, unlike a [n, T, W] gather)."""
        if self.strategy == "gemm":
            return found[:, :, w]
        return self.core.leaf_values[w].index_select(0, found.reshape(-1)).view(found.shape)


# ------------------------------------------------------------------------------ CPU row blocks
#
# On CPU each tree level is a handful of tensor ops over [rows, trees]. Run on torch's intra-op
# OpenMP threads, every op is a parallel region whose threads meet at a barrier, and on a CPU
# shared with other processes one descheduled thread stalls each region: measured, 2 intra-op
# threads then cost many times the CPU time of 1. So on CPU the rows are cut into blocks whose
# per-level temporaries fit in a core's L2 cache, and the blocks go to worker threads that run
# torch single-threaded and take the next block when done: no barriers, and a stalled worker
# only delays the block it holds.
BLOCK_ELEMENTS = 1 << 17

_POOL, _POOL_SIZE = None, 0
_POOL_LOCK = threading.Lock()


def run_row_blocks(fn, x: torch.Tensor, rows: int, width: int) -> torch.Tensor:
    """fn(x[s:s + rows]) -> [rows, width] float64 for consecutive row blocks, concatenated;
    with torch set to several threads, blocks run concurrently on single-threaded workers."""
    n = x.shape[0]
    threads = torch.get_num_threads()
    if threads == 1 or n == 0:
        return fn(x) if n <= rows else torch.cat([fn(x[s:s + rows]) for s in range(0, n, rows)])
    lanes = min(threads, -(-n // rows))
    out = torch.empty((n, width), dtype=torch.float64)
    starts = iter(range(0, n, rows))
    take = threading.Lock()
    inference = torch.is_inference_mode_enabled()  # grad modes are per thread: pass it on

    def lane():
        with torch.no_grad(), torch.inference_mode(inference):
            while True:
                with take:
                    s = next(starts, None)
                if s is None:
                    return
                out[s:s + rows] = fn(x[s:s + rows])

    for f in [_pool(lanes).submit(lane) for _ in range(lanes)]:
        f.result()
    return out


def _pool(workers: int):
    """The shared pool of single-threaded torch workers, grown to at least `workers`."""
    global _POOL, _POOL_SIZE
    with _POOL_LOCK:
        if _POOL is None or _POOL_SIZE < workers:
            from concurrent.futures import ThreadPoolExecutor

            if _POOL is not None:
                _POOL.shutdown(wait=False)
            threads = torch.get_num_threads()
            _POOL = ThreadPoolExecutor(workers, thread_name_prefix="tqp-trees",
                                       initializer=torch.set_num_threads, initargs=(1,))
            # Start every worker now: torch.set_num_threads(1) sets the worker's own OpenMP
            # thread count but also the default that threads starting later inherit, which
            # the caller's own count restores once all workers are up.
            ready = threading.Barrier(workers)
            for f in [_POOL.submit(ready.wait) for _ in range(workers)]:
                f.result()
            torch.set_num_threads(threads)
            _POOL_SIZE = workers
        return _POOL


def _index_dtype(n: int) -> torch.dtype:
    return torch.int32 if n < 2**31 - 1 else torch.int64


class _GemmCore(nn.Module):
    """Decisions of all internal nodes, then leaf = the path that agrees with them (a bmm)."""

    def __init__(self, trees, width, zero_col, max_depth):
        super().__init__()
        n_t = len(trees)
        n_int = max(1, max(int((t.left >= 0).sum()) for t, _ in trees))
        n_leaf = max(int((t.left < 0).sum()) for t, _ in trees)
        sel = np.full((n_t, n_int), zero_col, dtype=np.int64)
        thr = np.zeros((n_t, n_int))
        path = np.zeros((n_t, n_int, n_leaf), dtype=np.float32)
        want = np.full((n_t, n_leaf), -1.0, dtype=np.float32)  # padding leaves never match
        vals = np.zeros((n_t, n_leaf, width))
        for ti, (t, col) in enumerate(trees):
            inode = {}
            leaf = 0
            # (node, [(internal index, +1 left / -1 right), ...] on the path from the root)
            stack = [(0, [])]
            while stack:
                i, path_i = stack.pop()
                if t.left[i] < 0:
                    for j, s in path_i:
                        path[ti, j, leaf] = s
                    want[ti, leaf] = sum(1 for _, s in path_i if s > 0)
                    vals[ti, leaf] = t.value[i]
                    leaf += 1
                    continue
                j = inode.setdefault(i, len(inode))
                sel[ti, j] = col[i]
                thr[ti, j] = t.threshold[i]
                stack.append((int(t.right[i]), path_i + [(j, -1)]))
                stack.append((int(t.left[i]), path_i + [(j, 1)]))
        self.n_trees, self.n_int, self.width = n_t, n_int, width
        self.register_buffer("sel", torch.from_numpy(sel.reshape(-1)))
        self.register_buffer("thr", torch.from_numpy(thr.reshape(-1)))
        self.register_buffer("path", torch.from_numpy(path))
        self.register_buffer("want", torch.from_numpy(want).unsqueeze(1))
        self.register_buffer("vals", torch.from_numpy(vals))

    def forward(self, xe):
        n = xe.shape[0]
        left = xe.index_select(1, self.sel) <= self.thr                     # [n, T*I]
        left = left.view(n, self.n_trees, self.n_int).transpose(0, 1).to(torch.float32)
        hit = (torch.bmm(left, self.path) == self.want).to(torch.float64)  # [T, n, L] one-hot
        return torch.bmm(hit, self.vals).transpose(0, 1)                    # [n, T, W]


class _PerfectCore(nn.Module):
    """Trees padded to full depth in heap order: children of i are 2i+1 and 2i+2."""

    def __init__(self, trees, width, zero_col, max_depth):
        super().__init__()
        d = max_depth
        n_t = len(trees)
        n_int, n_leaf = (1 << d) - 1, 1 << d
        col = np.full((n_t, max(n_int, 1)), zero_col, dtype=np.int64)
        thr = np.zeros((n_t, max(n_int, 1)))
        vals = np.zeros((n_t, n_leaf, width))
        for ti, (t, c) in enumerate(trees):
            stack = [(0, 0, 0)]  # (node, heap position, depth)
            while stack:
                i, p, di = stack.pop()
                if t.left[i] < 0:
                    # every leaf slot below this heap position holds the same value, so the
                    # padded decisions underneath cannot matter
                    span = 1 << (d - di)
                    first = (p + 1) * span - 1 - n_int
                    vals[ti, first:first + span] = t.value[i]
                    continue
                col[ti, p] = c[i]
                thr[ti, p] = t.threshold[i]
                stack.append((int(t.left[i]), 2 * p + 1, di + 1))
                stack.append((int(t.right[i]), 2 * p + 2, di + 1))
        self.depth, self.width = d, width
        self.register_buffer("col", torch.from_numpy(col.reshape(-1)))
        self.register_buffer("thr", torch.from_numpy(thr.reshape(-1)))
        self.register_buffer("leaf_values", torch.from_numpy(vals.reshape(-1, width).T.copy()))
        # State g is the global heap index t * n_int + i. Children of i are 2i+1 / 2i+2, so
        # g' = 2g + (2 - t * n_int) - [went left]; after the last level, leaf slot
        # t * n_leaf + i - n_int = g + t - n_int (n_leaf = n_int + 1).
        # int32 state (index_select takes int32 indices): less memory traffic than int64
        idt = _index_dtype(n_t * max(n_int, 1) + n_t * n_leaf)
        off = torch.arange(n_t, dtype=torch.int64) * n_int
        self.register_buffer("start", off.to(idt))
        self.register_buffer("step", (2 - off).to(idt))
        self.register_buffer("leaf_off", (torch.arange(n_t, dtype=torch.int64) - n_int).to(idt))

        self.use_torch_compile = torch_compile_default()

    def forward(self, xe):
        if self.use_torch_compile and xe.shape[0] > 0:
            fn = _compiled("perfect", self.depth)
            if fn is not None:
                return fn(xe, self.col, self.thr, self.start, self.step, self.leaf_off)
        n, t = xe.shape[0], self.start.shape[0]
        g = self.start.expand(n, t).contiguous()
        for _ in range(self.depth):
            gv = g.view(-1)
            # index_select on a flat table is several times faster than advanced indexing
            c = self.col.index_select(0, gv).view(n, t)
            left = xe.gather(1, c) <= self.thr.index_select(0, gv).view(n, t)
            g = torch.add(self.step, g, alpha=2).sub_(left.view(torch.uint8))
        return g.add_(self.leaf_off)  # [n, T] rows of leaf_values


class _TraverseCore(nn.Module):
    """General node tables; right child = left child + 1; leaves loop onto themselves."""

    def __init__(self, trees, width, zero_col, max_depth):
        super().__init__()
        cols, thrs, rights, vals, roots = [], [], [], [], []
        base = 0
        for t, c in trees:
            m = len(t.left)
            new = np.full(m, -1, dtype=np.int64)
            order = [0]
            new[0] = 0
            nxt = 1
            for i in order:  # breadth first; grows while iterating
                if t.left[i] >= 0:
                    new[t.left[i]], new[t.right[i]] = nxt, nxt + 1
                    nxt += 2
                    order.extend((int(t.left[i]), int(t.right[i])))
            old = np.array(order)  # new id -> old id
            col = c[old].copy()
            thr = t.threshold[old].astype(np.float64)
            # right child = left child + 1; a leaf's "right child" is itself + 1, and with
            # threshold +inf on the zero column it always goes "left" (-1): onto itself
            rch = np.where(t.left[old] >= 0, new[np.maximum(t.left[old], 0)] + 1, np.arange(len(old)) + 1)
            leaf = t.left[old] < 0
            col[leaf] = zero_col
            thr[leaf] = np.inf
            cols.append(col)
            thrs.append(thr)
            rights.append(rch + base)
            vals.append(np.where(leaf[:, None], t.value[old], 0.0))
            roots.append(base)
            base += len(old)
        self.depth, self.width = max_depth, width
        self.register_buffer("col", torch.from_numpy(np.concatenate(cols)))
        self.register_buffer("thr", torch.from_numpy(np.concatenate(thrs)))
        idt = _index_dtype(base + 1)  # int32 state where it fits: less memory traffic
        self.register_buffer("rch", torch.from_numpy(np.concatenate(rights)).to(idt))
        self.register_buffer("leaf_values", torch.from_numpy(np.concatenate(vals).reshape(-1, width).T.copy()))
        self.register_buffer("roots", torch.tensor(roots, dtype=idt))

        self.use_torch_compile = torch_compile_default()

    def forward(self, xe):
        if self.use_torch_compile and xe.shape[0] > 0:
            fn = _compiled("traverse", self.depth)
            if fn is not None:
                return fn(xe, self.col, self.thr, self.rch, self.roots)
        n, t = xe.shape[0], self.roots.shape[0]
        idx = self.roots.expand(n, t).contiguous()
        for _ in range(self.depth):
            iv = idx.view(-1)
            c = self.col.index_select(0, iv).view(n, t)
            left = xe.gather(1, c) <= self.thr.index_select(0, iv).view(n, t)
            idx = self.rch.index_select(0, iv).view(n, t).sub_(left.view(torch.uint8))
        return idx  # [n, T] rows of leaf_values


# ------------------------------------------------------------------------------ torch.compile
#
# Eager traversal materializes ~5-6 [rows, trees] tensors per level; fused by inductor into one
# loop it ran 4-7x faster on the 2-core CPU (100 trees, depth 8, 10k-row chunks: 150-200 ms ->
# 30-36 ms), but compiling costs 17-27 s the first time in a fresh cache and ~5 s with inductor's
# on-disk cache warm. So it is opt-in: TQP_ML_TORCH_COMPILE=1, or CompiledModel.torch_compile =
# True. One compiled function per (strategy, tree depth), with dynamic shapes, serves every model
# and chunk size.

_COMPILED: dict[tuple[str, int], object] = {}
_COMPILE_BROKEN = False


def torch_compile_default() -> bool:
    import os

    return os.environ.get("TQP_ML_TORCH_COMPILE", "").strip().lower() in ("1", "true", "yes", "on")


def _traverse_program(depth: int):
    def traverse(xe, col, thr, rch, roots):
        n, t = xe.shape[0], roots.shape[0]
        idx = roots.to(torch.int64).expand(n, t)
        for _ in range(depth):
            left = torch.gather(xe, 1, col[idx]) <= thr[idx]
            idx = rch[idx].to(torch.int64) - left.to(torch.int64)
        return idx

    return traverse


def _perfect_program(depth: int):
    def perfect(xe, col, thr, start, step, leaf_off):
        n, t = xe.shape[0], start.shape[0]
        g = start.to(torch.int64).expand(n, t)
        for _ in range(depth):
            left = torch.gather(xe, 1, col[g]) <= thr[g]
            g = 2 * g + step.to(torch.int64) - left.to(torch.int64)
        return g + leaf_off.to(torch.int64)

    return perfect


def _compiled(strategy: str, depth: int):
    global _COMPILE_BROKEN
    if _COMPILE_BROKEN:
        return None
    fn = _COMPILED.get((strategy, depth))
    if fn is None:
        program = {"traverse": _traverse_program, "perfect": _perfect_program}[strategy](depth)
        try:
            fn = torch.compile(program, dynamic=True)
        except Exception:  # noqa: BLE001 - no compiler here: stay eager
            _COMPILE_BROKEN = True
            return None
        _COMPILED[(strategy, depth)] = fn
    return fn
