"""Greedy test-case reduction for fuzzer failures: shrink the SQL, then the data.

``reduce_sql`` parses the query with sqlglot and walks it top-down, trying one simplification
at a time (drop a CTE / join / WHERE / HAVING / select item / ORDER BY / DISTINCT, keep one side
of AND/OR/arithmetic/set operation, replace CASE/COALESCE/function calls by an argument, drop
IN-list items, turn outer joins into inner joins) and keeping each one after which ``fails(sql)``
still says the failure reproduces.  ``reduce_rows`` then removes table rows (halves, quarters, ...,
single rows) and unreferenced tables/columns the same way.

Nothing here knows what "fails" means; the caller decides (same outcome class, same error
signature).  Simplifications that could make a deterministic query non-deterministic are
avoided: ORDER BY is never dropped or shortened while a LIMIT remains, and select items are
not dropped from a SELECT with LIMIT.
"""
from __future__ import annotations

import re
import time

import pyarrow as pa
import sqlglot
from sqlglot import exp

DIALECT = "duckdb"
_ARITH = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.DPipe)


def parse(sql: str):
    return sqlglot.parse_one(sql, read=DIALECT)


def render(tree) -> str:
    return tree.sql(dialect=DIALECT)


def _key(node, name: str) -> str:
    """The arg key sqlglot uses for name (sqlglot 30 suffixes some with '_')."""
    return name + "_" if name + "_" in node.args else name


def _get(node, name: str):
    return node.args.get(_key(node, name))


def _unset(node, *names) -> None:
    for name in names:
        node.set(_key(node, name), None)


def _pop(node) -> None:
    node.pop()


def _has_limit(sel) -> bool:
    return bool(_get(sel, "limit") or _get(sel, "offset"))


def _replace(node, new):
    """Replace node by new, moving a WITH clause of a replaced query onto the new query."""
    w = _get(node, "with") if isinstance(node, exp.Query) else None
    if w is not None and isinstance(new, exp.Query) and not _get(new, "with"):
        new = new.copy()
        new.set(_key(new, "with"), w.copy())
    if node.parent is None:
        return new
    node.replace(new)
    return None


def _func_args(node) -> list:
    out = []
    for v in node.args.values():
        for a in (v if isinstance(v, list) else [v]):
            if isinstance(a, exp.Expression) and not isinstance(a, (exp.DataType, exp.Var, exp.Query)):
                out.append(a)
    return out


def _actions(node) -> list:
    """Possible simplifications of one node, as callables mutating it (returning a new root
    when the node is the root and gets replaced, else None)."""
    acts = []
    if isinstance(node, exp.Select):
        w = _get(node, "with")
        if w is not None:
            ctes = list(w.expressions)
            if len(ctes) == 1:
                acts.append(lambda n=node: _unset(n, "with"))
            else:
                for i in range(len(ctes)):
                    acts.append(lambda n=node, i=i: _pop(_get(n, "with").expressions[i]))
        for key in ("where", "having", "distinct", "group"):
            if _get(node, key) is not None:
                acts.append(lambda n=node, k=key: _unset(n, k))
        if _get(node, "limit") is not None or _get(node, "offset") is not None:
            acts.append(lambda n=node: _unset(n, "limit", "offset"))
        if _get(node, "order") is not None and not _has_limit(node):
            acts.append(lambda n=node: _unset(n, "order"))
        for i in range(len(node.args.get("joins") or [])):
            acts.append(lambda n=node, i=i: _pop(n.args["joins"][i]))
        frm = _get(node, "from")
        if frm is not None and isinstance(frm.this, exp.Subquery) and not node.args.get("joins"):
            # SELECT ... FROM (inner) AS x  ->  inner
            acts.append(lambda n=node: _replace(n, _get(n, "from").this.this.copy()))
        in_setop = isinstance(node.parent, exp.SetOperation)
        if len(node.expressions) > 1 and not in_setop and not _has_limit(node):
            for i in range(len(node.expressions)):
                acts.append(lambda n=node, i=i: _pop(n.expressions[i]))
    elif isinstance(node, exp.SetOperation):
        for side in ("this", "expression"):
            def act(n=node, side=side):
                child = n.args[side]
                while isinstance(child, exp.Subquery):
                    child = child.this
                return _replace(n, child.copy())
            acts.append(act)
    elif isinstance(node, exp.Join):
        if node.side:
            acts.append(lambda n=node: (n.set("side", None), n.set("kind", None)))
    elif isinstance(node, (exp.And, exp.Or)) or isinstance(node, _ARITH):
        acts.append(lambda n=node: _replace(n, n.this.copy()))
        acts.append(lambda n=node: _replace(n, n.expression.copy()))
    elif isinstance(node, exp.Paren) and isinstance(node.this, (exp.Column, exp.Literal, exp.Paren, exp.Func, exp.Null, exp.Boolean)):
        acts.append(lambda n=node: _replace(n, n.this.copy()))
    elif isinstance(node, (exp.Not, exp.Neg)):
        acts.append(lambda n=node: _replace(n, n.this.copy()))
    elif isinstance(node, exp.Case):
        ifs = node.args.get("ifs") or []
        default = node.args.get("default")
        for i, branch in enumerate(ifs):
            acts.append(lambda n=node, i=i: _replace(n, n.args["ifs"][i].args["true"].copy()))
            if len(ifs) > 1:
                acts.append(lambda n=node, i=i: _pop(n.args["ifs"][i]))
        if default is not None:
            acts.append(lambda n=node: _replace(n, n.args["default"].copy()))
            acts.append(lambda n=node: n.set("default", None))
    elif isinstance(node, exp.In):
        items = node.expressions
        if len(items) > 1:
            for i in range(len(items)):
                acts.append(lambda n=node, i=i: _pop(n.expressions[i]))
    elif isinstance(node, exp.Cast) and isinstance(node.this, (exp.Literal, exp.Null)):
        pass  # a typed literal (DATE '...', CAST(NULL AS INT)): keep its type
    elif isinstance(node, exp.Func) and not isinstance(node, (exp.AggFunc, exp.Exists)):
        for k in range(len(_func_args(node))):
            acts.append(lambda n=node, k=k: _replace(n, _func_args(n)[k].copy()))
    return acts


