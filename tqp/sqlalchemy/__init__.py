"""A SQLAlchemy 2.x dialect for tqp: ``create_engine("tqp://")``, so that SQLAlchemy Core, the
ORM, ``pandas.read_sql`` / ``DataFrame.to_sql`` and BI tools can use tqp.

The URL is ``tqp://[device]/?setting=value...``: the host part names the device ("cpu",
"cuda", "auto"; empty means "auto"), and query parameters are connection settings as SET takes
them (``tqp:///?threads=2&memory_limit=4GB&TimeZone=UTC``). A tqp database lives in memory, so
one engine holds one tqp connection (SQLAlchemy's StaticPool) that every session shares; tqp
serialises their statements. Sessions and ``engine.begin()`` blocks are tqp transactions
(BEGIN ... COMMIT or ROLLBACK); ``isolation_level="AUTOCOMMIT"`` runs without them. tqp has no sequences or auto-increment: give primary keys their values.
Importing tqp.sqlalchemy registers the dialect even where tqp is not installed with its entry
point.

>>> import sqlalchemy as sa
>>> import tqp.sqlalchemy
>>> engine = sa.create_engine("tqp:///?threads=1")
>>> with engine.begin() as con:
...     _ = con.execute(sa.text("CREATE TABLE pets (id INTEGER PRIMARY KEY, name VARCHAR)"))
...     _ = con.execute(sa.text("INSERT INTO pets VALUES (1, 'Rex'), (2, 'Tom')"))
>>> pets = sa.Table("pets", sa.MetaData(), autoload_with=engine)
>>> [c.name for c in pets.columns], sa.inspect(engine).get_pk_constraint("pets")["constrained_columns"]
(['id', 'name'], ['id'])
>>> with engine.connect() as con:
...     con.execute(sa.select(pets.c.name).where(pets.c.id > 1)).all()
[('Tom',)]
"""
from __future__ import annotations

import re

from sqlalchemy import types as sqltypes
from sqlalchemy.dialects import registry
from sqlalchemy.engine import default, reflection
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import compiler

_TYPES = {
    "BOOLEAN": sqltypes.BOOLEAN, "SMALLINT": sqltypes.SMALLINT, "INTEGER": sqltypes.INTEGER,
    "BIGINT": sqltypes.BIGINT, "REAL": sqltypes.REAL, "FLOAT": sqltypes.REAL, "DOUBLE": sqltypes.DOUBLE,
    "DATE": sqltypes.DATE, "TIMESTAMP": sqltypes.TIMESTAMP, "TIME": sqltypes.TIME, "INTERVAL": sqltypes.Interval,
    "VARCHAR": sqltypes.VARCHAR, "UUID": sqltypes.Uuid,
}


def _sqlalchemy_type(name: str):
    """The SQLAlchemy type of a column type as information_schema writes it."""
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", name)
    if decimal:
        return sqltypes.DECIMAL(int(decimal.group(1)), int(decimal.group(2)))
    if name == "TIMESTAMP WITH TIME ZONE":
        return sqltypes.TIMESTAMP(timezone=True)
    if name.endswith("[]"):
        return sqltypes.ARRAY(_sqlalchemy_type(name[:-2]))
    kind = _TYPES.get(name)
    return kind() if kind is not None else sqltypes.NullType()


class TqpTypeCompiler(compiler.GenericTypeCompiler):
    """DDL types as tqp (and DuckDB) spell them: a Float is DOUBLE unless its precision fits a
    REAL, text is VARCHAR, and a zoned DateTime is TIMESTAMP WITH TIME ZONE."""

    def visit_FLOAT(self, type_, **kw):
        return "REAL" if type_.precision is not None and type_.precision <= 24 else "DOUBLE"

    def visit_DOUBLE(self, type_, **kw):
        return "DOUBLE"

    visit_DOUBLE_PRECISION = visit_DOUBLE

    def visit_TEXT(self, type_, **kw):
        return "VARCHAR"

    def visit_CLOB(self, type_, **kw):
        return "VARCHAR"

    def visit_datetime(self, type_, **kw):
        return "TIMESTAMP WITH TIME ZONE" if getattr(type_, "timezone", False) else "TIMESTAMP"

    visit_DATETIME = visit_TIMESTAMP = visit_datetime

    def visit_uuid(self, type_, **kw):
        return "VARCHAR"


class TqpExecutionContext(default.DefaultExecutionContext):
    def post_exec(self):
        # SQLAlchemy closes a DML statement's cursor before it reads rowcount; tqp's cursor
        # forgets its rowcount when closed (PEP 249 leaves it undefined then).
        self._rowcount = self.cursor.rowcount


