"""Programs cached by statement shape: the same statement with other constants re-uses the
compiled program (literals and parameters are slots read at run time), and every answer is
still the one DuckDB gives for those constants. Pinned constants (LIMIT, type parameters,
ordinals, ...) give their own programs."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

# (template, constants): each constant is put into the template and checked against DuckDB,
# on one connection, so later ones run on the program planned for the first.
SHAPES = [
    ("int_compare", "SELECT id, i32 FROM t WHERE i32 > {}", ["5", "-7", "0", "50", "2147483647"]),
    ("bigint_after_int", "SELECT count(*) FROM t WHERE i64 > {}", ["5", "900000000000", "-900000000000", "7"]),
    ("decimal_between", "SELECT count(*), sum(m) FROM t WHERE m BETWEEN {} - 0.01 AND {} + 0.01",
     [("0.06", "0.06"), ("99.50", "-99.50"), ("12345.67", "23456.78")]),
    ("decimal_scale_changes", "SELECT id, m * {} AS p FROM t WHERE id < 20", ["0.5", "1.25", "3", "0.001"]),
    ("double", "SELECT count(*) FROM t WHERE d < {}", ["1e2", "-3.5e1", "0.0"]),
    ("string_eq", "SELECT id FROM t WHERE s_lo = {}", ["'apple'", "''", "'banana'", "'nope'", "'apple'"]),
    ("string_ne_and_lt", "SELECT count(*) FROM t WHERE s_lo <> {} AND s_hi < {}", [("'apple'", "'m'"), ("'x'", "'B'")]),
    ("date_literal", "SELECT count(*) FROM t WHERE dt >= DATE {}", ["'1994-01-01'", "'2000-02-29'", "'1900-01-01'"]),
    ("date_plus_interval", "SELECT count(*) FROM t WHERE dt >= DATE {} AND dt < DATE {} + INTERVAL '1' YEAR",
     [("'1994-01-01'", "'1994-01-01'"), ("'1996-03-01'", "'1996-03-01'"), ("'1990-01-01'", "'2010-06-15'")]),
    ("interval_amount", "SELECT count(*) FROM t WHERE dt <= DATE '2000-12-01' - INTERVAL {} DAY",
     ["'90'", "'61'", "'3000'"]),
    ("interval_text_with_unit", "SELECT count(*) FROM t WHERE dt < DATE '1990-06-30' + INTERVAL {}",
     ["'1 year'", "'3 months'", "'400 days'", "'2 weeks'"]),
    ("interval_number_amount", "SELECT count(*) FROM t WHERE dt > DATE '1990-06-30' - INTERVAL {} MONTH", ["3", "120"]),
    ("string_against_date", "SELECT count(*) FROM t WHERE dt < {}", ["'1950-05-05'", "'2020-01-01'"]),
    ("timestamp_midnight_or_not", "SELECT count(*) FROM t WHERE dt >= TIMESTAMP {}",
     ["'2000-01-01 00:00:00'", "'2000-01-01 12:00:00'", "'1999-12-31 00:00:00'", "'1999-12-31 23:59:59'"]),
    ("in_list", "SELECT id FROM t WHERE i32 IN ({})", ["1, 2, 3", "4, 5, 6", "-50, 50", "7"]),
    ("in_strings", "SELECT count(*) FROM t WHERE s_lo IN ({})", ["'apple', 'banana'", "'cherry', ''", "'zzz'"]),
    ("like", "SELECT count(*) FROM t WHERE s_hi LIKE {}", ["'%a%'", "'b%'", "'%_%'", "'%é'"]),
    ("case", "SELECT id, CASE WHEN i32 > {} THEN 'big' ELSE 'small' END AS c FROM t WHERE id < 40", ["0", "10", "-10"]),
    ("arith_select_aliased", "SELECT id, i32 + {} AS x, d * {} AS y FROM t WHERE id <= 30",
     [("10", "0.5"), ("-3", "2"), ("0", "1.5")]),
    ("arith_select_unaliased", "SELECT id, i32 + {} FROM t WHERE id <= 30", ["1", "2", "300"]),
    ("constant_select", "SELECT {}", ["1", "2", "'x'", "1.5"]),
    ("negative", "SELECT count(*) FROM t WHERE i16 > -{}", ["5", "250"]),
    ("substr_args", "SELECT id, substr(s_hi, {}, {}) AS s FROM t WHERE id < 30", [("1", "2"), ("2", "3"), ("1", "1")]),
    ("repeated_constant", "SELECT count(*) FROM t WHERE i32 > {} OR i32 > {}", [("5", "5"), ("5", "40"), ("30", "30")]),
    ("group_by_expression", "SELECT g + {} AS k, count(*) FROM t GROUP BY g + {}", [("1", "1"), ("7", "7")]),
    ("having", "SELECT g, count(*) FROM t GROUP BY g HAVING count(*) > {}", ["90", "100", "0"]),
    ("limit", "SELECT id FROM t ORDER BY id LIMIT {}", ["3", "5", "0"]),
    ("limit_offset", "SELECT id FROM t ORDER BY id LIMIT {} OFFSET {}", [("3", "2"), ("4", "10")]),
    ("order_by_ordinal", "SELECT id, i32 FROM t WHERE id < 30 ORDER BY {}, 1", ["2", "1"]),
    ("group_by_ordinal", "SELECT g, i32 > 0 AS pos, count(*) FROM t GROUP BY {}, 2", ["1"]),
    ("decimal_type_parameters", "SELECT id, CAST(m AS DECIMAL({}, {})) AS c FROM t WHERE id < 30", [("18", "1"), ("12", "3")]),
    ("subquery_constant", "SELECT count(*) FROM t WHERE i32 > (SELECT avg(i32) + {} FROM t)", ["0", "10", "-5"]),
    ("cte_and_join", "WITH f AS (SELECT * FROM fact WHERE qty > {}) SELECT d.cat, count(*) FROM f JOIN dim d ON f.fk = d.dk "
     "WHERE d.cat <> {} GROUP BY d.cat", [("10", "'A'"), ("40", "'B'")]),
    ("date_part_name", "SELECT date_part({}, dt) AS p, count(*) FROM t GROUP BY 1", ["'year'", "'month'", "'day'"]),
]


def _fill(template: str, value) -> str:
    return template.format(*(value if isinstance(value, tuple) else (value,) * template.count("{}")))


@pytest.mark.parametrize("template,values", [pytest.param(t, v, id=n) for n, t, v in SHAPES])
def test_one_shape_many_constants(check, template, values):
    for v in values:
        check(_fill(template, v))


PARAMS = [
    ("int_then_other_types", "SELECT id, i32 FROM t WHERE i32 = ?", [[7], [-3], [7.0], [Decimal("7.5")], [None], ["7"]]),
    ("string", "SELECT count(*) FROM t WHERE s_lo = ?", [["apple"], [""], ["banana"], [None]]),
    ("date", "SELECT count(*) FROM t WHERE dt < ?", [[dt.date(1950, 1, 1)], [dt.date(2020, 2, 29)], [dt.datetime(2000, 1, 1, 12)]]),
    ("like", "SELECT count(*) FROM t WHERE s_hi LIKE ?", [["%a%"], ["b%"], ["%"]]),
    ("in_list", "SELECT id FROM t WHERE i32 IN (?, ?, ?)", [[1, -1, 50], [2, 3, 4], [None, 5, 6]]),
    ("limit", "SELECT id FROM t ORDER BY id LIMIT ?", [[3], [7]]),
    ("params_and_literals", "SELECT count(*) FROM t WHERE i32 > ? AND i16 < 100 AND s_lo <> ?", [[1, "apple"], [-10, "banana"]]),
]


@pytest.mark.parametrize("sql,runs", [pytest.param(s, r, id=n) for n, s, r in PARAMS])
def test_parameters_of_one_statement(check, sql, runs):
    for params in runs:
        check(sql, params)


@pytest.fixture()
def counted(tqp_module, monkeypatch):
    """same(sql, params) on a fresh connection: tqp's rows and column names are DuckDB's; and
    how often statements were parsed and bound there."""
    import duckdb
    import tqp.engine as engine
    calls = {"parse": 0, "bind": 0}
    parse, bind = engine.parse, engine.Binder.bind_query

    def counting_parse(*args, **kwargs):
        calls["parse"] += 1
        return parse(*args, **kwargs)

    def counting_bind(self, *args, **kwargs):
        calls["bind"] += 1
        return bind(self, *args, **kwargs)
    monkeypatch.setattr(engine, "parse", counting_parse)
    monkeypatch.setattr(engine.Binder, "bind_query", counting_bind)
    con, duck = tqp_module.connect(), duckdb.connect()

    def register(table: pa.Table) -> None:
        con.register("t", table)
        duck.register("t_arrow", table)
        duck.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM t_arrow")
        duck.unregister("t_arrow")

    def same(sql: str, params=None) -> list:
        cur = con.execute(sql, params) if params is not None else con.execute(sql)
        got = cur.fetchall()
        want = duck.execute(sql, params).fetchall() if params is not None else duck.execute(sql).fetchall()
        ordered = "ORDER BY" in sql.upper()
        assert (got if ordered else sorted(got, key=repr)) == (want if ordered else sorted(want, key=repr)), sql
        return got

    register(pa.table({"x": [1, 2, 3, 4, 5], "s": ["a", "b", "c", "a", "b"],
                       "d": pa.array([0, 100, 200, 300, 400], pa.int32()).cast(pa.date32())}))
    yield same, calls, register, con
    con.close()
    duck.close()


def test_new_constants_do_not_parse_or_bind_again(counted):
    same, calls, _, _ = counted
    sql = "SELECT count(*), sum(x) FROM t WHERE x > {} AND s <> '{}' AND d < DATE '{}' + INTERVAL '1' MONTH"
    same(sql.format(1, "a", "1970-08-01"))
    assert calls == {"parse": 1, "bind": 1}
    for x, s, d in [(0, "c", "1971-01-01"), (3, "zz", "1970-01-01"), (4, "b", "1970-05-01")]:
        same(sql.format(x, s, d))
    params_sql = "select COUNT(*), sum(x) from t where x > ? and s <> ? and d < ?"
    for params in [[0, "b", dt.date(1971, 1, 1)], [2, "a", dt.date(1970, 9, 1)], [-5, "", dt.date(1970, 1, 1)]]:
        same(params_sql, params)
    assert calls == {"parse": 2, "bind": 2}


def test_pinned_constants_plan_again(counted):
    same, calls, _, _ = counted
    for n in (1, 3, 2, 3):
        same(f"SELECT x FROM t ORDER BY x LIMIT {n}")
    assert calls["bind"] == 3  # LIMIT 3 the second time runs the program planned for it
    for p, s in [(10, 2), (4, 1), (10, 2)]:
        same(f"SELECT CAST(x / 3 AS DECIMAL({p}, {s})) AS c FROM t")
    assert calls["bind"] == 5


def test_names_follow_the_constants(counted, tqp_module):
    _, _, _, con = counted
    import duckdb
    for sql in ["SELECT x + 1 FROM t WHERE x = 1", "SELECT x + 2 FROM t WHERE x = 1", "SELECT 'a', 7", "SELECT 'b', 8",
                "SELECT * FROM (SELECT x * 2 FROM t)", "SELECT * FROM (SELECT x * 3 FROM t)"]:
        names = [d[0] for d in con.execute(sql).description]
        expected = [d[0] for d in duckdb.sql(sql.replace("FROM t", "FROM (SELECT 1 AS x) AS t")).description]
        assert names == expected, sql


def test_bad_constant_on_a_cached_shape_is_a_data_error(counted, tqp_module):
    same, _, _, con = counted
    sql = "SELECT count(*) FROM t WHERE d >= DATE '{}'"
    same(sql.format("1970-04-11"))
    with pytest.raises(tqp_module.DataError):
        con.execute(sql.format("1970-13-45"))
    same(sql.format("1970-08-11"))


@pytest.mark.parametrize("template,values", [
    ("SELECT TRY_CAST({} AS INTEGER) AS v FROM t", ["'12'", "'abc'", "'7'"]),
    ("SELECT CAST({} AS INTEGER) AS v FROM t WHERE x < 0", ["'12'", "'abc'"]),
    ("SELECT count(*) FROM t WHERE x < 0 AND x > CAST({} AS INTEGER)", ["'1'", "'abc'"]),
    ("SELECT count(*) FROM t WHERE x < 0 AND d > DATE {} + INTERVAL '1' DAY", ["'1970-01-01'", "'1970-02-30'"]),
], ids=["try_cast", "bad_cast_no_rows", "bad_cast_unreached", "bad_date_unreached"])
def test_values_that_do_not_convert_on_a_cached_shape(counted, template, values):
    same, _, _, _ = counted
    for v in values:
        same(template.format(v))


def test_group_by_must_still_match_the_select_list(counted, tqp_module):
    same, _, _, con = counted
    same("SELECT x + 1 AS k, count(*) FROM t GROUP BY x + 1")
    with pytest.raises(tqp_module.ProgrammingError, match="GROUP BY"):
        con.execute("SELECT x + 1 AS k, count(*) FROM t GROUP BY x + 2")
    same("SELECT x + 5 AS k, count(*) FROM t GROUP BY x + 5")


def test_catalog_change_plans_again(counted):
    same, calls, register, _ = counted
    same("SELECT count(*) FROM t WHERE x > 2")
    register(pa.table({"x": [10, 20]}))
    same("SELECT count(*) FROM t WHERE x > 15")
    assert calls["bind"] == 2
