"""read_parquet / read_csv / read_json and FROM 'file' give DuckDB's rows and types over the same files."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tqp


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A folder of parquet, csv and json files; the tests run from inside it."""
    d = tmp_path_factory.mktemp("files")
    people = pa.table({
        "id": pa.array([1, 2, 3, 4], pa.int32()),
        "name": ["ann", None, "cé", ""],
        "score": [1.5, None, -2.25, 0.0],
        "price": pa.array([Decimal("1.10"), Decimal("-3.05"), None, Decimal("0.00")], pa.decimal128(9, 2)),
        "born": pa.array([dt.date(2000, 1, 2), None, dt.date(1969, 12, 31), dt.date(2024, 2, 29)]),
        "seen": pa.array([dt.datetime(2020, 1, 1, 10, 0, 0, 500000), None, dt.datetime(1999, 12, 31, 23, 59, 59),
                          dt.datetime(2024, 2, 29)], pa.timestamp("us")),
        "ok": [True, False, None, True],
    })
    pq.write_table(people, d / "people.parquet")
    pq.write_table(people.slice(0, 2), d / "part1.parquet")
    pq.write_table(people.slice(2), d / "part2.parquet")
    pq.write_table(pa.table({"id": pa.array([9], pa.int32()), "extra": ["x"]}), d / "other.parquet")
    for year, month, rows in [(2020, "jan", [1, 2]), (2020, "feb", [3]), (2021, "jan", [4, 5, 6])]:
        folder = d / "hive" / f"year={year}" / f"month={month}"
        folder.mkdir(parents=True)
        pq.write_table(pa.table({"v": rows}), folder / "data.parquet")
    (d / "plain.csv").write_text('a,b,c,d,e\n1,x,2020-01-01,1.5,2020-01-01 10:00:00\n2,"y,z",,2.5,\n3,,2021-12-31,,2021-12-31 23:59:59\n')
    (d / "noheader.csv").write_text("1;2.5;x\n3;4.5;y\n")
    (d / "text.csv").write_text("k,v\nx,y\nz,w\n")
    (d / "pipe.csv").write_text("a|b\n1|q\n2|r\n")
    (d / "tabs.tsv").write_text("a\tb\n1\tq\n2\tr\n")
    with gzip.open(d / "zipped.csv.gz", "wt") as f:
        f.write("a,b\n1,x\n2,y\n")
    rows = [{"a": 1, "s": "x", "d": "2020-01-01", "t": "2020-01-01 10:00:00", "f": 1.5},
            {"a": 2, "s": None, "d": "2020-01-02", "t": None, "f": None}]
    (d / "lines.json").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (d / "array.json").write_text(json.dumps(rows))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(d)
        yield d


@pytest.fixture
def cons(data, device):
    con = tqp.connect(device)
    yield con, duckdb.connect()
    con.close()