class TqpDialect(default.DefaultDialect):
    name = "tqp"
    driver = "tqp"
    supports_statement_cache = True
    default_paramstyle = "qmark"
    positional = True
    supports_native_boolean = True
    supports_native_decimal = True
    supports_sequences = False
    supports_multivalues_insert = True
    insert_returning = update_returning = delete_returning = True
    postfetch_lastrowid = False
    supports_comments = False
    supports_schemas = True
    default_schema_name = "main"
    type_compiler_cls = TqpTypeCompiler
    execution_ctx_cls = TqpExecutionContext

    @classmethod
    def import_dbapi(cls):
        from .. import dbapi
        return dbapi

    @classmethod
    def get_pool_class(cls, url):
        return StaticPool  # one in-memory database per engine, shared by all its sessions

    def create_connect_args(self, url):
        options = dict(url.query)
        if url.database:
            raise ValueError(f"tqp keeps its tables in memory: the URL {url} names a database file")
        return [url.host or "auto"], options

    def _get_server_version_info(self, connection):
        return (0, 1, 0)

    def _get_default_schema_name(self, connection):
        return "main"

    # SQLAlchemy's transactions are tqp's (BEGIN ... COMMIT / ROLLBACK); one connection runs
    # one statement at a time, so they are serializable. AUTOCOMMIT runs without them.

    def get_isolation_level_values(self, dbapi_connection):
        return ["SERIALIZABLE", "AUTOCOMMIT"]

    def get_isolation_level(self, dbapi_connection):
        return "AUTOCOMMIT" if getattr(dbapi_connection, "_tqp_autocommit", False) else "SERIALIZABLE"

    def get_default_isolation_level(self, dbapi_connection):
        return "SERIALIZABLE"

    def set_isolation_level(self, dbapi_connection, level):
        if level not in ("SERIALIZABLE", "AUTOCOMMIT"):
            raise ValueError(f"tqp offers the isolation levels SERIALIZABLE and AUTOCOMMIT, not {level}")
        dbapi_connection._tqp_autocommit = level == "AUTOCOMMIT"

    def do_begin(self, dbapi_connection):
        engine = dbapi_connection._engine
        if not getattr(dbapi_connection, "_tqp_autocommit", False) and engine.transaction is None:
            dbapi_connection.execute("BEGIN")

    def do_ping(self, dbapi_connection):
        dbapi_connection.execute("SELECT 1").fetchall()
        return True

    # ------------------------------------------------------------ reflection

    def _rows(self, connection, sql: str, *params):
        return connection.exec_driver_sql(sql, params).fetchall()

    def _tables(self, connection, schema, kind: str) -> list[str]:
        return [r[0] for r in self._rows(
            connection, "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type "
            + ("= 'VIEW'" if kind == "VIEW" else "<> 'VIEW'") + " ORDER BY table_name", schema or "main")]

    @reflection.cache
    def get_schema_names(self, connection, **kw):
        return [r[0] for r in self._rows(
            connection, "SELECT DISTINCT schema_name FROM information_schema.schemata WHERE catalog_name = 'memory' "
                        "ORDER BY schema_name")]

    @reflection.cache
    def get_table_names(self, connection, schema=None, **kw):
        return self._tables(connection, schema, "TABLE")

    @reflection.cache
    def get_view_names(self, connection, schema=None, **kw):
        return self._tables(connection, schema, "VIEW")

    def has_table(self, connection, table_name, schema=None, **kw):
        return bool(self._rows(connection, "SELECT 1 FROM information_schema.tables WHERE table_schema = ? "
                                           "AND lower(table_name) = lower(?)", schema or "main", table_name))

    def has_schema(self, connection, schema_name, **kw):
        return schema_name.lower() in {s.lower() for s in self.get_schema_names(connection)}

    @reflection.cache
    def get_columns(self, connection, table_name, schema=None, **kw):
        rows = self._rows(connection, "SELECT column_name, data_type, is_nullable, column_default "
                                      "FROM information_schema.columns WHERE table_schema = ? "
                                      "AND lower(table_name) = lower(?) ORDER BY ordinal_position",
                          schema or "main", table_name)
        if not rows:
            from sqlalchemy.exc import NoSuchTableError
            raise NoSuchTableError(table_name)
        return [dict(name=name, type=_sqlalchemy_type(kind), nullable=nullable == "YES", default=default,
                     autoincrement=False) for name, kind, nullable, default in rows]

    def _described(self, connection, table_name, schema):
        target = f'"{table_name}"' if not schema or schema == "main" else f'"{schema}"."{table_name}"'
        return self._rows(connection, f"DESCRIBE {target}")

    @reflection.cache
    def get_pk_constraint(self, connection, table_name, schema=None, **kw):
        keys = [r[0] for r in self._described(connection, table_name, schema) if r[3] == "PRI"]
        return {"constrained_columns": keys, "name": None}

    @reflection.cache
    def get_unique_constraints(self, connection, table_name, schema=None, **kw):
        return [{"name": None, "column_names": [r[0]]} for r in self._described(connection, table_name, schema)
                if r[3] == "UNI"]

    def get_foreign_keys(self, connection, table_name, schema=None, **kw):
        return []  # tqp does not keep FOREIGN KEY constraints

    def get_indexes(self, connection, table_name, schema=None, **kw):
        return []

    def get_check_constraints(self, connection, table_name, schema=None, **kw):
        return []


dialect = TqpDialect
# The entry point registers "tqp://" for an installed tqp; importing this module does it too.
registry.register("tqp", __name__, "TqpDialect")
