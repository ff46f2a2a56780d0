import math

import pytest
import torch

from tqp.kernels.keys import dense_keys, join_keys


def _tuples(cols, n):
    """Python reference: per row the tuple of values, None for NULL, 'nan' for NaN."""
    out = []
    for i in range(n):
        t = []
        for data, valid in cols:
            if valid is not None and not bool(valid[i]):
                t.append(None)
            else:
                v = data[i].item()
                t.append("nan" if isinstance(v, float) and math.isnan(v) else v + 0 if not isinstance(v, bool) else v)
        out.append(tuple(t))
    return out


def _sort_token(t):
    # NULL after NaN after every number, as the kernel orders keys
    return tuple((2, 0) if v is None else (1, 0) if v == "nan" else (0, v) for v in t)


def _check(cols, n):
    key, domain = dense_keys(cols)
    # int32 when the domain fits (narrow key columns), int64 otherwise
    assert key.dtype in (torch.int32, torch.int64) and key.shape == (n,)
    assert key.dtype == torch.int64 or domain < 2**31
    keys = key.cpu().tolist()
    tup = _tuples(cols, n)
    assert all(0 <= k < domain for k in keys)
    for i in range(n):
        for j in range(n):
            assert (keys[i] == keys[j]) == (tup[i] == tup[j])
            if tup[i] != tup[j]:
                assert (keys[i] < keys[j]) == (_sort_token(tup[i]) < _sort_token(tup[j]))


def _col(values, dtype, device, nulls=None):
    data = torch.tensor(values, dtype=dtype, device=device)
    valid = None if nulls is None else torch.tensor([not x for x in nulls], device=device)
    return data, valid


def test_empty(device):
    key, _ = dense_keys([_col([], torch.int64, device)])
    assert key.shape == (0,)


def test_one_row(device):
    _check([_col([5], torch.int32, device)], 1)


def test_small_range_fast_path_is_value_minus_min(device):
    key, domain = dense_keys([_col([3, -1, 3, 0], torch.int64, device)])
    assert key.tolist() == [4, 0, 4, 1] and domain == 5


def test_large_range_and_negatives(device):
    vals = [10**15, -7, 10**15, -(10**17), 0, -7]
    _check([_col(vals, torch.int64, device)], len(vals))


def test_all_null(device):
    _check([_col([1, 2, 3], torch.int32, device, nulls=[True] * 3)], 3)
    key, _ = dense_keys([_col([1, 2, 3], torch.int32, device, nulls=[True] * 3)])
    assert len(set(key.tolist())) == 1


@pytest.mark.parametrize("dtype", [torch.int16, torch.int32, torch.int64, torch.float32,
                                   torch.float64, torch.bool])
def test_multi_column_with_nulls(device, dtype):
    g = torch.Generator().manual_seed(1)
    n = 40
    a = torch.randint(-3, 3, (n,), generator=g)
    b = torch.randint(-2, 2, (n,), generator=g) * (10**12 if dtype == torch.int64 else 1)
    na = torch.rand(n, generator=g) < 0.2
    nb = torch.rand(n, generator=g) < 0.2
    if dtype == torch.bool:
        a, b = a > 0, b > 0
    cols = [(a.to(dtype).to(device), (~na).to(device)),
            (b.to(dtype).to(device), None),
            (torch.arange(n).remainder(3).to(device), (~nb).to(device))]
    _check(cols, n)


def test_floats_nan_and_negative_zero(device):
    vals = [1.5, float("nan"), -0.0, 0.0, float("-inf"), float("inf"), float("nan"), -2.5]
    _check([_col(vals, torch.float64, device)], len(vals))
    key, _ = dense_keys([_col(vals, torch.float64, device)])
    assert key[2] == key[3] and key[1] == key[6]


def test_radix_overflow_guard(device):
    # every column has a huge range, so the product would pass 2**62 without re-densifying
    g = torch.Generator().manual_seed(2)
    cols = [(torch.randint(-2**62, 2**62, (30,), generator=g).to(device), None) for _ in range(3)]
    cols = [(c[0].clone(), None) for c in cols]
    for c, _ in cols:
        c[::3] = 5  # some repeats
    _check(cols, 30)


def test_join_keys_union(device):
    la = _col([1, 2, 2, 9], torch.int64, device, nulls=[False, False, True, False])
    lb = _col([0.5, 1.0, 1.0, 0.5], torch.float64, device)
    ra = _col([2, 1, 9, 3], torch.int64, device)
    rb = _col([1.0, 0.5, 0.25, 0.5], torch.float64, device, nulls=[False, False, False, True])
    lk, rk, lv, rv = join_keys([la, lb], [ra, rb])
    assert lv.tolist() == [True, True, False, True] and rv.tolist() == [True, True, True, False]
    lt = [(1, 0.5), (2, 1.0), (2, 1.0), (9, 0.5)]
    rt = [(2, 1.0), (1, 0.5), (9, 0.25), (3, 0.5)]
    for i in range(4):
        for j in range(4):
            if lv[i] and rv[j]:
                assert (lk[i] == rk[j]).item() == (lt[i] == rt[j])


def test_join_keys_single_column(device):
    lk, rk, lv, rv = join_keys([_col([-0.0, float("nan"), 1.0], torch.float32, device)],
                               [_col([0.0, float("nan"), 2.0], torch.float32, device)])
    assert lv is None and rv is None
    assert lk[0] == rk[0] and lk[1] == rk[1] and lk[2] != rk[2]
    lk, rk, _, _ = join_keys([_col([], torch.int32, device), ], [_col([3], torch.int32, device)])
    assert lk.shape == (0,) and rk.tolist() == [3]
