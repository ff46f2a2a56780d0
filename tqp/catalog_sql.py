"""SQL statements about the catalog and files: DESCRIBE, SHOW TABLES, information_schema,
ALTER TABLE, CREATE TEMP TABLE / CREATE SCHEMA, COPY, EXPORT and IMPORT DATABASE. Column names
and values follow DuckDB's.

>>> import tqp
>>> con = tqp.connect("cpu")
>>> _ = con.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, s VARCHAR)")
>>> con.execute("DESCRIBE t").fetchall()
[('a', 'INTEGER', 'NO', 'PRI', None, None), ('s', 'VARCHAR', 'YES', None, None, None)]
>>> con.execute("SELECT table_name, data_type FROM information_schema.columns WHERE column_name = 's'").fetchall()
[('t', 'VARCHAR')]
"""
from __future__ import annotations

import os
import re
from dataclasses import replace

import pyarrow as pa
from sqlglot import exp

from . import types as T
from .catalog import Catalog, StoredTable
from .errors import Error, NotSupportedError, ProgrammingError
from .io import files
from .sql.scope import suggest

INFO_PREFIX = "#info:"  # catalog keys of the information_schema views
_EXPORT = re.compile(r"^\s*(EXPORT|IMPORT)\s+DATABASE\s+'((?:[^']|'')*)'\s*(?:\((.*)\))?\s*;?\s*$",
                     re.IGNORECASE | re.DOTALL)

_COMMENT_NULL = re.compile(r"^\s*(COMMENT\s+ON\s+.*\s+IS\s+)NULL\s*;?\s*$", re.IGNORECASE | re.DOTALL)
_TABLES_COLUMNS = ["table_catalog", "table_schema", "table_name", "table_type", "self_referencing_column_name",
                   "reference_generation", "user_defined_type_catalog", "user_defined_type_schema",
                   "user_defined_type_name", "is_insertable_into", "is_typed", "commit_action", "TABLE_COMMENT"]
_INT_COLUMNS = {"ordinal_position", "character_maximum_length", "character_octet_length", "numeric_precision",
                "numeric_precision_radix", "numeric_scale", "datetime_precision", "interval_precision"}
_BOOL_COLUMNS = {"is_self_referencing", "is_identity", "identity_cycle", "is_updatable"}
_COLUMNS_COLUMNS = ["table_catalog", "table_schema", "table_name", "column_name", "ordinal_position",
                    "column_default", "is_nullable", "data_type", "character_maximum_length",
                    "character_octet_length", "numeric_precision", "numeric_precision_radix", "numeric_scale",
                    "datetime_precision", "interval_type", "interval_precision", "character_set_catalog",
                    "character_set_schema", "character_set_name", "collation_catalog", "collation_schema",
                    "collation_name", "domain_catalog", "domain_schema", "domain_name", "udt_catalog",
                    "udt_schema", "udt_name", "scope_catalog", "scope_schema", "scope_name",
                    "maximum_cardinality", "dtd_identifier", "is_self_referencing", "is_identity",
                    "identity_generation", "identity_start", "identity_increment", "identity_maximum",
                    "identity_minimum", "identity_cycle", "is_generated", "generation_expression",
                    "is_updatable", "COLUMN_COMMENT"]
_SCHEMATA_COLUMNS = ["catalog_name", "schema_name", "schema_owner", "default_character_set_catalog",
                     "default_character_set_schema", "default_character_set_name", "sql_path"]
_PRECISION = {"SMALLINT": 16, "INTEGER": 32, "BIGINT": 64, "REAL": 24, "DOUBLE": 53}


_KEYWORDS = {exp.CurrentTimestamp: "current_timestamp", exp.CurrentDate: "current_date", exp.CurrentTime: "current_time"}


def duck_sql(e: exp.Expression) -> str:
    """An expression as DuckDB's catalog shows it (a column's DEFAULT): every binary operation
    in parentheses, function names and keywords in lower case.

    >>> duck_sql(exp.maybe_parse("(1 + 2) * ABS(-3) + CURRENT_DATE", dialect="duckdb"))
    '(((1 + 2) * abs(-3)) + current_date)'
    """
    e = e.copy().transform(lambda n: n.this if isinstance(n, exp.Paren) else
                           exp.var(str(n.this).lower()) if isinstance(n, exp.Boolean) else
                           exp.var(_KEYWORDS[type(n)]) if type(n) in _KEYWORDS else n)
    for node in reversed(list(e.find_all(exp.Binary))):  # innermost first
        wrapped = exp.Paren(this=node.copy())
        if node is e:
            e = wrapped
        else:
            node.replace(wrapped)
    return e.sql("duckdb", normalize_functions="lower")


def type_name(t: T.SqlType) -> str:
    """A type as DuckDB names it (REAL is FLOAT there)."""
    return None if t is None else "FLOAT" if t.kind == "REAL" else '"NULL"' if t.kind == "NULL" else str(t)


# ---------------------------------------------------------------------------- information_schema

def info_source(node: exp.Table):
    """(key, alias) for information_schema.tables / columns / schemata and sqlite_master
    (which pandas' DB-API fallback reads), else None."""
    if node.db.lower() == "information_schema":
        name = node.name.lower()
        known = ["tables", "columns", "schemata", "views", "table_constraints", "key_column_usage"]
        if name not in known:
            raise ProgrammingError(f'table "information_schema.{node.name}" not found' + suggest(name, known))
        return INFO_PREFIX + name, name
    return None


def catalog_function(fn: exp.Func):
    """(key, alias) for FROM duckdb_tables() and the other DuckDB catalog table functions, and
    pragma_table_info('t'), else None."""
    name = (fn.name if isinstance(fn, exp.Anonymous) else "").lower()
    if name not in _CATALOG_FUNCTIONS:
        return None
    args = [files.constant(a, name) for a in fn.expressions]
    if name == "pragma_table_info":
        if len(args) != 1 or not isinstance(args[0], str):
            raise ProgrammingError("pragma_table_info() takes a table's name as a string")
        return INFO_PREFIX + "table_info:" + args[0], name
    if args:
        raise ProgrammingError(f"{name}() takes no arguments")
    return INFO_PREFIX + name, name


def sqlite_master_source(name: str):
    return (INFO_PREFIX + "sqlite_master", "sqlite_master") if name.lower() in ("sqlite_master", "sqlite_schema") else None


def _relations(catalog: Catalog):
    """(name, names, types, StoredTable or None) of every table and view, by name."""
    from .sql.binder import Binder
    out = []
    for name in catalog.names():
        obj = catalog.lookup(name)
        if isinstance(obj, StoredTable):
            shown = len(obj.names) - obj.hidden
            out.append((name, obj.names[:shown], obj.types[:shown], obj))
        else:
            try:
                plan, names = Binder(catalog, []).bind_query(obj[0].copy())
                types = [t for _, t in plan.schema]
            except Error:  # a view over a table since dropped or renamed: listed, its types unknown
                names, types = obj[1], [None] * len(obj[1] or ())
            out.append((name, list(obj[1] or names), types, None))
    return out


