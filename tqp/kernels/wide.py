"""Exact 128-bit integers for DECIMAL beyond 18 digits, as pairs of int64 tensors.

A value is hi * 2**64 + lo with lo read as unsigned: two's complement over 128 bits, as in
Arrow's decimal128 and DuckDB's HUGEINT. Inside a Column the pair travels as one complex128
element (lo in the real part's bits, hi in the imaginary part's: Arrow's decimal128 byte
layout), so gather, concat, where and broadcast move both words together with no code of
their own. Arithmetic never runs on the complex view: every operator unpacks the words.

All arithmetic here is int64 with wrap-around, split into 32-bit limbs where a product or a
carry would not fit; no per-row Python.

>>> import torch
>>> a = from_int64(torch.tensor([2**62, -3]))
>>> p, bad = mul(a, a)
>>> to_ints(pack(*p)), bad.tolist()
([21267647932558653966460912964485513216, 9], [False, False])
>>> to_ints(pack(*div_pow10(const(-125, "cpu"), 1, "half_away")))
-13
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

WIDE = torch.complex128
_MIN = -2**63
_M32 = 0xFFFFFFFF
_M64 = (1 << 64) - 1

Pair = tuple[Tensor, Tensor]


def is_wide(data: Tensor) -> bool:
    return data.dtype == WIDE


def pack(hi: Tensor, lo: Tensor) -> Tensor:
    hi, lo = torch.broadcast_tensors(hi, lo)
    return torch.view_as_complex(torch.stack([lo, hi], -1).view(torch.float64))


def unpack(z: Tensor) -> Pair:
    w = torch.view_as_real(z).view(torch.int64)
    return w[..., 1], w[..., 0]


def from_int64(x: Tensor) -> Pair:
    x = x.to(torch.int64)
    return x >> 63, x


def pair_of(data: Tensor) -> Pair:
    """The (hi, lo) words of a column's data, wide or int64."""
    return unpack(data) if is_wide(data) else from_int64(data)


def widen(data: Tensor) -> Tensor:
    return data if is_wide(data) else pack(*from_int64(data))


def _words(v: int) -> tuple[int, int]:
    """(hi, lo) of a Python int as signed 64-bit words."""
    hi, lo = (v >> 64) & _M64, v & _M64
    return hi - (hi >> 63 << 64), lo - (lo >> 63 << 64)


def const(v: int, device) -> Pair:
    hi, lo = _words(v)
    return torch.tensor(hi, device=device), torch.tensor(lo, device=device)


def from_ints(values, device) -> Tensor:
    """A wide tensor of Python ints (constants, parsed strings), built on the host."""
    words = np.array([_words(v)[::-1] for v in values], dtype=np.int64).reshape(-1)
    return torch.from_numpy(words.view(np.complex128).copy()).to(device)


def to_ints(z: Tensor):
    """Python ints of a wide tensor (a list, or one int for a 0-dim tensor)."""
    hi, lo = unpack(z)
    his, los = hi.reshape(-1).tolist(), lo.reshape(-1).tolist()
    out = [(h << 64) | (l & _M64) for h, l in zip(his, los)]
    return out[0] if z.dim() == 0 else out


def fits_int64(a: Pair) -> Tensor:
    return a[0] == (a[1] >> 63)


def _ult(x: Tensor, y: Tensor) -> Tensor:
    """x < y for int64 bit patterns read as unsigned."""
    return (x ^ _MIN) < (y ^ _MIN)


def add(a: Pair, b: Pair) -> tuple[Pair, Tensor]:
    """a + b and where it left the 128-bit range."""
    lo = a[1] + b[1]
    hi = a[0] + b[0] + _ult(lo, a[1]).to(torch.int64)
    overflow = ((a[0] ^ hi) & (b[0] ^ hi)) < 0
    return (hi, lo), overflow


def neg(a: Pair) -> Pair:
    return ~a[0] + (a[1] == 0).to(torch.int64), -a[1]


def sub(a: Pair, b: Pair) -> tuple[Pair, Tensor]:
    return add(a, neg(b))


def where(cond: Tensor, a: Pair, b: Pair) -> Pair:
    return torch.where(cond, a[0], b[0]), torch.where(cond, a[1], b[1])


def absolute(a: Pair) -> Pair:
    return where(a[0] < 0, neg(a), a)


