"""Seeded random data and random SQL for the tqp fuzzer.

Everything here is pure generation (no engine is touched): ``make_tables`` builds a few small
Arrow tables whose values come from small shared domains (so joins, IN lists, GROUP BY and set
operations find matches; NULLs and duplicates are common), and ``QueryGen`` writes queries over
them in DuckDB's dialect, restricted to the enabled *feature families* (see FEATURES).

Generated SQL stays away from error noise by construction: integer expressions carry a bound on
their magnitude and an operation that could overflow INTEGER/BIGINT/DECIMAL is not generated;
divisors are non-zero literals or ``NULLIF(x, 0)``; scalar subqueries always aggregate (one row);
LIMIT only follows an ORDER BY over every output column (so the answer is deterministic).
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa

# --------------------------------------------------------------------------------------
# Feature families
# --------------------------------------------------------------------------------------

FEATURES = {
    # expressions
    "arith": "+ - * unary minus, % and // by non-zero literals",
    "division": "/ by a non-zero literal or NULLIF(x, 0) (DOUBLE result)",
    "math": "abs, round, floor, ceil, greatest, least",
    "cast": "CAST between numeric types, to VARCHAR",
    "case": "searched and simple CASE",
    "coalesce": "COALESCE, NULLIF",
    "strings": "lower, upper, length, substr, ||, concat, trim/ltrim/rtrim",
    "strings_extra": "replace, left, right, reverse, starts_with, contains, strpos, lpad/rpad",
    "like": "LIKE / NOT LIKE / ILIKE with constant patterns",
    "like_const": "LIKE whose subject is a constant string expression ('' LIKE '%b_')",
    "string_minmax": "min/max over VARCHAR",
    "unicode": "non-ASCII strings in the data and in literals",
    "dates": "EXTRACT(year/month/day), date + integer, date + INTERVAL, date comparisons",
    # predicates
    "between": "[NOT] BETWEEN",
    "inlist": "[NOT] IN (list), incl. constants on the left and NULLs in the list",
    "isnull": "IS [NOT] NULL, IS [NOT] TRUE/FALSE",
    "distinctfrom": "IS [NOT] DISTINCT FROM",
    "null_literals": "typed NULL constants, CAST(NULL AS type), as operands",
    "untyped_null": "bare NULL as an operand of functions and operators (else CAST(NULL AS type))",
    # query shapes
    "joins": "inner joins, CROSS JOIN, comma joins",
    "outer_joins": "LEFT / RIGHT / FULL joins",
    "join_multi_eq": "join conditions with two equalities (a.x = b.y AND a.z = b.w), cycles across 3 tables",
    "mixed_joins": "comma joins mixed with outer joins: a LEFT JOIN b ON ..., c WHERE ... / a, b RIGHT JOIN c ON ...",
    "using_joins": "JOIN ... USING (col) on a column name the right side shares with one item of its join group",
    "nonequi_join": "join conditions without an equality",
    "cte": "WITH a AS (...), b AS (... FROM a ...)",
    "derived": "subqueries in FROM",
    "setops": "UNION [ALL], INTERSECT, EXCEPT",
    "setops_all": "INTERSECT ALL, EXCEPT ALL",
    "groupby": "GROUP BY with count/sum/min/max/avg, global aggregates",
    "having": "HAVING",
    "count_distinct": "count(DISTINCT x)",
    "distinct": "SELECT DISTINCT",
    "orderby": "ORDER BY (ASC/DESC, NULLS FIRST/LAST)",
    "limit": "LIMIT / OFFSET after a total ORDER BY",
    "subq_scalar": "scalar subqueries (always aggregated)",
    "subq_exists": "[NOT] EXISTS",
    "subq_in": "[NOT] IN (SELECT ...)",
    "correlated": "correlated subqueries (outer columns in the subquery's WHERE)",
    "correlated_select": "outer columns in a subquery's SELECT list (IN / scalar subqueries)",
    # off by default
    "window": "window functions (OVER ...)",
    "float_specials": "NaN, +-inf and -0.0 in DOUBLE data",
}
OFF_BY_DEFAULT = {"window", "float_specials"}
DEFAULT_FEATURES = frozenset(FEATURES) - OFF_BY_DEFAULT


def parse_features(spec: str | None, base=DEFAULT_FEATURES) -> frozenset:
    """'all', 'default', 'a,b,c' (exactly these), '+a,-b' (default plus a, minus b)."""
    if not spec or spec == "default":
        return frozenset(base)
    if spec == "all":
        return frozenset(FEATURES)
    items = [s.strip() for s in spec.split(",") if s.strip()]
    relative = all(s[0] in "+-" for s in items)
    out = set(base) if relative else set()
    for s in items:
        name = s.lstrip("+-")
        if name not in FEATURES:
            raise ValueError(f"unknown feature family {name!r}; known: {', '.join(sorted(FEATURES))}")
        if s.startswith("-"):
            out.discard(name)
        else:
            out.add(name)
    return frozenset(out)


# --------------------------------------------------------------------------------------
# Types and data
# --------------------------------------------------------------------------------------

TYPES = ["int", "bigint", "double", "decimal", "varchar", "date", "bool"]
NUMERIC = ("int", "bigint", "double", "decimal")
EXACT = ("int", "bigint", "decimal")
SQL_TYPE = {
    "int": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE", "decimal": "DECIMAL(10,2)",
    "varchar": "VARCHAR", "date": "DATE", "bool": "BOOLEAN", "timestamp": "TIMESTAMP",
}
ARROW_TYPE = {
    "int": pa.int32(), "bigint": pa.int64(), "double": pa.float64(), "decimal": pa.decimal128(10, 2),
    "varchar": pa.string(), "date": pa.date32(), "bool": pa.bool_(),
}
PREFIX = {"int": "i", "bigint": "b", "double": "f", "decimal": "m", "varchar": "s", "date": "d", "bool": "o"}

INT_DOMAIN = [-100, -3, -1, 0, 1, 2, 3, 5, 7, 10, 42]
BIGINT_DOMAIN = [-(3 * 10**10), -5, 0, 1, 2, 7, 10**10, 3 * 10**10, 2**40]
DOUBLE_DOMAIN = [-12.5, -1.0, -0.125, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.75, 10.0, 100.125]
DOUBLE_SPECIALS = [float("nan"), float("inf"), float("-inf"), -0.0]
DECIMAL_DOMAIN = [Decimal(x) for x in ("-12.50", "-0.01", "0.00", "0.01", "0.50", "1.00", "2.25", "3.33", "99.99", "1000.00")]
STRING_DOMAIN = ["", "a", "A", "ab", "abc", "b", "B", "ba", " a", "a ", " ", "hello", "Hello World",
                 "x_y", "50%", "zz", "a%b", "1", "10"]
UNICODE_STRINGS = ["ä", "ÄÖü", "日本", "é"]
DATE_DOMAIN = [dt.date(*x) for x in ((2020, 1, 1), (2020, 1, 31), (2020, 2, 29), (2020, 3, 1), (2020, 12, 31),
                                     (2021, 6, 15), (1999, 12, 31), (1970, 1, 1), (2024, 2, 29), (1969, 7, 20))]

# Magnitude limits that keep exact arithmetic clear of overflow (INTEGER, BIGINT, DECIMAL(18,s)).
LIMIT = {"int": 10**9, "bigint": 10**13, "decimal": 10**7}
COL_BOUND = {"int": 100, "bigint": 2**40, "decimal": 1000, "double": 0}
MAX_ROWS = 25
MAX_JOIN_ROWS = 20_000  # the most rows a FROM clause may produce (worst case)


OUTER = ("LEFT JOIN", "RIGHT JOIN", "FULL JOIN")
COLREF = re.compile(r"\ba\d+\.")


def gen_sql_type(t: str) -> str:
    return SQL_TYPE[t]


def domain(t: str, features) -> list:
    if t == "int":
        return INT_DOMAIN
    if t == "bigint":
        return BIGINT_DOMAIN
    if t == "double":
        return DOUBLE_DOMAIN + (DOUBLE_SPECIALS if "float_specials" in features else [])
    if t == "decimal":
        return DECIMAL_DOMAIN
    if t == "varchar":
        return STRING_DOMAIN + (UNICODE_STRINGS if "unicode" in features else [])
    if t == "date":
        return DATE_DOMAIN
    if t == "bool":
        return [True, False]
    raise KeyError(t)


def make_tables(rng: random.Random, features) -> dict[str, pa.Table]:
    """3 or 4 small tables t0.. with typed columns named <type letter><k> (i0, s1, ...)."""
    tables = {}
    for ti in range(rng.choice([3, 3, 4])):
        ncols = rng.randint(3, 7)
        types = ["int"] + [rng.choice(TYPES) for _ in range(ncols - 1)]
        nrows = rng.choice([0, 1, 2, 3, 5, 8, 10, 12, 15, 20, MAX_ROWS])
        cols = {}
        counts: dict[str, int] = {}
        for t in types:
            k = counts.get(t, 0)
            counts[t] = k + 1
            dom = domain(t, features)
            sub = rng.sample(dom, rng.randint(min(2, len(dom)), len(dom)))  # a small per-column domain
            null_frac = rng.choice([0.0, 0.1, 0.2, 0.4, 0.7])
            vals = [None if rng.random() < null_frac else rng.choice(sub) for _ in range(nrows)]
            cols[f"{PREFIX[t]}{k}"] = pa.array(vals, ARROW_TYPE[t])
        tables[f"t{ti}"] = pa.table(cols)
    return tables


def arrow_to_type(t: pa.DataType) -> str:
    for k, v in ARROW_TYPE.items():
        if v == t:
            return k
    if pa.types.is_decimal(t):
        return "decimal"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_integer(t):
        return "bigint"
    raise KeyError(str(t))


# --------------------------------------------------------------------------------------
# SQL literals
# --------------------------------------------------------------------------------------

def quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def sql_value(v, t: str) -> str:
    """A literal for a data value (used by INSERT statements in saved reproductions)."""
    if v is None:
        return "NULL"
    if t == "bool":
        return "TRUE" if v else "FALSE"
    if t == "double":
        if v != v:
            return "'nan'::DOUBLE"
        if v in (float("inf"), float("-inf")):
            return f"'{'-' if v < 0 else ''}inf'::DOUBLE"
        return repr(float(v))
    if t == "varchar":
        return quote(v)
    if t == "date":
        return f"DATE '{v.isoformat()}'"
    if t == "timestamp":
        return f"TIMESTAMP '{v.isoformat(sep=' ')}'"
    return str(v)


# --------------------------------------------------------------------------------------
# Expressions
# --------------------------------------------------------------------------------------

@dataclass
class E:
    sql: str
    t: str
    b: float = 0  # bound on |value| for exact numeric types
    const: bool = False


@dataclass
class Rel:
    """A FROM item: its alias, (column, type) pairs, bounds, and worst-case row count."""
    alias: str
    cols: list  # [(name, type, bound)]
    rows: int
    sql: str  # the FROM item text (e.g. "t0 AS a3" or "(SELECT ...) AS a4")

    def refs(self) -> list[E]:
        return [E(f"{self.alias}.{n}", t, b) for n, t, b in self.cols]


@dataclass
class Ctx:
    cols: list  # row-level columns in scope: [E]
    outer: list = field(default_factory=list)  # columns of enclosing queries (correlation)
    keys: list | None = None  # GROUP BY keys in a grouped context: [E]
    agg: bool = False  # aggregates allowed here
    subq: bool = True  # subqueries allowed here
    window: bool = False  # window functions allowed here
    qdepth: int = 0  # query nesting depth

    def row(self) -> "Ctx":
        """The context of an aggregate's argument: row level, no subqueries."""
        return Ctx(self.cols, [], None, False, False, False, self.qdepth)