def info_table(catalog: Catalog, key: str) -> StoredTable:
    from .io.arrow import from_arrow
    import torch

    what = key[len(INFO_PREFIX):]
    rows = []
    if what == "schemata":
        rows = [dict(catalog_name=c, schema_name=s, schema_owner="duckdb") for c, s in
                [("memory", "main"), ("system", "information_schema"), ("system", "main"),
                 ("system", "pg_catalog"), ("temp", "main")] + [("memory", s) for s in catalog.schemas.values()]]
        columns = _SCHEMATA_COLUMNS
    elif what == "sqlite_master":
        columns = ["type", "name", "tbl_name", "rootpage", "sql"]
        rows = [dict(type="table" if stored is not None else "view", name=name, tbl_name=name, rootpage=0,
                     sql=create_sql(name, stored) if stored is not None else None)
                for name, names, types, stored in _relations(catalog)]
    for name, names, types, stored in _relations(catalog) if what in ("tables", "columns") else ():
        temp = name in catalog.temporary
        schema, bare = catalog.schema_of(name)
        where = dict(table_catalog="temp" if temp else "memory", table_schema=catalog.schemas.get(schema, schema),
                     table_name=bare)
        if what == "tables":
            rows.append(where | dict(table_type="VIEW" if stored is None else "LOCAL TEMPORARY" if temp else "BASE TABLE",
                                     is_insertable_into="NO" if stored is None else "YES", is_typed="NO",
                                     commit_action="PRESERVE" if temp else None))
            continue
        for i, (column, t) in enumerate(zip(names, types)):
            if t is None:
                break  # a view that no longer binds: its columns are unknown
            default = stored.defaults[i] if stored is not None and stored.defaults else None
            numeric = t.is_numeric
            rows.append(where | dict(
                column_name=column, ordinal_position=i + 1,
                column_default=duck_sql(default) if default is not None else None,
                is_nullable="NO" if stored is not None and i in stored.not_null else "YES",
                data_type=type_name(t), numeric_precision=t.precision if t.is_decimal else _PRECISION.get(t.kind),
                numeric_precision_radix=(10 if t.is_decimal else 2) if numeric else None,
                numeric_scale=t.scale if t.is_decimal else 0 if numeric else None,
                **_generation_info(stored, i, t)))
    if what == "tables":
        columns = _TABLES_COLUMNS
    elif what == "columns":
        columns = _COLUMNS_COLUMNS
    if what in _CATALOG_FUNCTIONS or what.startswith("table_info:") or what in _INFO_VIEWS or what == "views":
        rows, schema = _catalog_rows(catalog, what)
    else:
        schema = pa.schema([(c, pa.int32() if c in _INT_COLUMNS or c == "rootpage" else pa.int64()
                             if c == "maximum_cardinality" else pa.bool_() if c in _BOOL_COLUMNS else pa.string())
                            for c in columns])
    # one entry per table or column: catalog-sized
    table = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
    cols = from_arrow(table, catalog.device or torch.device("cpu"))
    return StoredTable(table.column_names, [c.type for c in cols], cols, table.num_rows)


_S, _I, _I32, _B = pa.string(), pa.int64(), pa.int32(), pa.bool_()
_TAGS = ("tags", pa.map_(pa.string(), pa.string()))
_WHERE = [("database_name", _S), ("database_oid", _I), ("schema_name", _S), ("schema_oid", _I)]
_CATALOG_FUNCTIONS = {
    "duckdb_tables": _WHERE + [("table_name", _S), ("table_oid", _I), ("comment", _S), _TAGS, ("internal", _B),
                               ("temporary", _B), ("has_primary_key", _B), ("estimated_size", _I),
                               ("column_count", _I), ("index_count", _I), ("check_constraint_count", _I), ("sql", _S)],
    "duckdb_columns": _WHERE + [("table_name", _S), ("table_oid", _I), ("column_name", _S), ("column_index", _I32),
                                ("comment", _S), ("internal", _B), ("column_default", _S), ("is_nullable", _B),
                                ("data_type", _S), ("data_type_id", _I), ("character_maximum_length", _I32),
                                ("numeric_precision", _I32), ("numeric_precision_radix", _I32),
                                ("numeric_scale", _I32), _TAGS, ("is_generated", _B), ("generation_expression", _S)],
    "duckdb_views": _WHERE + [("view_name", _S), ("view_oid", _I), ("comment", _S), _TAGS, ("internal", _B),
                              ("temporary", _B), ("column_count", _I), ("sql", _S), ("is_bound", _B)],
    "duckdb_schemas": [("oid", _I), ("database_name", _S), ("database_oid", _I), ("schema_name", _S),
                       ("comment", _S), _TAGS, ("internal", _B), ("sql", _S)],
    "duckdb_sequences": _WHERE + [("sequence_name", _S), ("sequence_oid", _I), ("comment", _S), _TAGS,
                                  ("temporary", _B), ("start_value", _I), ("min_value", _I), ("max_value", _I),
                                  ("increment_by", _I), ("cycle", _B), ("last_value", _I), ("sql", _S)],
    "duckdb_indexes": _WHERE + [("index_name", _S), ("index_oid", _I), ("table_name", _S), ("table_oid", _I),
                                ("comment", _S), _TAGS, ("is_unique", _B), ("is_primary", _B), ("expressions", _S),
                                ("sql", _S)],
    "duckdb_databases": [("database_name", _S), ("database_oid", _I), ("path", _S), ("comment", _S), _TAGS,
                         ("internal", _B), ("type", _S), ("readonly", _B), ("encrypted", _B), ("cipher", _S)],
    "duckdb_constraints": _WHERE + [("table_name", _S), ("table_oid", _I), ("constraint_index", _I),
                                    ("constraint_type", _S), ("constraint_text", _S), ("expression", _S),
                                    ("constraint_column_indexes", pa.list_(_I)),
                                    ("constraint_column_names", pa.list_(_S)), ("constraint_name", _S),
                                    ("referenced_table", _S), ("referenced_column_names", pa.list_(_S))],
    "pragma_table_info": [("cid", _I32), ("name", _S), ("type", _S), ("notnull", _B), ("dflt_value", _S), ("pk", _B)],
}
_IN_SCHEMA = [("constraint_catalog", _S), ("constraint_schema", _S), ("constraint_name", _S), ("table_catalog", _S),
              ("table_schema", _S), ("table_name", _S)]
_INFO_VIEWS = {
    "table_constraints": _IN_SCHEMA + [("constraint_type", _S), ("is_deferrable", _S), ("initially_deferred", _S),
                                       ("enforced", _S), ("nulls_distinct", _S)],
    "key_column_usage": _IN_SCHEMA + [("column_name", _S), ("ordinal_position", _I),
                                      ("position_in_unique_constraint", _I)],
}
_VIEWS_COLUMNS = [("table_catalog", _S), ("table_schema", _S), ("table_name", _S), ("view_definition", _S),
                  ("check_option", _S), ("is_updatable", _S), ("is_insertable_into", _S),
                  ("is_trigger_updatable", _S), ("is_trigger_deletable", _S), ("is_trigger_insertable_into", _S)]


def _catalog_rows(catalog: Catalog, what: str):
    """(rows as dicts, Arrow schema) of a DuckDB catalog function or information_schema.views."""
    if what.startswith("table_info:"):
        name = what.split(":", 1)[1]
        key = catalog.key_of(exp.to_table(name))
        table = catalog.lookup(key)
        if table is None:
            raise ProgrammingError(f'table "{name}" does not exist' + suggest(key, catalog.names()))
        rows = [dict(cid=i, name=n, type=t, notnull=null == "NO", dflt_value=default, pk=k == "PRI")
                for i, (n, t, null, k, default) in enumerate(_column_rows(catalog, table))]
        return rows, pa.schema(_CATALOG_FUNCTIONS["pragma_table_info"])
    comments = catalog.comments
    rows = []
    relations = _relations(catalog) if what in ("duckdb_tables", "duckdb_columns", "duckdb_views", "views") else ()
    for oid, (key, names, types, stored) in enumerate(relations):
        schema, bare = catalog.schema_of(key)
        temp = key in catalog.temporary
        where = dict(database_name="temp" if temp else "memory", schema_name=catalog.schemas.get(schema, schema),
                     internal=False, temporary=temp, tags=[])
        if what == "duckdb_tables" and stored is not None:
            rows.append(where | dict(
                table_name=bare, table_oid=oid, comment=comments.get(key), has_primary_key=any(k.primary for k in stored.keys),
                estimated_size=stored.num_rows, column_count=len(names), check_constraint_count=len(stored.checks),
                index_count=len(stored.keys) + sum(ix.table == key and not ix.unique for ix in catalog.indexes.values()),
                sql=create_sql(catalog.table_node(key), stored) + ";"))
        elif what == "duckdb_views" and stored is None:
            rows.append(where | dict(view_name=bare, view_oid=oid, comment=comments.get(key), column_count=len(names),
                                     sql=_view_sql(catalog, key), is_bound=types[:1] != [None]))
        elif what == "views" and stored is None:
            rows.append(dict(table_catalog=where["database_name"], table_schema=where["schema_name"], table_name=bare,
                             view_definition=_view_sql(catalog, key), check_option="NONE", is_updatable="NO",
                             is_insertable_into="NO", is_trigger_updatable="NO", is_trigger_deletable="NO",
                             is_trigger_insertable_into="NO"))
        elif what == "duckdb_columns" and types[:1] != [None]:
            for i, (n, t, null, _, default) in enumerate(_column_rows(catalog, stored or catalog.views[key])):
                typ = types[i]
                rows.append(where | dict(
                    table_name=bare, table_oid=oid, column_name=n, column_index=i + 1,
                    comment=comments.get((key, n.lower())), column_default=default, is_nullable=null == "YES",
                    data_type=t, numeric_precision=typ.precision if typ.is_decimal else _PRECISION.get(typ.kind),
                    numeric_precision_radix=(10 if typ.is_decimal else 2) if typ.is_numeric else None,
                    numeric_scale=typ.scale if typ.is_decimal else 0 if typ.is_numeric else None,
                    is_generated=False))
    if what == "duckdb_schemas":
        rows = [dict(oid=i, database_name="memory", database_oid=0, schema_name=name, internal=name == "main", tags=[],
                     sql=None if name == "main" else f"CREATE SCHEMA {name};")
                for i, name in enumerate(["main"] + sorted(catalog.schemas.values()))]
    elif what == "duckdb_sequences":
        for oid, (key, seq) in enumerate(sorted(catalog.sequences.items())):
            schema, bare = catalog.schema_of(key)
            rows.append(dict(
                database_name="memory", schema_name=catalog.schemas.get(schema, schema), sequence_name=bare,
                sequence_oid=oid, comment=comments.get(key), tags=[], temporary=False, start_value=seq.start,
                min_value=seq.minvalue, max_value=seq.maxvalue, increment_by=seq.increment, cycle=seq.cycle,
                last_value=seq.current(),
                sql=f"CREATE SEQUENCE {bare} INCREMENT BY {seq.increment} MINVALUE {seq.minvalue} MAXVALUE "
                    f"{seq.maxvalue} START {seq.start} {'' if seq.cycle else 'NO '}CYCLE;"))
    elif what == "duckdb_indexes":
        for oid, ix in enumerate(catalog.indexes.values()):
            schema, bare = catalog.schema_of(ix.table)
            rows.append(dict(database_name="memory", schema_name=catalog.schemas.get(schema, schema), index_name=ix.name,
                             index_oid=oid, table_name=bare, tags=[], is_unique=ix.unique, is_primary=False))
    elif what == "duckdb_databases":
        rows = [dict(database_name=n, database_oid=i, internal=n != "memory", type="duckdb", readonly=False,
                     encrypted=False, tags=[]) for i, n in enumerate(("memory", "system", "temp"))]
    elif what in ("duckdb_constraints", "table_constraints", "key_column_usage"):
        rows = _constraint_rows(catalog, what)
    return rows, pa.schema(_VIEWS_COLUMNS if what == "views" else _INFO_VIEWS.get(what) or _CATALOG_FUNCTIONS[what])


