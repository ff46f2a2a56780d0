"""TPC-H: each of the 22 queries on tqp must return DuckDB's result.

SF 0.01 (generated once into ~/.cache/tqp/tpch/sf0.01 by tpchgen-cli, a few seconds)
on every device; SF 0.1 behind ``-m slow``.  Example::

    pytest tests/test_tpch.py -k "q01 or q06"
    pytest tests/test_tpch.py -m slow
"""
from __future__ import annotations

import shutil

import pytest

from tpch.gen import ensure_data, load_tables
from tpch.runner import ALL_QUERIES, make_engine, query_sql, verify_result

pytest.importorskip("duckdb")


def _cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.cuda)]
QUERY_IDS = [f"q{q:02d}" for q in ALL_QUERIES]


class _Session:
    """Per scale factor: the Arrow tables, DuckDB's answers, and one tqp engine per device."""

    def __init__(self) -> None:
        self.tables: dict = {}
        self.expected: dict = {}
        self.duck: dict = {}
        self.tqp: dict = {}

    def tables_for(self, sf: float):
        if sf not in self.tables:
            if shutil.which("tpchgen-cli") is None:
                pytest.skip("tpchgen-cli is not installed")
            self.tables[sf] = load_tables(ensure_data(sf, progress=False))
        return self.tables[sf]

    def expected_result(self, sf: float, q: int):
        key = (sf, q)
        if key not in self.expected:
            if sf not in self.duck:
                eng = make_engine("duckdb")
                eng.load(self.tables_for(sf))
                self.duck[sf] = eng
            self.expected[key] = self.duck[sf].query(query_sql(q))
        return self.expected[key]

    def tqp_engine(self, sf: float, device: str):
        key = (sf, device)
        if key not in self.tqp:
            tables = self.tables_for(sf)
            # Build outside the cache first: a failure is re-raised for every test that needs it.
            try:
                eng = make_engine("tqp", device=device)
                eng.load(tables)
            except Exception as e:  # noqa: BLE001 - recorded and re-raised per test
                self.tqp[key] = e
            else:
                self.tqp[key] = eng
        eng = self.tqp[key]
        if isinstance(eng, Exception):
            raise eng
        return eng

    def close(self) -> None:
        for eng in list(self.duck.values()) + list(self.tqp.values()):
            if not isinstance(eng, Exception):
                eng.close()


@pytest.fixture(scope="session")
def tpch_session():
    s = _Session()
    yield s
    s.close()


def _check(tpch_session: _Session, sf: float, device: str, q: int) -> None:
    if device == "cuda" and not _cuda_available():
        pytest.skip("CUDA is not available")
    expected = tpch_session.expected_result(sf, q)
    eng = tpch_session.tqp_engine(sf, device)
    actual = eng.query(query_sql(q))
    msg = verify_result(q, expected, actual)
    assert msg is None, f"TPC-H Q{q} sf{sf} on {device}: {msg}"
    # A second run goes through tqp's program cache: it must give the same answer.
    again = eng.query(query_sql(q))
    msg = verify_result(q, expected, again)
    assert msg is None, f"TPC-H Q{q} sf{sf} on {device}, second (cached) run: {msg}"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("q", ALL_QUERIES, ids=QUERY_IDS)
def test_tpch_sf001(tpch_session, q, device):
    _check(tpch_session, 0.01, device, q)


@pytest.mark.slow
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("q", ALL_QUERIES, ids=QUERY_IDS)
def test_tpch_sf01(tpch_session, q, device):
    _check(tpch_session, 0.1, device, q)


# ---------------------------------------------------------------- the harness itself


def test_queries_run_on_duckdb(tpch_session):
    """Every query file parses and runs on the reference, and gives rows where the spec does."""
    for q in ALL_QUERIES:
        t = tpch_session.expected_result(0.01, q)
        assert t.num_columns > 0
    # Q1 at any scale: 4 (returnflag, linestatus) groups.
    assert tpch_session.expected_result(0.01, 1).num_rows == 4


def test_loaded_types(tpch_session):
    import pyarrow as pa

    tables = tpch_session.tables_for(0.01)
    li = tables["lineitem"].schema
    assert li.field("l_extendedprice").type == pa.decimal128(15, 2)
    assert li.field("l_shipdate").type == pa.date32()
    assert li.field("l_orderkey").type == pa.int32()
    assert pa.types.is_dictionary(li.field("l_shipmode").type)
    assert tables["nation"].num_rows == 25 and tables["region"].num_rows == 5


def test_parse_query_list():
    from tpch.runner import parse_query_list

    assert parse_query_list("1-22") == list(range(1, 23))
    assert parse_query_list("1,3,5-7") == [1, 3, 5, 6, 7]
    assert parse_query_list("q2, q4") == [2, 4]
    with pytest.raises(ValueError):
        parse_query_list("0-3")


def test_compare_rules():
    import datetime as dt
    from decimal import Decimal

    import pyarrow as pa

    from tpch.verify import compare

    t = pa.table
    assert compare(t({"a": [1, 2]}), t({"b": [2, 1]}), ordered=False) is None
    assert compare(t({"a": [1, 2]}), t({"b": [2, 1]}), ordered=True) is not None
    dec = pa.array([Decimal("1.50")], pa.decimal128(15, 2))
    assert compare(t({"a": dec}), t({"a": [1.5]}), ordered=True) is None
    assert compare(t({"a": dec}), t({"a": ["1.50"]}), ordered=True) is not None
    assert compare(t({"a": [None]}), t({"a": [None]}), ordered=True) is None
    assert compare(t({"a": [None]}), t({"a": [0]}), ordered=True) is not None
    assert compare(t({"a": [dt.date(2020, 1, 1)]}), t({"a": [dt.datetime(2020, 1, 1)]}), ordered=True) is not None
    assert compare(t({"a": [1.0]}), t({"a": [1.0 + 1e-12]}), ordered=True) is None
    assert compare(t({"a": [1.0]}), t({"a": [1.0001]}), ordered=True) is not None
    e = t({"k": [2, 1, 1], "v": ["x", "a", "b"]})
    a = t({"k": [2, 1, 1], "v": ["x", "b", "a"]})
    assert compare(e, a, ordered=True) is not None
    assert compare(e, a, ordered=True, order_key_columns=[0]) is None
    assert compare(e, t({"k": [1, 1, 2], "v": ["a", "b", "x"]}), ordered=True, order_key_columns=[0]) is not None
