"""Bad input: every user mistake surfaces as the right PEP 249 exception, with a message
that names the problem, and leaves every table exactly as it was.

InternalError is tqp's class for "a bug inside tqp" (see tqp/errors.py), so a user
mistake that comes back as InternalError counts as a failure here, as does any raw
Python exception (RecursionError, KeyError, ...).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import pathlib
import subprocess
import sys
from decimal import Decimal
import signal
import string

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tpch.verify import compare

PEOPLE = pa.table({
    "id": pa.array([1, 2, 3, 4], pa.int32()),
    "name": pa.array(["ann", "bob", None, "Zoë"], pa.string()),
    "born": pa.array([dt.date(1990, 1, 1), dt.date(1969, 12, 31), None, dt.date(2000, 2, 29)], pa.date32()),
    "score": pa.array([1.5, None, -2.0, 3.25], pa.float64()),
})
PETS = pa.table({
    "id": pa.array([10, 11, 12], pa.int32()),
    "owner_id": pa.array([1, 1, 4], pa.int32()),
    "name": pa.array(["rex", "tom", "kit"], pa.string()),
})
# Values whose int64 sum overflows: the engine must be exact or refuse, never wrap.
BIG = pa.table({"x": pa.array([2**62, 2**62, 2**62, 2**62, -5], pa.int64())})
# 2000 maximal DECIMAL(15,2) values: the scaled sum (~2e21) is far past int64.
BIGDEC = pa.table({"a": pa.array([Decimal("9999999999999.99")] * 1999 + [None], pa.decimal128(15, 2))})
TABLES = {"people": PEOPLE, "pets": PETS, "big": BIG, "bigdec": BIGDEC}


@pytest.fixture(scope="module")
def econ(device, connect):
    con = connect(device)
    for name, table in TABLES.items():
        con.register(name, table)
    yield con
    try:
        con.close()
    except Exception:  # noqa: BLE001 - teardown only
        pass


@pytest.fixture(scope="module")
def educk():
    con = duckdb.connect()
    for name, table in TABLES.items():
        con.register(f"__{name}", table)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM __{name}")
        con.unregister(f"__{name}")
    yield con
    con.close()


@pytest.fixture(autouse=True)
def tables_unchanged(request):
    """After every test that used the shared connection, each table still holds its rows."""
    yield
    if "econ" not in request.fixturenames:
        return
    con = request.getfixturevalue("econ")
    for name, table in TABLES.items():
        actual = con.execute(f"SELECT * FROM {name}").fetch_arrow()
        msg = compare(table, actual, ordered=False)
        assert msg is None, f"table {name} changed after a failed statement: {msg}"


def raises(con, sql, classes, params=None, *, mentions=()):
    """Run sql, expect one of `classes` (a tqp.Error subclass), check the message names things."""
    with pytest.raises(Exception) as info:
        cur = con.execute(sql, params) if params is not None else con.execute(sql)
        cur.fetchall()
    err = info.value
    assert isinstance(err, classes), f"{sql!r}: expected {classes}, got {type(err).__module__}.{type(err).__name__}: {err}"
    text = str(err)
    assert text.strip(), f"{sql!r}: empty error message"
    for word in mentions:
        assert word.lower() in text.lower(), f"{sql!r}: message should mention {word!r}: {text}"
    return err


def user_error(tqp, err) -> bool:
    """A tqp error class a user mistake may legitimately produce (not InternalError)."""
    return isinstance(err, tqp.Error) and not isinstance(err, tqp.InternalError)


# ------------------------------------------------------------------------------------
# Malformed SQL and unknown names
# ------------------------------------------------------------------------------------

MALFORMED = [
    "SELEC 1",
    "SELECT * FROM",
    "SELECT (1",
    "SELECT 1 +",
    "SELECT * FROM people WHERE",
    "SELECT 'unterminated",
    "SELECT id FROM people ORDER",
    "SELECT id,, name FROM people",
    "SELECT * FROM people WHERE id = = 1",
    "SELECT id FROM people GROUP BY",
    "SELECT CASE WHEN id = 1 THEN 2 FROM people",
    "SELECT * FROM people JOIN pets",
]


@pytest.mark.parametrize("sql", MALFORMED)
def test_malformed_sql(econ, tqp_module, sql):
    raises(econ, sql, tqp_module.ProgrammingError)


def test_unknown_table_suggests_close_name(econ, tqp_module):
    raises(econ, "SELECT * FROM peple", tqp_module.ProgrammingError, mentions=("peple", "people"))


def test_unknown_column_suggests_close_name(econ, tqp_module):
    raises(econ, "SELECT nmae FROM people", tqp_module.ProgrammingError, mentions=("nmae", "name"))


@pytest.mark.parametrize("sql", [
    "SELECT id FROM people WHERE scroe > 1",
    "SELECT count(*) FROM people GROUP BY brn",
    "SELECT id FROM people ORDER BY idd",
    "SELECT people.id FROM people JOIN pets ON people.id = pets.ownr_id",
    "SELECT sum(scor) FROM people",
])
def test_unknown_column_anywhere(econ, tqp_module, sql):
    raises(econ, sql, tqp_module.ProgrammingError)


def test_unknown_qualified_column(econ, tqp_module):
    raises(econ, "SELECT people.owner_id FROM people", tqp_module.ProgrammingError, mentions=("owner_id",))


def test_unknown_function(econ, tqp_module):
    # An engine that implements a subset of DuckDB's functions cannot tell a misspelt name
    # from one it lacks, so NotSupportedError is as right as ProgrammingError here.
    raises(
        econ, "SELECT frobnicate(id) FROM people",
        (tqp_module.ProgrammingError, tqp_module.NotSupportedError), mentions=("frobnicate",),
    )


def test_ambiguous_column(econ, tqp_module):
    raises(
        econ, "SELECT id FROM people JOIN pets ON people.id = pets.owner_id",
        tqp_module.ProgrammingError, mentions=("id", "ambiguous"),
    )


def test_ambiguous_column_in_where(econ, tqp_module):
    raises(
        econ, "SELECT people.id FROM people, pets WHERE name = 'rex'",
        tqp_module.ProgrammingError, mentions=("name", "ambiguous"),
    )


def test_empty_statement(econ, tqp_module):
    """An empty statement either does nothing or is a ProgrammingError, never a crash."""
    for sql in ["", "   ", ";", "-- only a comment"]:
        try:
            econ.execute(sql)
        except Exception as e:  # noqa: BLE001
            assert isinstance(e, tqp_module.ProgrammingError), f"{sql!r}: {type(e).__name__}: {e}"


# ------------------------------------------------------------------------------------
# Types, casts and bad values
# ------------------------------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "SELECT name + 1 FROM people",
    "SELECT * FROM people WHERE born > 5",
    "SELECT sum(name) FROM people",
    "SELECT sum(born) FROM people",
    "SELECT born * 2 FROM people",
    "SELECT -name FROM people",
])
def test_type_mismatch(econ, tqp_module, sql):
    raises(econ, sql, tqp_module.ProgrammingError)


@pytest.mark.parametrize("sql", [
    "SELECT 'abc' + 1",
    "SELECT id FROM people WHERE id = 'abc'",
    "SELECT * FROM people WHERE name AND id",
    "SELECT * FROM people JOIN pets ON people.born = pets.id",
])
def test_implicit_conversion_failure(econ, tqp_module, sql):
    # DuckDB tries an implicit cast here and reports the failed conversion (DataError);
    # refusing the types up front (ProgrammingError) is as good.
    raises(econ, sql, (tqp_module.ProgrammingError, tqp_module.DataError))


@pytest.mark.parametrize("sql", [
    "SELECT CAST('abc' AS INTEGER)",
    "SELECT CAST('2024-02-30' AS DATE)",
    "SELECT CAST('12.3.4' AS DOUBLE)",
    "SELECT CAST(name AS INTEGER) FROM people",
    "SELECT CAST('x1' AS DECIMAL(15, 2))",
])
def test_bad_cast(econ, tqp_module, sql):
    raises(econ, sql, (tqp_module.DataError, tqp_module.ProgrammingError))


@pytest.mark.parametrize("sql", [
    "SELECT CAST(100000 AS SMALLINT)",
    "SELECT 9223372036854775807 + 1",
    "SELECT CAST(1e30 AS BIGINT)",
    "SELECT CAST(123456.789 AS DECIMAL(5, 2))",
])
def test_overflow_is_data_error(econ, tqp_module, sql):
    raises(econ, sql, tqp_module.DataError)


@pytest.mark.parametrize("sql", ["SELECT 1 // 0", "SELECT 7 % 0", "SELECT id // (id - id) FROM people"])
def test_integer_division_by_zero(econ, tqp_module, sql):
    # DuckDB refuses integer division by zero; so must tqp, never returning garbage.
    raises(econ, sql, (tqp_module.DataError, tqp_module.ProgrammingError))


@pytest.mark.parametrize("sql", [
    "SELECT sum(x) FROM big",
    "SELECT sum(x) FROM big WHERE x > 0",
    "SELECT sum(a) FROM bigdec",
    "SELECT sum(a * 10) FROM bigdec",
])
def test_sum_overflow_exact_or_refused(econ, educk, tqp_module, sql):
    """A SUM past int64 must be exact (as DuckDB's HUGEINT is) or a DataError; never wrapped."""
    expected = educk.sql(sql).to_arrow_table()
    try:
        actual = econ.execute(sql).fetch_arrow()
    except Exception as e:  # noqa: BLE001
        assert isinstance(e, tqp_module.DataError), f"{type(e).__name__}: {e}"
        return
    msg = compare(expected, actual, ordered=False, float_rtol=0)
    assert msg is None, msg


@pytest.mark.parametrize("sql", ["SELECT avg(x) FROM big", "SELECT avg(a) FROM bigdec"])
def test_avg_of_huge_values(econ, educk, tqp_module, sql):
    """AVG over values whose sum leaves int64 is still a plain DOUBLE in DuckDB: match it
    (to 1e-9) or refuse with DataError, never answer with a wrapped sum."""
    expected = educk.sql(sql).to_arrow_table()
    try:
        actual = econ.execute(sql).fetch_arrow()
    except Exception as e:  # noqa: BLE001
        assert isinstance(e, tqp_module.DataError), f"{type(e).__name__}: {e}"
        return
    msg = compare(expected, actual, ordered=False)
    assert msg is None, msg


def test_scalar_subquery_with_many_rows(econ, tqp_module):
    # DuckDB refuses a scalar subquery that yields more than one row (it never picks one).
    raises(
        econ, "SELECT (SELECT id FROM people) + 1",
        (tqp_module.ProgrammingError, tqp_module.DataError), mentions=("row",),
    )


# ------------------------------------------------------------------------------------
# Parameters
# ------------------------------------------------------------------------------------

@pytest.mark.parametrize("sql,params", [
    ("SELECT ? + 1", []),
    ("SELECT ? + 1", [1, 2]),
    ("SELECT * FROM people WHERE id = ? AND name = ?", [1]),
    ("SELECT * FROM people WHERE id = ?", [1, "extra"]),
    ("SELECT 1", [5]),
])
def test_wrong_parameter_count(econ, tqp_module, sql, params):
    raises(econ, sql, tqp_module.ProgrammingError, params)


def test_missing_parameters(econ, tqp_module):
    raises(econ, "SELECT * FROM people WHERE id = ?", tqp_module.ProgrammingError)


# ------------------------------------------------------------------------------------
# register()
# ------------------------------------------------------------------------------------

@pytest.mark.parametrize("obj", [object(), 42, [1, 2, 3], None], ids=["object", "int", "list", "none"])
def test_register_unsupported_object(econ, tqp_module, obj):
    with pytest.raises(Exception) as info:
        econ.register("bad_obj", obj)
    assert isinstance(info.value, tqp_module.ProgrammingError), f"{type(info.value).__name__}: {info.value}"
    assert str(info.value).strip()
    raises(econ, "SELECT * FROM bad_obj", tqp_module.ProgrammingError)


@pytest.mark.parametrize("path", ["/nonexistent/dir/data.parquet", "/nonexistent/dir/data.csv"])
def test_register_missing_file(econ, tqp_module, path):
    with pytest.raises(Exception) as info:
        econ.register("bad_file", path)
    assert isinstance(info.value, tqp_module.ProgrammingError), f"{type(info.value).__name__}: {info.value}"
    assert "data." in str(info.value), f"message should name the file: {info.value}"
    raises(econ, "SELECT * FROM bad_file", tqp_module.ProgrammingError)


# ------------------------------------------------------------------------------------
# Pathological sizes
# ------------------------------------------------------------------------------------

DEEP = [
    ("parens_5000", "SELECT " + "(" * 5000 + "1" + ")" * 5000, 1),
    ("plus_chain_3000", "SELECT " + "+".join(["1"] * 3000), 3000),
    ("and_chain_3000", "SELECT count(*) FROM people WHERE " + " AND ".join(["id > 0"] * 3000), 4),
    ("or_chain_3000", "SELECT count(*) FROM people WHERE " + " OR ".join(f"id = {i}" for i in range(3000)), 4),
    ("nested_case_600", "SELECT " + "CASE WHEN 1 = 1 THEN " * 600 + "7" + " END" * 600, 7),
    ("nested_subqueries_200", "SELECT x FROM " + "(SELECT x FROM " * 200 + "(SELECT 5 AS x) AS s0" + ") AS s" * 200, 5),
]


# A compiler that goes quadratic on these inputs must fail the test, not stall the
# suite: SIGALRM interrupts the (pure Python) front end after a time limit.
DEEP_TIME_LIMIT_S = 20


class _TimeLimit(BaseException):
    """BaseException, so an engine's `except Exception` wrapper cannot swallow it."""


@contextlib.contextmanager
def _time_limit(seconds):
    if not hasattr(signal, "SIGALRM"):  # no alarm on this platform: run unguarded
        yield
        return

    def on_alarm(signum, frame):
        raise _TimeLimit()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("sql,value", [pytest.param(s, v, id=n) for n, s, v in DEEP])
def test_deeply_nested_input(device, connect, tqp_module, sql, value):
    """Must succeed with the right value or raise a tqp user error, never RecursionError."""
    con = connect(device)  # a fresh connection: an interrupted statement must not leak into others
    con.register("people", PEOPLE)
    # Outcomes are judged after the except blocks, so a failure report does not chain
    # (and render) the thousands of frames of an interrupted or crashed front end.
    rows = error = None
    timed_out = False
    try:
        with _time_limit(DEEP_TIME_LIMIT_S):
            rows = con.execute(sql).fetchall()
    except _TimeLimit:
        timed_out = True
    except Exception as e:  # noqa: BLE001
        error = f"{type(e).__module__}.{type(e).__name__}: {str(e)[:300]}"
        ok = user_error(tqp_module, e)
        del e
    finally:
        con.close()
    if timed_out:
        pytest.fail(f"no answer within {DEEP_TIME_LIMIT_S}s (neither a result nor an error)")
    if error is not None:
        assert ok, error
        return
    assert rows == [(value,)]


def test_very_long_in_list(econ, tqp_module, educk):
    sql = "SELECT id FROM people WHERE id IN (" + ", ".join(str(i) for i in range(0, 20000, 3)) + ")"
    try:
        actual = econ.execute(sql).fetch_arrow()
    except Exception as e:  # noqa: BLE001
        assert user_error(tqp_module, e), f"{type(e).__name__}: {e}"
        return
    assert compare(educk.sql(sql).to_arrow_table(), actual, ordered=False) is None


# ------------------------------------------------------------------------------------
# Closed objects
# ------------------------------------------------------------------------------------

def test_closed_cursor(device, connect, tqp_module):
    con = connect(device)
    con.register("people", PEOPLE)
    cur = con.execute("SELECT * FROM people")
    cur.close()
    for op in (cur.fetchall, cur.fetchone, cur.fetch_arrow):
        with pytest.raises(tqp_module.Error):
            op()
    con.close()


def test_closed_connection(device, connect, tqp_module):
    con = connect(device)
    con.register("people", PEOPLE)
    con.close()
    with pytest.raises(tqp_module.Error) as info:
        con.execute("SELECT 1")
    assert not isinstance(info.value, tqp_module.InternalError)
    with pytest.raises(tqp_module.Error):
        con.register("more", PETS)


# ------------------------------------------------------------------------------------
# Unsupported constructs
# ------------------------------------------------------------------------------------

def test_tablesample_refused_or_supported(econ, tqp_module):
    # A sample is random, so a result cannot be compared: it must at least be a subset size.
    sql = "SELECT * FROM people TABLESAMPLE 50%"
    try:
        rows = econ.execute(sql).fetchall()
    except Exception as e:  # noqa: BLE001
        assert isinstance(e, (tqp_module.NotSupportedError, tqp_module.ProgrammingError)), f"{type(e).__name__}: {e}"
        assert "sample" in str(e).lower(), f"message should name TABLESAMPLE: {e}"
        return
    assert len(rows) <= PEOPLE.num_rows


# Constructs tqp may not implement yet.  Each must either give DuckDB's answer or be
# refused with NotSupportedError/ProgrammingError whose message names the construct.
MAYBE_UNSUPPORTED = [
    ("window_row_number", "SELECT id, row_number() OVER (ORDER BY id) FROM people", ("over", "window", "row_number")),
    ("window_sum_partition", "SELECT id, sum(score) OVER (PARTITION BY name IS NULL) FROM people", ("over", "window")),
    ("recursive_cte", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r", ("recursive",)),
    ("rollup", "SELECT name, count(*) FROM people GROUP BY ROLLUP (name)", ("rollup",)),
    ("grouping_sets", "SELECT id % 2, count(*) FROM people GROUP BY GROUPING SETS ((id % 2), ())", ("grouping",)),
    ("lateral", "SELECT p.id, x.v FROM people p, LATERAL (SELECT p.id * 2 AS v) x", ("lateral",)),
    ("string_agg", "SELECT string_agg(name, ',' ORDER BY name) FROM people", ("string_agg",)),
    ("median", "SELECT median(score) FROM people", ("median",)),
    # Correlated scalar subqueries are decorrelated for equality correlation in WHERE/SELECT;
    # these two shapes are refused by name until general decorrelation lands.
    ("correlated_non_equi_scalar",
     "SELECT p.id, (SELECT count(*) FROM people q WHERE q.id < p.id) FROM people p", ("correlated",)),
    ("correlated_in_having",
     "SELECT name, count(*) FROM people p GROUP BY name HAVING count(*) > "
     "(SELECT count(*) FROM people q WHERE q.name = p.name)", ("correlated",)),
    ("regexp", "SELECT regexp_matches(name, '^[a-b]') FROM people", ("regexp",)),
    ("list_literal", "SELECT [1, 2, 3] AS l", ("list", "array", "[1, 2, 3]")),
    ("qualify", "SELECT id FROM people QUALIFY row_number() OVER (ORDER BY id) <= 2", ("qualify", "over", "window")),
]


@pytest.mark.parametrize("sql,words", [pytest.param(s, w, id=n) for n, s, w in MAYBE_UNSUPPORTED])
def test_unsupported_or_correct(econ, educk, tqp_module, sql, words):
    try:
        actual = econ.execute(sql).fetch_arrow()
    except Exception as e:  # noqa: BLE001
        assert isinstance(e, (tqp_module.NotSupportedError, tqp_module.ProgrammingError)), f"{type(e).__name__}: {e}"
        text = str(e).lower()
        assert any(w in text for w in words), f"message should name the construct ({words}): {e}"
        return
    expected = educk.sql(sql).to_arrow_table()
    msg = compare(expected, actual, ordered="order by" in sql.lower() and "over" not in sql.lower())
    assert msg is None, msg


# ------------------------------------------------------------------------------------
# Garbage in: no raw Python exception may escape
# ------------------------------------------------------------------------------------

TOKENS = [
    "SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "HAVING", "LIMIT", "OFFSET", "DISTINCT", "AS",
    "JOIN", "LEFT JOIN", "ON", "USING", "UNION", "EXCEPT", "INTERSECT", "WITH", "AND", "OR", "NOT",
    "IN", "EXISTS", "BETWEEN", "LIKE", "IS", "NULL", "TRUE", "CASE", "WHEN", "THEN", "ELSE", "END",
    "CAST", "INTEGER", "VARCHAR", "DATE", "INTERVAL", "DAY", "people", "pets", "id", "name", "born",
    "score", "owner_id", "p", "count", "sum", "avg", "min", "max", "substring", "coalesce",
    "(", ")", ",", "*", "+", "-", "/", "//", "%", "=", "<>", "<", ">=", "||", ".", ";", "?",
    "0", "1", "-7", "2.5", "1e308", "9223372036854775808", "'a'", "''", "'2024-02-29'", "'%'", '"id"',
]


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14))
def test_token_soup_never_crashes(econ, tqp_module, tokens):
    _no_raw_exception(econ, tqp_module, " ".join(tokens))


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.text(max_size=60),
    st.text(alphabet=string.printable, max_size=60),
    st.text(alphabet=string.printable, max_size=50).map(lambda s: "SELECT " + s),
    st.text(alphabet=string.printable, max_size=40).map(lambda s: "SELECT * FROM people WHERE " + s),
))
def test_random_text_never_crashes(econ, tqp_module, text):
    _no_raw_exception(econ, tqp_module, text)