def _constraints(catalog: Catalog, table: StoredTable):
    """(type, column positions, text, expression) of a table's constraints, as DuckDB lists them."""
    names = table.names
    out = []
    for k in table.keys:
        if k.index is None:
            cols = ", ".join(names[c] for c in k.columns)
            kind = "PRIMARY KEY" if k.primary else "UNIQUE"
            out.append((kind, list(k.columns), f"{kind}({cols})", None, None, []))
    lower = [n.lower() for n in names]
    for check in table.checks:
        used = sorted({lower.index(c.name.lower()) for c in check.find_all(exp.Column) if c.name.lower() in lower})
        out.append(("CHECK", used, f"CHECK({duck_sql(check)})", duck_sql(check), None, []))
    primary = {c for k in table.keys if k.primary for c in k.columns}
    order = sorted(table.not_null - primary) + sorted(table.not_null & primary)
    out += [("NOT NULL", [i], "NOT NULL", None, None, []) for i in order]
    for fk in table.foreign:
        _, parent = catalog.schema_of(fk.table)
        parent_table = catalog.tables.get(fk.table)
        parent_names = [parent_table.names[c] for c in fk.parent_columns] if parent_table is not None else []
        out.append(("FOREIGN KEY", list(fk.columns), f"FOREIGN KEY ({', '.join(names[c] for c in fk.columns)}) "
                    f"REFERENCES {parent}({', '.join(parent_names)})", None, parent, parent_names))
    return out


def _constraint_rows(catalog: Catalog, what: str) -> list[dict]:
    rows = []
    suffix = {"PRIMARY KEY": "pkey", "UNIQUE": "key", "CHECK": "check", "NOT NULL": "not_null", "FOREIGN KEY": "fkey"}
    for oid, key in enumerate(sorted(k for k in catalog.tables if not k.startswith("#"))):
        table = catalog.tables[key]
        schema, bare = catalog.schema_of(key)
        place = dict(table_name=bare, table_schema=catalog.schemas.get(schema, schema), table_catalog="memory")
        for i, (kind, cols, text, expression, parent, parent_names) in enumerate(_constraints(catalog, table)):
            name = "_".join([bare] + [table.names[c] for c in cols] + [suffix[kind]])
            at = place | dict(constraint_catalog="memory", constraint_schema=place["table_schema"], constraint_name=name)
            if what == "duckdb_constraints":
                rows.append(dict(database_name="memory", schema_name=place["table_schema"], table_name=bare, table_oid=oid,
                                 constraint_index=i, constraint_type=kind, constraint_text=text, expression=expression,
                                 constraint_column_indexes=cols, constraint_column_names=[table.names[c] for c in cols],
                                 constraint_name=name, referenced_table=parent, referenced_column_names=parent_names))
            elif what == "table_constraints":
                rows.append(at | dict(constraint_type="CHECK" if kind == "NOT NULL" else kind, is_deferrable="NO",
                                      initially_deferred="NO", enforced="YES", nulls_distinct="YES"))
            elif kind in ("PRIMARY KEY", "UNIQUE", "FOREIGN KEY"):
                rows += [at | dict(column_name=table.names[c], ordinal_position=j + 1) for j, c in enumerate(cols)]
    return rows


def _view_sql(catalog, key) -> str:
    query, names = catalog.views[key]
    return f"CREATE VIEW {catalog.table_node(key).sql('duckdb')} AS {query.sql('duckdb')};"


def _origin(rel, i: int):
    """(table key, column position) when output column i of a bound plan is a stored column
    passed through unchanged (projections, filters, sorts, inner joins), else None."""
    from .plan import nodes as P
    while True:
        if isinstance(rel, P.Scan):
            return rel.table, rel.source_index[i] if rel.source_index else i
        if isinstance(rel, P.Project):
            e = rel.exprs[i]
            if not isinstance(e, P.ColRef):
                return None
            rel, i = rel.input, e.index
        elif isinstance(rel, (P.Filter, P.Sort, P.Limit, P.Distinct)):
            rel = rel.input
        elif isinstance(rel, P.Join) and rel.kind in ("inner", "cross", "semi", "anti"):
            width = len(rel.left.schema)
            rel, i = (rel.left, i) if i < width else (rel.right, i - width)
        else:
            return None


def _column_rows(catalog, table):
    """DESCRIBE's (name, type, null, key, default) of each column of a StoredTable, or of a
    view's query."""
    if not isinstance(table, StoredTable):
        from .sql.binder import Binder
        plan, names = Binder(catalog, []).bind_query(table[0].copy())
        return [(n, type_name(t), "YES", None, None) for n, (_, t) in zip(table[1] or names, plan.schema)]
    shown = len(table.names) - table.hidden
    primary = {c for k in table.keys if k.primary for c in k.columns}
    unique = {k.columns[0] for k in table.keys if not k.primary and len(k.columns) == 1 and k.index is None}
    return [(n, type_name(t), "NO" if i in table.not_null else "YES",
             "PRI" if i in primary else "UNI" if i in unique else None,
             duck_sql(table.defaults[i]) if table.defaults and table.defaults[i] is not None else None)
            for i, (n, t) in enumerate(zip(table.names[:shown], table.types[:shown]))]


def _generation_info(stored, i: int, t) -> dict:
    formula = stored.generated[i] if stored is not None and stored.generated else None
    if formula is None:
        return dict(is_generated="NEVER")
    return dict(is_generated="ALWAYS", generation_expression=f"CAST({duck_sql(formula)} AS {type_name(t)})")


def create_sql(name, table: StoredTable) -> str:
    """CREATE TABLE that makes an empty `table` again, constraints included; `name` is a
    bare name or an exp.Table."""
    items = []
    for i, (n, t) in enumerate(zip(table.names, table.types)):
        item = f"{_quote(n)} {t}"
        if i in table.not_null and not any(k.primary and i in k.columns for k in table.keys):
            item += " NOT NULL"
        if table.defaults and table.defaults[i] is not None:
            item += f" DEFAULT {table.defaults[i].sql('duckdb')}"
        if table.generated and table.generated[i] is not None:
            item += f" GENERATED ALWAYS AS ({table.generated[i].sql('duckdb')})"
        items.append(item)
    for k in table.keys:
        if k.index is None:
            cols = ", ".join(_quote(table.names[c]) for c in k.columns)
            items.append(f"{'PRIMARY KEY' if k.primary else 'UNIQUE'} ({cols})")
    items += [f"CHECK ({c.sql('duckdb')})" for c in table.checks]
    for fk in table.foreign:
        items.append(f"FOREIGN KEY ({', '.join(_quote(table.names[c]) for c in fk.columns)}) REFERENCES "
                     f"{'.'.join(_quote(part) for part in fk.table.split('.'))}"
                     f"({', '.join(_quote(n) for n in fk.parent_names)})")
    target = name.sql("duckdb") if isinstance(name, exp.Table) else _quote(name)
    return f"CREATE TABLE {target} ({', '.join(items)})"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------------------- statements

