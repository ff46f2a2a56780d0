"""Shared fixtures for the differential suite: deterministic data, a tqp connection per
device, a DuckDB reference connection holding the same tables, and ``check``.

Set TQP_TEST_SELFCHECK=1 to replace the tqp side by a thin DuckDB wrapper (`DuckShim`)
that sees every table with its rows shuffled.  That validates the harness itself: a query
whose answer depends on physical row order (ties under ORDER BY ... LIMIT, ORDER BY on
columns that leave ties the comparison cannot see) fails there, as would a fixture bug.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import os
import pathlib
import sys
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # plain `pytest` does not put the repo root on sys.path
    sys.path.insert(0, str(REPO))

import tqp  # noqa: E402,F401  (before torch: it sets torch's OpenMP spin for a shared machine)
import duckdb  # noqa: E402
import sqlglot  # noqa: E402
from sqlglot import exp  # noqa: E402

SELFCHECK = os.environ.get("TQP_TEST_SELFCHECK", "") not in ("", "0")


def _load_tqp():
    """The tqp module, or in self-check mode at least its exception classes.

    While the engine is incomplete ``import tqp`` may fail; the self-check run only needs
    the PEP 249 classes, so load tqp/errors.py on its own rather than block on the rest.
    """
    try:
        import tqp

        return tqp
    except Exception:
        if not SELFCHECK:
            raise
        spec = importlib.util.spec_from_file_location("_tqp_errors_only", REPO / "tqp" / "errors.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod


try:
    tqp = _load_tqp()
    TQP_IMPORT_ERROR = None
except Exception as e:  # noqa: BLE001 - reported as a skip reason, not hidden
    tqp = None
    TQP_IMPORT_ERROR = e


# --------------------------------------------------------------------------------------
# Deterministic data
# --------------------------------------------------------------------------------------

def _with_nulls(rng: np.random.Generator, values: list, frac: float) -> list:
    mask = rng.random(len(values)) < frac
    return [None if m else v for v, m in zip(values, mask)]


def _dec(cents: int, scale: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-scale)


LOW_CARD_STRINGS = [
    "apple", "Banana", "cherry", "", "ümlaut", "日本語", "100%", "a_b", "a%b", "APPLE",
    " space ", "naïve", "zeta", "Apple pie",
]

# Dates chosen to hit calendar edges: the epoch on both sides, leap days (incl. 2000, a
# 400-year leap year, and the 1900 non-leap year), month and year ends.
SPECIAL_DATES = [
    dt.date(1970, 1, 1), dt.date(1969, 12, 31), dt.date(2000, 2, 29), dt.date(2024, 2, 29),
    dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(1904, 2, 29), dt.date(1999, 12, 31),
    dt.date(2023, 1, 31), dt.date(2024, 12, 31), dt.date(1950, 6, 15), dt.date(2038, 1, 19),
]


def _make_main(rng: np.random.Generator, n: int = 1000) -> pa.Table:
    """The wide table ``t``: one column per type, with NULLs, duplicates and negatives."""
    ids = np.arange(1, n + 1, dtype=np.int64)
    g = rng.integers(0, 10, n).astype(np.int32)
    i16 = rng.integers(-300, 301, n).astype(np.int16)
    i32 = rng.integers(-50, 51, n).astype(np.int32)
    i64 = rng.integers(-10**12, 10**12, n, dtype=np.int64)
    # Doubles rounded to 1/1024 so that a few exact ties and exact sums occur.
    d = np.round(rng.normal(0, 100, n) * 1024) / 1024
    m = rng.integers(-10_000_000, 10_000_001, n)  # cents, |x| <= 100000.00
    m4 = rng.integers(-99_999_999, 100_000_000, n)  # 1e-4 units, |x| < 10000
    epoch = dt.date(1970, 1, 1)
    lo, hi = (dt.date(1900, 1, 1) - epoch).days, (dt.date(2030, 12, 31) - epoch).days
    days = rng.integers(lo, hi + 1, n)
    dates = [epoch + dt.timedelta(days=int(x)) for x in days]
    for k, sd in enumerate(SPECIAL_DATES):  # deterministic positions for the edge dates
        dates[k * 37 % n] = sd
    us_lo = (dt.datetime(1960, 1, 1) - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    us_hi = (dt.datetime(2030, 1, 1) - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    ts = [dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(x)) for x in rng.integers(us_lo, us_hi, n)]
    s_lo = [LOW_CARD_STRINGS[int(x)] for x in rng.integers(0, len(LOW_CARD_STRINGS), n)]
    alphabet = list("abcdefghijklmnopqrstuvwxyzABCXYZ _%é")
    s_hi = ["".join(rng.choice(alphabet, int(k))) for k in rng.integers(1, 11, n)]
    b = [bool(x) for x in rng.integers(0, 2, n)]
    return pa.table({
        "id": pa.array(ids, pa.int64()),
        "g": pa.array(g, pa.int32()),
        "i16": pa.array(_with_nulls(rng, i16.tolist(), 0.1), pa.int16()),
        "i32": pa.array(_with_nulls(rng, i32.tolist(), 0.1), pa.int32()),
        "i64": pa.array(_with_nulls(rng, i64.tolist(), 0.05), pa.int64()),
        "d": pa.array(_with_nulls(rng, d.tolist(), 0.1), pa.float64()),
        "m": pa.array(_with_nulls(rng, [_dec(x, 2) for x in m], 0.1), pa.decimal128(15, 2)),
        "m4": pa.array(_with_nulls(rng, [_dec(x, 4) for x in m4], 0.1), pa.decimal128(12, 4)),
        "dt": pa.array(_with_nulls(rng, dates, 0.1), pa.date32()),
        "ts": pa.array(_with_nulls(rng, ts, 0.1), pa.timestamp("us")),
        "s_lo": pa.array(_with_nulls(rng, s_lo, 0.1), pa.string()),
        "s_hi": pa.array(_with_nulls(rng, s_hi, 0.05), pa.string()),
        "b": pa.array(_with_nulls(rng, b, 0.15), pa.bool_()),
    })


def _make_one(schema: pa.Schema) -> pa.Table:
    """A single fully non-NULL row, so scalar paths are exercised without NULL masks."""
    row = {
        "id": 1, "g": 3, "i16": -7, "i32": 42, "i64": 9_000_000_000, "d": 2.5,
        "m": Decimal("1234.56"), "m4": Decimal("-0.0042"), "dt": dt.date(2000, 2, 29),
        "ts": dt.datetime(1999, 12, 31, 23, 59, 59, 123456), "s_lo": "a_b", "s_hi": "Hello Wörld",
        "b": True,
    }
    return pa.table({f.name: pa.array([row[f.name]], f.type) for f in schema})


def _make_join_tables(rng: np.random.Generator) -> dict[str, pa.Table]:
    # dim: dense 1..50 keys.  fact: foreign keys 0..60 with duplicates and NULLs, so some
    # fact keys miss dim (0, 51..60) and some dim keys (10..12) never occur in fact.
    nd = 50
    dk = np.arange(1, nd + 1)
    dim = pa.table({
        "dk": pa.array(dk, pa.int64()),
        "dname": pa.array([f"dim_{k:02d}" for k in dk], pa.string()),
        "cat": pa.array(_with_nulls(rng, [["A", "B", "C"][k % 3] for k in dk], 0.1), pa.string()),
        "weight": pa.array(np.round(rng.random(nd) * 100, 3), pa.float64()),
        "price": pa.array([_dec(x, 2) for x in rng.integers(100, 100_000, nd)], pa.decimal128(15, 2)),
    })
    nf = 600
    fk_pool = [k for k in range(0, 61) if k not in (10, 11, 12)]
    fk = [fk_pool[int(i)] for i in rng.integers(0, len(fk_pool), nf)]
    skeys = ["alpha", "beta", "gamma", "", "δέλτα", "Alpha", "eps%"]
    fact = pa.table({
        "fid": pa.array(np.arange(1, nf + 1), pa.int64()),
        "fk": pa.array(_with_nulls(rng, fk, 0.08), pa.int64()),
        "fk2": pa.array(_with_nulls(rng, rng.integers(0, 4, nf).tolist(), 0.05), pa.int32()),
        "sk": pa.array(_with_nulls(rng, [skeys[int(i)] for i in rng.integers(0, len(skeys), nf)], 0.07), pa.string()),
        "qty": pa.array(rng.integers(1, 51, nf), pa.int32()),
        "amount": pa.array(_with_nulls(rng, [_dec(x, 2) for x in rng.integers(-5000, 500_000, nf)], 0.05), pa.decimal128(15, 2)),
        "fdate": pa.array([dt.date(2020, 1, 1) + dt.timedelta(days=int(x)) for x in rng.integers(0, 1500, nf)], pa.date32()),
    })
    # dim2: composite key (a, b); a few duplicate pairs, a few missing, a NULL component.
    pairs = [(a, b) for a in range(1, 21) for b in range(0, 4) if (a * 7 + b) % 9 != 0]
    pairs += [(3, 1), (5, 2), (8, 0)]
    pairs.append((None, 1))
    pairs.append((4, None))
    dim2 = pa.table({
        "a": pa.array([p[0] for p in pairs], pa.int64()),
        "b": pa.array([p[1] for p in pairs], pa.int32()),
        "label": pa.array([f"L{i}" for i in range(len(pairs))], pa.string()),
    })
    # String-keyed dimension, with a duplicate key, a NULL key and a key absent from fact.
    sdim = pa.table({
        "skey": pa.array(["alpha", "beta", "gamma", "", "δέλτα", "beta", None, "omega"], pa.string()),
        "sval": pa.array([1, 2, 3, 4, 5, 6, 7, 8], pa.int32()),
    })
    # Sparse, large (incl. negative) keys: no direct-address table can cover this range.
    pool = [k * 1_000_000_007 for k in range(-5, 40)] + [2**62, -(2**62)]
    la = [pool[int(i)] for i in rng.integers(0, len(pool), 300)]
    rb = [pool[int(i)] for i in rng.integers(10, len(pool), 200)]  # misses the lowest keys
    sparse_l = pa.table({
        "k": pa.array(_with_nulls(rng, la, 0.05), pa.int64()),
        "lv": pa.array(np.arange(300), pa.int32()),
    })
    sparse_r = pa.table({
        "k": pa.array(_with_nulls(rng, rb, 0.05), pa.int64()),
        "rv": pa.array(np.arange(200) * 10, pa.int32()),
    })
    # A small table for IN / NOT IN tests; nn has no NULL, wn has one.
    sets = pa.table({
        "nn": pa.array([1, 2, 3, 5, 8, 13, 21, 34], pa.int32()),
        "wn": pa.array([1, None, 3, 5, None, 13, 21, 34], pa.int32()),
    })
    return {
        "dim": dim, "fact": fact, "dim2": dim2, "sdim": sdim, "sparse_l": sparse_l,
        "sparse_r": sparse_r, "sets": sets, "empty_dim": dim.schema.empty_table(),
    }


def _make_tpch(rng: np.random.Generator) -> dict[str, pa.Table]:
    """Miniature TPC-H tables: the real column names and types, a few thousand lineitems."""
    regions = ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"]
    region = pa.table({
        "r_regionkey": pa.array(range(5), pa.int32()),
        "r_name": pa.array(regions, pa.string()),
    })
    nations = [f"NATION_{i:02d}" for i in range(25)]
    nations[6], nations[7], nations[8] = "FRANCE", "GERMANY", "BRAZIL"
    nation = pa.table({
        "n_nationkey": pa.array(range(25), pa.int32()),
        "n_name": pa.array(nations, pa.string()),
        "n_regionkey": pa.array([i % 5 for i in range(25)], pa.int32()),
    })
    ns, nc, np_, no = 20, 150, 100, 1500

    def money(lo, hi, k):
        return [_dec(x, 2) for x in rng.integers(lo, hi, k)]

    supplier = pa.table({
        "s_suppkey": pa.array(range(1, ns + 1), pa.int64()),
        "s_name": pa.array([f"Supplier#{i:09d}" for i in range(1, ns + 1)], pa.string()),
        "s_nationkey": pa.array(rng.integers(0, 25, ns), pa.int32()),
        "s_acctbal": pa.array(money(-99_999, 999_999, ns), pa.decimal128(15, 2)),
    })
    segments = ["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"]
    customer = pa.table({
        "c_custkey": pa.array(range(1, nc + 1), pa.int64()),
        "c_name": pa.array([f"Customer#{i:09d}" for i in range(1, nc + 1)], pa.string()),
        "c_nationkey": pa.array(rng.integers(0, 25, nc), pa.int32()),
        "c_acctbal": pa.array(money(-99_999, 999_999, nc), pa.decimal128(15, 2)),
        "c_mktsegment": pa.array([segments[int(i)] for i in rng.integers(0, 5, nc)], pa.string()),
        "c_phone": pa.array([f"{10 + int(i)}-{int(j):03d}" for i, j in zip(rng.integers(0, 25, nc), rng.integers(0, 1000, nc))], pa.string()),
    })
    types_ = ["STANDARD BRUSHED STEEL", "PROMO PLATED TIN", "ECONOMY ANODIZED COPPER", "PROMO BURNISHED NICKEL", "MEDIUM POLISHED BRASS"]
    brands = [f"Brand#{a}{b}" for a in range(1, 4) for b in range(1, 4)]
    part = pa.table({
        "p_partkey": pa.array(range(1, np_ + 1), pa.int64()),
        "p_name": pa.array([f"part {c} {i}" for i, c in zip(range(1, np_ + 1), rng.choice(["green", "red", "forest", "blue"], np_))], pa.string()),
        "p_brand": pa.array([brands[int(i)] for i in rng.integers(0, len(brands), np_)], pa.string()),
        "p_type": pa.array([types_[int(i)] for i in rng.integers(0, len(types_), np_)], pa.string()),
        "p_size": pa.array(rng.integers(1, 51, np_), pa.int32()),
        "p_container": pa.array([["SM BOX", "MED BAG", "LG CASE", "JUMBO PKG"][int(i)] for i in rng.integers(0, 4, np_)], pa.string()),
        "p_retailprice": pa.array(money(90_000, 200_000, np_), pa.decimal128(15, 2)),
    })
    ps_part = [p for p in range(1, np_ + 1) for _ in range(4)]
    ps_supp = [((p + k * 5) % ns) + 1 for p in range(1, np_ + 1) for k in range(4)]
    partsupp = pa.table({
        "ps_partkey": pa.array(ps_part, pa.int64()),
        "ps_suppkey": pa.array(ps_supp, pa.int64()),
        "ps_availqty": pa.array(rng.integers(1, 10_000, len(ps_part)), pa.int32()),
        "ps_supplycost": pa.array(money(100, 100_000, len(ps_part)), pa.decimal128(15, 2)),
    })
    epoch = dt.date(1992, 1, 1)
    odays = rng.integers(0, 2400, no)
    # Every third customer places no orders (TPC-H's Q13/Q22 rely on such customers).
    custs = [c for c in range(1, nc + 1) if c % 3 != 0]
    orders = pa.table({
        "o_orderkey": pa.array([i * 4 + 1 for i in range(no)], pa.int64()),  # sparse, like TPC-H
        "o_custkey": pa.array([custs[int(i)] for i in rng.integers(0, len(custs), no)], pa.int64()),
        "o_orderstatus": pa.array([["O", "F", "P"][int(i)] for i in rng.integers(0, 3, no)], pa.string()),
        "o_totalprice": pa.array(money(100_000, 50_000_000, no), pa.decimal128(15, 2)),
        "o_orderdate": pa.array([epoch + dt.timedelta(days=int(x)) for x in odays], pa.date32()),
        "o_orderpriority": pa.array([["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"][int(i)] for i in rng.integers(0, 5, no)], pa.string()),
        "o_shippriority": pa.array(np.zeros(no, dtype=np.int32), pa.int32()),
    })
    lk, lpart, lsupp, lnum, lqty, lprice, ldisc, ltax, lrf, lls, lship, lcommit, lrecv, lmode = ([] for _ in range(14))
    for i in range(no):
        okey = i * 4 + 1
        od = epoch + dt.timedelta(days=int(odays[i]))
        for ln in range(1, int(rng.integers(1, 6)) + 1):
            p = int(rng.integers(1, np_ + 1))
            q = int(rng.integers(1, 51))
            lk.append(okey)
            lpart.append(p)
            lsupp.append(((p + int(rng.integers(0, 4)) * 5) % ns) + 1)
            lnum.append(ln)
            lqty.append(Decimal(q))
            lprice.append(_dec(q * int(rng.integers(90_000, 200_000)) // 100, 2))
            ldisc.append(_dec(int(rng.integers(0, 11)), 2))
            ltax.append(_dec(int(rng.integers(0, 9)), 2))
            ship = od + dt.timedelta(days=int(rng.integers(1, 122)))
            commit = od + dt.timedelta(days=int(rng.integers(30, 91)))
            recv = ship + dt.timedelta(days=int(rng.integers(1, 31)))
            lship.append(ship)
            lcommit.append(commit)
            lrecv.append(recv)
            lrf.append("N" if recv > dt.date(1995, 6, 17) else ["R", "A"][int(rng.integers(0, 2))])
            lls.append("O" if ship > dt.date(1995, 6, 17) else "F")
            lmode.append(["AIR", "MAIL", "SHIP", "TRUCK", "RAIL", "FOB", "REG AIR"][int(rng.integers(0, 7))])
    lineitem = pa.table({
        "l_orderkey": pa.array(lk, pa.int64()),
        "l_partkey": pa.array(lpart, pa.int64()),
        "l_suppkey": pa.array(lsupp, pa.int64()),
        "l_linenumber": pa.array(lnum, pa.int32()),
        "l_quantity": pa.array(lqty, pa.decimal128(15, 2)),
        "l_extendedprice": pa.array(lprice, pa.decimal128(15, 2)),
        "l_discount": pa.array(ldisc, pa.decimal128(15, 2)),
        "l_tax": pa.array(ltax, pa.decimal128(15, 2)),
        "l_returnflag": pa.array(lrf, pa.string()),
        "l_linestatus": pa.array(lls, pa.string()),
        "l_shipdate": pa.array(lship, pa.date32()),
        "l_commitdate": pa.array(lcommit, pa.date32()),
        "l_receiptdate": pa.array(lrecv, pa.date32()),
        "l_shipmode": pa.array(lmode, pa.string()),
    })
    return {
        "region": region, "nation": nation, "supplier": supplier, "customer": customer,
        "part": part, "partsupp": partsupp, "orders": orders, "lineitem": lineitem,
    }


def _make_edge() -> pa.Table:
    """Extreme values per type: IEEE specials, int64 limits, the calendar's ends, odd strings."""
    nan, inf = float("nan"), float("inf")
    i64max, i64min = 2**63 - 1, -(2**63)
    return pa.table({
        "k": pa.array(range(1, 13), pa.int32()),
        "f": pa.array([0.0, -0.0, inf, -inf, nan, 1e308, -1e308, 5e-324, 1.0, None, nan, 2.5], pa.float64()),
        "i": pa.array([i64max, i64min, 0, -1, 1, None, i64max, 42, -42, 7, 7, i64min + 1], pa.int64()),
        "dd": pa.array([
            dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1582, 10, 15), dt.date(1600, 2, 29),
            dt.date(1900, 1, 1), dt.date(1970, 1, 1), None, dt.date(2100, 2, 28), dt.date(1969, 12, 31),
            dt.date(1000, 6, 15), dt.date(2400, 2, 29), dt.date(1899, 12, 31),
        ], pa.date32()),
        "s": pa.array([
            "", " ", "a", "A", "ä", "a\u0301", "x" * 300, "NULL", "'", "\\", "%", None,
        ], pa.string()),
    })


