import math

import pytest
import torch

from tqp.errors import DataError
from tqp.kernels.group import (count_distinct, first_rows, group_ids, segment_count,
                               segment_max, segment_min, segment_sum)
from tqp.kernels.keys import dense_keys


@pytest.mark.parametrize("domain_factor", [1, 10**6])  # bitmap path / unique path
def test_group_ids(device, domain_factor):
    key = torch.tensor([5, 2, 5, 9, 2, 0], device=device) * domain_factor
    ids, g = group_ids(key, 10 * domain_factor)
    assert g == 4 and ids.tolist() == [2, 1, 2, 3, 1, 0]
    assert first_rows(ids, g).tolist() == [5, 1, 0, 3]


def test_group_empty(device):
    ids, g = group_ids(torch.zeros(0, dtype=torch.int64, device=device), 0)
    assert g == 0 and ids.shape == (0,)
    assert segment_sum(torch.zeros(0, device=device), ids, g).shape == (0,)
    assert first_rows(ids, g).shape == (0,)
    assert count_distinct(torch.zeros(0, device=device), None, ids, g).shape == (0,)


def _reference(vals, valid, ids, g):
    out = []
    for grp in range(g):
        xs = [v for v, ok, i in zip(vals, valid, ids) if ok and i == grp]
        out.append(xs)
    return out


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.float32, torch.float64,
                                   torch.bool])
def test_reductions_match_python(device, dtype):
    gen = torch.Generator().manual_seed(3)
    n = 300
    raw_keys = torch.randint(-4, 4, (n,), generator=gen)
    key, dom = dense_keys([(raw_keys.to(device), None)])
    ids, g = group_ids(key, dom)
    vals = torch.randint(-50, 50, (n,), generator=gen).to(dtype)
    valid = torch.rand(n, generator=gen) > 0.3
    valid[raw_keys == 3] = False  # one group with no valid rows
    v, va = vals.to(device), valid.to(device)
    groups = _reference(vals.tolist(), valid.tolist(), ids.tolist(), g)
    s = segment_sum(v, ids, g, va)
    assert s.dtype == (torch.float64 if dtype.is_floating_point else torch.int64)
    assert s.tolist() == [sum(xs) for xs in groups]
    assert segment_count(va, ids, g).tolist() == [len(xs) for xs in groups]
    assert segment_count(None, ids, g).tolist() == torch.bincount(ids.cpu()).tolist()
    mn, mx = segment_min(v, ids, g, va), segment_max(v, ids, g, va)
    assert mn.dtype == dtype and mx.dtype == dtype
    for i, xs in enumerate(groups):
        if xs:
            assert mn[i].item() == min(xs) and mx[i].item() == max(xs)
    cd = count_distinct(v, va, ids, g).tolist()
    assert cd == [len(set(xs)) for xs in groups]


def test_float_nan_min_max(device):
    nan = float("nan")
    v = torch.tensor([1.0, nan, nan, 2.0, nan, -1.0], device=device)
    ids = torch.tensor([0, 0, 1, 2, 2, 2], device=device)
    mn, mx = segment_min(v, ids, 3), segment_max(v, ids, 3)
    assert mn[0] == 1.0 and math.isnan(mn[1]) and mn[2] == -1.0
    assert math.isnan(mx[0]) and math.isnan(mx[1]) and math.isnan(mx[2])
    assert count_distinct(v, None, ids, 3).tolist() == [2, 1, 3]


def test_sum_int64_exact_and_overflow(device):
    big = 2**62
    ids = torch.tensor([0, 0, 1, 1, 1], device=device)
    v = torch.tensor([big, -big, big, big - 1, -5], device=device)
    assert segment_sum(v, ids, 2).tolist() == [0, 2**63 - 6]
    with pytest.raises(DataError):
        segment_sum(torch.tensor([big, big, 1], device=device),
                    torch.zeros(3, dtype=torch.int64, device=device), 1)
    neg = torch.tensor([-big, -big], device=device)
    assert segment_sum(neg, torch.zeros(2, dtype=torch.int64, device=device), 1).tolist() == [-2**63]
    with pytest.raises(DataError):
        segment_sum(torch.tensor([-big, -big, -1], device=device),
                    torch.zeros(3, dtype=torch.int64, device=device), 1)


def test_all_null_group(device):
    ids = torch.zeros(3, dtype=torch.int64, device=device)
    valid = torch.zeros(3, dtype=torch.bool, device=device)
    v = torch.tensor([1, 2, 3], device=device)
    assert segment_sum(v, ids, 1, valid).tolist() == [0]
    assert segment_count(valid, ids, 1).tolist() == [0]
    assert count_distinct(v, valid, ids, 1).tolist() == [0]


@pytest.mark.parametrize("ordered", [True, False])
def test_group_ids_over_a_wide_domain(device, ordered):
    """Domains past the histogram limit: keys in order take the run path, others unique; both
    number groups in key order, and first_rows finds each group's first row."""
    import numpy as np

    g = torch.Generator().manual_seed(3)
    key = torch.randint(0, 10_000_000, (100_000,), generator=g) * 7
    if ordered:
        key = key.sort().values
    ids, n_groups = group_ids(key.to(device), 80_000_000)
    uniq, first_ref, inverse = np.unique(key.numpy(), return_index=True, return_inverse=True)
    assert n_groups == len(uniq) > 65536
    assert ids.cpu().tolist() == inverse.tolist()
    assert first_rows(ids, n_groups).cpu().tolist() == first_ref.tolist()


@pytest.mark.parametrize("late_group", [False, True])
def test_first_rows_few_groups_many_rows(device, late_group):
    """Few groups over many rows: the prefix shortcut must agree with a full scan, also when
    one group first appears after the prefix."""
    import numpy as np

    g = torch.Generator().manual_seed(5)
    ids = torch.randint(0, 4, (300_000,), generator=g)
    if late_group:
        ids[250_000] = 4  # group 4 only occurs far past the prefix
    n_groups = int(ids.max()) + 1
    _, first_ref = np.unique(ids.numpy(), return_index=True)
    assert first_rows(ids.to(device), n_groups).cpu().tolist() == first_ref.tolist()


def test_group_ids_presence_over_a_wide_domain(device):
    """Unordered keys whose domain is wide but under two slots per row mark presence in a
    flag table: ids dense and in key order."""
    import numpy as np

    g = torch.Generator().manual_seed(8)
    key = torch.randint(0, 150_000, (100_000,), generator=g)
    ids, n_groups = group_ids(key.to(device), 150_000)
    uniq, inverse = np.unique(key.numpy(), return_inverse=True)
    assert n_groups == len(uniq) and ids.cpu().tolist() == inverse.tolist()