def run_text(engine, body: str):
    """EXPORT / IMPORT DATABASE 'dir' [(options)] and COMMENT ON ... IS NULL, which sqlglot does
    not parse; else None."""
    m = _COMMENT_NULL.match(body)
    if m is not None:  # the same statement with a string, read by sqlglot, then the comment removed
        from .sql.parse import parse
        stmt = parse(m.group(1) + "''")[0]
        stmt.set("expression", exp.null())
        return _comment(engine, stmt)
    m = _EXPORT.match(body)
    if m is None:
        return None
    from .settings import active
    directory = m.group(2).replace("''", "'")
    options = _text_options(m.group(3) or "")
    with active(engine.settings):
        return (_export if m.group(1).upper() == "EXPORT" else _import)(engine, directory, options)


def run(engine, stmt, params):
    """The Result of a catalog or file statement, or None when `stmt` is none of these."""
    if isinstance(stmt, exp.Pragma) and isinstance(stmt.this, (exp.Anonymous, exp.Column)) \
            and stmt.this.name.lower() in _PRAGMAS:
        return _pragma(engine, stmt.this)
    if isinstance(stmt, exp.Command) and stmt.this.upper() == "SHOW":
        what = stmt.expression
        return _show_command(engine, (what if isinstance(what, str) else what.name if what is not None else "").strip())
    if isinstance(stmt, exp.Comment):
        return _comment(engine, stmt)
    if isinstance(stmt, exp.Use):
        node = stmt.this
        return _use(engine, node.name if node.db or node.name.lower() not in ("memory", "temp") else "main")
    if isinstance(stmt, exp.Set) and len(stmt.expressions) == 1 and isinstance(stmt.expressions[0].this, exp.EQ) \
            and stmt.expressions[0].this.this.name.lower() in ("schema", "search_path"):
        value = files.constant(stmt.expressions[0].this.expression, "SET schema", words=True)
        return _use(engine, str(value).split(",")[0].strip())
    if isinstance(stmt, exp.Command) and stmt.this.upper() in ("CREATE", "DROP"):
        m = _TYPE_STATEMENT.match(stmt.expression if isinstance(stmt.expression, str) else "")
        if m is not None:
            return (_create_type if stmt.this.upper() == "CREATE" else _drop_type)(engine, m)
    if isinstance(stmt, exp.Summarize):
        return _summarize(engine, stmt, params)
    if isinstance(stmt, exp.Describe):
        return _describe(engine, stmt, params)
    if isinstance(stmt, exp.Show):
        return _show(engine, stmt)
    if isinstance(stmt, exp.Alter):
        return _alter(engine, stmt)
    if isinstance(stmt, exp.Copy):
        return _copy(engine, stmt, params)
    kind = (stmt.args.get("kind") or "").upper() if isinstance(stmt, (exp.Create, exp.Drop)) else ""
    if kind == "SEQUENCE":
        return (_create_sequence if isinstance(stmt, exp.Create) else _drop_sequence)(engine, stmt)
    if isinstance(stmt, exp.Create) and (stmt.args.get("kind") or "").upper() == "SCHEMA":
        return _create_schema(engine, stmt)
    if isinstance(stmt, exp.Drop) and (stmt.args.get("kind") or "").upper() == "SCHEMA":
        return _drop_schema(engine, stmt)
    if isinstance(stmt, exp.Create) and (stmt.args.get("kind") or "").upper() == "TABLE":
        props = stmt.args.get("properties")
        temp = props is not None and any(isinstance(p, exp.TemporaryProperty) for p in props.expressions)
        target = stmt.this.this if isinstance(stmt.this, exp.Schema) else stmt.this
        if temp and target.db and target.db.lower() == "temp":
            target.set("db", None)
        result = engine._create(stmt, params)
        key = engine.catalog.key_of(target)
        if temp:
            engine.catalog.temporary.add(key)
        elif key in engine.catalog.tables and not (stmt.args.get("exists") and key in engine.catalog.temporary):
            engine.catalog.temporary.discard(key)
        return result
    return None


def _result(table: pa.Table):
    from .engine import Result
    from .io.arrow import sql_type_of
    return Result(table, table.num_rows, [None if pa.types.is_list(t) else sql_type_of(t) for t in table.schema.types])


def _describe(engine, stmt, params, trace: bool = True):
    target = stmt.this
    key = engine.catalog.key_of(target, missing_ok=True) if isinstance(target, exp.Table) \
        and not isinstance(target.this, exp.Func) else None
    if isinstance(engine.catalog.tables.get(key), StoredTable):
        rows = _column_rows(engine.catalog, engine.catalog.tables[key])
    else:
        query = target if not isinstance(target, exp.Table) else exp.select("*").from_(target.copy())
        from .sql.binder import Binder, Params
        plan, names = Binder(engine.catalog, Params(list(params))).bind_query(query.copy())
        rows = []
        for i, (n, (_, t)) in enumerate(zip(names, plan.schema)):
            # a column that is a stored column shows that column's NOT NULL, key and DEFAULT, as
            # DuckDB's DESCRIBE does (its SHOW of a view does not)
            found = _origin(plan, i) if trace else None
            table = engine.catalog.tables.get(found[0]) if found else None
            base = _column_rows(engine.catalog, table)[found[1]] if isinstance(table, StoredTable) else None
            rows.append((n, type_name(t), *(base[2:] if base else ("YES", None, None))))
    names = ["column_name", "column_type", "null", "key", "default"]
    arrays = [pa.array([r[i] for r in rows], pa.string()) for i in range(5)] + [pa.nulls(len(rows), pa.string())]
    return _result(pa.Table.from_arrays(arrays, names=names + ["extra"]))


def _show(engine, stmt):
    what = str(stmt.this).upper()
    if what not in ("TABLES", "ALL TABLES"):
        raise NotSupportedError(f"SHOW {what}")
    catalog = engine.catalog
    rels = [(*catalog.schema_of(r[0]), *r) for r in _relations(catalog)]  # (schema, name, key, ...)
    if what == "TABLES":  # the schema named by FROM, else the current one
        source = stmt.args.get("from_") or stmt.args.get("from")
        schema = (source.name if isinstance(source, exp.Table) else str(source)).lower() if source else catalog.current_schema
        return _result(pa.table({"name": pa.array([r[1] for r in rels if r[0] == schema], pa.string())}))
    temp = catalog.temporary
    rels = [r[2:] for r in sorted(rels, key=lambda r: (r[2] in temp, r[0], r[1]))]  # by database, schema, name
    return _result(pa.table({
        "database": pa.array(["temp" if r[0] in temp else "memory" for r in rels], pa.string()),
        "schema": pa.array([catalog.schemas.get(s, s) for s in (catalog.schema_of(r[0])[0] for r in rels)], pa.string()),
        "name": pa.array([catalog.schema_of(r[0])[1] for r in rels], pa.string()),
        "column_names": pa.array([list(r[1]) for r in rels], pa.list_(pa.string())),
        "column_types": pa.array([[type_name(t) for t in r[2]] for r in rels], pa.list_(pa.string())),
        "temporary": pa.array([r[0] in temp for r in rels], pa.bool_())}))


_TYPE_STATEMENT = re.compile(r"^\s*(OR\s+REPLACE\s+)?TYPE\s+(IF\s+(?:NOT\s+)?EXISTS\s+)?"
                             r"(\"(?:[^\"]|\"\")+\"|[A-Za-z_][\w$]*)\s*(?:AS\s+(.+?))?\s*;?\s*$",
                             re.IGNORECASE | re.DOTALL)