def compatible(t: str) -> list[str]:
    if t in NUMERIC:
        return list(NUMERIC)
    if t in ("date", "timestamp"):
        return ["date", "timestamp"]
    return [t]


class Cancel(Exception):
    pass


@dataclass
class Query:
    """A generated query: its text, output columns, and how to compare its result."""
    sql: str
    cols: list  # [(name, type, bound)]
    rows: int
    ordered: bool = False
    order_keys: list | None = None


class QueryGen:
    def __init__(self, rng: random.Random, tables: dict[str, pa.Table], features):
        self.r = rng
        self.f = frozenset(features)
        self.tables = tables
        self.base = []
        for name, tbl in tables.items():
            cols = [(n, arrow_to_type(tbl.schema.field(n).type), 0) for n in tbl.column_names]
            cols = [(n, t, COL_BOUND.get(t, 0)) for n, t, _ in cols]
            self.base.append((name, cols, max(tbl.num_rows, 1)))
        self.ctes: list = []  # [(name, cols, rows)] visible to the query being generated
        self.n_alias = 0

    # ---------------------------------------------------------------- helpers
    def on(self, *names) -> bool:
        return all(n in self.f for n in names)

    def coin(self, p: float) -> bool:
        return self.r.random() < p

    def choose(self, options):
        """options: [(weight, value)]; zero weights are skipped."""
        opts = [(w, v) for w, v in options if w > 0]
        total = sum(w for w, _ in opts)
        x = self.r.random() * total
        for w, v in opts:
            x -= w
            if x <= 0:
                return v
        return opts[-1][1]

    def alias(self) -> str:
        self.n_alias += 1
        return f"a{self.n_alias}"

    # ---------------------------------------------------------------- literals
    def lit(self, t: str) -> E:
        r = self.r
        if t == "int":
            v = r.choice(INT_DOMAIN + [0, 1, 2, 4])
            return E(str(v) if v >= 0 else f"({v})", t, abs(v), True)
        if t == "bigint":
            v = r.choice(BIGINT_DOMAIN)
            s = (str(v) if v >= 0 else f"({v})") if abs(v) > 2**31 else f"CAST({v} AS BIGINT)"
            return E(s, t, abs(v), True)
        if t == "double":
            v = r.choice(DOUBLE_DOMAIN)
            return E(f"CAST({v!r} AS DOUBLE)", t, 0, True)
        if t == "decimal":
            v = r.choice(DECIMAL_DOMAIN)
            if self.coin(0.5):
                return E(f"CAST({v} AS DECIMAL(10,2))", t, abs(float(v)), True)
            return E(str(v) if v >= 0 else f"({v})", t, abs(float(v)), True)
        if t == "varchar":
            dom = domain("varchar", self.f)
            return E(quote(r.choice(dom + ["a", "b", "zzz", "hello"])), t, 0, True)
        if t == "date":
            return E(f"DATE '{r.choice(DATE_DOMAIN).isoformat()}'", t, 0, True)
        if t == "timestamp":
            d = r.choice(DATE_DOMAIN)
            return E(f"TIMESTAMP '{d.isoformat()} {r.choice(['00:00:00', '12:30:00'])}'", t, 0, True)
        if t == "bool":
            return E(r.choice(["TRUE", "FALSE"]), t, 0, True)
        raise KeyError(t)

    def null(self, t: str) -> E:
        if self.on("untyped_null") and t not in ("date", "timestamp") and (self.coin(0.5) or not self.on("null_literals")):
            return E("NULL", t, 0, True)
        return E(f"CAST(NULL AS {SQL_TYPE[t]})", t, 0, True)

    # ---------------------------------------------------------------- leaves
    def leaves(self, ctx: Ctx, t: str) -> list[E]:
        src = ctx.keys if ctx.keys is not None else ctx.cols
        out = [e for e in src if e.t == t]
        if ctx.outer and self.coin(0.3):
            out += [e for e in ctx.outer if e.t == t]
        return out

    def leaf(self, ctx: Ctx, t: str) -> E:
        cands = self.leaves(ctx, t)
        if cands and self.coin(0.85):
            return self.r.choice(cands)
        if self.coin(0.08) and (self.on("null_literals") or self.on("untyped_null")):
            return self.null(t)
        return self.lit(t)

    def avail_types(self, ctx: Ctx) -> list[str]:
        src = ctx.keys if ctx.keys is not None else ctx.cols
        ts = sorted({e.t for e in src})
        return ts or ["int"]

    # ---------------------------------------------------------------- expressions
    def expr(self, t: str, ctx: Ctx, d: int) -> E:
        if t == "bool":
            return self.pred(ctx, d) if d > 0 else self.leaf(ctx, "bool")
        for _ in range(4):
            try:
                if t in NUMERIC:
                    e = self.num(t, ctx, d)
                elif t == "varchar":
                    e = self.string(ctx, d)
                elif t == "date":
                    e = self.date(ctx, d)
                elif t == "timestamp":
                    e = self.timestamp(ctx, d)
                else:
                    raise KeyError(t)
                if e is not None:
                    return e
            except Cancel:
                pass
        return self.leaf(ctx, t)

    def common(self, t: str, ctx: Ctx, d: int) -> list:
        """Productions shared by every type: CASE, COALESCE/NULLIF, aggregates, subqueries, windows."""
        opts = []
        if d > 0:
            opts.append((1.0 if self.on("case") else 0, lambda: self.case(t, ctx, d)))
            opts.append((1.0 if self.on("coalesce") else 0, lambda: self.coalesce(t, ctx, d)))
            grouped = ctx.agg and ctx.keys is not None
            opts.append((4.0 if grouped else 2.0 if ctx.agg else 0, lambda: self.aggregate(t, ctx, d)))
            opts.append((0.5 if ctx.subq and self.on("subq_scalar") and ctx.qdepth < 2 else 0,
                         lambda: self.scalar_subquery(t, ctx)))
            opts.append((0.7 if ctx.window and self.on("window") else 0, lambda: self.window(t, ctx, d)))
        return opts

    def num(self, t: str, ctx: Ctx, d: int) -> E | None:
        opts = [(3.0, lambda: self.leaf(ctx, t))]
        if d > 0:
            opts.append((3.0 if self.on("arith") else 0, lambda: self.arith(t, ctx, d)))
            opts.append((0.5 if self.on("arith") else 0, lambda: self.neg(t, ctx, d)))
            opts.append((1.0 if self.on("math") else 0, lambda: self.math(t, ctx, d)))
            opts.append((0.8 if self.on("cast") else 0, lambda: self.cast_num(t, ctx, d)))
            if t == "bigint":
                opts.append((0.8 if self.on("strings") else 0,
                             lambda: E(f"length({self.expr('varchar', ctx, d - 1).sql})", t, 1000)))
                opts.append((0.8 if self.on("dates") else 0, lambda: self.extract(ctx, d)))
                opts.append((0.4 if self.on("dates") else 0,
                             lambda: E(f"({self.expr('date', ctx, d - 1).sql} - {self.expr('date', ctx, d - 1).sql})", t, 10**6)))
                opts.append((0.3 if self.on("strings_extra") else 0,
                             lambda: E(f"strpos({self.expr('varchar', ctx, d - 1).sql}, {self.lit('varchar').sql})", t, 1000)))
            if t == "int":
                opts.append((0.6 if self.on("arith") else 0, lambda: self.intdiv(ctx, d)))
            if t == "double":
                opts.append((1.5 if self.on("division") else 0, lambda: self.division(ctx, d)))
        opts += self.common(t, ctx, d)
        return self.choose(opts)()

    def neg(self, t: str, ctx: Ctx, d: int) -> E:
        a = self.expr(t, ctx, d - 1)
        return E(f"(-{a.sql})", t, a.b)

    def arith(self, t: str, ctx: Ctx, d: int) -> E:
        r = self.r
        op = r.choice(["+", "-", "*"])
        if t == "int":
            lt, rt = "int", "int"
        elif t == "bigint":
            lt, rt = r.choice([("bigint", "int"), ("int", "bigint"), ("bigint", "bigint")])
        elif t == "double":
            lt, rt = r.choice([("double", "double"), ("double", r.choice(NUMERIC)), (r.choice(NUMERIC), "double")])
        else:
            lt, rt = r.choice([("decimal", "decimal"), ("decimal", "int"), ("int", "decimal")])
        a = self.expr(lt, ctx, d - 1)
        b = self.expr(rt, ctx, d - 1)
        if t in EXACT:
            bound = a.b * b.b if op == "*" else a.b + b.b
            if op == "*" and (bound > LIMIT[t] or (t == "decimal" and lt == rt == "decimal" and bound > 10**5)):
                # multiply by a small literal instead
                k = r.randint(-4, 9)
                b = E(str(k) if k >= 0 else f"({k})", "int", abs(k), True)
                bound = a.b * abs(k)
                if lt != "int" and rt != "int":  # keep the result type t
                    a, b = (a, b) if a.t == t else (b, a)
            if bound > LIMIT[t]:
                raise Cancel
            return E(f"({a.sql} {op} {b.sql})", t, bound)
        return E(f"({a.sql} {op} {b.sql})", t, 0)

    def intdiv(self, ctx: Ctx, d: int) -> E:
        a = self.expr("int", ctx, d - 1)
        k = self.r.choice([2, 3, 5, -2, 7, 10])
        ks = str(k) if k > 0 else f"({k})"
        return E(f"({a.sql} {self.r.choice(['%', '//'])} {ks})", "int", a.b)

    def division(self, ctx: Ctx, d: int) -> E:
        a = self.expr(self.r.choice(NUMERIC), ctx, d - 1)
        if self.coin(0.4):
            k = self.r.choice(["2", "4", "(-8)", "CAST(0.5 AS DOUBLE)", "3", "0.25"])
            return E(f"({a.sql} / {k})", "double")
        b = self.expr(self.r.choice(NUMERIC), ctx, d - 1)
        return E(f"({a.sql} / NULLIF({b.sql}, 0))", "double")

    def math(self, t: str, ctx: Ctx, d: int) -> E:
        r = self.r
        a = self.expr(t, ctx, d - 1)
        kind = r.choice(["abs", "round", "greatest", "floor"])
        if kind == "abs":
            return E(f"abs({a.sql})", t, a.b)
        if kind == "greatest":
            b = self.expr(t, ctx, d - 1)
            return E(f"{r.choice(['greatest', 'least'])}({a.sql}, {b.sql})", t, max(a.b, b.b))
        if t == "double":
            if kind == "round":
                return E(f"round({a.sql}, {r.choice([0, 1, 2])})", t)
            return E(f"{r.choice(['floor', 'ceil'])}({a.sql})", t)
        if t == "decimal" and kind == "round":
            return E(f"round({a.sql}, {r.choice([0, 1])})", t, a.b + 1)
        return E(f"abs({a.sql})", t, a.b)

    def cast_num(self, t: str, ctx: Ctx, d: int) -> E:
        r = self.r
        if t == "bigint":
            a = self.expr("int", ctx, d - 1)
            return E(f"CAST({a.sql} AS BIGINT)", t, a.b)
        if t == "double":
            a = self.expr(r.choice(["int", "decimal", "bigint"]), ctx, d - 1)
            return E(f"CAST({a.sql} AS DOUBLE)", t)
        if t == "decimal":
            a = self.expr("int", ctx, d - 1)
            if a.b > 10**6:
                raise Cancel
            return E(f"CAST({a.sql} AS DECIMAL(10,2))", t, a.b)
        # int: from a decimal or a double (rounding), bounded sources only
        src = r.choice(["decimal", "double"])
        a = self.expr(src, ctx, d - 1)
        if src == "double":
            a = E(f"least(greatest({a.sql}, CAST(-1000 AS DOUBLE)), CAST(1000 AS DOUBLE))", "double") if self.on("math") else self.leaf(ctx, "double")
            if not self.on("math"):
                raise Cancel
        if src == "decimal" and a.b > 10**6:
            raise Cancel
        return E(f"CAST({a.sql} AS INTEGER)", "int", 10**6)

    def extract(self, ctx: Ctx, d: int) -> E:
        part = self.r.choice(["year", "month", "day"])
        a = self.expr("date", ctx, d - 1)
        return E(f"EXTRACT({part} FROM {a.sql})", "bigint", 10000)

    def string(self, ctx: Ctx, d: int) -> E:
        r = self.r
        opts = [(3.0, lambda: self.leaf(ctx, "varchar"))]
        if d > 0:
            s = lambda: self.expr("varchar", ctx, d - 1).sql  # noqa: E731
            if self.on("strings"):
                opts += [
                    (1.0, lambda: E(f"{r.choice(['lower', 'upper'])}({s()})", "varchar")),
                    (1.0, lambda: E(f"substr({s()}, {r.choice([1, 1, 2, 3, 0, -1, -2])}"
                                    f"{', ' + str(r.choice([0, 1, 2, 3])) if self.coin(0.7) else ''})", "varchar")),
                    (1.0, lambda: E(f"({s()} || {s()})", "varchar")),
                    (0.7, lambda: E(f"concat({s()}, {s()})", "varchar")),
                    (0.8, lambda: E(f"{r.choice(['trim', 'ltrim', 'rtrim'])}({s()})", "varchar")),
                ]
            if self.on("strings_extra"):
                opts += [
                    (0.3, lambda: E(f"replace({s()}, {self.lit('varchar').sql}, {self.lit('varchar').sql})", "varchar")),
                    (0.3, lambda: E(f"{r.choice(['left', 'right'])}({s()}, {r.choice([0, 1, 2])})", "varchar")),
                    (0.2, lambda: E(f"reverse({s()})", "varchar")),
                    (0.2, lambda: E(f"{r.choice(['lpad', 'rpad'])}({s()}, {r.choice([0, 2, 4])}, '*')", "varchar")),
                ]
            if self.on("cast"):
                opts.append((0.4, lambda: E(f"CAST({self.expr(r.choice(['int', 'bigint', 'date', 'decimal']), ctx, d - 1).sql} AS VARCHAR)", "varchar")))
        opts += self.common("varchar", ctx, d)
        return self.choose(opts)()

    def date(self, ctx: Ctx, d: int) -> E:
        opts = [(3.0, lambda: self.leaf(ctx, "date"))]
        if d > 0 and self.on("dates"):
            opts.append((1.0, lambda: E(f"({self.expr('date', ctx, d - 1).sql} + {self.r.choice([1, 30, 365, -1, 0])})", "date")))
        opts += self.common("date", ctx, d)
        return self.choose(opts)()

    def timestamp(self, ctx: Ctx, d: int) -> E:
        unit = self.r.choice(["DAY", "MONTH", "YEAR"])
        n = self.r.choice([1, 2, 12, -1])
        base = self.expr("date", ctx, max(d - 1, 0))
        op = self.r.choice(["+", "-"])
        iv = f"INTERVAL '{n}' {unit}" if n < 0 or self.coin(0.3) else f"INTERVAL {n} {unit}"
        return E(f"({base.sql} {op} {iv})", "timestamp")

    def case(self, t: str, ctx: Ctx, d: int) -> E:
        r = self.r
        branches = [self.expr(t, ctx, d - 1) for _ in range(r.randint(1, 3))]
        else_ = self.expr(t, ctx, d - 1) if self.coin(0.7) else None
        bound = max([b.b for b in branches] + ([else_.b] if else_ else [0]))
        if self.coin(0.3):  # simple CASE
            st = r.choice(self.avail_types(ctx))
            subj = self.expr(st, ctx, d - 1)
            whens = " ".join(f"WHEN {self.expr(st, ctx, 0).sql} THEN {b.sql}" for b in branches)
            sql = f"CASE {subj.sql} {whens}{' ELSE ' + else_.sql if else_ else ''} END"
        else:
            whens = " ".join(f"WHEN {self.pred(ctx, d - 1).sql} THEN {b.sql}" for b in branches)
            sql = f"CASE {whens}{' ELSE ' + else_.sql if else_ else ''} END"
        return E(sql, t, bound)

    def coalesce(self, t: str, ctx: Ctx, d: int) -> E:
        args = [self.expr(t, ctx, d - 1) for _ in range(self.r.randint(2, 3))]
        if self.coin(0.3):
            return E(f"NULLIF({args[0].sql}, {args[1].sql})", t, args[0].b)
        return E(f"COALESCE({', '.join(a.sql for a in args)})", t, max(a.b for a in args))

    def agg_arg(self, ctx: Ctx, t: str, d: int) -> E:
        return self.expr(t, ctx.row(), min(d, 2))

    def aggregate(self, t: str, ctx: Ctx, d: int) -> E:
        r = self.r
        rows = 10**5
        if t == "bigint":
            kind = r.choice(["count*", "count", "sum", "minmax"])
            if kind == "count*":
                return E("count(*)", t, rows)
            if kind == "count":
                a = self.agg_arg(ctx, r.choice(self.avail_types(ctx.row()) + ["int"]), d - 1)
                dis = "DISTINCT " if self.on("count_distinct") and self.coin(0.3) else ""
                return E(f"count({dis}{a.sql})", t, rows)
            if kind == "sum":
                a = self.agg_arg(ctx, r.choice(["int", "bigint"]), d - 1)
                if a.b * rows > 10**15:
                    raise Cancel
                return E(f"sum({a.sql})", t, a.b * rows)
        if t == "double" and self.coin(0.6):
            a = self.agg_arg(ctx, r.choice(NUMERIC), d - 1)
            return E(f"{r.choice(['avg', 'sum'] if a.t == 'double' else ['avg'])}({a.sql})", t)
        if t == "decimal" and self.coin(0.5):
            a = self.agg_arg(ctx, "decimal", d - 1)
            return E(f"sum({a.sql})", t, a.b * rows)
        if t == "int" and self.coin(0.3):
            raise Cancel
        if t == "varchar" and not self.on("string_minmax"):
            raise Cancel
        a = self.agg_arg(ctx, t, d - 1)
        return E(f"{r.choice(['min', 'max'])}({a.sql})", t, a.b)

    def agg_safe(self, t: str, ctx: Ctx, d: int) -> E:
        for _ in range(4):
            try:
                return self.aggregate(t, ctx, d)
            except Cancel:
                pass
        if t == "varchar" and not self.on("string_minmax"):
            return E("CAST(count(*) AS VARCHAR)", t)
        a = self.leaf(ctx.row(), t)
        return E(f"min({a.sql})", t, a.b)

    def window(self, t: str, ctx: Ctx, d: int) -> E:
        r = self.r
        row = Ctx(ctx.cols, [], None, False, False, False, ctx.qdepth)
        part = self.expr(r.choice(self.avail_types(row)), row, 0)
        order_e = self.expr(r.choice(self.avail_types(row)), row, 0)
        pby = f"PARTITION BY {part.sql}" if self.coin(0.7) else ""
        oby = f"ORDER BY {order_e.sql} {r.choice(['ASC', 'DESC'])} NULLS {r.choice(['FIRST', 'LAST'])}"
        if t == "bigint" and self.coin(0.5):
            fn = r.choice(["rank()", "dense_rank()", "count(*)"])
            over = f"{pby} {oby}" if fn != "count(*)" or self.coin(0.5) else pby
            return E(f"{fn} OVER ({over.strip()})", t, 10**5)
        if t in ("int", "bigint", "double", "decimal", "varchar", "date"):
            a = self.expr(t, row, 1)
            fn = r.choice(["min", "max"] + (["sum"] if t in ("double", "decimal") else []))
            over = f"{pby} {oby}" if self.coin(0.5) else pby
            return E(f"{fn}({a.sql}) OVER ({over.strip()})", t, a.b * (10**5 if fn == "sum" else 1))
        raise Cancel

    # ---------------------------------------------------------------- predicates
    def pred(self, ctx: Ctx, d: int) -> E:
        if d <= 0 or self.coin(0.45):
            return self.atom(ctx, max(d - 1, 0))
        kind = self.choose([(2, "and"), (2, "or"), (1, "not")])
        if kind == "not":
            return E(f"(NOT {self.pred(ctx, d - 1).sql})", "bool")
        a, b = self.pred(ctx, d - 1), self.pred(ctx, d - 1)
        return E(f"({a.sql} {kind.upper()} {b.sql})", "bool")

    def pick_type(self, ctx: Ctx) -> str:
        ts = self.avail_types(ctx)
        if ctx.agg:
            ts = ts + ["bigint", "double"]
        t = self.r.choice(ts)
        if t == "date" and self.on("dates") and self.coin(0.2):
            return "timestamp"
        return t

    def atom(self, ctx: Ctx, d: int) -> E:
        r = self.r
        sub = ctx.subq and ctx.qdepth < 2
        strs = "varchar" in self.avail_types(ctx) or ctx.keys is None
        kind = self.choose([
            (6, "cmp"), (1.5 if self.on("isnull") else 0, "isnull"), (1 if self.on("between") else 0, "between"),
            (1.5 if self.on("inlist") else 0, "inlist"), (1.2 if self.on("like") and strs else 0, "like"),
            (1, "bool"), (0.6 if self.on("distinctfrom") else 0, "distinct"),
            (0.3 if sub and self.on("subq_exists") else 0, "exists"), (0.3 if sub and self.on("subq_in") else 0, "insub"),
            (0.15, "const"),
        ])
        if kind == "cmp":
            t = self.pick_type(ctx)
            a = self.expr(t, ctx, d)
            b = self.expr(r.choice(compatible(t)) if self.coin(0.4) else t, ctx, d)
            ops = ["=", "<>", "<", "<=", ">", ">="] if t != "bool" else ["=", "<>"]
            if t == "bool" and self.coin(0.5):
                ops = ["=", "<>", "<", ">"]
            return E(f"({a.sql} {r.choice(ops)} {b.sql})", "bool")
        if kind == "isnull":
            t = self.pick_type(ctx)
            a = self.expr(t, ctx, d)
            if t == "bool" and self.coin(0.5):
                return E(f"({a.sql} IS {r.choice(['', 'NOT '])}{r.choice(['TRUE', 'FALSE'])})", "bool")
            return E(f"({a.sql} IS {r.choice(['', 'NOT '])}NULL)", "bool")
        if kind == "between":
            t = self.pick_type(ctx)
            if t == "bool":
                t = "int"
            a, lo, hi = self.expr(t, ctx, d), self.expr(t, ctx, 0), self.expr(t, ctx, 0)
            return E(f"({a.sql} {r.choice(['', 'NOT '])}BETWEEN {lo.sql} AND {hi.sql})", "bool")
        if kind == "inlist":
            t = self.pick_type(ctx)
            if t == "timestamp":
                t = "date"
            n = r.randint(1, 4)
            if self.coin(0.3):  # constant on the left, columns in the list
                left = self.lit(t)
                items = [self.expr(t, ctx, max(d - 1, 0)) for _ in range(n)]
            else:
                left = self.expr(t, ctx, d)
                items = [self.lit(t) for _ in range(n)]
            if self.coin(0.3):
                items.insert(r.randint(0, len(items)), E("NULL", t, 0, True))
            return E(f"({left.sql} {r.choice(['', 'NOT '])}IN ({', '.join(i.sql for i in items)}))", "bool")
        if kind == "like":
            s = self.expr("varchar", ctx, d)
            if not self.on("like_const") and not COLREF.search(s.sql):
                cands = self.leaves(ctx, "varchar")
                if not cands:
                    return self.atom(ctx, d)
                s = self.r.choice(cands)
            pat = r.choice(["a%", "%a", "%a%", "_", "__", "%", "", "A%", "h%o", "%b_", "a_%", "x\\_y", "50\\%", "% %", "ä%"])
            op = r.choice(["LIKE", "LIKE", "NOT LIKE", "ILIKE"])
            esc = " ESCAPE '\\'" if "\\" in pat else ""
            return E(f"({s.sql} {op} {quote(pat)}{esc})", "bool")
        if kind == "bool":
            return self.leaf(ctx, "bool") if self.leaves(ctx, "bool") else self.atom(ctx, d)
        if kind == "distinct":
            t = self.pick_type(ctx)
            a, b = self.expr(t, ctx, d), self.expr(t, ctx, d)
            return E(f"({a.sql} IS {r.choice(['', 'NOT '])}DISTINCT FROM {b.sql})", "bool")
        if kind in ("exists", "insub"):
            return self.subquery_pred(ctx, d, kind)
        consts = ["TRUE", "FALSE"]
        if self.on("untyped_null") or self.on("null_literals"):
            consts.append("NULL" if self.on("untyped_null") else "CAST(NULL AS BOOLEAN)")
        return E(r.choice(consts), "bool", 0, True)

    def subquery_pred(self, ctx: Ctx, d: int, kind: str | None = None) -> E:
        """[NOT] EXISTS (SELECT ...) or x [NOT] IN (SELECT ...)."""
        r = self.r
        if kind is None:
            kind = self.choose([(1 if self.on("subq_exists") else 0, "exists"), (1 if self.on("subq_in") else 0, "insub")])
        if kind == "exists":
            q = self.subquery(ctx, None)
            return E(f"({r.choice(['', 'NOT '])}EXISTS ({q.sql}))", "bool")
        t = self.pick_type(ctx)
        if t == "timestamp":
            t = "date"
        left = self.expr(t, ctx, d)
        q = self.subquery(ctx, t)
        return E(f"({left.sql} {r.choice(['', 'NOT '])}IN ({q.sql}))", "bool")

    # ---------------------------------------------------------------- subqueries in expressions
    def sub_rel(self, qdepth: int) -> Rel:
        srcs = [(1.0, ("table", b)) for b in self.base] + [(1.0, ("cte", c)) for c in self.ctes]
        _, (name, cols, rows) = self.choose(srcs)
        a = self.alias()
        return Rel(a, cols, rows, f"{name} AS {a}")

    def correlation(self, ctx: Ctx, inner: Rel) -> list[str]:
        """Equality (sometimes not) between an inner and an outer column, when correlated."""
        outer = ctx.cols if ctx.keys is None else []
        if not (self.on("correlated") and outer and self.coin(0.6)):
            return []
        pairs = [(i, o) for i in inner.refs() for o in outer if o.t in compatible(i.t) and o.t != "bool"]
        if not pairs:
            return []
        i, o = self.r.choice(pairs)
        op = "=" if self.coin(0.8) else self.r.choice(["<>", "<", ">="])
        return [f"({i.sql} {op} {o.sql})"]

    def subquery(self, ctx: Ctx, t: str | None) -> Query:
        """SELECT for EXISTS (t None) or IN (one column of type t)."""
        rel = self.sub_rel(ctx.qdepth + 1)
        outer = (ctx.cols + ctx.outer) if ctx.keys is None else []
        ictx = Ctx(rel.refs(), outer if self.on("correlated") else [], None, False, True, False, ctx.qdepth + 1)
        where = self.correlation(ctx, rel)
        if self.coin(0.6):
            where.append(self.pred(ictx, 1).sql)
        w = f" WHERE {' AND '.join(where)}" if where else ""
        if t is None:
            item = self.r.choice(["1", "*", rel.refs()[0].sql])
            return Query(f"SELECT {item} FROM {rel.sql}{w}", [], rel.rows)
        if self.coin(0.2) and self.on("groupby"):
            e = self.agg_safe(t, Ctx(ictx.cols, [], [], True, False, False, ictx.qdepth), 2)
            key = self.r.choice(rel.refs())
            return Query(f"SELECT {e.sql} FROM {rel.sql}{w} GROUP BY {key.sql}", [], rel.rows)
        sel_outer = outer if self.on("correlated_select") else []
        e = self.expr(t, Ctx(ictx.cols, sel_outer, None, False, False, False, ictx.qdepth), 1)
        return Query(f"SELECT {e.sql} FROM {rel.sql}{w}", [], rel.rows)

    def scalar_subquery(self, t: str, ctx: Ctx) -> E:
        rel = self.sub_rel(ctx.qdepth + 1)
        outer = (ctx.cols + ctx.outer) if ctx.keys is None else []
        if not self.on("correlated"):
            outer = []
        ictx = Ctx(rel.refs(), outer, [], True, False, False, ctx.qdepth + 1)
        where = self.correlation(ctx, rel)
        if self.coin(0.4):
            where.append(self.pred(Ctx(rel.refs(), outer, None, False, False, False, ctx.qdepth + 1), 1).sql)
        w = f" WHERE {' AND '.join(where)}" if where else ""
        e = self.agg_safe(t, ictx, 2)
        return E(f"(SELECT {e.sql} FROM {rel.sql}{w})", t, e.b)

    # ---------------------------------------------------------------- FROM
    def from_item(self, qdepth: int, outer: list) -> Rel:
        opts = [(4.0, "table")]
        if self.ctes:
            opts.append((3.0, "cte"))
        if self.on("derived") and qdepth < 2:
            opts.append((1.2, "derived"))
        kind = self.choose(opts)
        a = self.alias()
        if kind == "table":
            name, cols, rows = self.r.choice(self.base)
            return Rel(a, cols, rows, f"{name} AS {a}")
        if kind == "cte":
            name, cols, rows = self.r.choice(self.ctes)
            return Rel(a, cols, rows, f"{name} AS {a}")
        q = self.query(qdepth + 1, allow_setop=True, derived=True)
        return Rel(a, q.cols, q.rows, f"({q.sql}) AS {a}")

    def join_cond(self, left: list[Rel], right: Rel, equi: bool = True) -> str:
        lrefs = [e for rel in left for e in rel.refs()]
        pairs = [(lx, rx) for lx in lrefs for rx in right.refs() if lx.t == rx.t and lx.t != "bool"]
        pairs = pairs or [(lx, rx) for lx in lrefs for rx in right.refs() if rx.t in compatible(lx.t)]
        conds = []
        if pairs:
            lx, rx = self.r.choice(pairs)
            op = "=" if equi else self.r.choice(["<", "<=", ">", "<>"])
            conds.append(f"({lx.sql} {op} {rx.sql})")
            if equi and self.on("join_multi_eq") and self.coin(0.3) and len(pairs) > 1:
                lx, rx = self.r.choice(pairs)
                conds.append(f"({lx.sql} = {rx.sql})")
        if not conds or self.coin(0.25):
            ctx = Ctx(lrefs + right.refs(), [], None, False, False, False, 2)
            conds.append(self.pred(ctx, 1).sql)
        return " AND ".join(conds)

    def using_column(self, segment: list, rel) -> str | None:
        """A column name of rel that exactly one item of the join group has, with the same type
        (USING then names one column on each side), or None."""
        seen: dict = {}
        for item in segment:
            for n, t, _ in item.cols:
                seen.setdefault(n, []).append(t)
        common = [n for n, t, _ in rel.cols if seen.get(n) == [t]]
        return self.r.choice(common) if common else None

    def from_clause(self, qdepth: int, outer: list):
        """(sql, rels, where-conjuncts implied by comma joins, worst-case rows)."""
        n = self.choose([(5, 1), (4, 2), (2, 3)]) if self.on("joins") or self.on("outer_joins") else 1
        first = self.from_item(qdepth, outer)
        rels = [first]
        segment = [first]
        parts = [first.sql]
        where = []
        rows = first.rows
        had_outer = had_comma = False
        for _ in range(n - 1):
            rel = self.from_item(qdepth, outer)
            if rows * rel.rows > MAX_JOIN_ROWS:
                break
            kinds = []
            if self.on("joins"):
                kinds += [(3, "JOIN"), (0.6, "CROSS JOIN"), (1, ",")]
            if self.on("outer_joins"):
                kinds += [(2, "LEFT JOIN"), (1, "RIGHT JOIN"), (1, "FULL JOIN")]
            if not kinds:
                break
            kind = self.choose(kinds)
            if not self.on("mixed_joins") and ((kind == "," and had_outer) or (kind in OUTER and had_comma)):
                kind = "JOIN" if self.on("joins") else "LEFT JOIN"
                if kind in OUTER and had_comma:
                    break
            if kind in (",",):
                had_comma = True
                parts.append(f", {rel.sql}")
                if self.coin(0.75):
                    where.append(self.join_cond(rels, rel))
                segment = [rel]
            elif kind == "CROSS JOIN":
                parts.append(f" CROSS JOIN {rel.sql}")
                segment.append(rel)
            else:
                using = self.using_column(segment, rel) if self.on("using_joins") and self.coin(0.2) else None
                if using is not None:
                    parts.append(f" {kind} {rel.sql} USING ({using})")
                else:
                    equi = not (self.on("nonequi_join") and self.coin(0.15))
                    parts.append(f" {kind} {rel.sql} ON {self.join_cond(segment, rel, equi)}")
                segment.append(rel)
                had_outer = had_outer or kind != "JOIN"
            rels.append(rel)
            rows *= rel.rows
        return "".join(parts), rels, where, rows

    # ---------------------------------------------------------------- SELECT
    def item_type(self, ctx: Ctx) -> str:
        ts = self.avail_types(ctx)
        t = self.r.choice(ts + ["bool", self.r.choice(TYPES)])
        if t == "date" and self.on("dates") and self.coin(0.2):
            return "timestamp"
        return t

    def select(self, qdepth: int, outer: list, want: list | None = None) -> Query:
        """One SELECT block (no set operation)."""
        r = self.r
        from_sql, rels, where, rows = self.from_clause(qdepth, outer)
        cols = [e for rel in rels for e in rel.refs()]
        rctx = Ctx(cols, outer, None, False, True, False, qdepth)
        for _ in range(r.choice([0, 1, 1, 2])):
            where.append(self.pred(rctx, r.choice([1, 2, 3])).sql)
        if qdepth < 2 and (self.on("subq_exists") or self.on("subq_in")) and self.coin(0.2):
            where.append(self.subquery_pred(rctx, 1).sql)
        mode = self.choose([(5, "plain"), (3 if self.on("groupby") else 0, "group"), (1 if self.on("groupby") else 0, "agg")])
        keys: list[E] = []
        if mode == "group":
            for _ in range(r.choice([1, 1, 2])):
                t = r.choice([t for t in self.avail_types(rctx) if t != "bool"] or ["int"])
                k = self.expr(t, rctx.row(), 1) if self.coin(0.3) else None
                if k is None or not COLREF.search(k.sql):  # GROUP BY <integer> would be an ordinal
                    k = r.choice(cols)
                keys.append(k)
            uniq = {}
            for k in keys:
                uniq.setdefault(k.sql, k)
            keys = list(uniq.values())
        if mode == "plain":
            ictx = Ctx(cols, outer, None, False, True, self.on("window"), qdepth)
        else:
            ictx = Ctx(cols, [], keys, True, True, False, qdepth)
        if want:
            items = [self.expr(t, ictx, r.choice([0, 1, 2, 2, 3])) for t in want]
            items = [it if it.t == t else self.leaf(ictx, t) for it, t in zip(items, want)]
        else:
            items = [k for k in keys if self.coin(0.8)]  # usually show the GROUP BY keys
            for _ in range(r.choice([1, 1, 2, 2, 3, 4])):
                items.append(self.expr(self.item_type(ictx), ictx, r.choice([0, 1, 2, 2, 3])))
        items = [E(f"CAST(NULL AS {gen_sql_type(it.t)})", it.t) if it.sql == "NULL" else it for it in items]
        out_cols = [(f"c{i}", it.t, it.b) for i, it in enumerate(items)]
        distinct = self.on("distinct") and self.coin(0.15)
        sql = "SELECT " + ("DISTINCT " if distinct else "") + ", ".join(
            f"{it.sql} AS c{i}" for i, it in enumerate(items)) + f" FROM {from_sql}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if mode == "group":
            sql += " GROUP BY " + ", ".join(k.sql for k in keys)
        if mode != "plain" and self.on("having") and self.coin(0.35):
            sql += " HAVING " + self.pred(Ctx(cols, [], keys if mode == "group" else [], True, True, False, qdepth), 2).sql
        if mode == "agg":
            rows = 1
        return Query(sql, out_cols, rows)

    def order_limit(self, q: Query, derived: bool) -> Query:
        """Maybe add ORDER BY (and LIMIT after a total order)."""
        r = self.r
        n = len(q.cols)
        if not self.on("orderby") or not self.coin(0.12 if derived else 0.35):
            return q
        limit = self.on("limit") and self.coin(0.6 if derived else 0.5)
        if derived and not limit:
            return q
        keys = r.sample(range(n), r.randint(1, n))
        if limit:
            keys += [k for k in range(n) if k not in keys]
        terms = []
        for k in keys:
            ref = str(k + 1) if self.coin(0.5) else q.cols[k][0]
            direction = r.choice(["", " ASC", " DESC"])
            nulls = r.choice(["", " NULLS FIRST", " NULLS LAST"]) if self.coin(0.7) else ""
            terms.append(ref + direction + nulls)
        sql = f"{q.sql} ORDER BY {', '.join(terms)}"
        rows = q.rows
        if limit:
            lim = r.choice([0, 1, 2, 3, 5, 10])
            sql += f" LIMIT {lim}"
            rows = min(rows, lim)
            if self.coin(0.3):
                sql += f" OFFSET {r.choice([0, 1, 2, 4])}"
        return Query(sql, q.cols, rows, ordered=True, order_keys=keys)

    def query(self, qdepth: int = 0, outer: list | None = None, allow_setop: bool = True,
              derived: bool = False, want: list | None = None) -> Query:
        outer = outer or []
        if allow_setop and self.on("setops") and self.coin(0.2 if qdepth == 0 else 0.1):
            first = self.select(qdepth, outer, want)
            want = [t for _, t, _ in first.cols]
            parts, rows = [first.sql], first.rows
            bounds = [b for _, _, b in first.cols]
            ops = ["UNION", "UNION ALL", "INTERSECT", "EXCEPT"]
            if self.on("setops_all"):
                ops += ["INTERSECT ALL", "EXCEPT ALL"]
            for _ in range(self.r.choice([1, 1, 2])):
                nxt = self.select(qdepth, outer, want)
                bounds = [max(a, b) for a, (_, _, b) in zip(bounds, nxt.cols)]
                op = self.r.choice(ops)
                sql = f"({nxt.sql})" if self.coin(0.2) else nxt.sql
                parts.append(f" {op} {sql}")
                rows += nxt.rows
            cols = [(f"c{i}", t, b) for i, (t, b) in enumerate(zip(want, bounds))]
            q = Query("".join(parts), cols, rows)
        else:
            q = self.select(qdepth, outer, want)
        return self.order_limit(q, derived)

    def with_clause(self) -> str:
        """WITH q0 AS (...), q1 AS (... may use q0 ...): adds them to the visible relations."""
        self.ctes = []
        if not (self.on("cte") and self.coin(0.3)):
            return ""
        defs = []
        for i in range(self.r.choice([1, 1, 2, 3])):
            q = self.query(1, derived=True)
            name = f"q{i}"
            defs.append(f"{name} AS ({q.sql})")
            self.ctes.append((name, q.cols, max(q.rows, 1)))
        return "WITH " + ", ".join(defs) + " "

    def top(self) -> Query:
        """A whole query for the differential oracle."""
        self.n_alias = 0
        w = self.with_clause()
        q = self.query(0)
        return Query(w + q.sql, q.cols, q.rows, q.ordered, q.order_keys)
