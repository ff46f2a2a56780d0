"""The per-batch expression memo tells slots apart by the constants they read (TPC-H Q19 with
fresh parameters gave wrong sums: two equal brands when planned, different ones later)."""
import tqp


def test_equal_constants_stay_apart_for_the_next_statement_of_the_shape():
    con = tqp.connect()
    con.execute("CREATE TABLE t (b VARCHAR, x INTEGER)")
    con.execute("INSERT INTO t VALUES ('a', 1), ('b', 2), ('c', 3), ('z', 0)")
    q = "SELECT count(*) FROM t WHERE (b = '{}' AND x >= 0) OR (b = '{}' AND x > 0) OR (b = '{}' AND x > 1)"
    assert con.execute(q.format("z", "a", "a")).fetchall() == [(2,)]
    assert con.execute(q.format("z", "a", "c")).fetchall() == [(3,)]
    assert con.execute(q.format("y", "c", "c")).fetchall() == [(1,)]
