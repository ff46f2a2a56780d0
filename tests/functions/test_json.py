"""JSON functions against DuckDB's json extension: paths (JSONPath, pointers, keys, #-k),
-> and ->>, types, lengths, validity, building JSON, NULLs and malformed documents."""
import pytest

from tests.differential.pair import assert_same, connect_pair

DOCS = ['{"name": "ann", "tags": ["x", "y"], "n": 3, "f": 2.50, "o": {"k": null, "d": {"e": "é"}}}',
        '{"name": "bob", "tags": [], "n": -7, "f": 1e300}', '[1, [2, 3], {"a": true}]', '"just text"', '12', 'null',
        '{"a b": 1, "n": 18446744073709551615}']


@pytest.fixture(scope="module")
def pair():
    rows = ", ".join("('" + d.replace("'", "''") + "')" for d in DOCS)
    return connect_pair(["CREATE TABLE j (doc VARCHAR)", f"INSERT INTO j VALUES {rows}, (NULL)"])


@pytest.mark.parametrize("sql", [
    "SELECT doc, doc -> 'name', doc ->> 'name', doc -> '$.tags[1]', doc ->> '$.tags[#-1]', doc -> '/o/d/e' FROM j",
    "SELECT doc, json_extract(doc, '$.o.k'), json_extract_string(doc, '$.o.k'), json_extract(doc, '$[1][0]'), "
    "json_extract(doc, '$.\"a b\"') FROM j",
    "SELECT doc, json_type(doc), json_type(doc, '$.n'), json_type(doc, '$.f'), json_type(doc, '$.tags') FROM j",
    "SELECT doc, json_array_length(doc), json_array_length(doc, '$.tags'), json_exists(doc, '$.n'), "
    "json_value(doc, '$.n'), json_value(doc, '$.tags') FROM j",
    "SELECT doc, json_valid(doc), json(doc), doc::JSON FROM j",
    "SELECT doc ->> 'name' AS who, count(*) FROM j GROUP BY who",
    "SELECT doc FROM j WHERE (doc ->> 'name') = 'bob' OR (doc -> 'tags') = '[]'",
    "SELECT json_type(doc -> 'n'), json_array_length(doc -> 'tags') FROM j",
    "SELECT to_json('x'), to_json(1.5), to_json(NULL), to_json(true), to_json(42), json_quote('a\"b')",
    "SELECT json_object('a', 1, 'b', 'x', 'c', NULL), json_array(1, 'x', NULL, 2.5), json_array()",
])
def test_json_matches_duckdb(pair, sql):
    assert_same(*pair, sql)


def test_malformed_document_is_an_error_only_where_read():
    t, d = connect_pair(["CREATE TABLE m (ok BOOLEAN, doc VARCHAR)", "INSERT INTO m VALUES (true, '{\"a\": 1}'), (false, 'not json')"])
    assert_same(t, d, "SELECT doc -> 'a' FROM m WHERE ok")
    assert_same(t, d, "SELECT json_valid(doc) FROM m")
    for con in (t, d):
        with pytest.raises(Exception, match="Malformed JSON"):
            con.execute("SELECT doc -> 'a' FROM m").fetchall()
