"""Differential SQL fuzzer: tqp against DuckDB, plus TLP and NoREC oracles on tqp alone.

Usage (from the repository root)::

    python -m tests.fuzz.fuzzer --seed 1 --queries 500
    python -m tests.fuzz.fuzzer --seed 1 --queries 500 --features=-window,-setops --out /tmp/fz
    python -m tests.fuzz.fuzzer --seed 1 --case 17 -v        # one case, verbosely
    python -m tests.fuzz.fuzzer --replay /tmp/fz/mismatch/differential-s1-c17.sql

Each case draws one oracle:

- differential: a random query runs on tqp and DuckDB; results compare as multisets (as
  ordered lists where the query's ORDER BY fixes the order) with a relative float tolerance
  of 1e-9, DECIMAL/float/int compared by value and DATE against TIMESTAMP by value; the
  Arrow type families are compared too (a DECIMAL that comes back as DOUBLE is
  ``type_mismatch``).
- tlp (ternary logic partitioning): for a random predicate p, ``Q`` must equal the UNION ALL
  of Q restricted by ``p``, ``NOT p`` and ``p IS NULL``; also its DISTINCT form (UNION), its
  aggregate form (MIN/MAX/SUM/COUNT of the partitions' MIN/MAX/SUM/COUNT), with GROUP BY, and
  on HAVING.  Checked on tqp alone; when it fails, DuckDB's answers tell which query is wrong.
- norec: ``SELECT count(*) FROM f WHERE p`` against a form the optimizer cannot use p in
  (``sum(CASE WHEN p THEN 1 ELSE 0 END)``, ``count(CASE WHEN p THEN 1 END)``, a derived
  ``(p) IS TRUE`` column), and a projection through a derived table.  tqp alone.

Outcome classes: ok, mismatch (wrong answer), type_mismatch (right values, wrong type family),
tqp_internal_error (InternalError or a non-PEP 249 exception: always a bug), tqp_refused
(NotSupportedError while DuckDB answers; counted per message), both_error, duck_error_only
(tqp answered a query DuckDB rejects), tqp_error_only (another tqp error class while DuckDB
answers), timeout (tqp took longer than --timeout), oracle_invalid (a TLP/NoREC pair that
DuckDB does not satisfy either: a fuzzer bug, never a tqp one).

Failing cases are reduced (query first, then table rows) and saved under --out as SQL
scripts: CREATE TABLE + INSERT, the query, and both engines' answers.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import json
import pathlib
import random
import re
import signal
import sys
import time
import traceback

import pyarrow as pa
from sqlglot import exp

REPO = pathlib.Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.fuzz import gen  # noqa: E402
from tests.fuzz.gen import Ctx, QueryGen  # noqa: E402
from tests.fuzz import reduce as red  # noqa: E402

CLASSES = [
    "ok", "mismatch", "type_mismatch", "tqp_internal_error", "tqp_refused", "both_error",
    "duck_error_only", "tqp_error_only", "timeout", "oracle_invalid",
]
FAILURE_CLASSES = ("mismatch", "type_mismatch", "tqp_internal_error", "tqp_error_only", "duck_error_only", "timeout")
ORACLES = ("differential", "tlp", "norec")
ORACLE_WEIGHTS = {"differential": 5, "tlp": 3, "norec": 2}
BLOCK = 40  # cases per generated data set


# --------------------------------------------------------------------------------------
# Engines
# --------------------------------------------------------------------------------------

class FuzzTimeout(BaseException):
    """Raised by SIGALRM inside a tqp call (a BaseException, so tqp's boundary cannot wrap it)."""


@contextlib.contextmanager
def _alarm(seconds: float):
    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def handler(signum, frame):
        raise FuzzTimeout()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class Outcome:
    """One engine's answer to one statement: a table, or an error of some kind."""

    __slots__ = ("kind", "table", "etype", "msg", "sig", "secs")

    def __init__(self, kind, table=None, etype="", msg="", sig="", secs=0.0):
        self.kind = kind  # ok | internal | refused | error | timeout
        self.table = table
        self.etype = etype
        self.msg = msg
        self.sig = sig
        self.secs = secs

    @property
    def ok(self) -> bool:
        return self.kind == "ok"

    def describe(self, limit: int = 40) -> str:
        if not self.ok:
            return f"{self.etype}: {self.msg}"
        return format_table(self.table, limit)


def format_table(t: pa.Table, limit: int = 40) -> str:
    rows = list(zip(*[c.to_pylist() for c in t.columns])) if t.num_columns else []
    head = f"{t.num_rows} row(s); " + ", ".join(f"{n} {ty}" for n, ty in zip(t.column_names, t.schema.types))
    body = [repr(r) for r in rows[:limit]]
    if len(rows) > limit:
        body.append(f"... {len(rows) - limit} more")
    return "\n".join([head] + body)


def _normalize_msg(msg: str) -> str:
    msg = msg.splitlines()[0] if msg else ""
    msg = re.sub(r"'[^']*'|\"[^\"]*\"", "'?'", msg)
    msg = re.sub(r"-?\b\d+\b", "N", msg)
    msg = re.sub(r"\ba\d+\b", "aN", msg)
    return msg[:160]


def _tqp_frame(exc: BaseException) -> str:
    """file:function of the innermost tqp frame of the exception (or of what it wraps)."""
    e = exc.__cause__ or exc
    tb = traceback.extract_tb(e.__traceback__)
    for fr in reversed(tb):
        if "/tqp/" in fr.filename.replace("\\", "/"):
            return f"{fr.filename.split('/tqp/')[-1]}:{fr.name}"
    return tb[-1].name if tb else "?"


class Engines:
    """A tqp connection and a DuckDB connection holding the same tables."""

    def __init__(self, device: str = "cpu", timeout: float = 10.0, threads: int | None = 1):
        import duckdb
        import tqp

        self.tqp = tqp
        self.duckdb = duckdb
        kw = {"threads": threads} if threads else {}
        self.con = tqp.connect(device=device, **kw)
        self.duck = duckdb.connect()
        if threads:
            self.duck.execute(f"SET threads={int(threads)}")
        self.timeout = timeout
        self.loaded: dict[str, pa.Table] = {}

    def load(self, tables: dict[str, pa.Table]) -> None:
        for name in list(self.loaded):
            if name not in tables:
                with contextlib.suppress(Exception):
                    self.con.unregister(name)
                self.duck.execute(f'DROP TABLE IF EXISTS "{name}"')
                del self.loaded[name]
        for name, tbl in tables.items():
            if self.loaded.get(name) is tbl:
                continue
            self.con.register(name, tbl)
            tmp = f"__arrow_{name}"
            self.duck.register(tmp, tbl)
            self.duck.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "{tmp}"')
            self.duck.unregister(tmp)
            self.loaded[name] = tbl

    def run_tqp(self, sql: str) -> Outcome:
        t0 = time.perf_counter()
        try:
            with _alarm(self.timeout):
                table = self.con.execute(sql).fetch_arrow()
            return Outcome("ok", table, secs=time.perf_counter() - t0)
        except FuzzTimeout:
            return Outcome("timeout", etype="Timeout", msg=f"no answer within {self.timeout}s",
                           sig="timeout", secs=time.perf_counter() - t0)
        except self.tqp.Error as e:
            name = type(e).__name__
            kind = {"InternalError": "internal", "NotSupportedError": "refused"}.get(name, "error")
            msg = str(e)
            sig = f"{name}: {_normalize_msg(msg)}"
            if kind == "internal":
                sig += f" @ {_tqp_frame(e)}"
            return Outcome(kind, etype=name, msg=msg, sig=sig, secs=time.perf_counter() - t0)
        except Exception as e:  # noqa: BLE001 - a non-PEP 249 exception escaping is a bug
            name = type(e).__name__
            msg = str(e)
            return Outcome("internal", etype=f"(non-PEP 249) {name}", msg=msg,
                           sig=f"{name}: {_normalize_msg(msg)} @ {_tqp_frame(e)}", secs=time.perf_counter() - t0)

    def run_duck(self, sql: str) -> Outcome:
        try:
            return Outcome("ok", self.duck.sql(sql).to_arrow_table())
        except Exception as e:  # noqa: BLE001
            return Outcome("error", etype=type(e).__name__, msg=str(e), sig=_normalize_msg(str(e)))

    def close(self):
        with contextlib.suppress(Exception):
            self.con.close()
        with contextlib.suppress(Exception):
            self.duck.close()


# --------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------

def family(t: pa.DataType) -> str:
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_null(t):
        return "null"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_decimal(t):
        return "int" if t.scale == 0 else "decimal"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "timestamp"
    return str(t)


def _decode(t: pa.Table) -> pa.Table:
    cols = []
    for c in t.columns:
        if pa.types.is_dictionary(c.type):
            c = c.cast(c.type.value_type)
        cols.append(c)
    return pa.table(cols, names=[f"col{i}" for i in range(len(cols))])


def _align_temporal(e: pa.Table, a: pa.Table) -> tuple[pa.Table, pa.Table]:
    """A DATE column against a TIMESTAMP column: compare both as timestamps."""
    ecols, acols = list(e.columns), list(a.columns)
    for j in range(min(len(ecols), len(acols))):
        fe, fa = family(ecols[j].type), family(acols[j].type)
        if {fe, fa} == {"date", "timestamp"}:
            if fe == "date":
                ecols[j] = ecols[j].cast(pa.timestamp("us"))
            else:
                acols[j] = acols[j].cast(pa.timestamp("us"))
    return (pa.table(ecols, names=e.column_names), pa.table(acols, names=a.column_names))


def diff(expected: pa.Table, actual: pa.Table, ordered: bool = False, keys=None) -> str | None:
    """None when the answers match (see module doc), else a message naming a difference."""
    from tpch.verify import compare

    e, a = _align_temporal(_decode(expected), _decode(actual))
    try:
        return compare(e, a, ordered=ordered, order_key_columns=keys if ordered else None)
    except Exception as exc:  # noqa: BLE001 - e.g. incomparable values
        return f"comparison failed: {type(exc).__name__}: {exc}"


def type_diffs(expected: pa.Table, actual: pa.Table) -> list[str]:
    """Columns whose type family differs (a column DuckDB gives as all NULL is not judged:
    DuckDB types some NULL constants oddly, e.g. EXTRACT(day FROM CAST(NULL AS DATE)) is DOUBLE)."""
    out = []
    for j, (te, ta) in enumerate(zip(expected.schema.types, actual.schema.types)):
        if expected.column(j).null_count == expected.num_rows:
            continue
        fe, fa = family(te), family(ta)
        if fe != fa and "null" not in (fe, fa):
            out.append(f"column {j}: DuckDB {te} ({fe}), tqp {ta} ({fa})")
    return out


def order_spec(sql: str) -> tuple[bool, list | None]:
    """(ordered, key positions) from the outermost ORDER BY, read with sqlglot.

    Keys are positions when every ORDER BY term is an ordinal or an output alias; otherwise
    the comparison is unordered (never a false alarm, at worst a missed ordering bug).
    """
    try:
        tree = red.parse(sql)
    except Exception:  # noqa: BLE001
        return (False, None)
    order = tree.args.get("order")
    if not order:
        return (False, None)
    sel = tree
    while isinstance(sel, (exp.SetOperation, exp.Subquery)):
        sel = sel.this
    if not isinstance(sel, exp.Select):
        return (False, None)
    names = [e.alias_or_name for e in sel.expressions]
    keys = []
    for item in order.expressions:
        node = item.this
        if isinstance(node, exp.Literal) and node.is_int:
            keys.append(int(node.this) - 1)
        elif isinstance(node, exp.Column) and not node.table and names.count(node.name) == 1:
            keys.append(names.index(node.name))
        else:
            return (False, None)
    if any(not 0 <= k < len(names) for k in keys):
        return (False, None)
    return (True, keys)


# --------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------

class Case:
    """A generated test: the oracle, the SQL statements, and how to compare."""

    def __init__(self, seed, idx, oracle, tables, queries, ordered=False, keys=None, kind=""):
        self.seed, self.idx, self.oracle = seed, idx, oracle
        self.features = gen.DEFAULT_FEATURES
        self.oracles = ORACLES
        self.tables = tables
        self.queries = queries  # differential: [q]; tlp/norec: [q1, q2]
        self.ordered, self.keys = ordered, keys
        self.kind = kind  # the TLP / NoREC variant


_DATA_CACHE: dict = {}


def dataset(seed: int, block: int, features) -> dict[str, pa.Table]:
    key = (seed, block, frozenset(features) & {"unicode", "float_specials"})
    if key not in _DATA_CACHE:
        if len(_DATA_CACHE) > 4:
            _DATA_CACHE.clear()
        _DATA_CACHE[key] = gen.make_tables(random.Random(f"data:{seed}:{block}"), features)
    return _DATA_CACHE[key]


def _where(conds: list[str]) -> str:
    return f" WHERE {' AND '.join(conds)}" if conds else ""


def make_case(seed: int, idx: int, features, oracles=ORACLES) -> Case:
    case = _make_case(seed, idx, features, oracles)
    case.features, case.oracles = frozenset(features), tuple(oracles)
    return case


def cli_args(case: Case) -> str:
    """The command-line options that regenerate this case."""
    out = f"--seed {case.seed} --case {case.idx}"
    if case.features != gen.DEFAULT_FEATURES:
        out += " --features=" + ",".join(sorted(case.features))
    if tuple(case.oracles) != ORACLES:
        out += " --oracles=" + ",".join(case.oracles)
    return out


def _make_case(seed: int, idx: int, features, oracles) -> Case:
    tables = dataset(seed, idx // BLOCK, features)
    rng = random.Random(f"case:{seed}:{idx}")
    oracle = rng.choices(list(oracles), [ORACLE_WEIGHTS[o] for o in oracles])[0]
    g = QueryGen(rng, tables, features)
    if oracle == "differential":
        q = g.top()
        return Case(seed, idx, oracle, tables, [q.sql], q.ordered, q.order_keys)
    g.n_alias = 0
    w = g.with_clause()
    from_sql, rels, where, _rows = g.from_clause(0, [])
    cols = [e for rel in rels for e in rel.refs()]
    rctx = Ctx(cols, [], None, False, True, False, 0)
    if rng.random() < 0.4:
        where.append(g.pred(rctx, 2).sql)
    if rng.random() < 0.15 and (g.on("subq_exists") or g.on("subq_in")):
        where.append(g.subquery_pred(rctx, 1).sql)
    p = g.pred(rctx, rng.choice([1, 2, 3])).sql
    if oracle == "tlp":
        kind, q1, q2 = _tlp(g, rng, w, from_sql, where, rctx, p)
    else:
        kind, q1, q2 = _norec(g, rng, w, from_sql, where, rctx, p)
    return Case(seed, idx, oracle, tables, [q1, q2], kind=kind)


PARTS = ("({p})", "(NOT ({p}))", "(({p}) IS NULL)")


def _tlp(g: QueryGen, rng, w, from_sql, where, rctx, p):
    kinds = [(3, "plain"), (1 if g.on("distinct") else 0, "distinct"), (2 if g.on("groupby") else 0, "aggregate"),
             (2 if g.on("groupby") else 0, "group"), (1 if g.on("groupby", "having") else 0, "having")]
    kind = g.choose(kinds)
    parts = [where + [c.format(p=p)] for c in PARTS]
    if kind in ("plain", "distinct"):
        items = [g.expr(g.item_type(rctx), rctx, rng.choice([0, 1, 2])) for _ in range(rng.randint(1, 3))]
        sel = ", ".join(f"{e.sql} AS c{i}" for i, e in enumerate(items))
        dist = "DISTINCT " if kind == "distinct" else ""
        q1 = f"{w}SELECT {dist}{sel} FROM {from_sql}{_where(where)}"
        op = " UNION " if kind == "distinct" else " UNION ALL "
        q2 = w + op.join(f"SELECT {sel} FROM {from_sql}{_where(c)}" for c in parts)
        return kind, q1, q2
    keys = []
    if kind in ("group", "having"):
        for _ in range(rng.choice([1, 1, 2])):
            k = None
            if rng.random() < 0.3:
                k = g.expr(rng.choice([t for t in g.avail_types(rctx) if t != "bool"] or ["int"]), rctx.row(), 1)
            if k is None or not gen.COLREF.search(k.sql):  # GROUP BY <integer> would be an ordinal
                k = rng.choice(rctx.cols)
            if k.sql not in [x.sql for x in keys]:
                keys.append(k)
    aggs = []  # (sql, combiner)
    for _ in range(rng.randint(1, 3)):
        f = rng.choice(["count*", "count", "sum", "min", "max"])
        if f == "count*":
            aggs.append(("count(*)", "sum"))
            continue
        t = rng.choice(gen.NUMERIC if f == "sum" else g.avail_types(rctx) + ["int", "double"])
        if t == "varchar" and f in ("min", "max") and not g.on("string_minmax"):
            t = "int"
        if f == "sum" and t == "double":
            t = rng.choice(["double", "decimal", "int"])
        a = g.expr(t, rctx.row(), rng.choice([0, 1, 2]))
        if f == "count":
            aggs.append((f"count({a.sql})", "sum"))
        else:
            aggs.append((f"{f}({a.sql})", "sum" if f == "sum" else f))
    ksel = [f"{k.sql} AS g{i}" for i, k in enumerate(keys)]
    asel = [f"{a} AS c{i}" for i, (a, _) in enumerate(aggs)]
    gb = f" GROUP BY {', '.join(k.sql for k in keys)}" if keys else ""
    body = ", ".join(ksel + asel)
    if kind == "having":
        gctx = Ctx(rctx.cols, [], keys, True, True, False, 0)
        hp = g.pred(gctx, 2).sql
        h0 = g.pred(gctx, 1).sql if rng.random() < 0.3 else None
        q1 = f"{w}SELECT {body} FROM {from_sql}{_where(where)}{gb}" + (f" HAVING {h0}" if h0 else "")
        q2 = w + " UNION ALL ".join(
            f"SELECT {body} FROM {from_sql}{_where(where)}{gb} HAVING " + " AND ".join(([h0] if h0 else []) + [c.format(p=hp)])
            for c in PARTS)
        return kind, q1, q2
    q1 = f"{w}SELECT {body} FROM {from_sql}{_where(where)}{gb}"
    inner = " UNION ALL ".join(f"SELECT {body} FROM {from_sql}{_where(c)}{gb}" for c in parts)
    outer_keys = [f"g{i}" for i in range(len(keys))]
    outer_aggs = [f"{comb}(c{i})" for i, (_, comb) in enumerate(aggs)]
    q2 = f"{w}SELECT {', '.join(outer_keys + outer_aggs)} FROM ({inner}) AS tlp" + (
        f" GROUP BY {', '.join(outer_keys)}" if keys else "")
    return kind, q1, q2


def _norec(g: QueryGen, rng, w, from_sql, where, rctx, p):
    kind = rng.choice(["sum_case", "count_case", "is_true", "projection"])
    q1 = f"{w}SELECT count(*) FROM {from_sql}{_where(where + [p])}"
    if kind == "sum_case":
        q2 = f"{w}SELECT coalesce(sum(CASE WHEN {p} THEN 1 ELSE 0 END), 0) FROM {from_sql}{_where(where)}"
    elif kind == "count_case":
        q2 = f"{w}SELECT count(CASE WHEN {p} THEN 1 END) FROM {from_sql}{_where(where)}"
    elif kind == "is_true":
        q2 = f"{w}SELECT count(*) FROM (SELECT ({p}) IS TRUE AS nr FROM {from_sql}{_where(where)}) AS norec WHERE norec.nr"
    else:
        items = [g.expr(g.item_type(rctx), rctx, rng.choice([0, 1, 2])) for _ in range(rng.randint(1, 3))]
        sel = ", ".join(f"{e.sql} AS c{i}" for i, e in enumerate(items))
        outs = ", ".join(f"norec.c{i}" for i in range(len(items)))
        q1 = f"{w}SELECT {sel} FROM {from_sql}{_where(where + [p])}"
        q2 = f"{w}SELECT {outs} FROM (SELECT {sel}, ({p}) AS nr FROM {from_sql}{_where(where)}) AS norec WHERE norec.nr"
    return kind, q1, q2


# --------------------------------------------------------------------------------------
# Oracles
# --------------------------------------------------------------------------------------

class Result:
    """What one case found: class, a detail line, the outcomes, and for errors a signature."""

    def __init__(self, cls, detail="", sig="", sql=None, tqp=None, duck=None, extra=None):
        self.cls, self.detail, self.sig, self.sql = cls, detail, sig, sql
        self.tqp, self.duck = tqp, duck
        self.extra = extra or {}


def classify_error(eng: Engines, sql: str, t: Outcome, d: Outcome | None = None) -> Result:
    """The class of a statement tqp did not answer (DuckDB is asked when needed)."""
    if t.kind == "internal":
        return Result("tqp_internal_error", t.msg, t.sig, sql, t, d)
    if t.kind == "timeout":
        return Result("timeout", t.msg, "timeout", sql, t, d)
    d = d or eng.run_duck(sql)
    if not d.ok:
        return Result("both_error", f"tqp {t.etype}: {t.msg} | DuckDB: {d.msg}", d.sig, sql, t, d)
    if t.kind == "refused":
        return Result("tqp_refused", t.msg, t.sig, sql, t, d)
    return Result("tqp_error_only", t.msg, t.sig, sql, t, d)


def differential(eng: Engines, sql: str, ordered=None, keys=None) -> Result:
    if ordered is None:
        ordered, keys = order_spec(sql)
    t = eng.run_tqp(sql)
    d = eng.run_duck(sql)
    if not t.ok:
        return classify_error(eng, sql, t, d)
    if not d.ok:
        return Result("duck_error_only", d.msg, "duck: " + d.sig, sql, t, d)
    msg = diff(d.table, t.table, ordered, keys)
    if msg:
        return Result("mismatch", msg, "", sql, t, d)
    tdiff = type_diffs(d.table, t.table)
    if tdiff:
        return Result("type_mismatch", "; ".join(tdiff), "; ".join(_normalize_msg(x) for x in tdiff), sql, t, d)
    return Result("ok", sql=sql, tqp=t, duck=d)


def metamorphic(eng: Engines, q1: str, q2: str) -> Result:
    """TLP / NoREC: q1 and q2 must give the same multiset on tqp."""
    o1 = eng.run_tqp(q1)
    if not o1.ok:
        return classify_error(eng, q1, o1)
    o2 = eng.run_tqp(q2)
    if not o2.ok:
        return classify_error(eng, q2, o2)
    msg = diff(o1.table, o2.table)
    if not msg:
        return Result("ok", sql=q1, tqp=o1)
    d1, d2 = eng.run_duck(q1), eng.run_duck(q2)
    if d1.ok and d2.ok and diff(d1.table, d2.table):
        return Result("oracle_invalid", f"DuckDB also differs: {msg}", "", q1, o1, d1)
    wrong = []
    for name, sql, o, d in (("q1", q1, o1, d1), ("q2", q2, o2, d2)):
        if d.ok and diff(d.table, o.table):
            wrong.append(name)
    return Result("mismatch", f"{msg}; differs from DuckDB: {', '.join(wrong) or 'neither?'}", "", q1, o1, d1,
                  extra={"q2": q2, "tqp2": o2, "duck2": d2, "wrong": wrong})


def run_case(eng: Engines, case: Case) -> Result:
    eng.load(case.tables)
    if case.oracle == "differential":
        return differential(eng, case.queries[0], case.ordered, case.keys)
    return metamorphic(eng, case.queries[0], case.queries[1])


# --------------------------------------------------------------------------------------
# Reduction and saving
# --------------------------------------------------------------------------------------

def failure_predicate(eng: Engines, res: Result):
    """fails(sql) for the reducer: the same class (and error signature) on a reduced query."""
    cls, sig = res.cls, res.sig
    unordered_ok = True
    if cls == "mismatch" and res.tqp is not None and res.duck is not None and res.tqp.ok and res.duck.ok:
        unordered_ok = diff(res.duck.table, res.tqp.table) is not None

    def fails(sql: str) -> bool:
        if cls == "tqp_internal_error":
            t = eng.run_tqp(sql)
            return t.kind == "internal" and t.sig == sig
        if cls == "timeout":
            return eng.run_tqp(sql).kind == "timeout"
        r = differential(eng, sql, *((False, None) if unordered_ok else order_spec(sql)))
        if r.cls != cls:
            return False
        return cls == "mismatch" or r.sig == sig

    return fails


def reduce_failure(eng: Engines, case: Case, res: Result, budget_s: float = 20.0):
    """(tables, sql, result) of a smaller reproduction, or None when not reducible."""
    sql = res.sql
    if case.oracle != "differential" and res.cls == "mismatch":
        # A TLP/NoREC failure: one of the two queries is wrong against DuckDB; reduce that one.
        wrong = res.extra.get("wrong") or []
        if not wrong:
            return None
        sql = case.queries[0] if wrong[0] == "q1" else case.queries[1]
        res = differential(eng, sql)
        if res.cls != "mismatch":
            return None
    t0 = time.monotonic()
    eng.load(case.tables)
    fails = failure_predicate(eng, res)
    if not fails(sql):
        return None
    sql = red.reduce_sql(sql, fails, budget_s * 0.6)

    def fails_tables(tables):
        eng.load(tables)
        return fails(sql)

    tables = red.reduce_rows(case.tables, sql, fails_tables, max(budget_s * 0.3, budget_s - (time.monotonic() - t0)))
    eng.load(tables)
    if fails(sql) and time.monotonic() - t0 < budget_s:
        sql = red.reduce_sql(sql, fails, max(2.0, budget_s - (time.monotonic() - t0)))
    eng.load(tables)
    ordered, keys = order_spec(sql)
    final = differential(eng, sql, ordered, keys) if res.cls != "tqp_internal_error" else res
    if res.cls == "tqp_internal_error":
        t = eng.run_tqp(sql)
        final = Result(res.cls, t.msg, t.sig, sql, t, eng.run_duck(sql))
    eng.load(case.tables)
    return tables, sql, final


def shape(sql: str) -> str:
    """A coarse signature of a reduced query: the SQL constructs it uses."""
    boring = {"Column", "Identifier", "Literal", "Table", "TableAlias", "Alias", "Select", "From", "Paren",
              "Where", "Subquery", "Null", "Boolean", "DataType", "Var", "Star", "Tuple"}
    try:
        names = {type(n).__name__ for n in red.parse(sql).walk()} - boring
    except Exception:  # noqa: BLE001
        return "?"
    return ",".join(sorted(names))


def table_script(tables: dict[str, pa.Table]) -> str:
    lines = []
    for name, t in tables.items():
        types = [gen.arrow_to_type(f.type) for f in t.schema]
        cols = ", ".join(f"{n} {gen.SQL_TYPE[ty]}" for n, ty in zip(t.column_names, types))
        lines.append(f"CREATE TABLE {name} ({cols});")
        if t.num_rows:
            rows = zip(*[c.to_pylist() for c in t.columns])
            vals = ", ".join("(" + ", ".join(gen.sql_value(v, ty) for v, ty in zip(r, types)) + ")" for r in rows)
            lines.append(f"INSERT INTO {name} VALUES {vals};")
    return "\n".join(lines)


def _comment(text: str) -> str:
    return "\n".join("-- " + line if line else "--" for line in str(text).splitlines())


def save_case(out: pathlib.Path, case: Case, res: Result, reduced=None) -> pathlib.Path:
    d = out / res.cls
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{case.oracle}-s{case.seed}-c{case.idx}.sql"
    tables, sql, final = reduced if reduced else (red.referenced_tables(case.tables, " ".join(case.queries)), res.sql, res)
    head = [
        f"-- tqp fuzz case: seed={case.seed} case={case.idx} oracle={case.oracle}"
        + (f" ({case.kind})" if case.kind else "") + f" class={res.cls}",
        f"-- regenerate: python -m tests.fuzz.fuzzer {cli_args(case)} -v",
        f"-- replay:     python -m tests.fuzz.fuzzer --replay {path}",
        "-- (replay loads the tables below into DuckDB, then into tqp with con.register(name, arrow_table))",
        f"-- reduced: {'yes' if reduced else 'no'}",
    ]
    if final.sig:
        head.append(_comment("signature: " + final.sig))
    if final.detail:
        head.append(_comment("detail: " + final.detail[:2000]))
    body = [table_script(tables), "-- query", sql.strip().rstrip(";") + ";"]
    tail = []
    if final.duck is not None:
        tail.append(_comment("DuckDB: " + final.duck.describe()))
    if final.tqp is not None:
        tail.append(_comment("tqp:    " + final.tqp.describe()))
    if case.oracle != "differential":
        tail.append(_comment(f"{case.oracle} pair ({case.kind}), on the original data:\n  q1: {case.queries[0]}\n  q2: {case.queries[1]}"))
        if "tqp2" in res.extra:
            tail.append(_comment("tqp q1: " + res.tqp.describe(20) + "\ntqp q2: " + res.extra["tqp2"].describe(20)))
    if reduced:
        tail.append(_comment("original query:\n" + "\n".join(case.queries)))
    path.write_text("\n".join(head + body + tail) + "\n")
    return path


def replay(path: str, device: str = "cpu") -> Result:
    """Run a saved case: its CREATE/INSERT statements in DuckDB, the tables into tqp, the query."""
    text = pathlib.Path(path).read_text()
    stmts = [s for s in (x.strip() for x in re.split(r";\s*\n", "\n".join(
        line for line in text.splitlines() if not line.startswith("--")))) if s]
    eng = Engines(device=device)
    try:
        for s in stmts[:-1]:
            eng.duck.execute(s)
        names = [r[0] for r in eng.duck.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        tables = {n: eng.duck.sql(f'SELECT * FROM "{n}"').to_arrow_table() for n in names}
        for n, t in tables.items():
            eng.con.register(n, t)
        eng.loaded = dict(tables)
        return differential(eng, stmts[-1].rstrip(";"))
    finally:
        eng.close()


# --------------------------------------------------------------------------------------
# Campaign
# --------------------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.counts = collections.Counter()
        self.by_oracle = collections.defaultdict(collections.Counter)
        self.refused = collections.Counter()
        self.errors = collections.defaultdict(collections.Counter)  # class -> signature -> n
        self.failures = []  # dicts
        self.secs = 0.0

    def add(self, case: Case, res: Result):
        self.counts[res.cls] += 1
        self.by_oracle[case.oracle][res.cls] += 1
        if res.cls == "tqp_refused":
            self.refused[_normalize_msg(res.detail)] += 1
        elif res.cls not in ("ok", "mismatch"):
            self.errors[res.cls][res.sig] += 1

    def to_json(self):
        return {
            "counts": dict(self.counts), "by_oracle": {k: dict(v) for k, v in self.by_oracle.items()},
            "refused": dict(self.refused.most_common()),
            "errors": {k: dict(v.most_common()) for k, v in self.errors.items()},
            "failures": self.failures, "secs": round(self.secs, 1),
        }

    def report(self) -> str:
        n = sum(self.counts.values())
        lines = [f"{n} cases in {self.secs:.1f}s"]
        for cls in CLASSES:
            if self.counts[cls]:
                per = ", ".join(f"{o}={self.by_oracle[o][cls]}" for o in ORACLES if self.by_oracle[o][cls])
                lines.append(f"  {cls:20s} {self.counts[cls]:6d}   ({per})")
        if self.refused:
            lines.append("tqp_refused by message:")
            lines += [f"  {c:5d}  {m}" for m, c in self.refused.most_common(15)]
        for cls, sigs in self.errors.items():
            if cls in ("both_error",):
                continue
            lines.append(f"{cls} by signature:")
            lines += [f"  {c:5d}  {m[:200]}" for m, c in sigs.most_common(15)]
        return "\n".join(lines)


def run_campaign(seed: int, n: int, features=gen.DEFAULT_FEATURES, oracles=ORACLES, out: str | None = None,
                 start: int = 0, do_reduce: bool = True, reduce_budget: float = 20.0, max_reduce: int = 40,
                 device: str = "cpu", timeout: float = 10.0, progress: int = 0, eng: Engines | None = None,
                 stop_on: tuple = ()) -> Stats:
    """Run cases start..start+n-1 of a seed; with stop_on, stop at the first case of those classes."""
    stats = Stats()
    own = eng is None
    eng = eng or Engines(device=device, timeout=timeout)
    outdir = pathlib.Path(out) if out else None
    if outdir:
        outdir.mkdir(parents=True, exist_ok=True)
    reduced_sigs = collections.Counter()
    n_reduced = 0
    t_start = time.monotonic()
    try:
        for idx in range(start, start + n):
            try:
                case = make_case(seed, idx, features, oracles)
            except RecursionError:
                continue
            if outdir:
                (outdir / "_current.txt").write_text(f"seed={seed} case={idx}\n" + "\n".join(case.queries) + "\n")
            res = run_case(eng, case)
            stats.add(case, res)
            if res.cls in FAILURE_CLASSES:
                entry = {"seed": seed, "case": idx, "args": cli_args(case), "oracle": case.oracle, "kind": case.kind, "class": res.cls,
                         "sig": res.sig, "detail": res.detail[:300], "sql": case.queries}
                if outdir:
                    key = (res.cls, res.sig)
                    reduced = None
                    if do_reduce and n_reduced < max_reduce and reduced_sigs[key] < (12 if not res.sig else 1):
                        reduced_sigs[key] += 1
                        n_reduced += 1
                        try:
                            reduced = reduce_failure(eng, case, res, reduce_budget)
                        except Exception as e:  # noqa: BLE001 - never lose the case to a reducer bug
                            entry["reduce_error"] = repr(e)
                            eng.load(case.tables)
                    final = reduced[2] if reduced else res
                    path = save_case(outdir, case, res, reduced)
                    entry.update(path=str(path), reduced=bool(reduced),
                                 reduced_sql=reduced[1] if reduced else None,
                                 reduced_class=final.cls, reduced_sig=final.sig,
                                 shape=shape(reduced[1]) if reduced else None)
                stats.failures.append(entry)
            if res.cls in stop_on:
                break
            if progress and (idx - start + 1) % progress == 0:
                stats.secs = time.monotonic() - t_start
                print(f"[seed {seed}] {idx - start + 1}/{n}: " + ", ".join(
                    f"{k}={v}" for k, v in sorted(stats.counts.items())), file=sys.stderr, flush=True)
                if outdir:
                    (outdir / "summary.json").write_text(json.dumps(stats.to_json(), indent=1, default=str))
    finally:
        stats.secs = time.monotonic() - t_start
        if outdir:
            (outdir / "summary.json").write_text(json.dumps(stats.to_json(), indent=1, default=str))
        if own:
            eng.close()
    return stats


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz.fuzzer", description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", type=int, default=200, help="number of cases")
    ap.add_argument("--start", type=int, default=0, help="index of the first case")
    ap.add_argument("--case", type=int, help="run only this case index, verbosely")
    ap.add_argument("--features", default="default",
                    help="'default', 'all', 'a,b' (exactly these) or '+a,-b' (relative to default); "
                         "families: " + ", ".join(sorted(gen.FEATURES)))
    ap.add_argument("--oracles", default=",".join(ORACLES))
    ap.add_argument("--out", help="save failing cases (reduced) and summary.json here")
    ap.add_argument("--no-reduce", action="store_true")
    ap.add_argument("--reduce-budget", type=float, default=20.0, help="seconds per reduced case")
    ap.add_argument("--max-reduce", type=int, default=40, help="reduce at most this many cases")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per tqp statement")
    ap.add_argument("--progress", type=int, default=0, help="print counts every N cases")
    ap.add_argument("--replay", help="run a saved .sql case file")
    ap.add_argument("--list-features", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    if hasattr(signal, "SIGPIPE"):  # `... | head` must not end in a BrokenPipeError traceback
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)

    if args.list_features:
        for k, v in gen.FEATURES.items():
            print(f"{k:16s} {'(off) ' if k in gen.OFF_BY_DEFAULT else ''}{v}")
        return 0
    if args.replay:
        res = replay(args.replay, args.device)
        print(f"class: {res.cls}\n{res.detail}")
        if res.duck is not None:
            print("DuckDB:", res.duck.describe())
        if res.tqp is not None:
            print("tqp:   ", res.tqp.describe())
        return 0 if res.cls == "ok" else 1
    features = gen.parse_features(args.features)
    oracles = tuple(o.strip() for o in args.oracles.split(",") if o.strip())
    if args.case is not None:
        case = make_case(args.seed, args.case, features, oracles)
        eng = Engines(device=args.device, timeout=args.timeout)
        res = run_case(eng, case)
        print(f"oracle: {case.oracle} {case.kind}\nclass: {res.cls}\n{res.detail}")
        for q in case.queries:
            print("SQL:", q)
        if args.verbose:
            for name, t in red.referenced_tables(case.tables, " ".join(case.queries)).items():
                print(f"table {name}:\n{format_table(t)}")
            if res.duck is not None:
                print("DuckDB:", res.duck.describe())
            if res.tqp is not None:
                print("tqp:   ", res.tqp.describe())
        if args.out and res.cls in FAILURE_CLASSES:
            reduced = None if args.no_reduce else reduce_failure(eng, case, res, args.reduce_budget)
            print("saved", save_case(pathlib.Path(args.out), case, res, reduced))
        return 0 if res.cls not in FAILURE_CLASSES else 1
    stats = run_campaign(args.seed, args.queries, features, oracles, args.out, args.start,
                         not args.no_reduce, args.reduce_budget, args.max_reduce, args.device,
                         args.timeout, args.progress)
    print(stats.report())
    if args.out:
        print(f"failing cases and summary.json in {args.out}")
    return 1 if any(stats.counts[c] for c in ("mismatch", "tqp_internal_error")) else 0


if __name__ == "__main__":
    sys.exit(main())