def build_tables(seed: int = 20240229) -> dict[str, pa.Table]:
    """Every table the differential suite queries, by name.  Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    t = _make_main(rng)
    tables = {"t": t, "empty": t.schema.empty_table(), "one": _make_one(t.schema), "edge": _make_edge()}
    tables.update(_make_join_tables(rng))
    tables.update(_make_tpch(rng))
    return tables


@pytest.fixture(scope="session")
def tables() -> dict[str, pa.Table]:
    return build_tables()


# --------------------------------------------------------------------------------------
# Connections
# --------------------------------------------------------------------------------------

def duck_load(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Create a DuckDB table from Arrow; CREATE TABLE AS keeps the Arrow column types."""
    tmp = f"__arrow_{name}"
    con.register(tmp, table)
    con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "{tmp}"')
    con.unregister(tmp)


def duck_query(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> pa.Table:
    rel = con.sql(sql, params=params) if params is not None else con.sql(sql)
    if rel is None:  # DDL/DML: no result set
        return None
    return rel.to_arrow_table()


# Where DuckDB's own PEP 249 classes map onto tqp's, for the self-check wrapper.
_DUCK_TO_TQP = [
    ("NotSupportedError", "NotSupportedError"),
    ("ProgrammingError", "ProgrammingError"),
    ("DataError", "DataError"),
    ("IntegrityError", "IntegrityError"),
    ("OperationalError", "OperationalError"),
    ("InternalError", "InternalError"),
    ("DatabaseError", "DatabaseError"),
    ("Error", "Error"),
]


def _translate(e: Exception) -> Exception:
    for dname, tname in _DUCK_TO_TQP:
        if isinstance(e, getattr(duckdb, dname)):
            return getattr(tqp, tname)(str(e))
    return e


class _ShimCursor:
    def __init__(self, rel, description):
        self._rel = rel
        self.description = description
        self._closed = False

    def _live(self):
        if self._closed:
            raise tqp.InterfaceError("cursor is closed")

    def fetch_arrow(self) -> pa.Table:
        self._live()
        if self._rel is None:
            return pa.table({})
        return self._rel

    def fetchall(self):
        self._live()
        if self._rel is None:
            return []
        cols = [c.to_pylist() for c in self._rel.columns]
        return list(zip(*cols))

    def fetchone(self):
        rows = self.fetchall()
        return rows[0] if rows else None

    def close(self):
        self._closed = True


class DuckShim:
    """Enough of tqp's connection surface, backed by DuckDB, to validate this harness.

    Registered tables are stored with their rows shuffled so that order-dependent
    queries in the fixtures are caught when comparing against the unshuffled reference.
    """

    def __init__(self, device: str = "cpu", shuffle_seed: int = 7):
        self._con = duckdb.connect()
        self._rng = np.random.default_rng(shuffle_seed)
        self._closed = False
        self.device = device

    def _live(self):
        if self._closed:
            raise tqp.InterfaceError("connection is closed")

    def register(self, name, obj):
        self._live()
        if isinstance(obj, (str, os.PathLike)):
            path = pathlib.Path(obj)
            if not path.exists():
                raise tqp.ProgrammingError(f"no such file: {path}")
            import pyarrow.csv as pacsv
            import pyarrow.parquet as pq

            obj = pq.read_table(path) if path.suffix == ".parquet" else pacsv.read_csv(path)
        elif isinstance(obj, dict):
            obj = pa.table(obj)
        elif not isinstance(obj, pa.Table):
            try:
                import pandas as pd
            except ImportError:  # pragma: no cover
                pd = None
            if pd is not None and isinstance(obj, pd.DataFrame):
                obj = pa.Table.from_pandas(obj, preserve_index=False)
            else:
                raise tqp.ProgrammingError(f"cannot register object of type {type(obj).__name__}")
        if obj.num_rows > 1:
            obj = obj.take(pa.array(self._rng.permutation(obj.num_rows)))
        duck_load(self._con, name, obj)

    def execute(self, sql, params=None):
        self._live()
        try:
            rel = self._con.sql(sql, params=params) if params is not None else self._con.sql(sql)
            if rel is None:
                return _ShimCursor(None, None)
            t = rel.to_arrow_table()
            desc = [(n, str(ty), None, None, None, None, None) for n, ty in zip(t.column_names, t.schema.types)]
            return _ShimCursor(t, desc)
        except duckdb.Error as e:
            raise _translate(e) from None

    def cursor(self):
        self._live()
        return self

    def close(self):
        self._closed = True
        self._con.close()


def _cuda_available() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="session", params=["cpu", "cuda"])
def device(request) -> str:
    if request.param == "cuda" and not _cuda_available():
        pytest.skip("CUDA is not available")
    return request.param


