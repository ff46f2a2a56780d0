"""DECIMAL beyond 18 digits (up to DuckDB's 38), exact, checked against DuckDB on the same data.

The table `w` mixes values that fit int64 with ones that need 128 bits (up to 36 digits),
negatives, duplicates and NULLs, so each operator meets both of tqp's representations and
their mixture. Errors must come where DuckDB's do, as tqp.DataError.
"""
from __future__ import annotations

import random
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from tests.conftest import SELFCHECK, duck_load, duck_query, order_spec, type_mismatches
from tpch.verify import compare


def _dec(v: int, scale: int) -> Decimal:
    return Decimal(v).scaleb(-scale)


def _tables() -> dict[str, pa.Table]:
    rng = random.Random(38)
    n = 240
    pool = [rng.randrange(-10**29, 10**29) for _ in range(40)] + [0, 1, -1, 2**63, -2**63 - 1, 10**29 - 1]
    a, b, c, m, s, d, g = [], [], [], [], [], [], []
    for i in range(n):
        r = rng.random()
        av = rng.choice(pool) if r < 0.5 else rng.randrange(-10**6, 10**6) if r < 0.9 else None
        a.append(None if av is None else _dec(av, 2))
        bv = rng.randrange(-10**35, 10**35) if rng.random() < 0.6 else rng.randrange(-10**12, 10**12)
        b.append(None if rng.random() < 0.1 else _dec(bv, 10))
        c.append(None if rng.random() < 0.1 else _dec(rng.randrange(-10**17, 10**17), 4))
        m.append(_dec(rng.randrange(9 * 10**17, 10**18) * rng.choice([1, -1, 1]), 2))  # near 18 digits
        s.append(str(_dec(rng.randrange(-10**30, 10**30), rng.randrange(0, 8))) if rng.random() < 0.9 else None)
        d.append(rng.choice([rng.uniform(-1e30, 1e30), rng.uniform(-1e6, 1e6), 0.125, -2.5]))
        g.append(i % 5)
    w = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "g": pa.array(g, pa.int32()),
        "a": pa.array(a, pa.decimal128(38, 2)),
        "b": pa.array(b, pa.decimal128(38, 10)),
        "c": pa.array(c, pa.decimal128(18, 4)),
        "m": pa.array(m, pa.decimal128(18, 2)),
        "s": pa.array(s, pa.string()),
        "d": pa.array(d, pa.float64()),
        "x": pa.array([rng.randrange(10**36, 10**38) * rng.choice([1, -1]) for _ in range(n)], pa.decimal128(38, 0)),
    })
    keys = sorted({x for x in a if x is not None}, key=str)[::3] + [_dec(5 * 10**35, 2), None]
    w2 = pa.table({
        "k": pa.array(keys, pa.decimal128(38, 2)),
        "tag": pa.array([f"t{i}" for i in range(len(keys))], pa.string()),
    })
    # TPC-H Q11's shape with costs and quantities big enough that sum(cost * qty) leaves int64
    ps = pa.table({
        "ps_partkey": pa.array([i // 3 for i in range(90)], pa.int64()),
        "ps_suppkey": pa.array([i % 7 for i in range(90)], pa.int64()),
        "ps_availqty": pa.array([rng.randrange(1, 1_000_000_000) for _ in range(90)], pa.int32()),
        "ps_supplycost": pa.array([_dec(rng.randrange(10**6, 10**9), 2) for _ in range(90)], pa.decimal128(15, 2)),
    })
    supp = pa.table({"s_suppkey": pa.array(range(7), pa.int64()),
                     "s_nationkey": pa.array([1, 2, 1, 1, 3, 1, 2], pa.int32())})
    nat = pa.table({"n_nationkey": pa.array([1, 2, 3], pa.int32()),
                    "n_name": pa.array(["GERMANY", "FRANCE", "PERU"], pa.string())})
    return {"w": w, "w2": w2, "partsupp": ps, "supplier": supp, "nation": nat}


@pytest.fixture(scope="module")
def pair(device, connect):
    con, duck = connect(device), duckdb.connect()
    for name, t in _tables().items():
        con.register(name, t)
        duck_load(duck, name, t)
    yield con, duck
    con.close()
    duck.close()


def _check(pair, sql, params=None):
    con, duck = pair
    expected = duck_query(duck, sql, params)
    actual = (con.execute(sql, params) if params is not None else con.execute(sql)).fetch_arrow()
    ordered, keys = order_spec(sql)
    msg = compare(expected, actual, ordered=ordered, order_key_columns=keys)
    assert msg is None, f"{msg}\nSQL: {sql}"
    bad = type_mismatches(expected.schema, actual.schema)
    assert not bad, f"{bad}\nSQL: {sql}"
    # DuckDB's decimal type rules, to the precision and scale
    widths = [(e, a) for e, a in zip(expected.schema.types, actual.schema.types)
              if pa.types.is_decimal(e) and pa.types.is_decimal(a) and e != a]
    assert not widths, f"decimal types differ (DuckDB, tqp): {widths}\nSQL: {sql}"
    return actual


Q11 = """
select ps_partkey, sum(ps_supplycost * ps_availqty) as value
from partsupp, supplier, nation
where ps_suppkey = s_suppkey and s_nationkey = n_nationkey and n_name = 'GERMANY'
group by ps_partkey
having sum(ps_supplycost * ps_availqty) > (
    select sum(ps_supplycost * ps_availqty) * 0.0001000000
    from partsupp, supplier, nation
    where ps_suppkey = s_suppkey and s_nationkey = n_nationkey and n_name = 'GERMANY')
order by value desc, ps_partkey"""

QUERIES = {
    "scan_round_trip": "SELECT * FROM w ORDER BY id",
    "sum_overflows_int64": "SELECT g, sum(m), sum(a), sum(b), sum(c), count(a) FROM w GROUP BY g ORDER BY g",
    "sum_all": "SELECT sum(m), sum(a), sum(b), min(m), max(m), min(x), max(x) FROM w",
    "avg_min_max": "SELECT g, avg(a), min(a), max(a), min(b), max(b) FROM w GROUP BY g ORDER BY g",
    "aggregates_filtered": "SELECT g, sum(a), max(b), avg(b) FROM w WHERE id % 3 = 0 GROUP BY g ORDER BY g",
    "aggregates_empty": "SELECT sum(a), min(a), avg(b) FROM w WHERE id < 0",
    "sum_distinct": "SELECT count(DISTINCT a), sum(DISTINCT a) FROM w",
    "add_sub": "SELECT id, a + b, a - b, b - a, a + c, m + a, a + 1, 1.5 - a FROM w ORDER BY id",
    "mul_wide": "SELECT id, a * 3, a * c, CAST(m AS DECIMAL(38,2)) * m, c * CAST(c AS DECIMAL(19,4)), CAST(m AS DECIMAL(19,2)) * 0.5 FROM w "
                "WHERE a IS NULL OR abs(a) < 10000000000000000000 ORDER BY id",
    "int64_overflow_promotes": "SELECT id, m + m + m + m + m + m + m + m + m + m, CAST(m AS DECIMAL(20,2)) * 10, "
                               "-m - m - m - m - m - m - m - m - m - m, c - m FROM w ORDER BY id",
    "int64_minimum": "SELECT -x, abs(x), x - 1, CAST(x AS VARCHAR), -x > 0 FROM (SELECT CAST(-9223372036854775808 AS "
                     "DECIMAL(38,0)) AS x UNION ALL SELECT 9223372036854775807) ORDER BY 1",
    "product_two_decimal18": "SELECT id, CAST(c AS DECIMAL(18,4)) * CAST(0.5 AS DECIMAL(18,1)) FROM w ORDER BY id",
    "mod": "SELECT id, a % 7, b % 3.5, a % CAST(b AS DECIMAL(38,2)), m % CAST(a AS DECIMAL(38,2)), 123456789012345678901234567.5 % a "
           "FROM w WHERE a <> 0 AND CAST(b AS DECIMAL(38,2)) <> 0 ORDER BY id",
    "intdiv_is_double": "SELECT id, a // 7, c // -2.5, d // 3 FROM w ORDER BY id",
    "neg_abs_round": "SELECT id, -a, abs(a), abs(b), round(a, 1), round(a, -3), round(b, 4), floor(b), ceil(b), "
                     "floor(a), ceil(-a) FROM w ORDER BY id",
    "compare_mixed_scales": "SELECT id, a > b, a = b, a < c, a >= 12.5, b <= a, c < CAST(c AS DECIMAL(38,5)) + 0.00001, "
                            "CAST(c AS DECIMAL(38,4)) = CAST(c AS DECIMAL(30,5)) FROM w ORDER BY id",
    "filter_wide_literal": "SELECT id, a FROM w WHERE a > 123456789012345678901234.5 ORDER BY id",
    "filter_between": "SELECT id FROM w WHERE b BETWEEN -1000000000000000000000.5 AND 100000000000000000000000 ORDER BY id",
    "in_list_wide": "SELECT id, a IN (0, 10000000000000000000000.00, -0.01, a) FROM w ORDER BY id",
    "in_list_constants": "SELECT id FROM w WHERE a IN (99999999999999999999999999999999999.99, -0.01, 0.01, "
                         "92233720368547758.08) ORDER BY id",
    "order_by_wide": "SELECT id, a FROM w ORDER BY a, id",
    "order_by_desc_nulls_first": "SELECT a, b, id FROM w ORDER BY a DESC NULLS FIRST, b, id LIMIT 30",
    "top_k_wide": "SELECT b, id FROM w ORDER BY b LIMIT 7",
    "group_by_wide": "SELECT a, count(*), sum(b) FROM w GROUP BY a ORDER BY a",
    "group_by_two_wide": "SELECT a, g, count(*) FROM w GROUP BY a, g ORDER BY a, g",
    "group_by_wide_filtered": "SELECT a, count(*), max(b) FROM w WHERE g > 1 GROUP BY a ORDER BY a",
    "intersect_except": "SELECT a FROM w WHERE g < 3 INTERSECT SELECT a FROM w WHERE g > 1 "
                        "EXCEPT SELECT k FROM w2 ORDER BY 1",
    "correlated_max": "SELECT id, a FROM w WHERE a >= (SELECT max(a) FROM w x WHERE x.g = w.g) ORDER BY id",
    "distinct_wide": "SELECT DISTINCT a FROM w ORDER BY a",
    "join_wide_key": "SELECT w.id, w2.tag FROM w JOIN w2 ON w.a = w2.k ORDER BY w.id",
    "left_join_wide_key": "SELECT w2.tag, count(w.id) FROM w2 LEFT JOIN w ON w.a = w2.k GROUP BY w2.tag ORDER BY w2.tag",
    "join_narrow_to_wide": "SELECT w.id, x.id FROM w JOIN w x ON CAST(w.c AS DECIMAL(38,2)) = x.a ORDER BY w.id, x.id",
    "semi_in_subquery": "SELECT id FROM w WHERE a IN (SELECT k FROM w2) ORDER BY id",
    "union_mixed": "SELECT a FROM w UNION SELECT c FROM w ORDER BY 1",
    "union_all_mixed": "SELECT a AS v FROM w WHERE g = 1 UNION ALL SELECT m FROM w WHERE g = 2 ORDER BY v",
    "case_coalesce": "SELECT id, CASE WHEN g = 1 THEN a WHEN g = 2 THEN c ELSE m END, coalesce(a, c, 0), "
                     "greatest(a, c), least(a, b) FROM w ORDER BY id",
    "cast_to_varchar": "SELECT id, CAST(a AS VARCHAR), CAST(b AS VARCHAR), CAST(-a AS VARCHAR) FROM w ORDER BY id",
    "cast_from_varchar": "SELECT id, CAST(s AS DECIMAL(38,5)), CAST(s AS DECIMAL(37,0)) FROM w ORDER BY id",
    "cast_to_double": "SELECT id, CAST(a AS DOUBLE), CAST(b AS DOUBLE), CAST(a AS REAL), a / 7, b / a FROM w ORDER BY id",
    "cast_from_double": "SELECT id, CAST(d AS DECIMAL(38,2)), CAST(d AS DECIMAL(38,8)) FROM w ORDER BY id",
    "cast_to_integer": "SELECT id, CAST(a AS BIGINT), CAST(b AS INTEGER) FROM w "
                       "WHERE abs(a) < 900000000000000000 AND abs(b) < 2000000000 ORDER BY id",
    "cast_between_widths": "SELECT id, CAST(a AS DECIMAL(38,0)), CAST(b AS DECIMAL(38,3)), CAST(c AS DECIMAL(38,20)), "
                           "CAST(m AS DECIMAL(38,19)), CAST(c AS DECIMAL(38,5)), CAST(c AS DECIMAL(20,5)) FROM w ORDER BY id",
    "rescale_int64_past_18_digits": "SELECT id, CAST(CAST(c AS DECIMAL(38,4)) AS DECIMAL(38,6)), "
                                    "CAST(c AS DECIMAL(38,4)) > CAST(1.5 AS DECIMAL(38,6)) FROM w "
                                    "WHERE abs(c) < 9000000000000 ORDER BY id",
    "cast_narrowing": "SELECT id, CAST(a AS DECIMAL(18,2)), CAST(b AS DECIMAL(20,1)) FROM w "
                      "WHERE abs(a) < 1000000000000000 AND abs(b) < 10000000000000000000 ORDER BY id",
    "cast_integer_up": "SELECT id, CAST(id * 1000000007 AS DECIMAL(38,20)), CAST(g AS DECIMAL(38,37)) FROM w ORDER BY id",
    "try_cast": "SELECT id, TRY_CAST(a AS DECIMAL(18,2)), TRY_CAST(a AS BIGINT), TRY_CAST(x AS DECIMAL(37,0)), "
                "TRY_CAST(b AS INTEGER), TRY_CAST(s AS DECIMAL(20,2)), TRY_CAST(d AS DECIMAL(30,2)) FROM w ORDER BY id",
    "cast_bool": "SELECT id, CAST(a AS BOOLEAN) FROM w ORDER BY id",
    "literals": "SELECT 123456789012345678901234567890.12, -99999999999999999999999999999999999999, "
                "99999999999999999999 * 2, 0.00000000000000000000000000001 + 1, 0.05 * 999999999999999.99, "
                "000123.4 * 99999999999999999.99",
    "nulls": "SELECT a + NULL, NULL * b, sum(CAST(NULL AS DECIMAL(38,2))) FROM w GROUP BY 1, 2",
    "having_wide": "SELECT g, sum(a) FROM w GROUP BY g HAVING sum(a) > 1000000000000000000000 ORDER BY g",
    "scalar_subquery_compare": "SELECT id FROM w WHERE a > (SELECT avg(a) FROM w) * 10 ORDER BY id",
    "tpch_q11_duckdb_text": Q11,
    "q11_parts": "select sum(ps_supplycost * ps_availqty), sum(ps_supplycost * ps_availqty) * 0.0001000000 from partsupp",
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_decimal38(pair, name):
    _check(pair, QUERIES[name])


def test_arrow_type_round_trip(pair):
    con, _ = pair
    t = con.execute("SELECT a, b, c FROM w ORDER BY id").fetch_arrow()
    assert [str(x) for x in t.schema.types] == ["decimal128(38, 2)", "decimal128(38, 10)", "decimal128(18, 4)"]
    assert t.column(0).to_pylist() == _tables()["w"].column("a").to_pylist()


PARAMS = [
    ("SELECT id FROM w WHERE a > ? ORDER BY id", [Decimal("123456789012345678901234567.89")]),
    ("SELECT ? * 2, ? + 1", [Decimal("123456789012345678901234567890"), Decimal("-1234567890123456789012345.67890")]),
    ("SELECT id, a + ? FROM w ORDER BY id", [Decimal("999999999999999999999999.999")]),
    ("SELECT count(*) FROM w WHERE b < ?", [Decimal("-12345678901234567890.0000000001")]),
    ("SELECT ?, ? - 1", [2**70, -(2**65)]),
]


@pytest.mark.parametrize("sql,params", PARAMS)
def test_decimal38_params(pair, sql, params):
    _check(pair, sql, params)


ERRORS = [
    "SELECT 99999999999999999999999999999999999999::DECIMAL(38,0) + 1",
    "SELECT -99999999999999999999999999999999999999::DECIMAL(38,0) - 1",
    "SELECT 999999999.99::DECIMAL(18,2) * 999999999.99::DECIMAL(18,2)",
    "SELECT 1000000000::DECIMAL(18,0) * 1000000000::DECIMAL(18,0)",
    "SELECT 100000000000000000000::DECIMAL(38,0) * 100000000000000000000::DECIMAL(38,0)",
    "SELECT 1.0::DECIMAL(38,20) * 1.0::DECIMAL(38,20)",
    "SELECT sum(x) FROM (SELECT 99999999999999999999999999999999999999::DECIMAL(38,0) AS x UNION ALL SELECT 1)",
    "SELECT sum(x) FROM w WHERE x > 0",
    "SELECT x * 10 FROM w",
    "SELECT x + x FROM w",
    "SELECT CAST(a AS DECIMAL(18,2)) FROM w",
    "SELECT CAST(a AS BIGINT) FROM w",
    "SELECT CAST(b AS INTEGER) FROM w",
    "SELECT a > CAST(b AS DECIMAL(38,12)) FROM w",
    "SELECT CAST(1e38 AS DECIMAL(38,0))",
    "SELECT CAST(d AS DECIMAL(38,10)) FROM w",
    "SELECT CAST('1e40' AS DECIMAL(38,0))",
    "SELECT m * m FROM w",
    "SELECT CAST(CAST(-9223372036854775808 AS DECIMAL(38,0)) AS DECIMAL(18,0))",
    "SELECT a * a FROM w",
]


@pytest.mark.parametrize("sql", ERRORS)
def test_decimal38_overflow(pair, sql, tqp_module):
    con, duck = pair
    with pytest.raises(duckdb.Error):
        duck.execute(sql).fetchall()
    with pytest.raises(tqp_module.DataError, match="(?i)out of range|could not convert|failed to cast|could not cast"):
        con.execute(sql).fetchall()


NEAR_LIMITS = [
    "SELECT 999999999::DECIMAL(18,0) * 1000000000::DECIMAL(18,0)",
    "SELECT 99999999999999999999999999999999999998::DECIMAL(38,0) + 1",
    "SELECT CAST(9223372036854775807.4::DECIMAL(38,1) AS BIGINT), CAST(-9223372036854775808.4::DECIMAL(38,1) AS BIGINT)",
    "SELECT CAST(9.9e37 AS DECIMAL(38,0))",
    "SELECT CAST('-99999999999999999999999999999999999999' AS DECIMAL(38,0))",
]


@pytest.mark.parametrize("sql", NEAR_LIMITS)
def test_decimal38_near_limits(pair, sql):
    _check(pair, sql)


def test_decimal38_division_by_zero(pair, tqp_module):
    con, duck = pair
    for sql in ("SELECT a % 0 FROM w", "SELECT a // 0 FROM w", "SELECT 55555555555555555555555.5 % CAST(0 AS DECIMAL(38,1))"):
        with pytest.raises(duckdb.Error):
            duck.execute(sql).fetchall()
        with pytest.raises(tqp_module.Error if SELFCHECK else tqp_module.DataError, match="(?i)division by zero"):
            con.execute(sql).fetchall()


def test_decimal38_ddl_dml(connect, device, tqp_module):
    con, duck = connect(device), duckdb.connect()
    statements = [
        "CREATE TABLE big (k INTEGER, v DECIMAL(38,4), n DECIMAL(20,0))",
        "INSERT INTO big VALUES (1, 12345678901234567890123456789.1234, 12345678901234567890), "
        "(2, -1.5, NULL), (3, NULL, -99999999999999999999)",
        "INSERT INTO big SELECT k + 10, v * 2, n FROM big",
        "INSERT INTO big VALUES (20, 7, 8)",
        "CREATE TABLE big2 AS SELECT k, v + 1 AS v1, CAST(n AS DECIMAL(38,2)) AS n2 FROM big",
    ]
    for sql in statements:
        con.execute(sql)
        duck.execute(sql)
    for sql in ("SELECT * FROM big ORDER BY k", "SELECT * FROM big2 ORDER BY k",
                "SELECT sum(v), sum(n), max(n), min(v) FROM big",
                "SELECT k, v FROM big WHERE v IN (SELECT v1 - 1 FROM big2) ORDER BY k",
                "SELECT * FROM (VALUES (1.5::DECIMAL(38,1)), (12345678901234567890123.5), (NULL)) t(x) ORDER BY x"):
        _check((con, duck), sql)
    with pytest.raises(Exception):
        duck.execute("INSERT INTO big VALUES (30, 0, 123456789012345678901)")
    before = con.execute("SELECT count(*) FROM big").fetchall()
    with pytest.raises(tqp_module.DataError):
        con.execute("INSERT INTO big VALUES (30, 0, 123456789012345678901)")  # 21 digits into DECIMAL(20,0)
    assert con.execute("SELECT count(*) FROM big").fetchall() == before
    con.close()
    duck.close()


@pytest.mark.skipif(SELFCHECK, reason="tqp's own Arrow ingestion (DuckDB reads no decimal256)")
def test_decimal38_arrow_widths(connect, device, tqp_module):
    con = connect(device)
    vals = [Decimal("12345678901234567890123456789.12"), None, Decimal("-0.05")]
    con.register("d256", pa.table({"x": pa.array(vals, pa.decimal256(38, 2))}))
    assert con.execute("SELECT x FROM d256").fetchall() == [(v,) for v in vals]
    with pytest.raises(tqp_module.NotSupportedError, match="38 digits"):
        con.register("d40", pa.table({"x": pa.array(vals, pa.decimal256(40, 2))}))
    con.register("pdf", pa.table({"x": pa.array([Decimal("1.5"), Decimal("2")], pa.decimal128(5, 1))}))
    assert con.execute("SELECT sum(x) * 100000000000000000000000000000 FROM pdf").fetchall() == \
        [(Decimal("350000000000000000000000000000.0"),)]
    con.close()


def test_tpch_q11_duckdb_text_on_suite_tables(check):
    """DuckDB's own text of Q11 (FRACTION written 0.0001000000: a DECIMAL(38,12) threshold)
    on the suite's miniature TPC-H tables."""
    check(Q11.replace("order by value desc, ps_partkey", "order by value desc"))


def test_wide_kernels_against_python_ints():
    """tqp/kernels/wide.py's 128-bit arithmetic against Python's ints, edge words included."""
    import operator

    import torch

    from tqp.kernels import wide as W

    rng = random.Random(128)
    edges = [0, 1, -1, 2**63 - 1, -2**63, 2**63, -2**63 - 1, 2**64 - 1, -(2**64), 10**38 - 1, -(10**38 - 1)]
    xs = edges + [rng.randrange(-10**rng.randrange(1, 39), 10**rng.randrange(1, 39)) for _ in range(600)]
    ys = list(reversed(edges)) + [rng.randrange(-10**rng.randrange(1, 39), 10**rng.randrange(1, 39)) for _ in range(600)]
    a, b = W.unpack(W.from_ints(xs, "cpu")), W.unpack(W.from_ints(ys, "cpu"))

    def ints(p):
        return W.to_ints(W.pack(*p))

    def fits(v):
        return -2**127 < v < 2**127

    for fn, ref in ((W.add, operator.add), (W.sub, operator.sub), (W.mul, operator.mul)):
        got, over = fn(a, b)
        for x, y, g, o in zip(xs, ys, ints(got), over.tolist()):
            assert o == (not fits(ref(x, y))) or ref(x, y) == -2**127, (fn.__name__, x, y)
            assert o or g == ref(x, y), (fn.__name__, x, y)
    for op, ref in (("lt", operator.lt), ("le", operator.le), ("eq", operator.eq), ("ge", operator.ge)):
        assert W.compare(op, a, b).tolist() == [ref(x, y) for x, y in zip(xs, ys)]
    for k in (1, 9, 10, 19, 38):
        for mode in ("trunc", "floor", "ceil", "half_away"):
            d = 10**k
            want = {"trunc": lambda x: abs(x) // d * (1 if x >= 0 else -1), "floor": lambda x: x // d,
                    "ceil": lambda x: -(-x // d),
                    "half_away": lambda x: (abs(x) + d // 2) // d * (1 if x >= 0 else -1)}[mode]
            assert ints(W.div_pow10(a, k, mode)) == [want(x) for x in xs], (k, mode)
    nz = [y or 7 for y in ys]
    rem = ints(W.remainder(a, W.unpack(W.from_ints(nz, "cpu"))))
    assert rem == [(abs(x) % abs(y)) * (1 if x >= 0 else -1) for x, y in zip(xs, nz)]
    assert W.below_pow10(a, 20).tolist() == [abs(x) < 10**20 for x in xs]
    f = W.to_float64(a).tolist()
    assert all(abs(v - x) <= abs(x) * 5e-16 for v, x in zip(f, xs))  # two roundings
    ids = torch.tensor([rng.randrange(5) for _ in xs])
    valid = torch.tensor([rng.random() < 0.9 for _ in xs])
    total, over = W.segment_sum(a, ids, 5, valid)
    sums = [sum(x for x, i, v in zip(xs, ids.tolist(), valid.tolist()) if v and i == gi) for gi in range(5)]
    assert [o or t == s_ for t, s_, o in zip(ints(total), sums, over.tolist())] == [True] * 5
    assert over.tolist() == [not fits(s_) for s_ in sums]
    for red, ref in (("amin", min), ("amax", max)):
        got = ints(W.segment_extreme(a, ids, 5, valid, red))
        assert got == [ref(x for x, i, v in zip(xs, ids.tolist(), valid.tolist()) if v and i == gi) for gi in range(5)]