def _type_name(m) -> str:
    name = m.group(3)
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _create_type(engine, m):
    """CREATE [OR REPLACE] TYPE [IF NOT EXISTS] name AS ENUM ('a', ...) | AS another type."""
    from .sql.expressions import sql_type
    name, body = _type_name(m), m.group(4)
    if body is None:
        raise ProgrammingError("CREATE TYPE needs AS ENUM (...) or AS a type")
    key, types = name.lower(), engine.catalog.types
    if key in types and not m.group(1):
        if m.group(2):
            return _result(pa.table({}))
        raise ProgrammingError(f'type "{name}" already exists')
    if T.from_name(key) is not None:
        raise ProgrammingError(f'type "{name}" is a built-in type')
    try:
        cast = exp.maybe_parse(f"CAST(NULL AS {body})", dialect="duckdb")
    except Exception:  # sqlglot's ParseError: the type is not one it can read
        raise ProgrammingError(f"CREATE TYPE {name}: cannot read the type {body!r}") from None
    if not isinstance(cast, exp.Cast):
        raise ProgrammingError(f"CREATE TYPE {name}: cannot read the type {body!r}")
    types[key] = sql_type(cast.to)
    engine.catalog.bump()
    return _result(pa.table({}))


def _drop_type(engine, m):
    """DROP TYPE [IF EXISTS] name: refused while a table's column has it."""
    name = _type_name(m)
    key, catalog = name.lower(), engine.catalog
    if key not in catalog.types:
        if m.group(2):
            return _result(pa.table({}))
        raise ProgrammingError(f'type "{name}" does not exist' + suggest(key, list(catalog.types)))
    t = catalog.types[key]
    users = [k for k, table in catalog.tables.items() if t.kind == "ENUM" and t in table.types]
    if users:
        raise ProgrammingError(f'cannot drop type "{name}": table "{users[0]}" has a column of it')
    del catalog.types[key]
    catalog.bump()
    return _result(pa.table({}))


_PRAGMAS = ("table_info", "show_tables", "show_tables_expanded", "database_list", "show")


def _select_rows(engine, sql: str):
    return engine._query(exp.maybe_parse(sql, dialect="duckdb"), [])


def _use(engine, schema: str):
    """USE s / SET schema = 's' / SET search_path = 's': unqualified names now mean s's."""
    key = schema.lower()
    if key != "main" and key not in engine.catalog.schemas:
        raise ProgrammingError(f'schema "{schema}" does not exist' + suggest(key, list(engine.catalog.schemas)))
    engine.catalog.current_schema = key
    engine.catalog.bump()
    return _result(pa.table({}))


def _pragma(engine, call):
    """PRAGMA table_info('t') / show('t'), show_tables, show_tables_expanded, database_list."""
    name = call.name.lower()
    if name in ("table_info", "show"):
        if len(call.expressions) != 1:
            raise ProgrammingError(f"PRAGMA {name} takes a table's name")
        table = files.constant(call.expressions[0], f"PRAGMA {name}", words=True)
        if name == "show":
            return _describe(engine, exp.Describe(this=exp.to_table(str(table))), [])
        return _select_rows(engine, f"SELECT * FROM pragma_table_info({exp.Literal.string(str(table)).sql()})")
    if name == "database_list":
        return _result(pa.table({"seq": pa.array([0], pa.int64()), "name": ["memory"], "file": pa.nulls(1, pa.string())}))
    return _show(engine, exp.Show(this="TABLES" if name == "show_tables" else "ALL TABLES"))


def _show_command(engine, what: str):
    """SHOW DATABASES, SHOW SCHEMAS, SHOW t (DESCRIBE t): what sqlglot leaves unparsed."""
    upper = what.upper()
    if upper == "DATABASES":
        return _result(pa.table({"database_name": pa.array(["memory"], pa.string())}))
    if upper == "SCHEMAS":
        names = ["main"] + sorted(engine.catalog.schemas.values())
        return _result(pa.table({"database_name": pa.array(["memory"] * len(names), pa.string()),
                                 "schema_name": pa.array(names, pa.string()),
                                 "current": pa.array([n == "main" for n in names], pa.bool_())}))
    if upper.split(None, 1)[0] in ("SELECT", "WITH", "FROM", "VALUES", "(") if upper else False:
        from .sql.parse import parse
        query = parse(what)[0]
        return _describe(engine, exp.Describe(this=query), [])
    try:
        target = exp.to_table(what, dialect="duckdb")
    except Exception:
        target = None
    if not what or target is None or not isinstance(target, exp.Table):
        raise NotSupportedError(f"SHOW {what}")
    return _describe(engine, exp.Describe(this=target), [], trace=False)


def _comment(engine, stmt: exp.Comment):
    """COMMENT ON TABLE / VIEW / SEQUENCE name IS 'text' (or NULL), COMMENT ON COLUMN t.c IS ...:
    listed by duckdb_tables(), duckdb_columns(), duckdb_views()."""
    catalog = engine.catalog
    kind = (stmt.args.get("kind") or "").upper()
    text = stmt.expression
    text = None if isinstance(text, exp.Null) else files.constant(text, "COMMENT ON")
    if kind == "COLUMN":
        column = stmt.this
        if not column.table:
            raise ProgrammingError("COMMENT ON COLUMN needs table.column")
        table_node = exp.table_(column.table, db=column.args.get("db") and column.args["db"].name)
        key = catalog.key_of(table_node)
        obj = catalog.lookup(key)
        if obj is None:
            raise ProgrammingError(f'table "{column.table}" does not exist' + suggest(key, catalog.names()))
        names = obj.names if isinstance(obj, StoredTable) else [r[0] for r in _column_rows(catalog, obj)]
        target = (key, names[_position(column.table, StoredTable(names, [], [], 0), column.name)].lower())
    else:
        key = catalog.key_of(stmt.this)
        store = catalog.sequences if kind == "SEQUENCE" else catalog.views if kind == "VIEW" else None
        if not (key in store if store is not None else catalog.lookup(key) is not None):
            raise ProgrammingError(f'{kind.lower()} "{stmt.this.name}" does not exist' + suggest(key, catalog.names()))
        target = key
    if text is None:
        catalog.comments.pop(target, None)
    else:
        catalog.comments[target] = str(text)
    catalog.bump()
    return _result(pa.table({}))


_AS_NUMBER = {"DATE": "({} - DATE '1970-01-01')::DOUBLE", "TIMESTAMP": "epoch_us({})::DOUBLE"}  # and back:
_FROM_NUMBER = {"DATE": "(DATE '1970-01-01' + ({})::INT)", "TIMESTAMP": "make_timestamp(({})::BIGINT)"}


def _summarize(engine, stmt, params):
    """SUMMARIZE t / SUMMARIZE query: DuckDB's columns, with exact distinct counts. The
    quartiles interpolate the sorted values at q * n - 1/2 (DuckDB's t-digest on small inputs),
    rounded half to even for integers and dates."""
    from .sql.binder import Binder, Params
    target = stmt.this
    query = exp.select("*").from_(target.copy()) if isinstance(target, exp.Table) else target
    plan, names = Binder(engine.catalog, Params(list(params))).bind_query(query.copy())
    parts = []
    for n, (_, t) in zip(names, plan.schema):
        c = exp.column(n, quoted=True).sql("duckdb")
        numeric, ordered = t.is_numeric, t.is_numeric or t.is_temporal
        number = "{}::DOUBLE" if numeric else _AS_NUMBER.get(t.kind)  # a value as a DOUBLE to interpolate
        quartiles = []
        for q in (0.25, 0.5, 0.75):
            at = f"greatest(least({q} * len(l) - 0.5, len(l) - 1), 0)"
            lo, frac = f"floor({at})::INT + 1", f"({at} - floor({at}))"
            if number is None:
                quartiles.append(f"list_extract(l, {lo} + ({frac} > 0.5)::INT)::VARCHAR" if ordered else "NULL::VARCHAR")
                continue
            first = number.format(f"list_extract(l, {lo})")  # (not l[i + 1]: sqlglot shifts such an index)
            v = f"({first} + {frac} * ({number.format(f'list_extract(l, least({lo} + 1, len(l)))')} - {first}))"
            if t.is_integer or t.kind in _FROM_NUMBER:
                v = f"CASE WHEN {v} - floor({v}) = 0.5 THEN floor({v}) + abs(floor({v}) % 2) ELSE round({v}) END"
            quartiles.append(f"{v}::VARCHAR" if t.is_float else f"{_FROM_NUMBER.get(t.kind, '({})::' + str(t)).format(v)}::VARCHAR")
        average = f"avg({c})::VARCHAR" if numeric else "NULL::VARCHAR" if number is None else \
            f"make_timestamp((avg({number.format(c)}) * {86_400_000_000 if t.kind == 'DATE' else 1})::BIGINT)::VARCHAR"
        parts.append(
            f"SELECT {exp.Literal.string(n).sql()} AS column_name, {exp.Literal.string(type_name(t)).sql()} AS column_type, "
            f"mn AS min, mx AS max, approx_unique, av AS avg, std, {quartiles[0]} AS q25, {quartiles[1]} AS q50, "
            f"{quartiles[2]} AS q75, count, null_percentage FROM (SELECT min({c})::VARCHAR AS mn, max({c})::VARCHAR AS mx, "
            f"count(DISTINCT {c}) AS approx_unique, {average} AS av, "
            f"{f'stddev_samp({c})::VARCHAR' if numeric else 'NULL::VARCHAR'} AS std, count(*) AS count, "
            f"{f'list_sort(list({c}) FILTER (WHERE {c} IS NOT NULL))' if ordered else 'NULL'} AS l, "
            f"CASE WHEN count(*) = 0 THEN NULL ELSE round(100.0 * (count(*) - count({c})) / count(*), 2)::DECIMAL(9,2) END "
            f"AS null_percentage FROM __summarized)")
    sql = f"WITH __summarized AS ({query.sql('duckdb')}) " + " UNION ALL ".join(parts)
    return engine._query(exp.maybe_parse(sql, dialect="duckdb"), params)