def _no_raw_exception(con, tqp, sql):
    error = None
    try:
        cur = con.execute(sql)
        cur.fetchall()
    except Exception as e:  # noqa: BLE001
        if not user_error(tqp, e):
            error = f"{sql!r} raised {type(e).__module__}.{type(e).__name__}: {str(e)[:300]}"
    assert error is None, error  # outside the except block: no chained traceback to render


def test_nesting_limit_is_a_clear_error(device, connect, tqp_module):
    """Nesting past tqp.sql.parse.MAX_DEPTH is refused before parsing (the compiled parser
    would overflow the C stack); the limit itself still parses."""
    from tqp.sql.parse import MAX_DEPTH

    con = connect(device)
    ok = "SELECT " + "(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH
    assert con.execute(ok).fetchall() == [(1,)]
    deep = "SELECT " + "CASE WHEN 1 = 1 THEN " * (MAX_DEPTH + 1) + "7" + " END" * (MAX_DEPTH + 1)
    with pytest.raises(tqp_module.ProgrammingError, match="nested too deeply"):
        con.execute(deep)


@pytest.mark.parametrize("sql,pattern", [
    ("SELEC * FROM t", 'at or near "SELEC"'),
    ("SELECT coalesce() FROM t", 'at or near "\\)"'),
    ("SELECT lenght(a) FROM t", 'did you mean "length"'),
])
def test_syntax_and_name_errors_say_where_and_what(sql, pattern):
    import tqp
    con = tqp.connect("cpu")
    con.register("t", {"a": [1]})
    with pytest.raises(tqp.ProgrammingError, match=pattern) as info:
        con.execute(sql)
    assert "sqlglot" not in str(info.value)