def compare(op: str, a: Pair, b: Pair) -> Tensor:
    """eq, ne, lt, le, gt, ge of two pairs (broadcasting)."""
    if op in ("eq", "ne"):
        same = (a[0] == b[0]) & (a[1] == b[1])
        return same if op == "eq" else ~same
    if op in ("gt", "ge"):
        a, b, op = b, a, "lt" if op == "gt" else "le"
    lower = _ult(a[1], b[1]) if op == "lt" else ~_ult(b[1], a[1])
    return (a[0] < b[0]) | ((a[0] == b[0]) & lower)


def below_pow10(a: Pair, digits: int) -> Tensor:
    """|a| < 10**digits (digits <= 38)."""
    return compare("lt", absolute(a), const(10 ** digits, a[0].device))


def _limbs(m: Pair, n: int = 4) -> list[Tensor]:
    """32-bit limbs, least significant first, of a non-negative pair."""
    hi, lo = m
    return [lo & _M32, (lo >> 32) & _M32, hi & _M32, (hi >> 32) & _M32][:n]


def _from_limbs(limbs: list[Tensor]) -> Pair:
    return (limbs[3] << 32) | limbs[2], (limbs[1] << 32) | limbs[0]


def _carry(cols: list[Tensor]) -> tuple[list[Tensor], Tensor]:
    """Four 32-bit limbs from per-limb column sums (weights 2**(32k), the last one signed),
    and where the value left 128 bits."""
    out, carry = [], 0
    for c in cols[:-1]:
        c = c + carry
        out.append(c & _M32)
        carry = c >> 32
    top = cols[-1] + carry
    while len(out) < 3:  # sign-extend a sum of two limbs
        out.append(top & _M32)
        top = top >> 32
    overflow = (top < -2**31) | (top >= 2**31)
    out.append(top & _M32)
    return out, overflow


def mul(a: Pair, b: Pair, a_narrow: bool = False, b_narrow: bool = False) -> tuple[Pair, Tensor]:
    """a * b and where it left the 128-bit range. An operand known to come from int64 has
    only two non-zero limbs in its magnitude, which halves the partial products."""
    sign = (a[0] < 0) ^ (b[0] < 0)
    la = _limbs(absolute(a), 2 if a_narrow else 4)
    lb = _limbs(absolute(b), 2 if b_narrow else 4)
    cols = [0] * (len(la) + len(lb) + 1)
    for i, x in enumerate(la):
        for j, y in enumerate(lb):
            p = x * y  # < 2**64: the int64 bits are the unsigned product's bits
            cols[i + j] = cols[i + j] + (p & _M32)
            cols[i + j + 1] = cols[i + j + 1] + ((p >> 32) & _M32)
    cols = [c if isinstance(c, Tensor) else torch.zeros_like(sign, dtype=torch.int64) for c in cols]
    carry, limbs = 0, []
    for c in cols:
        c = c + carry
        limbs.append(c & _M32)
        carry = c >> 32
    overflow = limbs[3] >= 2**31  # the magnitude reaches 2**127
    for c in limbs[4:]:
        overflow = overflow | (c != 0)
    m = _from_limbs(limbs)
    return where(sign, neg(m), m), overflow


def mul_pow10(a: Pair, k: int, narrow: bool = False) -> tuple[Pair, Tensor]:
    overflow = torch.zeros_like(a[0], dtype=torch.bool)
    while k > 0:
        step = min(k, 18)
        a, bad = mul(a, const(10 ** step, a[0].device), narrow, True)
        overflow, k, narrow = overflow | bad, k - step, False
    return a, overflow


def div_pow10(a: Pair, k: int, mode: str = "trunc") -> Pair:
    """a / 10**k rounded as mode says: trunc, floor, ceil or half_away (from zero)."""
    if k <= 0:
        return a
    negative = a[0] < 0
    m = absolute(a)
    if mode == "half_away":
        m, _ = add(m, const(5 * 10 ** (k - 1), a[0].device))
    limbs = _limbs(m)
    inexact = torch.zeros_like(negative)
    while k > 0:
        step = min(k, 9)
        d, r = 10 ** step, 0
        for i in range(3, -1, -1):  # long division, most significant limb first: r < 2**30
            cur = (r << 32) | limbs[i] if isinstance(r, Tensor) else limbs[i]
            limbs[i] = torch.div(cur, d, rounding_mode="floor")
            r = cur - limbs[i] * d
        inexact = inexact | (r != 0)
        k -= step
    q = _from_limbs(limbs)
    bump = {"floor": negative & inexact, "ceil": ~negative & inexact}.get(mode)
    if bump is not None:
        q, _ = add(q, from_int64(bump.to(torch.int64)))
    return where(negative, neg(q), q)


