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
what benchmarks/ml_tree_strategies.py measured.

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

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

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
    """The strategy benchmarks/ml_tree_strategies.py found fastest for this shape.

    See that script's docstring for the numbers. On CUDA, where no measurement was possible in
    this project so far, the same rule is used: gemm and perfect are dense, regular gathers and
    matmuls that suit a GPU at least as well as a CPU.
    """
    if max_depth <= GEMM_MAX_DEPTH:
        return "gemm"
    if max_depth <= PERFECT_MAX_DEPTH:
        return "perfect"
    return "traverse"


# Measured on the 2-core CPU of the development machine (see benchmarks/ml_tree_strategies.py).
GEMM_MAX_DEPTH = 3
PERFECT_MAX_DEPTH = 10
# Rows per chunk are chosen so that the per-chunk [rows, trees] state stays near this many
# elements: big enough to amortize per-op overhead, small enough to stay in cache and bounded.
CHUNK_ELEMENTS = 1 << 20


def chunk_rows(ens: TreeEnsemble, strategy: str) -> int:
    t = max(len(ens.trees), 1)
    per_row = t * (_gemm_width(ens) if strategy == "gemm" else 1)
    return int(min(max(CHUNK_ELEMENTS // per_row, 1024), 1 << 20))


def _gemm_width(ens: TreeEnsemble) -> int:
    leaves = max(int((t.left < 0).sum()) for t in ens.trees)
    return 2 * leaves


def compile_ensemble(ens: TreeEnsemble, strategy: str | None = None) -> "TreeEnsembleModule":
    """A module mapping float64 [n, n_features] to float64 raw scores [n, n_outputs]."""
    if strategy is None:
        strategy = choose_strategy(ens.max_depth, len(ens.trees))
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown tree strategy {strategy!r}")
    return TreeEnsembleModule(ens, strategy)


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
        vals = self.core(self.expand(x))  # [n, T, W]
        n = vals.shape[0]
        if self.cyclic:
            out = vals.reshape(n, -1, self.n_outputs).sum(1)
        elif self.out_map is not None:
            out = vals[:, :, 0] @ self.out_map
        else:
            out = vals.sum(1)
        if self.divisor != 1.0:
            out = out / self.divisor
        if self.has_base:
            out = out + self.base
        return out


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
        self.n_trees, self.n_int = n_t, n_int
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
        self.depth, self.n_int, self.n_leaf, self.width = d, max(n_int, 1), n_leaf, width
        self.register_buffer("col", torch.from_numpy(col.reshape(-1)))
        self.register_buffer("thr", torch.from_numpy(thr.reshape(-1)))
        self.register_buffer("vals", torch.from_numpy(vals.reshape(-1, width)))
        self.register_buffer("node_off", torch.arange(n_t, dtype=torch.int64) * self.n_int)
        self.register_buffer("leaf_off", torch.arange(n_t, dtype=torch.int64) * n_leaf - n_int)

    def forward(self, xe):
        n = xe.shape[0]
        idx = torch.zeros((n, self.node_off.shape[0]), dtype=torch.int64, device=xe.device)
        for _ in range(self.depth):
            g = idx + self.node_off
            left = xe.gather(1, self.col[g]) <= self.thr[g]
            idx = idx * 2 + 2 - left.to(torch.int64)
        return self.vals[idx + self.leaf_off]  # [n, T, W]


class _TraverseCore(nn.Module):
    """General node tables; right child = left child + 1; leaves loop onto themselves."""

    def __init__(self, trees, width, zero_col, max_depth):
        super().__init__()
        cols, thrs, lefts, vals, roots = [], [], [], [], []
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
            lch = np.where(t.left[old] >= 0, new[np.maximum(t.left[old], 0)], np.arange(len(old)))
            leaf = t.left[old] < 0
            col[leaf] = zero_col
            thr[leaf] = np.inf  # 0 <= inf: leaves always "go left", onto themselves
            cols.append(col)
            thrs.append(thr)
            lefts.append(lch + base)
            vals.append(np.where(leaf[:, None], t.value[old], 0.0))
            roots.append(base)
            base += len(old)
        self.depth = max_depth
        self.register_buffer("col", torch.from_numpy(np.concatenate(cols)))
        self.register_buffer("thr", torch.from_numpy(np.concatenate(thrs)))
        self.register_buffer("lch", torch.from_numpy(np.concatenate(lefts)))
        self.register_buffer("vals", torch.from_numpy(np.concatenate(vals).reshape(-1, width)))
        self.register_buffer("roots", torch.tensor(roots, dtype=torch.int64))

    def forward(self, xe):
        n = xe.shape[0]
        idx = self.roots.expand(n, -1).contiguous()
        for _ in range(self.depth):
            right = ~(xe.gather(1, self.col[idx]) <= self.thr[idx])
            idx = self.lch[idx] + right
        return self.vals[idx]