def _schema_name(node: exp.Table) -> str:
    """A schema named as sqlglot parses CREATE / DROP SCHEMA [memory.]s."""
    if node.catalog and node.catalog.lower() != "memory":
        raise NotSupportedError(f"a schema of another database: {node.sql('duckdb')}")
    return node.db or node.name


def _create_schema(engine, stmt):
    name = _schema_name(stmt.this)
    key = name.lower()
    if key in ("main", "information_schema", "pg_catalog") or key in engine.catalog.schemas:
        if stmt.args.get("exists") or stmt.args.get("replace") and key in engine.catalog.schemas:
            return _result(pa.table({}))
        raise ProgrammingError(f'schema "{name}" already exists')
    engine.catalog.schemas[key] = name
    engine.catalog.bump()
    return _result(pa.table({}))


def _drop_schema(engine, stmt):
    """DROP SCHEMA [IF EXISTS] s [CASCADE]: without CASCADE only an empty schema."""
    catalog = engine.catalog
    names = [_schema_name(node) for node in stmt.args.get("tables") or [stmt.this]]
    drop = set()
    for name in names:  # check all first: a failed DROP drops nothing
        key = name.lower()
        if key not in catalog.schemas:
            if key == "main":
                raise ProgrammingError('schema "main" cannot be dropped')
            if stmt.args.get("exists"):
                continue
            raise ProgrammingError(f'schema "{name}" does not exist')
        inside = [k for k in catalog.names() + list(catalog.sequences) if catalog.schema_of(k)[0] == key]
        if inside and not stmt.args.get("cascade"):
            raise ProgrammingError(f'cannot drop schema "{name}": it holds {", ".join(inside)} '
                                   '(DROP SCHEMA ... CASCADE drops them too)')
        drop |= {key, *inside}
    for k in sorted(drop - set(catalog.schemas)):
        if catalog.tables.pop(k, None) is not None:
            catalog.forget_indexes(k)
        catalog.views.pop(k, None)
        catalog.sequences.pop(k, None)
        catalog.temporary.discard(k)
    for key in drop & set(catalog.schemas):
        del catalog.schemas[key]
        if catalog.current_schema == key:
            catalog.current_schema = "main"
    catalog.bump()
    return _result(pa.table({}))


# ---------------------------------------------------------------------------- sequences

def _create_sequence(engine, stmt):
    """CREATE [OR REPLACE] SEQUENCE [IF NOT EXISTS] s [START [WITH] n] [INCREMENT [BY] n]
    [MINVALUE n | NO MINVALUE] [MAXVALUE n | NO MAXVALUE] [[NO] CYCLE], with DuckDB's defaults."""
    catalog = engine.catalog
    key = catalog.key_of(stmt.this)
    if key in catalog.sequences and not stmt.args.get("replace"):
        if stmt.args.get("exists"):
            return _result(pa.table({}))
        raise ProgrammingError(f'sequence "{stmt.this.name}" already exists')
    found = {}
    for prop in (stmt.args.get("properties") or exp.Properties(expressions=[])).expressions:
        if isinstance(prop, exp.SequenceProperties):
            for name in ("start", "increment", "minvalue", "maxvalue"):
                if prop.args.get(name) is not None:
                    value = files.constant(prop.args[name], "CREATE SEQUENCE")
                    if not isinstance(value, int) or isinstance(value, bool):
                        raise ProgrammingError(f"CREATE SEQUENCE: {name.upper()} must be an integer")
                    found[name] = value
            options = [o.name.upper() for o in prop.args.get("options") or []]
            found["cycle"] = "CYCLE" in options
        elif not isinstance(prop, exp.TemporaryProperty):
            raise NotSupportedError(f"CREATE SEQUENCE option {prop.sql('duckdb')}")
    up = found.get("increment", 1) > 0
    found.setdefault("minvalue", 1 if up else -(1 << 63))
    found.setdefault("maxvalue", (1 << 63) - 1 if up else -1)
    found.setdefault("start", found["minvalue"] if up else found["maxvalue"])
    from .catalog import Sequence
    catalog.sequences[key] = Sequence(stmt.this.name, **found)
    catalog.bump()
    return _result(pa.table({}))


def _drop_sequence(engine, stmt):
    """DROP SEQUENCE [IF EXISTS] s, ...: refused while a column's DEFAULT uses it (unless CASCADE)."""
    catalog = engine.catalog
    keys = []
    for node in stmt.args.get("tables") or [stmt.this]:
        key = catalog.key_of(node, missing_ok=bool(stmt.args.get("exists")))
        if key not in catalog.sequences:
            if stmt.args.get("exists"):
                continue
            raise ProgrammingError(f'sequence "{node.name}" does not exist' + suggest(node.name, list(catalog.sequences)))
        users = [name for name, table in catalog.tables.items() if any(
            d is not None and any(isinstance(v, exp.Literal) and v.is_string and v.this.lower() == key
                                  for v in d.find_all(exp.Literal)) for d in table.defaults)]
        if users and not stmt.args.get("cascade"):
            raise ProgrammingError(f'cannot drop sequence "{node.name}": the DEFAULT of table "{users[0]}" uses it')
        keys.append(key)
    for key in keys:
        del catalog.sequences[key]
    catalog.bump()
    return _result(pa.table({}))


# ---------------------------------------------------------------------------- ALTER TABLE

def _alter(engine, stmt: exp.Alter):
    kind = (stmt.args.get("kind") or "").upper()
    if kind == "VIEW":
        return _alter_view(engine, stmt)
    if kind != "TABLE":
        raise NotSupportedError(f"ALTER {stmt.args.get('kind')}")
    catalog = engine.catalog
    key = catalog.key_of(stmt.this)
    if key not in catalog.tables:
        if stmt.args.get("exists"):
            return _result(pa.table({}))
        if key in catalog.views:
            raise ProgrammingError(f'cannot alter view "{stmt.this.name}" as a table')
    name, key, table = engine._stored(stmt.this, "alter")
    tables = catalog.tables
    renamed_to = [o for o in stmt.args.get("options") or [] if isinstance(o, exp.ToTableProperty)]
    for action in stmt.args.get("actions") or []:
        if isinstance(action, exp.AlterRename) and renamed_to:  # RENAME c TO d: a column, as DuckDB reads it
            table = _rename_column(name, table, exp.RenameColumn(this=action.this, to=renamed_to[0].this))
        elif isinstance(action, exp.AlterRename):  # (within the table's schema)
            schema = catalog.schema_of(key)[0]
            new = action.this.name if schema == "main" else f"{schema}.{action.this.name}"
            if new.lower() == key:
                continue
            if catalog.lookup(new) is not None:
                raise ProgrammingError(f'table "{new}" already exists')
            if any(fk.table == key for k, t in catalog.tables.items() if k != key for fk in getattr(t, "foreign", ())):
                raise ProgrammingError(f'cannot rename table "{name}": another table references it (FOREIGN KEY)')
            tables = {**tables}
            del tables[key]
            key, name = new.lower(), new
        elif isinstance(action, exp.ColumnDef):
            table = _add_column(engine, name, table, action)
        elif isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "COLUMN":
            table = _drop_column(engine, name, key, table, action)
        elif isinstance(action, exp.RenameColumn):
            table = _rename_column(name, table, action)
        elif isinstance(action, exp.AlterColumn):
            table = _alter_column(engine, name, key, table, action)
        elif isinstance(action, exp.AddConstraint) and len(action.expressions) == 1 and isinstance(
                action.expressions[0], (exp.PrimaryKey, exp.UniqueColumnConstraint)):
            table = _add_key(name, table, action.expressions[0])
        else:
            raise NotSupportedError(f"ALTER TABLE action {action.sql('duckdb')[:40]}")
        tables = {**tables, key: table}
    old = catalog.key_of(stmt.this)
    # Everything above is built aside: a failed ALTER changes nothing.
    if old != key:
        catalog.tables.pop(old)
        for ix_name, ix in list(catalog.indexes.items()):
            if ix.table == old:
                catalog.indexes[ix_name] = replace(ix, table=key)
        if old in catalog.temporary:
            catalog.temporary.discard(old)
            catalog.temporary.add(key)
    catalog.tables[key] = table
    catalog.bump()
    return _result(pa.table({}))