def remainder(a: Pair, b: Pair) -> Pair:
    """a % b with the sign of a (C's and DuckDB's %), by binary long division: 128 vectorised
    steps, one per bit. Where b is 0 the result is meaningless (the caller checks)."""
    m, d = absolute(a), absolute(b)
    zero = torch.zeros_like(torch.broadcast_tensors(m[0], d[0])[0])
    r = (zero, zero)
    for k in range(127, -1, -1):
        bit = (m[0] >> (k - 64)) & 1 if k >= 64 else (m[1] >> k) & 1
        r = (r[0] << 1) | ((r[1] >> 63) & 1), (r[1] << 1) | bit
        # r < 2 * d may pass 2**127: compare the high words unsigned too
        ge = _ult(d[0], r[0]) | ((r[0] == d[0]) & ~_ult(r[1], d[1]))
        r = where(ge, sub(r, d)[0], r)
    return where(a[0] < 0, neg(r), r)


def to_float64(a: Pair) -> Tensor:
    m = absolute(a)
    f = m[0].to(torch.float64) * 2.0 ** 64 + m[1].to(torch.float64) + (m[1] < 0).to(torch.float64) * 2.0 ** 64
    return torch.where(a[0] < 0, -f, f)


def from_float64(x: Tensor) -> Pair:
    """Exact words of integer-valued doubles with |x| < 2**127."""
    m = x.abs()
    h = torch.floor(m / 2.0 ** 64)
    rest = m - h * 2.0 ** 64  # exact: x is an integer, and so is rest < 2**64
    top = torch.floor(rest / 2.0 ** 32)
    pair = h.to(torch.int64), (top.to(torch.int64) << 32) | (rest - top * 2.0 ** 32).to(torch.int64)
    return where(x < 0, neg(pair), pair)


def segment_sum(a: Pair, ids: Tensor, g: int, valid: Tensor | None, narrow: bool = False
                ) -> tuple[Pair, Tensor]:
    """Per-group 128-bit sums and where a group's sum left 128 bits: each 32-bit limb sums
    on its own (exact below 2**31 rows), then carries propagate once per group. With
    narrow=True the values are int64 (two limbs, the upper one signed)."""
    hi, lo = a
    limbs = [lo & _M32, lo >> 32] if narrow else [lo & _M32, (lo >> 32) & _M32, hi & _M32, hi >> 32]
    cols = []
    for x in limbs:
        if valid is not None:
            x = x.masked_fill(~valid, 0)
        cols.append(torch.zeros(g, dtype=torch.int64, device=ids.device).scatter_add_(0, ids, x))
    out, overflow = _carry(cols)
    return _from_limbs(out), overflow


def segment_extreme(a: Pair, ids: Tensor, g: int, valid: Tensor | None, reduce: str) -> Pair:
    """Per-group min (reduce="amin") or max ("amax"): the extreme high word first, then the
    extreme low word among the rows holding it. Empty groups hold an arbitrary value."""
    hi, lo = a[0], a[1] ^ _MIN  # lo as an order-preserving signed word
    fill = 2**63 - 1 if reduce == "amin" else _MIN
    if valid is not None:
        hi = hi.masked_fill(~valid, fill)
    top = torch.full((g,), fill, dtype=torch.int64, device=ids.device).scatter_reduce_(0, ids, hi, reduce)
    lo = lo.masked_fill(hi != top.index_select(0, ids), fill)
    low = torch.full((g,), fill, dtype=torch.int64, device=ids.device).scatter_reduce_(0, ids, lo, reduce)
    return top, low ^ _MIN


def key_parts(a: Pair) -> list[Tensor]:
    """Two int64 columns whose lexicographic order is the numeric order (keys, sorting)."""
    return [a[0], a[1] ^ _MIN]