_OOM_SCRIPT = r"""
import os, resource
import numpy as np
import pyarrow as pa
import tqp
from tqp.exec.memory import keep_freed_memory
con = tqp.connect("cpu", threads=1, memory_limit="1000TB")  # the allocation itself must fail
n = 1_000_000
con.register("t", pa.table({"k": np.random.default_rng(1).integers(0, 10**12, n), "v": np.ones(n)}))
con.execute("SELECT k % 10 AS g, count(*) FROM t GROUP BY g").fetchall()  # warm: heap in use and kept
vms = int(open("/proc/self/statm").read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
resource.setrlimit(resource.RLIMIT_AS, (vms + 100_000_000, resource.RLIM_INFINITY))
tuned = keep_freed_memory()
def run(sql):
    try:
        return repr(con.execute(sql).fetchall())
    except tqp.Error as e:
        return type(e).__name__
print(run("SELECT count(*) FROM t a JOIN t b ON a.k % 100 = b.k % 100"))  # 10^10 pairs
print(run("SELECT k, sum(v), count(*), min(v), max(v), avg(v) FROM t GROUP BY k ORDER BY k LIMIT 1"))
print(run("SELECT count(*) FROM t"))
print(run("SELECT sum(v), count(DISTINCT k % 3) FROM t"))
print(tuned, keep_freed_memory())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and glibc malloc")
def test_out_of_memory_is_operational_and_leaves_the_connection_usable():
    """A GROUP BY too large for an address-space limit fails as OperationalError (or succeeds),
    never InternalError; afterwards the memory it held is free again, so small queries work,
    and when the host malloc tuning was in effect it has ended (tqp.exec.memory)."""
    env = {k: v for k, v in os.environ.items() if k != "TQP_HOST_MALLOC"}
    out = subprocess.run([sys.executable, "-c", _OOM_SCRIPT], env=env, capture_output=True, text=True,
                         timeout=120, cwd=pathlib.Path(__file__).resolve().parents[1])
    lines = out.stdout.split("\n")
    assert out.returncode == 0 and len(lines) >= 5, out.stderr[-2000:]
    huge, big, count, small, tuning = lines[:5]
    assert huge == "OperationalError"
    assert big == "OperationalError" or big.startswith("[("), big
    assert count == "[(1000000,)]"
    assert small == "[(1000000.0, 3)]"
    assert tuning in ("True False", "False False")  # the first failure ended the tuning


# ------------------------------------------------------------------------------------
# Values tqp cannot hold: refused with the right class, naming what is wrong
# ------------------------------------------------------------------------------------

def _bad_utf8(kind):
    import numpy as np
    offsets = np.array([0, 2], dtype=np.int64 if kind == "large" else np.int32).tobytes()
    arr = pa.Array.from_buffers(pa.large_string() if kind == "large" else pa.string(), 1,
                                [None, pa.py_buffer(offsets), pa.py_buffer(b"\xff\xfe")])
    if kind == "dictionary":
        return pa.DictionaryArray.from_arrays(pa.array([0, 0], pa.int32()), arr)
    if kind == "cast":
        return pa.array([b"ok", b"\xff\xfe"], pa.binary()).cast(pa.string(), safe=False)
    return arr


@pytest.mark.parametrize("kind", ["string", "large", "dictionary", "cast"])
def test_invalid_utf8_refused_at_register(econ, tqp_module, kind):
    with pytest.raises(tqp_module.DataError, match='column "s".*UTF-8'):
        econ.register("bad_text", pa.table({"s": _bad_utf8(kind)}))
    with pytest.raises(tqp_module.ProgrammingError):
        econ.execute("SELECT * FROM bad_text")


@pytest.mark.parametrize("sql,params", [
    ("SELECT ?", ["\ud800"]),
    ("SELECT name FROM people WHERE name = ?", ["a\udfffb"]),
    ("SELECT '\ud800'", None),
])
def test_lone_surrogate_is_data_error(econ, tqp_module, sql, params):
    with pytest.raises(tqp_module.DataError, match="surrogate"):
        econ.execute(sql, params)


@pytest.mark.parametrize("sql", [
    "SELECT DATE '9999-12-31' + INTERVAL 1 DAY",
    "SELECT DATE '9999-12-31' + 1",
    "SELECT DATE '0001-01-01' - 1",
    "SELECT DATE '9999-12-31' + INTERVAL 1 MONTH",
    "SELECT TIMESTAMP '9999-12-31 23:00:00' + INTERVAL 1 HOUR",
    "SELECT born + 3000000 FROM people",
    "SELECT DATE '2000-01-01' + 2147483647",
])
def test_dates_past_year_9999_are_data_errors(econ, tqp_module, sql):
    with pytest.raises(tqp_module.DataError, match="out of range"):
        econ.execute(sql).fetchall()


def test_dates_at_the_edges_of_the_range(econ, educk):
    sql = ("SELECT DATE '9999-12-30' + 1, DATE '0001-01-02' - 1, "
           "TIMESTAMP '9999-12-31 22:00:00' + INTERVAL 1 HOUR, max(born) + 1 FROM people")
    assert econ.execute(sql).fetchall() == educk.execute(sql).fetchall()


@pytest.mark.parametrize("raised", [
    RuntimeError("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: "
                 "you tried to allocate 32000000 bytes. Error code 12 (Cannot allocate memory)"),
    RuntimeError("std::bad_alloc"),
    MemoryError(),
])
def test_host_out_of_memory_is_operational(econ, tqp_module, monkeypatch, raised):
    import tqp.engine as engine

    def fail(*args, **kwargs):
        raise raised
    monkeypatch.setattr(engine.Engine, "_query", fail)
    monkeypatch.setattr(engine, "give_back_memory", lambda: False)  # keep this process's malloc as it is
    with pytest.raises(tqp_module.OperationalError, match="out of host memory"):
        econ.execute("SELECT 1")
    from tqp.dbapi import _translate
    assert isinstance(_translate(raised, "reading"), tqp_module.OperationalError)


@pytest.mark.parametrize("arr", [pa.array([0, 3_000_000], pa.date32()),
                                 pa.array([0, -800_000], pa.date32()),
                                 pa.array([0, 300_000_000_000_000_000], pa.timestamp("us"))],
                         ids=["date_after_9999", "date_before_1", "timestamp_after_9999"])
def test_dates_past_year_9999_refused_at_register(econ, tqp_module, arr):
    with pytest.raises(tqp_module.DataError, match='column "c".*out of range'):
        econ.register("far", pa.table({"c": arr}))


@pytest.mark.parametrize("sql, kind, words", [
    ("SELECT id FROM people LIMIT 101 PERCENT", "DataError", ("percent", "100")),
    ("SELECT id FROM people LIMIT 'x' PERCENT", "ProgrammingError", ("percent",)),
    ("SELECT id FROM people ORDER BY id LIMIT 2 WITH TIES", "NotSupportedError", ("with ties",)),
    ("SELECT {'a': 1}[1]", "ProgrammingError", ("integer key", "unnamed")),
])
def test_limit_percent_and_subscript_errors(econ, tqp_module, sql, kind, words):
    raises(econ, sql, getattr(tqp_module, kind), mentions=words)
