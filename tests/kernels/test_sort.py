import functools
import math

import pytest
import torch

from tqp.kernels.sort import lexsort, top_k


def _reference(cols, n):
    """Python stable sort with a comparator following the SQL rules."""
    def cmp_key(i, j):
        for data, valid, desc, nulls_first in cols:
            ni = valid is not None and not valid[i]
            nj = valid is not None and not valid[j]
            if ni or nj:
                if ni and nj:
                    continue
                return (-1 if ni else 1) * (1 if nulls_first else -1)
            a, b = data[i], data[j]
            an = isinstance(a, float) and math.isnan(a)
            bn = isinstance(b, float) and math.isnan(b)
            if an and bn:
                continue
            c = 1 if an else -1 if bn else (a > b) - (a < b)
            if c:
                return -c if desc else c
        return 0
    return sorted(range(n), key=functools.cmp_to_key(cmp_key))


def _keys(cols, device):
    out = []
    for data, valid, desc, nf in cols:
        dtype = torch.bool if isinstance(data[0], bool) else (
            torch.float64 if isinstance(data[0], float) else torch.int64)
        out.append((torch.tensor(data, dtype=dtype, device=device),
                    None if valid is None else torch.tensor(valid, device=device), desc, nf))
    return out


def _check(cols, device, k=None):
    n = len(cols[0][0])
    want = _reference(cols, n)
    got = lexsort(_keys(cols, device)).tolist()
    assert got == want
    for kk in ([k] if k is not None else [0, 1, 3, n, n + 2]):
        assert top_k(_keys(cols, device), kk).tolist() == want[:kk]


def test_empty(device):
    assert lexsort([(torch.zeros(0, device=device), None, False, False)]).shape == (0,)
    assert top_k([(torch.zeros(0, device=device), None, False, False)], 3).shape == (0,)


def test_one_row(device):
    _check([([7], None, True, False)], device)


@pytest.mark.parametrize("desc", [False, True])
@pytest.mark.parametrize("nulls_first", [False, True])
def test_single_key_with_nulls(device, desc, nulls_first):
    data = [3, -1, 3, 0, 5, -1, 2]
    valid = [True, False, True, True, False, True, True]
    _check([(data, valid, desc, nulls_first)], device)


def test_all_null(device):
    _check([([1, 2, 3], [False] * 3, False, True), ([3, 1, 2], None, False, False)], device)


@pytest.mark.parametrize("desc", [False, True])
def test_floats_nan(device, desc):
    nan = float("nan")
    _check([([1.0, nan, -0.0, 0.0, float("-inf"), nan, 2.5, float("inf"), 1.0], None, desc,
              False)], device)


def test_bool_and_ties(device):
    _check([([True, False, True, False, True], None, False, False)], device)
    _check([([True, False, True, False, True], None, True, False)], device)


@pytest.mark.parametrize("seed", range(4))
def test_random_multi_key(device, seed):
    g = torch.Generator().manual_seed(seed)
    n = 120
    a = torch.randint(-3, 3, (n,), generator=g).tolist()
    b = (torch.randint(-4, 4, (n,), generator=g).double() / 2).tolist()
    c = (torch.rand(n, generator=g) > 0.5).tolist()
    va = (torch.rand(n, generator=g) > 0.2).tolist()
    flags = [bool(x) for x in torch.randint(0, 2, (6,), generator=g).tolist()]
    cols = [(a, va, flags[0], flags[1]), (b, None, flags[2], flags[3]),
            (c, None, flags[4], flags[5])]
    _check(cols, device)
    # top_k's single-key fast path with many ties
    _check([(a, None, flags[0], False)], device)
    _check([(b, None, flags[2], False)], device)


def test_top_k_large_values(device):
    data = [2**62, -2**63, 2**63 - 1, 5, -5, 2**62]
    _check([(data, None, True, False)], device)
    _check([(data, None, False, False)], device)


@pytest.mark.parametrize("dtype", [torch.int16, torch.int32, torch.float32])
def test_narrow_dtypes(device, dtype):
    data = torch.tensor([3, -2, 7, -2, 0], dtype=dtype, device=device)
    valid = torch.tensor([True, True, False, True, True], device=device)
    assert lexsort([(data, valid, True, True)]).tolist() == [2, 0, 4, 1, 3]
    assert top_k([(data, None, False, False)], 3).tolist() == [1, 3, 4]


@pytest.mark.parametrize("seed", range(6))
def test_packed_and_per_key_sorts_agree(device, seed):
    """Keys that pack into one int64 and keys too wide to pack (doubles of both signs, huge
    ints) sort as the reference does, for full sorts and for top k."""
    import random

    rnd = random.Random(seed)
    n = 200
    pools = [
        [rnd.randint(-5, 5) for _ in range(n)],
        [rnd.choice([-2**62, 2**62, 0, 7]) for _ in range(n)],
        [rnd.choice([-1e300, -0.5, 0.0, -0.0, 2.5, float("nan"), 1e300]) for _ in range(n)],
        [rnd.choice([0.25, 0.5, 3.0]) for _ in range(n)],
    ]
    rnd.shuffle(pools)
    cols = []
    for data in pools[: 1 + seed % 3]:
        valid = [rnd.random() > 0.2 for _ in range(n)] if rnd.random() < 0.5 else None
        cols.append((data, valid, rnd.random() < 0.5, rnd.random() < 0.5))
    _check(cols, device, k=None)