def _alter_view(engine, stmt: exp.Alter):
    """ALTER VIEW v RENAME TO w."""
    catalog = engine.catalog
    key = catalog.key_of(stmt.this)
    actions = stmt.args.get("actions") or []
    if key not in catalog.views:
        if stmt.args.get("exists"):
            return _result(pa.table({}))
        raise ProgrammingError(f'view "{stmt.this.name}" does not exist' + suggest(key, list(catalog.views)))
    if len(actions) != 1 or not isinstance(actions[0], exp.AlterRename):
        raise NotSupportedError("ALTER VIEW other than RENAME TO")
    schema = catalog.schema_of(key)[0]
    new = (actions[0].this.name if schema == "main" else f"{schema}.{actions[0].this.name}").lower()
    if new != key:
        if catalog.lookup(new) is not None:
            raise ProgrammingError(f'"{actions[0].this.name}" already exists')
        catalog.views[new] = catalog.views.pop(key)
        catalog.bump()
    return _result(pa.table({}))


def _add_key(name, table: StoredTable, constraint) -> StoredTable:
    """ALTER TABLE ADD PRIMARY KEY (columns) / ADD UNIQUE (columns), checked on the rows held."""
    from .catalog import Key
    from .constraints import check_keys, check_not_null
    primary = isinstance(constraint, exp.PrimaryKey)
    idents = constraint.expressions if primary else constraint.this.expressions
    columns = tuple(dict.fromkeys(_position(name, table, (c.this if isinstance(c, exp.Ordered) else c).name)
                                  for c in idents))
    if primary and any(k.primary for k in table.keys):
        raise ProgrammingError(f'table "{name}" already has a primary key')
    key = Key(columns, primary=primary)
    out = replace(table, keys=(key,) + table.keys if primary else table.keys + (key,),
                  not_null=table.not_null | set(columns) if primary else table.not_null)
    if primary:
        check_not_null(name, out, columns=set(columns))
    check_keys(name, out, [key])
    return out


def _position(name, table, column: str, missing_ok=False):
    lower = [n.lower() for n in table.names]
    if column.lower() not in lower:
        if missing_ok:
            return None
        raise ProgrammingError(f'table "{name}" has no column "{column}"' + suggest(column, table.names))
    return lower.index(column.lower())


def _add_column(engine, name, table: StoredTable, item: exp.ColumnDef) -> StoredTable:
    if _position(name, table, item.name, missing_ok=True) is not None:
        if item.args.get("exists"):
            return table
        raise ProgrammingError(f'table "{name}" already has a column named "{item.name}"')
    one = engine._table_definition(name, [item])  # types, DEFAULT, NOT NULL, CHECK as CREATE reads them
    if any(k.primary for k in one.keys) or one.generated:
        raise NotSupportedError("ALTER TABLE ADD COLUMN with a PRIMARY KEY or GENERATED constraint")
    j = len(table.names)
    defaults = (tuple(table.defaults) or (None,) * j) + (one.defaults[0] if one.defaults else None,)
    wider = replace(table, names=table.names + [item.name], types=table.types + one.types,
                    generated=table.generated + (None,) if table.generated else (),
                    defaults=defaults if any(d is not None for d in defaults) else (),
                    not_null=table.not_null | ({j} if one.not_null else set()), checks=table.checks + one.checks,
                    keys=table.keys + tuple(replace(k, columns=(j,)) for k in one.keys))
    filled = engine._complete_rows(wider, list(range(j)), table.columns, table.num_rows)
    out = wider.with_rows(filled, table.num_rows)
    from .constraints import check_keys, check_not_null
    check_not_null(name, out, columns={j})
    check_keys(name, out, out.keys[len(table.keys):])
    engine._check_rows(name, out, out.columns, out.num_rows)
    return out


def _drop_column(engine, name, key, table: StoredTable, action: exp.Drop) -> StoredTable:
    column = action.args["tables"][0] if action.args.get("tables") else action.this
    j = _position(name, table, column.name, missing_ok=bool(action.args.get("exists")))
    if j is None:
        return table
    if len(table.names) - table.hidden == 1:
        raise ProgrammingError(f'cannot drop column "{column.name}": it is the only column of table "{name}"')
    if any(j in k.columns for k in table.keys) or any(j in fk.columns for fk in table.foreign) or any(
            ix.table == key and ix.columns and j in ix.columns for ix in engine.catalog.indexes.values()):
        raise ProgrammingError(f'cannot drop column "{column.name}": an index or key depends on it')
    if any(c.name.lower() == table.names[j].lower() for chk in table.checks for c in chk.find_all(exp.Column)):
        raise ProgrammingError(f'cannot drop column "{column.name}": a CHECK constraint depends on it')
    if any(c.name.lower() == table.names[j].lower() for f in table.generated if f is not None
           for c in f.find_all(exp.Column)):
        raise ProgrammingError(f'cannot drop column "{column.name}": a generated column depends on it')
    keep = [i for i in range(len(table.names)) if i != j]
    moved = {old: new for new, old in enumerate(keep)}
    defaults = tuple(table.defaults[i] for i in keep) if table.defaults else ()
    for ix_name, ix in list(engine.catalog.indexes.items()):
        if ix.table == key and ix.columns:
            engine.catalog.indexes[ix_name] = replace(ix, columns=tuple(moved[c] for c in ix.columns))
    return StoredTable([table.names[i] for i in keep], [table.types[i] for i in keep],
                       [table.columns[i] for i in keep], table.num_rows,
                       not_null=frozenset(moved[i] for i in table.not_null if i != j),
                       keys=tuple(replace(k, columns=tuple(moved[c] for c in k.columns)) for k in table.keys),
                       defaults=defaults if any(d is not None for d in defaults) else (), checks=table.checks,
                       generated=tuple(table.generated[i] for i in keep) if table.generated else (),
                       foreign=tuple(replace(fk, columns=tuple(moved[c] for c in fk.columns)) for fk in table.foreign))


def _alter_column(engine, name, key, table: StoredTable, action: exp.AlterColumn) -> StoredTable:
    """ALTER COLUMN c [SET DATA] TYPE t [USING e], SET / DROP DEFAULT, SET / DROP NOT NULL."""
    j = _position(name, table, action.this.name)
    args = action.args
    if args.get("allow_null") is not None:  # SET NOT NULL checks the rows it already holds
        out = replace(table, not_null=table.not_null - {j} if args["allow_null"] else table.not_null | {j})
        from .constraints import check_not_null
        check_not_null(name, out, columns={j})
        return out
    if args.get("drop") or args.get("default") is not None:
        defaults = list(table.defaults) if table.defaults else [None] * len(table.names)
        defaults[j] = None if args.get("drop") else args["default"]
        out = replace(table, defaults=tuple(defaults) if any(d is not None for d in defaults) else ())
        engine._default_rows(out, [j] if defaults[j] is not None else [], 0)  # a bad DEFAULT fails here
        return out
    if args.get("dtype") is None:
        raise NotSupportedError(f"ALTER TABLE action {action.sql('duckdb')[:40]}")
    from .sql.expressions import sql_type
    if any(j in k.columns for k in table.keys) or any(
            ix.table == key and ix.columns and j in ix.columns for ix in engine.catalog.indexes.values()):
        raise ProgrammingError(f'cannot change the type of column "{table.names[j]}": an index or key depends on it')
    new_type = sql_type(args["dtype"])
    value = args.get("using") or exp.column(table.names[j], quoted=True)
    scratch = table.with_rows(table.columns, table.num_rows)
    query = exp.select(exp.cast(value.copy(), args["dtype"].copy())).from_(exp.table_(name, quoted=True))
    _, (column,) = engine._select(query, (), {key: scratch})
    columns = list(table.columns)
    columns[j] = column
    types = list(table.types)
    types[j] = new_type
    out = replace(table, types=types).with_rows(columns, table.num_rows)
    engine._check_rows(name, out, out.columns, out.num_rows)
    return out