@pytest.fixture(scope="session")
def connect():
    """A factory for fresh tqp connections (or DuckShims in self-check mode)."""
    if tqp is None:
        pytest.skip(f"tqp does not import yet: {TQP_IMPORT_ERROR!r}")

    def make(device: str):
        if SELFCHECK:
            return DuckShim(device)
        return tqp.connect(device=device)

    return make


@pytest.fixture(scope="session")
def tqp_module():
    """The tqp module (its PEP 249 classes), skipping when it cannot be imported."""
    if tqp is None:
        pytest.skip(f"tqp does not import yet: {TQP_IMPORT_ERROR!r}")
    return tqp


@pytest.fixture(scope="session")
def tqp_con(device, connect, tables):
    """One tqp connection per device holding every suite table, registered once."""
    con = connect(device)
    for name, table in tables.items():
        con.register(name, table)
    yield con
    try:
        con.close()
    except Exception:  # noqa: BLE001 - teardown must not mask test results
        pass


@pytest.fixture(scope="session")
def duck(tables):
    con = duckdb.connect()
    for name, table in tables.items():
        duck_load(con, name, table)
    yield con
    con.close()


# --------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------

def order_spec(sql: str) -> tuple[bool, list[int] | None]:
    """(ordered, order_key_columns) for a query, read from its outermost ORDER BY.

    The key positions are given only when every ORDER BY item is an output column (by
    name, alias, ordinal or identical expression); then tied rows may come in any order.
    Otherwise None: the query must then order totally, which the fixtures ensure.
    """
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except Exception:  # noqa: BLE001 - unparseable here: fall back to a strict ordered compare
        return ("order by" in sql.lower(), None)
    order = tree.args.get("order")
    if not order:
        return (False, None)
    select = tree
    while isinstance(select, exp.SetOperation):  # UNION ... ORDER BY: names come from the left
        select = select.this
    while isinstance(select, exp.Subquery):
        select = select.this
    if not isinstance(select, exp.Select):
        return (True, None)
    outs = select.expressions
    if any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)) for e in outs):
        return (True, None)
    keys: list[int] = []
    for item in order.expressions:
        node = item.this
        pos = None
        if isinstance(node, exp.Literal) and node.is_int:
            pos = int(node.this) - 1
        elif isinstance(node, exp.Column) and not node.table:
            names = [e.alias_or_name for e in outs]
            if names.count(node.name) == 1:
                pos = names.index(node.name)
        if pos is None:
            plain = [e.unalias() if isinstance(e, exp.Alias) else e for e in outs]
            matches = [i for i, e in enumerate(plain) if e == node]
            if len(matches) == 1:
                pos = matches[0]
        if pos is None or not 0 <= pos < len(outs):
            return (True, None)
        keys.append(pos)
    return (True, keys)