def reduce_sql(sql: str, fails, budget_s: float = 20.0, max_tries: int = 2000) -> str:
    """The smallest query found (by greedy top-down simplification) for which fails() holds."""
    deadline = time.monotonic() + budget_s
    try:
        tree = parse(sql)
        cur = render(tree)
    except Exception:  # noqa: BLE001 - sqlglot cannot read it: no reduction
        return sql
    if cur != sql and not fails(cur):
        return sql
    tries = 0
    progress = True
    while progress and time.monotonic() < deadline and tries < max_tries:
        progress = False
        pos = 0
        while time.monotonic() < deadline and tries < max_tries:
            nodes = list(tree.bfs())
            if pos >= len(nodes):
                break
            n_acts = len(_actions(nodes[pos]))
            accepted = False
            for k in range(n_acts):
                new_tree = tree.copy()
                node = list(new_tree.bfs())[pos]
                try:
                    root = _actions(node)[k]()
                except Exception:  # noqa: BLE001 - an action that does not apply here
                    continue
                if isinstance(root, exp.Expression):
                    new_tree = root
                try:
                    s = render(new_tree)
                except Exception:  # noqa: BLE001
                    continue
                if len(s) >= len(cur):
                    continue
                tries += 1
                if fails(s):
                    try:
                        tree, cur = parse(s), s
                    except Exception:  # noqa: BLE001
                        continue
                    accepted = progress = True
                    break
            if not accepted:
                pos += 1
    return cur


def referenced_tables(tables: dict, sql: str) -> dict:
    return {n: t for n, t in tables.items() if re.search(rf"\b{re.escape(n)}\b", sql)}


def reduce_rows(tables: dict, sql: str, fails, budget_s: float = 15.0) -> dict:
    """Drop unreferenced tables, then rows (delta-debugging style), then unused columns."""
    deadline = time.monotonic() + budget_s
    tables = referenced_tables(tables, sql)
    if not fails(tables):
        return tables
    for name in list(tables):
        chunk = max(tables[name].num_rows // 2, 1)
        while chunk >= 1 and time.monotonic() < deadline:
            start = 0
            while start < tables[name].num_rows and time.monotonic() < deadline:
                t = tables[name]
                keep = [i for i in range(t.num_rows) if not start <= i < start + chunk]
                cand = dict(tables)
                cand[name] = t.take(pa.array(keep, pa.int64())) if keep else t.slice(0, 0)
                if fails(cand):
                    tables = cand
                else:
                    start += chunk
            if chunk == 1:
                break
            chunk //= 2
    for name in list(tables):
        t = tables[name]
        unused = [c for c in t.column_names if not re.search(rf"\b{re.escape(c)}\b", sql)]
        if unused and len(unused) < t.num_columns and time.monotonic() < deadline:
            cand = dict(tables)
            cand[name] = t.drop_columns(unused)
            if fails(cand):
                tables = cand
    return tables