def _rename_column(name, table: StoredTable, action: exp.RenameColumn) -> StoredTable:
    j = _position(name, table, action.this.name)
    new = action.args["to"].name
    other = _position(name, table, new, missing_ok=True)
    if other is not None and other != j:
        raise ProgrammingError(f'table "{name}" already has a column named "{new}"')
    old = table.names[j].lower()

    def rename(node):
        if isinstance(node, exp.Column) and node.name.lower() == old:
            return exp.column(new, node.table or None, quoted=True)
        return node
    names = list(table.names)
    names[j] = new
    return replace(table, names=names, checks=tuple(c.copy().transform(rename) for c in table.checks),
                   generated=tuple(f and f.copy().transform(rename) for f in table.generated))


# ---------------------------------------------------------------------------- COPY, EXPORT, IMPORT

def _copy_options(stmt: exp.Copy) -> dict:
    out = {}
    for p in stmt.args.get("params") or []:
        key = p.this.name.lower()
        value = p.expression
        out[key] = True if value is None else files.constant(value, "COPY", words=True)
        if isinstance(out[key], str) and key in ("header",):
            out[key] = out[key].lower() in ("true", "1", "on")
    return out


def _copy(engine, stmt: exp.Copy, params):
    if len(stmt.args.get("files") or []) != 1:
        raise ProgrammingError("COPY names one file")
    path = files.constant(stmt.args["files"][0], "COPY")
    if not isinstance(path, str):
        raise ProgrammingError("COPY needs the file's path as a string")
    options = _copy_options(stmt)
    fmt = str(options.pop("format", "") or files.format_of(path) or "csv").lower()
    source = stmt.this
    if stmt.args.get("kind"):  # COPY table [(columns)] FROM 'file'
        return _copy_from(engine, source, path, fmt, options, params)
    if isinstance(source, exp.Schema):  # COPY table (a, b) TO
        query = exp.select(*[exp.column(c.name, quoted=True) for c in source.expressions]).from_(source.this.copy())
    elif isinstance(source, exp.Table):
        query = exp.select("*").from_(source.copy())
    else:
        query = source.this if isinstance(source, exp.Subquery) else source
    result = engine._query(query, params)
    files.write(result.table, path, fmt, options)
    return type(result)(None, result.rowcount, [])


def _copy_from(engine, target, path, fmt, options, params):
    columns = None
    if isinstance(target, exp.Schema):
        columns = [c.name for c in target.expressions]
        target = target.this
    name, _, table = engine._stored(target, "copy into")
    width = len(table.names) - table.hidden
    positions = [_position(name, table, c) for c in columns] if columns else list(range(width))
    if fmt not in ("csv", "parquet", "json"):
        raise NotSupportedError(f"COPY FROM format {fmt!r}")
    named = []
    if fmt == "csv":
        # As DuckDB does, the table's types decide how each field is parsed.
        types = exp.Array(expressions=[exp.Literal.string(str(table.types[p])) for p in positions])
        named.append(exp.PropertyEQ(this=exp.to_identifier("types"), expression=types))
        named.append(exp.PropertyEQ(this=exp.to_identifier("names"), expression=exp.Array(
            expressions=[exp.Literal.string(table.names[p]) for p in positions])))
        for key, option in (("header", "header"), ("delimiter", "delim"), ("delim", "delim"), ("sep", "delim"),
                            ("quote", "quote"), ("escape", "escape"), ("nullstr", "nullstr"), ("null", "nullstr"),
                            ("allow_quoted_nulls", "allow_quoted_nulls")):
            if key in options:
                value = options.pop(key)
                if isinstance(value, str) and value.lower() in ("true", "false"):
                    value = value.lower() == "true"
                node = exp.Boolean(this=value) if isinstance(value, bool) else exp.Literal.string(str(value))
                named.append(exp.PropertyEQ(this=exp.to_identifier(option), expression=node))
    reader = exp.Anonymous(this=f"read_{fmt}", expressions=[exp.Literal.string(path)] + named)
    query = exp.select("*").from_(exp.Table(this=reader))
    insert = exp.Insert(this=exp.Schema(this=target.copy(), expressions=[exp.to_identifier(table.names[p])
                                                                      for p in positions]),
                        expression=query)
    return engine._insert(insert, params)


def _parents_first(tables) -> list[str]:
    """Table keys by name, each after the tables its FOREIGN KEYs reference."""
    out: list[str] = []

    def visit(key):
        if key not in out:
            for fk in tables[key].foreign:
                if fk.table != key and fk.table in tables:
                    visit(fk.table)
            out.append(key)
    for key in sorted(k for k in tables if not k.startswith("#")):
        visit(key)
    return out


def _text_options(text: str) -> dict:
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        words = part.split(None, 1)
        out[words[0].lower()] = words[1].strip().strip("'\"") if len(words) > 1 else True
    return out


def _export(engine, directory: str, options: dict):
    fmt = str(options.get("format", "csv")).lower()
    if fmt not in ("csv", "parquet"):
        raise NotSupportedError(f"EXPORT DATABASE format {fmt!r}")
    files.check_access(directory, "write")
    from .errors import OperationalError
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise OperationalError(f"cannot create {directory!r}: {exc}") from exc
    catalog = engine.catalog
    schema = [f"CREATE SCHEMA {_quote(s)};" for s in sorted(catalog.schemas.values())]
    load = []
    for key in _parents_first(catalog.tables):
        table = catalog.tables[key]
        schema.append(create_sql(catalog.table_node(key), table) + ";")
        path = os.path.join(directory, f"{key}.{fmt}")
        result = engine._query(exp.select("*").from_(catalog.table_node(key)), [])
        files.write(result.table, path, fmt, {"header": True})
        load.append(f"COPY {catalog.table_node(key).sql('duckdb')} FROM '{path.replace(chr(39), chr(39) * 2)}' (FORMAT {fmt}"
                    + (", HEADER, allow_quoted_nulls false" if fmt == "csv" else "") + ");")
    for key in sorted(catalog.views):
        query, names = catalog.views[key]
        schema.append(f"CREATE VIEW {catalog.table_node(key).sql('duckdb')} ({', '.join(_quote(n) for n in names)}) "
                      f"AS {query.sql('duckdb')};")
    for ix in catalog.indexes.values():
        if ix.columns is not None:
            cols = ", ".join(_quote(catalog.tables[ix.table].names[c]) for c in ix.columns)
            schema.append(f"CREATE {'UNIQUE ' if ix.unique else ''}INDEX {_quote(ix.name)} ON {_quote(ix.table)} ({cols});")
    for name, text in (("schema.sql", schema), ("load.sql", load)):
        with open(os.path.join(directory, name), "w") as f:
            f.write("\n".join(text) + "\n")
    return _result(pa.table({}))


def _import(engine, directory: str, options: dict):
    from .errors import OperationalError
    texts = []
    for name in ("schema.sql", "load.sql"):
        path = os.path.join(directory, name)
        files.check_access(path)
        try:
            with open(path) as f:
                texts.append(f.read())
        except OSError as exc:
            raise OperationalError(f"cannot read {path!r}: {exc}") from exc
    catalog = engine.catalog
    saved = (dict(catalog.tables), dict(catalog.views), dict(catalog.indexes), set(catalog.temporary))
    # Views come before the tables' rows in schema.sql; CREATE TABLE first so views can bind.
    statements = [s for s in texts[0].split(";\n") if s.strip()]
    ordered = [s for s in statements if not s.lstrip().upper().startswith("CREATE VIEW")] + \
              [s for s in statements if s.lstrip().upper().startswith("CREATE VIEW")]
    try:
        for sql in ordered + [s for s in texts[1].split(";\n") if s.strip()]:
            engine._execute(sql, None)
    except BaseException:
        # IMPORT is one statement: a failure leaves the catalog as it was.
        catalog.tables.clear()
        catalog.tables.update(saved[0])
        catalog.views.clear()
        catalog.views.update(saved[1])
        catalog.indexes.clear()
        catalog.indexes.update(saved[2])
        catalog.temporary.clear()
        catalog.temporary.update(saved[3])
        catalog.bump()
        raise
    return _result(pa.table({}))

