"""DuckDB's COLUMNS(...) star expression in a SELECT list: the item is repeated once per
column it selects, each copy named after its column (or the item's alias).

COLUMNS takes `*` (with EXCLUDE / REPLACE), a regular expression matched anywhere in the
name, a list of names, or a lambda over the name. Every COLUMNS(...) in one item must select
the same columns, as the copies pair them up by position.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"a": [1, 5], "ab": [3, 2], "b": ["x", "y"]})
>>> r = con.execute("SELECT max(COLUMNS('^a')) FROM t")
>>> [d[0] for d in r.description], r.fetchall()
(['a', 'ab'], [(5, 3)])
"""
from __future__ import annotations

import re

from sqlglot import exp

from ..errors import NotSupportedError, ProgrammingError
from ..plan.nodes import Lit
from .scope import suggest


def expand_columns(item: exp.Expression, columns: list, make_binder) -> list[exp.Expression]:
    """The copies of a select item that holds COLUMNS(...); `columns` are the visible
    ScopeColumns, `make_binder(scope)` gives an ExprBinder (for a lambda's test)."""
    nodes = list(item.find_all(exp.Columns))
    picked = _selected(nodes[0], columns, make_binder)
    if any(n != nodes[0] for n in nodes[1:]):
        raise NotSupportedError("different COLUMNS(...) expressions in one select item")
    alias = item.alias if isinstance(item, exp.Alias) else None
    body = item.this if isinstance(item, exp.Alias) else item
    out = []
    for c in picked:
        ref = exp.column(c.name, c.table, quoted=True) if c.table else exp.column(c.name, quoted=True)
        copy = body.copy().transform(lambda n: ref.copy() if isinstance(n, exp.Columns) else n)
        out.append(exp.alias_(copy, alias or c.name, quoted=True))
    return out


def _selected(node: exp.Columns, columns: list, make_binder) -> list:
    what = node.this
    if isinstance(what, exp.Star):
        excluded = {c.name.lower() for c in what.args.get("except_") or what.args.get("except") or []}
        names = {c.name.lower() for c in columns}
        for n in excluded - names:
            raise ProgrammingError(f'column "{n}" in the EXCLUDE list is not in *' + suggest(n, list(names)))
        if what.args.get("replace") or what.args.get("rename"):
            raise NotSupportedError("REPLACE or RENAME inside COLUMNS(*)")
        return [c for c in columns if c.name.lower() not in excluded]
    if isinstance(what, exp.Literal) and what.is_string:
        try:
            pattern = re.compile(what.this)
        except re.error as err:
            raise ProgrammingError(f"COLUMNS: invalid regular expression {what.this!r}: {err}") from None
        picked = [c for c in columns if pattern.search(c.name)]
        if not picked:
            raise ProgrammingError(f'No matching columns found that match regex "{what.this}"'
                                   + suggest(what.this, [c.name for c in columns]))
        return picked
    if isinstance(what, exp.Array) and all(isinstance(x, exp.Literal) and x.is_string for x in what.expressions):
        by_name = {c.name.lower(): c for c in columns}
        out = []
        for x in what.expressions:
            if x.this.lower() not in by_name:
                raise ProgrammingError(f'column "{x.this}" in COLUMNS([...]) does not exist' + suggest(x.this, list(by_name)))
            out.append(by_name[x.this.lower()])
        return out
    if isinstance(what, exp.Lambda) and len(what.expressions) == 1:
        keep = _names_passing(what.this, what.expressions[0].name, [c.name for c in columns], make_binder)
        return [c for c, k in zip(columns, keep) if k]
    raise ProgrammingError("COLUMNS(...) takes *, a regular expression, a list of column names or a lambda; "
                           "it can only contain lambda parameters")


def _names_passing(test: exp.Expression, param: str, names: list[str], make_binder) -> list[bool]:
    """The lambda's test run over the column names, as a one-column relation of them."""
    import torch

    from .. import types as T
    from ..compile.lower import Context, lower
    from ..plan import nodes as P
    from .scope import Scope, ScopeColumn
    test = test.copy().transform(lambda n: exp.column(n.name) if isinstance(n, exp.Identifier) and
                                 n.name.lower() == param.lower() and not isinstance(n.parent, exp.Column) else n)
    cond = make_binder(Scope([ScopeColumn(None, param, T.VARCHAR)])).bool_expr(test, "COLUMNS lambda")
    rows = P.Values(tuple((Lit(n, T.VARCHAR),) for n in names), ((param, T.VARCHAR),))
    out = lower(P.Project(rows, (cond,), ("#keep",)))(Context(torch.device("cpu"), {})).column(0)
    return [bool(v) and bool(ok) for v, ok in zip(out.data.tolist(), out.valid_mask().tolist())]
