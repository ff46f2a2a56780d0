"""Strings cast to integers as DuckDB reads them, and quantiles over dates, timestamps and
intervals (exact to the microsecond), against DuckDB."""
import random

import pytest

from tests.differential.pair import assert_same, connect_pair

TEXTS = ["42", " 7 ", "4.5", "-4.5", "2.5", "4.7", "1e2", "1.5e1", ".5", "5.", "0x1F", "1_000", "+3",
         "abc", "1e400", "nan", "inf", "", "-0x10", "9223372036854775807", "9223372036854775808"]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("to", ["SMALLINT", "INTEGER", "BIGINT"])
def test_string_to_integer(text, to):
    t, d = connect_pair()
    sql = f"SELECT CAST('{text}' AS {to})"
    try:
        want = d.execute(sql).fetchall()
    except Exception:
        with pytest.raises(Exception):
            t.execute(sql).fetchall()
        return
    assert t.execute(sql).fetchall() == want


def test_string_column_to_integer():
    t, d = connect_pair(["CREATE TABLE s (x VARCHAR)", "INSERT INTO s VALUES ('4.5'), ('1e2'), (' 3 '), (NULL), ('-2.5')"])
    assert_same(t, d, "SELECT x, CAST(x AS BIGINT), TRY_CAST(x AS SMALLINT) FROM s")


@pytest.fixture(scope="module")
def times():
    rng = random.Random(11)
    rows = ", ".join(
        f"({rng.randint(0, 5)}, DATE '2024-01-01' + {rng.randint(0, 400)}, TIMESTAMP '2024-01-01 00:00:00' + "
        f"INTERVAL {rng.randint(0, 10**9)} SECOND + INTERVAL {rng.randint(0, 999_999)} MICROSECOND, {k})"
        for k in range(300))
    return connect_pair(["CREATE TABLE q (g INTEGER, dt DATE, ts TIMESTAMP, k INTEGER)", f"INSERT INTO q VALUES {rows}",
                         "INSERT INTO q VALUES (6, NULL, NULL, 1000), (7, DATE '2024-01-01', TIMESTAMP '2024-01-01 00:00:00', 1001)"])


@pytest.mark.parametrize("sql", [
    "SELECT g, median(dt), median(ts), quantile_cont(dt, 0.3), quantile_cont(ts, 0.77) FROM q GROUP BY g",
    "SELECT median(dt), quantile_cont(ts, [0.1, 0.5, 0.93]), median(ts - TIMESTAMP '2024-01-01 00:00:00') FROM q",
    "SELECT g, k, median(ts) OVER (PARTITION BY g), quantile_cont(ts, 0.41) OVER (PARTITION BY g ORDER BY k ROWS 3 PRECEDING) FROM q",
    "SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY ts) FROM q",
])
def test_temporal_quantiles(times, sql):
    assert_same(*times, sql)
