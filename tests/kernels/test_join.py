import pytest
import torch

from tqp.kernels.join import equi_join, semi_mask


def _reference(lk, rk, lv, rv):
    pairs = []
    for i, a in enumerate(lk):
        for j, b in enumerate(rk):
            if a == b and (lv is None or lv[i]) and (rv is None or rv[j]):
                pairs.append((i, j))
    return pairs


def _run(lk, rk, lv, rv, device):
    fits32 = all(-2**31 <= x < 2**31 for x in list(lk) + list(rk))
    for key_dtype in [torch.int64] + ([torch.int32] if fits32 else []):
        t = lambda x, dt=key_dtype: None if x is None else torch.tensor(x, dtype=dt, device=device)
        li, ri = equi_join(t(lk), t(rk), t(lv, torch.bool), t(rv, torch.bool))
        assert li.dtype == torch.int64 and ri.dtype == torch.int64
        got = list(zip(li.tolist(), ri.tolist()))
        assert got == _reference(lk, rk, lv, rv), key_dtype  # same pairs, same order
        mask = semi_mask(t(lk), t(rk), t(lv, torch.bool), t(rv, torch.bool))
        assert mask.tolist() == [any(p[0] == i for p in got) for i in range(len(lk))], key_dtype
    return got


CASES = {
    "empty_both": ([], [], None, None),
    "empty_left": ([], [1, 2], None, None),
    "empty_right": ([1, 2], [], None, None),
    "one_row": ([4], [4], None, None),
    "unique_right_direct": ([3, 1, 2, 7, 1], [1, 2, 3, 4], None, None),
    "unique_left_mirror": ([1, 2, 3], [3, 1, 1, 2, 3, 9], None, None),
    "duplicates_both": ([1, 2, 2, 5, 1], [2, 1, 2, 2, 8], None, None),
    "negative": ([-5, -1, 0, -5], [-5, 0, -5], None, None),
    "null_keys": ([1, 2, 3, 1], [1, 1, 3, 2], [True, False, True, True],
                  [True, False, True, True]),
    "all_null": ([1, 2], [1, 2], [False, False], None),
    # values under NULL: far outside the keys' range, near it (a table widened to hold them),
    # and equal to a key of the other side; none may match
    "null_garbage_far": ([5, 10**6, 7, -4000], [5, 7, 7], [True, False, True, False], None),
    "null_garbage_near": ([5, 900, 7, -100, 7], [5, 7, 900, -100], [True, False, True, False, True], None),
    "null_garbage_matching": ([5, 7, 7, 5], [7, 5, 7], [True, False, True, False], [True, True, False]),
    "large_range_unique": ([10**15, 5, -10**14, 5], [5, 10**15, -3], None, None),
    "large_range_dups": ([10**15, 5, 10**15], [10**15, 10**15, 5, 7 * 10**16], None, None),
    "disjoint": ([1, 2], [10, 20], None, None),
    "extreme_values": ([2**63 - 1, -2**63, 0], [-2**63, 2**63 - 1, 2**63 - 1], None, None),
    "int32_extremes": ([2**31 - 1, -2**31, 0, 5], [-2**31, 2**31 - 1, 2**31 - 1, 5], None, None),
    "keys_from_one": ([1, 2, 3, 3, 700], [3, 1, 2, 9], None, None),
    "keys_from_one_nulls": ([1, 2, 3, 3, 700], [3, 1, 2, 9], [True, False, True, True, True],
                            [True, True, False, True]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_cases(device, case):
    _run(*CASES[case], device)


@pytest.mark.parametrize("seed", range(6))
def test_random_direct_and_sort_paths_agree(device, seed):
    g = torch.Generator().manual_seed(seed)
    n, m = 200, 150
    lk = torch.randint(0, 60, (n,), generator=g)
    rk = torch.randperm(150, generator=g) if seed % 2 else torch.randint(0, 60, (m,), generator=g)
    lv = (torch.rand(n, generator=g) > 0.1).tolist() if seed % 3 else None
    rv = (torch.rand(m, generator=g) > 0.1).tolist() if seed % 3 else None
    small = _run(lk.tolist(), rk.tolist(), lv, rv, device)
    # the same keys spread over a huge range (monotone map) force the sort path
    spread = lambda x: (x * 10**12 - 7).tolist()
    large = _run(spread(lk), spread(rk), lv, rv, device)
    assert small == large


def test_mirror_and_sort_paths_agree(device):
    g = torch.Generator().manual_seed(9)
    lk = torch.randperm(100, generator=g)
    rk = torch.randint(0, 120, (300,), generator=g)
    a = _run(lk.tolist(), rk.tolist(), None, None, device)
    b = _run((lk * 10**13).tolist(), (rk * 10**13).tolist(), None, None, device)
    assert a == b


@pytest.mark.parametrize("seed", range(3))
def test_multi_column_join_keys_end_to_end(device, seed):
    from tqp.kernels.keys import join_keys
    g = torch.Generator().manual_seed(seed)
    n, m = 80, 60
    la = torch.randint(-3, 3, (n,), generator=g)
    lb = torch.randint(0, 3, (n,), generator=g).double() / 2
    ra = torch.randint(-3, 3, (m,), generator=g) * (10**13 if seed == 2 else 1)
    la = la * (10**13 if seed == 2 else 1)
    rb = torch.randint(0, 3, (m,), generator=g).double() / 2
    lv = torch.rand(n, generator=g) > 0.2
    rv = torch.rand(m, generator=g) > 0.2
    lk, rk, lvalid, rvalid = join_keys(
        [(la.to(device), lv.to(device)), (lb.to(device), None)],
        [(ra.to(device), None), (rb.to(device), rv.to(device))])
    li, ri = equi_join(lk, rk, lvalid, rvalid)
    want = [(i, j) for i in range(n) for j in range(m)
            if lv[i] and rv[j] and la[i] == ra[j] and lb[i] == rb[j]]
    assert list(zip(li.tolist(), ri.tolist())) == want
    mask = semi_mask(lk, rk, lvalid, rvalid).tolist()
    assert mask == [any(p[0] == i for p in want) for i in range(n)]


def test_join_keys_empty_side_multi_column(device):
    from tqp.kernels.keys import join_keys
    e = torch.zeros(0, dtype=torch.int64, device=device)
    r = torch.tensor([1, 2], device=device)
    lk, rk, _, _ = join_keys([(e, None), (e, None)], [(r, None), (r, None)])
    assert lk.shape == (0,) and rk.shape == (2,)
    assert equi_join(lk, rk)[0].shape == (0,)


def _pairs(li, ri):
    return list(zip(li.tolist(), ri.tolist()))


@pytest.mark.parametrize("seed", range(8))
def test_bucket_and_sort_paths_agree(device, seed):
    """The bucket table (width 1 and wider, right keys sorted or not, NULLs, left keys outside
    the right's range) gives the same pairs in the same order as the sort join and the
    reference."""
    from tqp.kernels.join import _bucket_join, _sort_join

    g = torch.Generator().manual_seed(seed)
    n, m = 300, 200
    scale = [1, 1, 7, 10**9][seed % 4]
    lk = torch.randint(-5, 80, (n,), generator=g) * scale
    rk = torch.randint(0, 70, (m,), generator=g) * scale
    if seed % 2:
        rk = rk.sort().values
    lv = torch.rand(n, generator=g) > 0.1 if seed >= 4 else None
    rv = torch.rand(m, generator=g) > 0.1 if seed >= 4 else None
    dev = lambda x: None if x is None else x.to(device)
    args = (dev(lk), dev(rk), dev(lv), dev(rv))
    lo, hi = int(rk.min()), int(rk.max())
    got = _pairs(*_bucket_join(*args, lo, hi))
    ref = _reference(lk.tolist(), rk.tolist(), None if lv is None else lv.tolist(),
                     None if rv is None else rv.tolist())
    assert got == ref
    assert _pairs(*_sort_join(*args)) == ref


def test_bucket_join_refuses_skew(device):
    """Keys that crowd one bucket would make candidates explode: the bucket path declines
    (equi_join then sorts) and the answer stays right."""
    from tqp.kernels.join import _bucket_join

    rk = torch.cat([torch.arange(4000) * 10**6, torch.arange(3000) + 1]).to(device)
    lk = (torch.arange(3000) + 1).repeat(600).to(device)
    assert _bucket_join(lk, rk, None, None, int(rk.min()), int(rk.max())) is None
    li, ri = equi_join(lk, rk)
    assert li.shape[0] == lk.shape[0] and bool((lk[li] == rk[ri]).all())


@pytest.mark.parametrize("seed", range(4))
def test_small_probe_reduces_large_build(device, seed):
    """m > 8n: the build side is cut to rows whose key a probe row has before the join;
    duplicates, NULLs on either side and keys outside the probe range all stay correct."""
    g = torch.Generator().manual_seed(seed)
    n, m = 12, 400
    lk = torch.randint(0, 30, (n,), generator=g).tolist()
    rk = torch.randint(-10, 60, (m,), generator=g).tolist()
    lv = (torch.rand(n, generator=g) > 0.2).tolist() if seed % 2 else None
    rv = (torch.rand(m, generator=g) > 0.2).tolist() if seed >= 2 else None
    _run(lk, rk, lv, rv, device)


def test_small_probe_where_every_build_row_matches(device):
    """The build side stays large after the cut (every row matches): one cut, then a join."""
    lk = [1, 2]
    rk = [1, 2] * 200
    _run(lk, rk, None, None, device)


def test_sort_join_with_many_unordered_probes(device):
    """Past 65536 unordered probe keys the host sorts them before the binary searches and
    scatters the runs back: same pairs, same order as a dictionary lookup."""
    from tqp.kernels.join import _sort_join

    g = torch.Generator().manual_seed(11)
    rk = torch.randint(0, 3000, (2000,), generator=g) * 10**9
    lk = torch.randint(0, 3500, (70_000,), generator=g) * 10**9
    lv = torch.rand(70_000, generator=g) > 0.05
    where: dict[int, list[int]] = {}
    for j, k in enumerate(rk.tolist()):
        where.setdefault(k, []).append(j)
    ref = [(i, j) for i, (k, ok) in enumerate(zip(lk.tolist(), lv.tolist())) if ok for j in where.get(k, [])]
    li, ri = _sort_join(lk.to(device), rk.to(device), lv.to(device), None)
    assert _pairs(li, ri) == ref


@pytest.mark.parametrize("scale", [1, 10**6, 2**40])
def test_multi_column_integer_keys_packed(device, scale):
    """NULL-free integer columns pack side by side (int32 and int64 mixed); ranges whose
    product would overflow fall back to ranking. Either way the pairs are exact."""
    from tqp.kernels.keys import join_keys

    g = torch.Generator().manual_seed(scale % 97)
    n, m = 90, 70
    la = torch.randint(-4, 4, (n,), generator=g, dtype=torch.int32)
    lb = torch.randint(0, 5, (n,), generator=g) * scale
    ra = torch.randint(-4, 4, (m,), generator=g, dtype=torch.int32)
    rb = torch.randint(0, 5, (m,), generator=g) * scale
    lc, rc = lb * 3 - 1, rb * 3 - 1
    lk, rk, lv, rv = join_keys([(la.to(device), None), (lb.to(device), None), (lc.to(device), None)],
                               [(ra.to(device), None), (rb.to(device), None), (rc.to(device), None)])
    li, ri = equi_join(lk, rk, lv, rv)
    want = [(i, j) for i in range(n) for j in range(m) if la[i] == ra[j] and lb[i] == rb[j]]
    assert list(zip(li.tolist(), ri.tolist())) == want


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64])
def test_zone_rows_keep_every_row_in_range(device, dtype, monkeypatch):
    import tqp.kernels.join as J
    monkeypatch.setattr(J, "_MEMO_ROWS", 1000)
    monkeypatch.setattr(J, "ZONE_ROWS", 64)
    g = torch.Generator().manual_seed(5)
    n = 5000 + 17  # a short last block
    key = torch.sort(torch.randint(0, 900, (n,), generator=g)).values.to(dtype).to(device)
    valid = (torch.rand(n, generator=g) > 0.1).to(device)
    valid[640:1280] = False  # whole blocks of NULLs
    nulled = key.masked_fill(~valid, 5)  # garbage under NULL inside the range asked for: it must not count
    for key, v in ((key, None), (nulled, valid)):
        for other in ([100, 130, 120], [0, 3], [880, 2000], [-50, -1], [400], [7, 450, 899], list(range(300, 320))):
            for odt in (torch.int32, torch.int64):
                rows = J.zone_rows(key, v, torch.tensor(other, dtype=odt, device=device), None)
                wanted = torch.isin(key, torch.tensor(other, device=device))
                if v is not None:
                    wanted &= v
                assert rows is not None and rows.shape[0] < n // 2
                kept = torch.zeros(n, dtype=torch.bool, device=device)
                kept[rows] = True
                assert not bool((wanted & ~kept).any())  # no row with a key of the other side is cut
                assert bool((rows[1:] > rows[:-1]).all()) and all(int(r) < n for r in rows[-1:])
        many = torch.arange(100, 130, device=device).repeat(200)  # a large other side: its range
        assert J.zone_rows(key, v, many, None).shape[0] < n // 2
        one_null = torch.tensor([120, 0], device=device)
        assert J.zone_rows(key, v, one_null, torch.tensor([True, False], device=device)).shape[0] <= 2 * 64
    assert J.zone_rows(key, None, torch.arange(0, 900, 20, device=device), None) is None  # keys in every block: no cut
    assert J.clustering(key, valid) < 0.05
    shuffled = key[torch.randperm(n, generator=g).to(device)]
    assert J.clustering(shuffled, None) > 0.5 and J.zone_rows(shuffled, None, torch.tensor([100], device=device), None) is None


def test_remembered_bounds_follow_in_place_writes(device, monkeypatch):
    import tqp.kernels.join as J
    monkeypatch.setattr(J, "_MEMO_ROWS", 100)
    key = torch.arange(1000, device=device)
    assert J.bounds(key, None) == (0, 999)
    key[3] = -7
    assert J.bounds(key, None) == (-7, 999)
    assert J.bounds(key[:0], None) is None
