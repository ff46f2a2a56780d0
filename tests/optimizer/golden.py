"""Shared by the golden-plan tests: a statement's optimized plan as text, and the tables and
connections (tqp and DuckDB over the same data) its answers are checked on."""
from __future__ import annotations

import duckdb

import tqp
from tqp.optimizer import RULES, decorrelate_subqueries, expand_grouping_sets, optimize
from tqp.plan import nodes as P
from tqp.sql.binder import Binder
from tqp.sql.parse import parse


def connections(tables: dict):
    t, d = tqp.connect("cpu"), duckdb.connect()
    for name, table in tables.items():
        t.register(name, table)
        d.register(name, table)
    return t, d


def plan_text(con, sql: str, rules=RULES) -> str:
    """The plan of sql after the given optimizer rules (all of them by default), grouping sets
    and decorrelation first whether named or not: a plan runs only without their nodes."""
    catalog = con._engine.catalog
    plan, _ = Binder(catalog, []).bind_query(parse(sql)[0])
    rules = tuple(r for r in (expand_grouping_sets, decorrelate_subqueries) if r not in rules) + tuple(rules)
    return P.render(optimize(plan, catalog, rules))


def same_rows(cons, sql: str) -> bool:
    t, d = cons
    key = lambda r: tuple((x is None, x) for x in r)  # noqa: E731
    return sorted(t.execute(sql).fetchall(), key=key) == sorted(d.execute(sql).fetchall(), key=key)
