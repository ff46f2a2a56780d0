"""UUID against DuckDB: text forms, casts, ordering by the unsigned 128-bit value, grouping,
joins, aggregates, CASE / COALESCE / IN, uuid() / gen_random_uuid(), tables, Arrow in (arrow.uuid)
and out (text, as DuckDB exports it by default), and parameters bound to uuid.UUID."""
from __future__ import annotations

import random
import uuid

import duckdb
import pyarrow as pa
import pytest

import tqp

if not hasattr(pa, "uuid"):
    pytest.skip("Arrow's uuid type needs pyarrow 18", allow_module_level=True)


def _table() -> pa.Table:
    rng = random.Random(3)
    edges = [0, 2**128 - 1, 2**127 - 1, 2**127, 2**64 - 1, 2**64, 1]
    ints = edges + [rng.getrandbits(128) for _ in range(80)] + [rng.choice(edges) for _ in range(20)]
    ints = [None if i % 9 == 4 else v for i, v in enumerate(ints)]
    raw = [None if v is None else v.to_bytes(16, "big") for v in ints]
    texts = ["{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}", "a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
             "00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "not a uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
             " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]
    return pa.table({
        "id": pa.array(range(len(ints)), pa.int32()),
        "u": pa.array(raw, pa.uuid()),
        "v": pa.array(list(reversed(raw)), pa.uuid()),
        "s": pa.array([texts[i % len(texts)] if i % 11 else None for i in range(len(ints))]),
        "g": pa.array([i % 5 for i in range(len(ints))], pa.int32()),
    })


@pytest.fixture(scope="module")
def cons():
    table = _table()
    t, d = tqp.connect(), duckdb.connect()
    t.register("ut", table)
    d.register("__ut", table)
    d.execute("CREATE TABLE ut AS SELECT * FROM __ut")
    assert d.execute("SELECT typeof(u) FROM ut LIMIT 1").fetchone() == ("UUID",)
    yield t, d
    t.close()
    d.close()


def compare(cons, sql, params=None):
    t, d = cons
    assert t.execute(sql, params).fetchall() == d.execute(sql, params).fetchall(), sql


CONSTANTS = [
    "CAST('{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}' AS UUID)", "typeof(CAST('a0eebc999c0b4ef8bb6d6bb9bd380a11' AS UUID))",
    "CAST(CAST('a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11' AS UUID) AS VARCHAR)", "TRY_CAST('xyz' AS UUID)",
    "TRY_CAST('{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' AS UUID)", "TRY_CAST(' a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' AS UUID)",
    "CAST('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' AS UUID) = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'",
    "CAST('80000000-0000-0000-0000-000000000000' AS UUID) > '7fffffff-ffff-ffff-ffff-ffffffffffff'",
    "CAST('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' AS UUID) || '!'", "CAST(NULL AS UUID)",
    "typeof(uuid()), typeof(gen_random_uuid()), uuid() = uuid(), uuid() IS NULL",
    "typeof(uuidv4()), typeof(uuidv7()), uuid_extract_version(uuidv7()), uuid_extract_version(uuidv4())",
    "uuid_extract_version('a0eebc99-9c0b-0ef8-bb6d-6bb9bd380a11'), uuid_extract_version(NULL::UUID)",
    "uuid_extract_timestamp(CAST('01890a5d-ac96-774b-bcce-b302099a8057' AS UUID))",
    "uuid_extract_timestamp(uuidv7()) > now() - INTERVAL 1 HOUR", "typeof(localtime), localtime = current_localtime()",
]


@pytest.mark.parametrize("expr", CONSTANTS)
def test_constants(cons, expr):
    compare(cons, f"SELECT {expr}")


QUERIES = [
    "SELECT id, u, v, CAST(u AS VARCHAR), typeof(u) FROM ut ORDER BY id",
    "SELECT u FROM ut ORDER BY u, id", "SELECT u FROM ut ORDER BY u DESC NULLS FIRST, id",
    "SELECT u, count(*) FROM ut GROUP BY u ORDER BY u", "SELECT DISTINCT v FROM ut ORDER BY v",
    "SELECT min(u), max(u), count(u), count(DISTINCT u), min(v), max(v) FROM ut",
    "SELECT g, min(u), max(v), arg_min(id, u), first(u ORDER BY id) FROM ut GROUP BY g ORDER BY g",
    "SELECT id, u < v, u = v, u >= v, u <> '00000000-0000-0000-0000-000000000001' FROM ut ORDER BY id",
    "SELECT a.id, b.id FROM ut a JOIN ut b ON a.u = b.v ORDER BY 1, 2",
    "SELECT id FROM ut WHERE u IN ('ffffffff-ffff-ffff-ffff-ffffffffffff', '00000000-0000-0000-0000-000000000000') ORDER BY id",
    "SELECT id FROM ut WHERE u BETWEEN '40000000-0000-0000-0000-000000000000' AND '90000000-0000-0000-0000-000000000000' ORDER BY id",
    "SELECT id, CASE WHEN g = 0 THEN u ELSE v END, COALESCE(u, v, '00000000-0000-0000-0000-000000000000') FROM ut ORDER BY id",
    "SELECT id, TRY_CAST(s AS UUID), CAST(TRY_CAST(s AS UUID) AS VARCHAR) FROM ut ORDER BY id",
    "SELECT u FROM ut UNION SELECT v FROM ut ORDER BY 1", "SELECT id, uuid_extract_version(u) FROM ut ORDER BY id",
    "SELECT count(DISTINCT uuidv7()), min(uuid_extract_version(uuidv7())) FROM range(500)",
    "SELECT g, list(u ORDER BY id), {'first': min(u), 'all': list(v ORDER BY id)} FROM ut GROUP BY g ORDER BY g",
    "SELECT id, row_number() OVER (PARTITION BY g ORDER BY u, id) FROM ut ORDER BY id",
    "SELECT count(DISTINCT uuid()), count(DISTINCT gen_random_uuid()::VARCHAR), "
    "bool_and(regexp_full_match(uuid()::VARCHAR, '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}')) "
    "FROM range(2000)",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_queries(cons, sql):
    compare(cons, sql)


def test_parameters_and_tables(cons):
    t, d = cons
    for value in (uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")):
        compare(cons, "SELECT ?, typeof(?), CAST(? AS VARCHAR)", [value] * 3)
        compare(cons, "SELECT id FROM ut WHERE u > ? ORDER BY id", [value])
    for con in (t, d):
        con.execute("CREATE TABLE keys (k UUID PRIMARY KEY, n INTEGER)")
        con.execute("INSERT INTO keys VALUES ('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 1), (?, 2)",
                    [uuid.UUID(int=7)])
        con.execute("UPDATE keys SET n = n * 10 WHERE k > '10000000-0000-0000-0000-000000000000'")
    compare(cons, "SELECT k, n FROM keys ORDER BY n")
    compare(cons, "DESCRIBE keys")
    for con in (t, d):
        with pytest.raises((tqp.IntegrityError, duckdb.ConstraintException)):
            con.execute("INSERT INTO keys VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 4)")
    compare(cons, "SELECT count(*) FROM keys")
    for con in (t, d):
        con.execute("DROP TABLE keys")


def test_arrow(cons):
    t, d = cons
    mine = t.execute("SELECT u, v FROM ut ORDER BY id").arrow()
    theirs = d.sql("SELECT u, v FROM ut ORDER BY id").to_arrow_table()
    assert mine.schema.types == theirs.schema.types == [pa.string(), pa.string()]
    assert mine.equals(theirs)
    assert t.execute("SELECT u FROM ut").description[0][1] == "UUID"
    sql = "SELECT id, u FROM ut ORDER BY id"
    assert t.execute(sql).df()["u"].tolist() == d.execute(sql).df()["u"].tolist()
    assert t.execute(sql).fetchnumpy()["u"].tolist() == d.execute(sql).fetchnumpy()["u"].tolist()


ERRORS = [
    ("SELECT CAST('xyz' AS UUID)", tqp.DataError), ("SELECT CAST(s AS UUID) FROM ut", tqp.DataError),
    ("SELECT CAST(u AS BIGINT) FROM ut", tqp.ProgrammingError), ("SELECT length(u) FROM ut", tqp.ProgrammingError),
    ("SELECT u = 1 FROM ut", tqp.ProgrammingError), ("SELECT u = 'nope' FROM ut", tqp.DataError),
    ("SELECT sum(u) FROM ut", tqp.ProgrammingError), ("SELECT uuid_extract_timestamp(uuidv4())", tqp.DataError),
    ("SELECT uuid_extract_version(1)", tqp.ProgrammingError),
]


@pytest.mark.parametrize("sql, error", ERRORS)
def test_errors(cons, sql, error):
    t, d = cons
    with pytest.raises(duckdb.Error):
        d.execute(sql).fetchall()
    with pytest.raises(error):
        t.execute(sql).fetchall()


def test_parquet(cons, tmp_path):
    """DuckDB writes a UUID column as parquet's UUID logical type; tqp reads it back as UUID."""
    t, d = cons
    path = tmp_path / "u.parquet"
    d.execute(f"COPY (SELECT id, u FROM ut) TO '{path}' (FORMAT parquet)")
    compare(cons, f"SELECT id, u, typeof(u) FROM read_parquet('{path}') ORDER BY id")


def test_volatile_defaults_differ_per_row(cons):
    """DEFAULT gen_random_uuid() / random() give each inserted row its own value, as in DuckDB."""
    t, d = cons
    for con in (t, d):
        con.execute("CREATE TABLE ids (id UUID DEFAULT gen_random_uuid(), r DOUBLE DEFAULT random(), s VARCHAR, k INT DEFAULT 7)")
        con.execute("INSERT INTO ids (s) VALUES ('a'), ('b'), ('c')")
        con.execute("INSERT INTO ids (s) SELECT 'z' WHERE false")
        con.execute("INSERT INTO ids (s) VALUES ('d')")
    compare(cons, "SELECT count(DISTINCT id), count(DISTINCT r), count(*), min(k), typeof(min(id)) FROM ids")
    for con in (t, d):
        con.execute("DROP TABLE ids")


def test_parquet_written_by_tqp(cons, tmp_path):
    """tqp writes UUID columns as parquet's UUID type too: DuckDB reads them back as UUID."""
    t, d = cons
    path = tmp_path / "mine.parquet"
    t.execute(f"COPY (SELECT id, u, v FROM ut WHERE id > 2) TO '{path}' (FORMAT parquet)")
    want = d.execute("SELECT id, u, v, typeof(u) FROM ut WHERE id > 2 ORDER BY id").fetchall()
    assert d.execute(f"SELECT id, u, v, typeof(u) FROM read_parquet('{path}') ORDER BY id").fetchall() == want


def test_csv(cons, tmp_path):
    """UUIDs (and TIMEs in DuckDB's text forms) in CSV: a column declared UUID reads as UUID, COPY FROM
    into UUID and TIME columns, COPY TO."""
    t, d = cons
    path = tmp_path / "u.csv"
    path.write_text("u,t\nA0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11,10:11:12.5\n,24:00:00\n{00000000-0000-0000-0000-000000000001},1:2:3+02\n")
    compare(cons, f"SELECT u, t, typeof(u), typeof(t) FROM read_csv('{path}', types={{'u': 'UUID', 't': 'TIME'}})")
    compare(cons, f"SELECT u, typeof(u) FROM read_csv('{path}', columns={{'u': 'UUID', 't': 'VARCHAR'}}, header=true)")
    for con in (t, d):
        con.execute("CREATE TABLE k (u UUID, t TIME)")
        con.execute(f"COPY k FROM '{path}' (HEADER)")
    compare(cons, "SELECT u, t FROM k ORDER BY u NULLS FIRST")
    written = {}
    for name, con in (("tqp", t), ("duckdb", d)):
        out = tmp_path / f"{name}.csv"
        con.execute(f"COPY (SELECT * FROM k ORDER BY u NULLS FIRST) TO '{out}'")
        written[name] = out.read_text()
        con.execute("DROP TABLE k")
    assert written["tqp"] == written["duckdb"]
