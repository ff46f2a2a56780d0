"""Aggregate functions: names, result types and the implementation each maps to. The
aggregates themselves run in the physical layer (AggCall.func names them there).

>>> from tqp.functions import lookup
>>> lookup("sum").result(T.DECIMAL(15, 2)), lookup("count").result(T.VARCHAR)
(DECIMAL(38,2), BIGINT)
"""
from __future__ import annotations

from sqlglot import exp

from .. import types as T
from ..errors import NotSupportedError, ProgrammingError
from . import Aggregate, Function, register


def _sum_type(t: T.SqlType) -> T.SqlType:
    return T.DECIMAL(38, t.scale) if t.is_decimal else T.DOUBLE if t.is_float else T.BIGINT


def _agg(name, signature, description, example, result, aliases=(), nodes=(), numeric_only=True):
    register(Aggregate(name, signature, description, example, result, aliases, nodes, numeric_only, name))


_agg("count", "count(ANY) → BIGINT, count(*) → BIGINT", "Number of non-NULL values (count(*): of rows).",
     "count(DISTINCT x)", lambda t: T.BIGINT, nodes=(exp.Count,), numeric_only=False)
_agg("sum", "sum(NUMBER) → BIGINT | DECIMAL(38, s) | DOUBLE", "Sum of the non-NULL values.", "sum(price)",
     _sum_type, nodes=(exp.Sum,))
_agg("avg", "avg(NUMBER) → DOUBLE", "Mean of the non-NULL values.", "avg(price)", lambda t: T.DOUBLE,
     ("mean",), (exp.Avg,))
_agg("min", "min(ANY) → same type", "Smallest non-NULL value.", "min(name)", lambda t: t, nodes=(exp.Min,),
     numeric_only=False)
_agg("max", "max(ANY) → same type", "Largest non-NULL value.", "max(name)", lambda t: t, nodes=(exp.Max,),
     numeric_only=False)
_agg("stddev_samp", "stddev_samp(NUMBER) → DOUBLE", "Sample standard deviation.", "stddev_samp(x)",
     lambda t: T.DOUBLE, ("stddev",), (exp.Stddev, exp.StddevSamp))
_agg("stddev_pop", "stddev_pop(NUMBER) → DOUBLE", "Population standard deviation.", "stddev_pop(x)",
     lambda t: T.DOUBLE, nodes=(exp.StddevPop,))
_agg("var_samp", "var_samp(NUMBER) → DOUBLE", "Sample variance.", "var_samp(x)", lambda t: T.DOUBLE,
     ("variance",), (exp.Variance,))
_agg("var_pop", "var_pop(NUMBER) → DOUBLE", "Population variance.", "var_pop(x)", lambda t: T.DOUBLE,
     nodes=(exp.VariancePop,))


# ---------------------------------------------------------------- holistic: quantiles and mode
# (tqp.kernels.holistic). The fraction of a quantile rides in the AggCall's name, as
# "quantile_cont:0.25" (":desc" after it for WITHIN GROUP (ORDER BY x DESC)).

def _interpolated(t: T.SqlType) -> T.SqlType:
    if t.kind in ("DATE", "TIMESTAMP"):  # between two dates lies a time of day
        return T.TIMESTAMP
    if t.kind in ("TIMESTAMPTZ", "INTERVAL"):
        return t
    if not t.is_numeric:
        raise ProgrammingError(f"an interpolated quantile needs a number or a time, not {t} "
                               "(quantile_disc takes any type)")
    return t if t.is_decimal else T.DOUBLE


register(Aggregate("median", "median(NUMBER | time) → DOUBLE | DECIMAL | TIMESTAMP", "The middle value (the mean of the two middle ones).",
                   "median(price)", _interpolated, nodes=(exp.Median,), numeric_only=False,
                   implementation="quantile_cont:0.5"))
register(Aggregate("mode", "mode(ANY) → same type", "The most frequent value (the first seen among ties).",
                   "mode(city)", lambda t: t, nodes=(exp.Mode,), numeric_only=False, implementation="mode"))
