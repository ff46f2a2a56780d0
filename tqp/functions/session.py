"""current_schema(), current_database(), current_catalog(): where the session stands in the
catalog (USE s changes the schema; the one database is DuckDB's in-memory 'memory').

>>> import tqp
>>> con = tqp.connect("cpu")
>>> con.execute("SELECT current_schema(), current_database()").fetchall()
[('main', 'memory')]
"""
from __future__ import annotations

from sqlglot import exp

from .. import types as T
from ..plan.nodes import Lit
from . import Function, register
from .signature import arity


def _current_schema(b, args):
    arity("current_schema", args, 0, 0)
    catalog = b.subqueries.catalog if b.subqueries is not None else None
    schema = catalog.current_schema if catalog is not None else "main"
    return Lit(catalog.schemas.get(schema, schema) if catalog is not None else schema, T.VARCHAR)


register(Function("current_schema", "current_schema() → VARCHAR", "The schema unqualified names mean (USE s).",
                  "current_schema() → 'main'", _current_schema, nodes=(exp.CurrentSchema,), raw=True, family="other"))
register(Function("current_database", "current_database() → VARCHAR", "The database: 'memory'.",
                  "current_database() → 'memory'",
                  lambda *a: arity("current_database", a, 0, 0) or Lit("memory", T.VARCHAR),
                  aliases=("current_catalog",), nodes=(exp.CurrentDatabase, exp.CurrentCatalog), family="other"))