def _family(t: pa.DataType) -> str:
    """The SQL type family of an Arrow type, ignoring width and storage details."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_decimal(t):
        return "int" if t.scale == 0 else "decimal"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "timestamp"
    return str(t)


def type_mismatches(expected: pa.Schema, actual: pa.Schema) -> list[str]:
    """Columns whose type family differs from DuckDB's.

    The value comparison alone would let a DECIMAL come back as a DOUBLE (equal within
    rtol) or an AVG come back as a DECIMAL; both break the documented semantics (exact
    decimals, AVG and `/` give DOUBLE).  Widths and decimal scales may differ.
    """
    out = []
    for j, (e, a) in enumerate(zip(expected.types, actual.types)):
        fe, fa = _family(e), _family(a)
        if fe != fa and "null" not in (fe, fa):
            out.append(f"column {j} ({expected.names[j]}): DuckDB gives {e} ({fe}), tqp gives {a} ({fa})")
    return out


def _compare():
    from tpch.verify import compare

    return compare


@pytest.fixture(scope="session")
def check(tqp_con, duck):
    """check(sql, params=None, ordered=None): run on DuckDB and tqp, assert the results match."""
    compare = _compare()

    def run(sql: str, params=None, ordered: bool | None = None, order_key_columns=None):
        expected = duck_query(duck, sql, params)
        cur = tqp_con.execute(sql, params) if params is not None else tqp_con.execute(sql)
        actual = cur.fetch_arrow()
        if ordered is None:
            ordered, keys = order_spec(sql)
            if order_key_columns is None:
                order_key_columns = keys
        msg = compare(expected, actual, ordered=ordered, order_key_columns=order_key_columns)
        assert msg is None, f"{msg}\nSQL: {sql}"
        bad_types = type_mismatches(expected.schema, actual.schema)
        assert not bad_types, "result types differ: " + "; ".join(bad_types) + f"\nSQL: {sql}"

    return run