register(Aggregate("#quantile_cont", "", "", "", _interpolated, numeric_only=False, implementation="quantile_cont"))
register(Aggregate("#quantile_disc", "", "", "", lambda t: t, numeric_only=False, implementation="quantile_disc"))


def _fraction(b, node) -> str:
    """The fraction as it rides in the aggregate's name: "0.25", or "[0.25,0.5]" for a list
    (whose aggregate gives a LIST)."""
    from ..plan.nodes import Lit
    q = b.bind(node)
    if isinstance(q, Lit) and q.type.kind == "LIST" and q.value is not None and q.type.element.is_numeric:
        values = [_one_fraction(Lit(v, T.DOUBLE)) for v in q.value.value]
        if not values:
            raise ProgrammingError("a quantile's list of fractions must not be empty")
        return "[" + ",".join(map(repr, values)) + "]"
    return repr(_one_fraction(q))


def _one_fraction(q) -> float:
    from ..plan.nodes import Lit
    if not isinstance(q, Lit) or not q.type.is_numeric or q.value is None:
        raise ProgrammingError("a quantile's fraction must be a constant number or a list of them")
    value = q.value / 10 ** q.type.scale if q.type.is_decimal else q.value
    if not 0 <= value <= 1:
        raise ProgrammingError(f"a quantile's fraction must be between 0 and 1, not {value}")
    return float(value)


def _typed(agg, fraction: str):
    """The aggregate with its fraction; a list of fractions makes its result a LIST."""
    from dataclasses import replace
    func = agg.func.split(":")[0] + ":" + fraction + agg.func[len(agg.func.split(":")[0]):]
    return replace(agg, func=func, type=T.LIST(agg.type) if fraction.startswith("[") else agg.type)


def _quantile(kind: str):
    def bind(b, args):
        from dataclasses import replace
        from ..sql import expressions as X
        if len(args) != 2:
            raise ProgrammingError(f"quantile_{kind}() takes 2 arguments (value, fraction), not {len(args)}")
        agg = X.aggregate_call(b, f"quantile_{kind}", f"#quantile_{kind}", args[0])
        return _typed(replace(agg, func=f"quantile_{kind}"), _fraction(b, args[1]))
    return bind


def _within_group(b, args):
    """percentile_cont(q) / percentile_disc(q) WITHIN GROUP (ORDER BY x [DESC])."""
    from dataclasses import replace
    from ..sql import expressions as X
    node = args[0]
    fn, order = node.this, node.expression
    if type(fn).__name__ == "Mode" and fn.this is None and isinstance(order, exp.Order) and len(order.expressions) == 1:
        return b.bind(exp.Anonymous(this="mode", expressions=[order.expressions[0].this.copy()]))  # (the order is moot)
    kind = {exp.PercentileCont: "cont", exp.PercentileDisc: "disc"}.get(type(fn))
    if kind is None or fn.this is None or not isinstance(order, exp.Order) or len(order.expressions) != 1:
        raise NotSupportedError(f"WITHIN GROUP over {fn.sql('duckdb')[:40]}")
    key = order.expressions[0]
    agg = X.aggregate_call(b, f"percentile_{kind}", f"#quantile_{kind}", key.this)
    return _typed(replace(agg, func=f"quantile_{kind}" + (":desc" if key.args.get("desc") else "")), _fraction(b, fn.this))


for _kind, _node in (("cont", exp.PercentileCont), ("disc", exp.PercentileDisc)):
    register(Function(f"quantile_{_kind}", f"quantile_{_kind}({'NUMBER' if _kind == 'cont' else 'ANY'}, DOUBLE q) → "
                      f"{'DOUBLE | DECIMAL' if _kind == 'cont' else 'same type'}",
                      "The q-quantile of the values, " + ("interpolated." if _kind == "cont" else "an actual value."),
                      f"quantile_{_kind}(price, 0.9)", _quantile(_kind),
                      aliases=("quantile",) if _kind == "disc" else (), nodes=(_node,), raw=True, family="aggregate"),
             lambda node, k=_kind: (f"quantile_{k}", [node.this, node.args.get("expression")]))