QUERIES = [
    "SELECT * FROM 'people.parquet' ORDER BY id",
    "SELECT * FROM read_parquet('people.parquet') WHERE score > 0 OR name IS NULL ORDER BY id",
    "SELECT count(*) AS n, sum(price) AS p, min(born) AS b, max(seen) AS s FROM read_parquet('part*.parquet')",
    "SELECT * FROM read_parquet(['part2.parquet', 'part1.parquet'])",
    "SELECT p.name, q.id FROM 'people.parquet' p JOIN read_parquet('part2.parquet') q ON p.id = q.id ORDER BY 2",
    "SELECT people.id FROM 'people.parquet' ORDER BY 1",  # the file's stem names the table
    "SELECT * FROM 'hive/*/*/*.parquet' ORDER BY v",
    "SELECT year, month, max(v) AS v FROM read_parquet('hive/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY ALL",
    "SELECT * FROM read_parquet('hive/*/*/*.parquet', hive_partitioning = false) ORDER BY v",
    "SELECT * FROM read_parquet('hive/year=2020/*/*.parquet') WHERE month = 'jan'",
    "SELECT * FROM read_parquet(['people.parquet', 'other.parquet'], union_by_name = true) ORDER BY id",
    "SELECT * FROM 'plain.csv' ORDER BY a",
    "SELECT * FROM read_csv('plain.csv', header = true, columns = {'a': 'BIGINT', 'b': 'VARCHAR', 'c': 'VARCHAR', 'd': 'DOUBLE', 'e': 'TIMESTAMP'}) ORDER BY a",
    "SELECT * FROM read_csv('noheader.csv') ORDER BY 1",
    "SELECT * FROM read_csv_auto('noheader.csv', header = false, delim = ';') ORDER BY 1",
    "SELECT * FROM read_csv('noheader.csv', names = ['x', 'y', 'z']) ORDER BY 1",
    "SELECT * FROM read_csv('text.csv')",
    "SELECT * FROM 'pipe.csv' ORDER BY a",
    "SELECT * FROM 'tabs.tsv' ORDER BY a",
    "SELECT * FROM 'zipped.csv.gz' ORDER BY a",
    "SELECT * FROM read_csv('plain.csv', all_varchar = true) ORDER BY a",
    "SELECT * FROM 'lines.json' ORDER BY a",
    "SELECT * FROM read_json('array.json') ORDER BY a",
    "SELECT * FROM read_json_auto('lines.json', format = 'newline_delimited') WHERE d > DATE '2020-01-01'",
    "WITH x AS (SELECT * FROM 'people.parquet') SELECT count(*) AS n FROM x, (SELECT * FROM 'plain.csv') y",
    "SELECT id FROM 'people.parquet' WHERE id IN (SELECT a FROM 'plain.csv') ORDER BY id",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_rows_and_types_match_duckdb(cons, sql):
    con, duck = cons
    got = con.execute(sql)
    want = duck.execute(sql)
    assert got.fetchall() == want.fetchall()
    described = f"DESCRIBE {sql}"
    assert [r[:2] for r in con.execute(described).fetchall()] == [r[:2] for r in duck.execute(described).fetchall()]


def test_changed_files_are_read_again(data, cons, tmp_path):
    con, _ = cons
    path = tmp_path / "live.csv"
    path.write_text("a\n1\n2\n")
    sql = f"SELECT sum(a) FROM '{path}'"
    assert con.execute(sql).fetchall() == [(3,)]
    path.write_text("a\n10\n20\n30\n")
    assert con.execute(sql).fetchall() == [(60,)]  # the cached program reads the new rows
    path.write_text("a,b\nx,y\n")
    with pytest.raises(tqp.OperationalError, match="changed"):
        con.execute(f"SELECT * FROM '{path}'")  # planned for one BIGINT column: refused, not misread
    assert con.execute(f"SELECT * FROM '{path}'").fetchall() == [("x", "y")]


def test_views_and_inserts_read_files(cons):
    con, duck = cons
    for c in (con, duck):
        c.execute("CREATE VIEW pv AS SELECT id, name FROM 'people.parquet'")
        c.execute("CREATE TABLE copy_of AS SELECT * FROM read_csv('plain.csv')")
        c.execute("INSERT INTO copy_of SELECT * FROM 'plain.csv' WHERE a > 1")
    for sql in ("SELECT * FROM pv ORDER BY id", "SELECT * FROM copy_of ORDER BY a, b"):
        assert con.execute(sql).fetchall() == duck.execute(sql).fetchall()


@pytest.mark.parametrize("sql, error, text", [
    ("SELECT * FROM 'missing.parquet'", tqp.ProgrammingError, "no files found"),
    ("SELECT * FROM read_parquet('nothing*.parquet')", tqp.ProgrammingError, "no files found"),
    ("SELECT * FROM read_csv('plain.csv', delimiter_typo = ',')", tqp.ProgrammingError, "no option"),
    ("SELECT * FROM read_csv('plain.csv', header = a)", tqp.ProgrammingError, "constant"),
    ("SELECT * FROM read_parquet('plain.csv')", tqp.DataError, "parquet"),
    ("SELECT * FROM read_parquet(1)", tqp.ProgrammingError, "path"),
    ("SELECT * FROM read_parquet('a.parquet', 'b.parquet')", tqp.ProgrammingError, "one path"),
    ("SELECT * FROM read_parquet('s3://bucket/x.parquet')", tqp.NotSupportedError, "local files"),
    ("SELECT * FROM json_each(1)", tqp.NotSupportedError, "table function"),
])
def test_bad_file_sources_fail_clearly(cons, sql, error, text):
    con, _ = cons
    with pytest.raises(error, match=text):
        con.execute(sql)
    assert con.execute("SELECT 1").fetchall() == [(1,)]


def test_a_table_named_like_a_file_wins(cons):
    con, _ = cons
    con.execute('CREATE TABLE "people.parquet" (x INTEGER)')
    assert con.execute("SELECT * FROM 'people.parquet'").fetchall() == []