register(Function("quantile_disc#q", "", "", "", _quantile("disc"), nodes=(exp.Quantile,), raw=True,
                  family="aggregate"), lambda node: ("quantile_disc#q", [node.this, node.args.get("quantile")]))
register(Function("#within_group", "percentile_cont(q) / percentile_disc(q) WITHIN GROUP (ORDER BY x)",
                  "The q-quantile of x, in the SQL standard's form.", "percentile_cont(0.5) WITHIN GROUP (ORDER BY x)",
                  _within_group, nodes=(exp.WithinGroup,), raw=True, family="aggregate"),
         lambda node: ("#within_group", [node]))


def _integer(name):
    def result(t: T.SqlType) -> T.SqlType:
        if not t.is_integer:
            raise ProgrammingError(f"{name}() needs an integer, not {t}")
        return t
    return result


for _name, _node, _what in (("bit_and", exp.BitwiseAndAgg, "Bitwise AND"), ("bit_or", exp.BitwiseOrAgg, "Bitwise OR"),
                            ("bit_xor", exp.BitwiseXorAgg, "Bitwise XOR")):
    register(Aggregate(_name, f"{_name}(INTEGER) → same type", f"{_what} of the non-NULL values.", f"{_name}(flags)",
                       _integer(_name), nodes=(_node,), implementation=_name))

register(Aggregate("product", "product(NUMBER) → DOUBLE", "Product of the non-NULL values.", "product(x)",
                   lambda t: T.DOUBLE, implementation="product"))
register(Aggregate("entropy", "entropy(ANY) → DOUBLE", "Shannon entropy (base 2) of the non-NULL values' frequencies.",
                   "entropy(city)", lambda t: T.DOUBLE, numeric_only=False, implementation="entropy"))


def _approx_quantile(b, args):
    """approx_quantile(x, q): DuckDB's t-digest estimate; tqp gives the exact interpolated
    quantile in x's type (rounded for integers and DECIMALs, as DuckDB's estimate is)."""
    if len(args) != 2:
        raise ProgrammingError(f"approx_quantile() takes 2 arguments (value, fraction), not {len(args)}")
    from ..sql import expressions as X
    x = X.aggregate_call(b, "approx_quantile", "#quantile_disc", args[0]).arg.type
    if x.is_float or not x.is_numeric:
        return b.bind(exp.Anonymous(this="quantile_cont", expressions=[a.copy() for a in args]))
    # DuckDB rounds its estimate of the integers (a DECIMAL's scaled ones), half up, where quantile_cont truncates
    k = 10 ** x.scale if x.is_decimal else 1
    many = "[" in args[1].sql("duckdb")  # a list of fractions
    q = f"quantile_cont(CAST(CAST(__x * {k} AS BIGINT) AS DOUBLE), __q)"
    sql = f"CAST(list_transform({q}, v -> floor(v + 0.5) / {k}) AS {x}[])" if many else f"CAST(floor({q} + 0.5) / {k} AS {x})"
    given = {"__x": args[0], "__q": args[1]}
    from ..sql.parse import parse_expression
    return b.bind(parse_expression(sql).transform(
        lambda n: given[n.name].copy() if isinstance(n, exp.Column) and n.name in given else n))


register(Function("approx_quantile", "approx_quantile(NUMBER, DOUBLE q | LIST q) → type of x",
                  "The q-quantile (exact in tqp; an estimate in DuckDB).", "approx_quantile(price, 0.9)",
                  _approx_quantile, nodes=(exp.ApproxQuantile,), raw=True, family="aggregate"),
         lambda node: ("approx_quantile", [node.this, node.args.get("quantile")]))
register(Aggregate("mad", "mad(NUMBER) → DOUBLE | DECIMAL", "Median absolute deviation from the median.", "mad(x)",
                   lambda t: t if t.is_decimal or t.kind == "FLOAT" else T.DOUBLE, implementation="mad"))
