"""Aggregates written as SQL over the built-in ones ("macros"): covariance, correlation and the
regr_* family from FILTERed sums over the rows where both arguments are non-NULL, bool_and /
bool_or / count_if from min, max and count, and approx_count_distinct as the exact count.

The two-argument statistics use sums of products in DOUBLE (one pass, like DuckDB's results to
about 1e-12 on ordinary data); when a variance is tiny next to the mean's square they lose
digits that DuckDB's streaming updates keep.

>>> import tqp
>>> con = tqp.connect()
>>> con.register("t", {"x": [1, 2, 3, 4], "y": [2, 4, 6, 9]})
>>> con.execute("SELECT regr_count(y, x), round(regr_slope(y, x), 6), bool_and(x > 0) FROM t").fetchall()
[(4, 2.3, True)]
"""
from __future__ import annotations

from functools import lru_cache

from sqlglot import exp

from ..errors import NotSupportedError, ProgrammingError
from ..sql.parse import parse_expression
from . import Function, register

_BOTH = "(__y IS NOT NULL AND __x IS NOT NULL)"
_N = f"count(*) FILTER (WHERE {_BOTH})"
_SX, _SY = (f"sum(CAST({v} AS DOUBLE)) FILTER (WHERE {_BOTH})" for v in ("__x", "__y"))
_SXX, _SYY, _SXY = (f"sum(CAST({a} AS DOUBLE) * CAST({b} AS DOUBLE)) FILTER (WHERE {_BOTH})"
                    for a, b in (("__x", "__x"), ("__y", "__y"), ("__x", "__y")))
_CXY = f"({_SXY} - {_SX} * {_SY} / {_N})"  # n * covar_pop
_CXX = f"greatest({_SXX} - {_SX} * {_SX} / {_N}, 0)"
_CYY = f"greatest({_SYY} - {_SY} * {_SY} / {_N}, 0)"

_TWO = {
    "covar_pop": (f"CASE WHEN {_N} > 0 THEN {_CXY} / {_N} END", "Population covariance of y and x."),
    "covar_samp": (f"CASE WHEN {_N} > 1 THEN {_CXY} / ({_N} - 1) END", "Sample covariance of y and x."),
    "corr": (f"CASE WHEN {_N} > 0 THEN {_CXY} / sqrt({_CXX} * {_CYY}) END", "Correlation coefficient of y and x."),
    "regr_count": (_N, "Rows where neither y nor x is NULL."),
    "regr_avgx": (f"CASE WHEN {_N} > 0 THEN {_SX} / {_N} END", "Mean of x over the rows where both are non-NULL."),
    "regr_avgy": (f"CASE WHEN {_N} > 0 THEN {_SY} / {_N} END", "Mean of y over the rows where both are non-NULL."),
    "regr_sxx": (f"CASE WHEN {_N} > 0 THEN {_CXX} END", "Sum of squared deviations of x."),
    "regr_syy": (f"CASE WHEN {_N} > 0 THEN {_CYY} END", "Sum of squared deviations of y."),
    "regr_sxy": (f"CASE WHEN {_N} > 0 THEN {_CXY} END", "Sum of products of the deviations of x and y."),
    "regr_slope": (f"CASE WHEN {_N} > 0 THEN {_CXY} / {_CXX} END", "Slope of the least-squares line."),
    "regr_intercept": (f"CASE WHEN {_N} > 0 AND {_CXX} <> 0 THEN ({_SY} - {_CXY} / {_CXX} * {_SX}) / {_N} END",
                       "Intercept of the least-squares line."),
    "regr_r2": (f"CASE WHEN {_N} = 0 OR {_CXX} = 0 THEN NULL WHEN {_CYY} = 0 THEN 1.0 "
                f"ELSE {_CXY} * {_CXY} / ({_CXX} * {_CYY}) END", "Coefficient of determination."),
}
_ONE = {
    "bool_and": ("CAST(min(CAST(__x AS INTEGER)) AS BOOLEAN)", "Whether every non-NULL value is true.", ()),
    "bool_or": ("CAST(max(CAST(__x AS INTEGER)) AS BOOLEAN)", "Whether some non-NULL value is true.", ()),
    "count_if": ("sum(CAST(__x AS INTEGER))", "Rows where the condition is true (NULL when it is NULL on every row).",
                 ("countif",)),
    "approx_count_distinct": ("count(DISTINCT __x)", "Distinct non-NULL values (tqp counts them exactly).", ()),
}
_NODES = {"covar_pop": exp.CovarPop, "covar_samp": exp.CovarSamp, "corr": exp.Corr, "regr_count": exp.RegrCount,
          "regr_avgx": exp.RegrAvgx, "regr_avgy": exp.RegrAvgy, "regr_sxx": exp.RegrSxx, "regr_syy": exp.RegrSyy,
          "regr_sxy": exp.RegrSxy, "regr_slope": exp.RegrSlope, "regr_intercept": exp.RegrIntercept,
          "regr_r2": exp.RegrR2, "bool_and": exp.LogicalAnd, "bool_or": exp.LogicalOr, "count_if": exp.CountIf,
          "approx_count_distinct": exp.ApproxDistinct}


@lru_cache(maxsize=None)
def _template(sql: str) -> exp.Expression:
    return parse_expression(sql)


def _ordered(template: exp.Expression, order: list) -> exp.Expression:
    """The template with agg(... ORDER BY keys)'s keys added to its list() calls (after their
    own keys, which then break ties): the order matters to the aggregates picking one value;
    the others take no list() and ignore it, as DuckDB does."""
    def put(node):
        if isinstance(node, exp.ArrayAgg):
            inner = node.this
            keys = [o.copy() for o in order]
            if isinstance(inner, exp.Order):
                return exp.ArrayAgg(this=exp.Order(this=inner.this.copy(), expressions=inner.expressions + keys))
            return exp.ArrayAgg(this=exp.Order(this=inner.copy(), expressions=keys))
        return node
    return template.copy().transform(put)


def _macro(name: str, sql: str, params: tuple[str, ...]):
    def bind(b, args):
        args, template = list(args), _template(sql)
        if args and isinstance(args[-1], exp.Order):  # agg(x, ... ORDER BY keys)
            template = _ordered(template, args[-1].expressions)
            args[-1] = args[-1].this
        if len(args) != len(params):
            raise ProgrammingError(f"{name}() takes {len(params)} argument{'s' if len(params) > 1 else ''}, not {len(args)}")
        if not b.allow_aggs:
            raise ProgrammingError(f"aggregate {name}() is not allowed here")
        if name == "approx_count_distinct" and isinstance(args[0], exp.Distinct):
            args[0] = args[0].expressions[0]  # (counts distinct values already)
        elif len(args) == 1 and isinstance(args[0], exp.Distinct) and len(args[0].expressions) == 1:
            # over the distinct values: the aggregate of the list of them
            distinct = exp.ArrayAgg(this=args[0].copy())
            return b.bind(exp.Anonymous(this="list_aggregate", expressions=[distinct, exp.Literal.string(name)]))
        given = dict(zip(params, args))

        def put(node):
            if isinstance(node, exp.Column) and not node.table and node.name in given:
                return exp.Paren(this=given[node.name].copy())
            return node
        return b.bind(template.copy().transform(put))
    return bind


def _two_args(node):
    return [node.this, node.expression]


for _name, (_sql, _what) in _TWO.items():
    register(Function(_name, f"{_name}(DOUBLE y, DOUBLE x) → {'BIGINT' if _name == 'regr_count' else 'DOUBLE'}",
                      _what, f"{_name}(price, quantity)", _macro(_name, _sql, ("__y", "__x")),
                      nodes=(_NODES[_name],), raw=True, family="aggregate"),
             lambda node, n=_name: (n, _two_args(node)))
for _name, (_sql, _what, _aliases) in _ONE.items():
    register(Function(_name, f"{_name}({'BOOLEAN' if _name != 'approx_count_distinct' else 'ANY'}) → "
                      f"{'BIGINT' if _name in ('count_if', 'approx_count_distinct') else 'BOOLEAN'}",
                      _what, f"{_name}(x)", _macro(_name, _sql, ("__x",)), aliases=_aliases,
                      nodes=(_NODES[_name],), raw=True, family="aggregate"))


# ---------------------------------------------------------------- picking one value per group
# Each is the first element of the group's values as a list (list() keeps the input order, or
# sorts by the ORDER BY it is given), so they follow DuckDB's choices: first/last count NULLs,
# any_value skips them, arg_max/arg_min take the non-NULL value at the largest/smallest non-NULL key.
# An ORDER BY inside the call orders the list (after arg_max's own key: it breaks ties).

_PICKS = {
    "first": ("list(__x)[1]", ("__x",), "The group's first value (NULL too), in input order or first(x ORDER BY ...)'s.", ("arbitrary",), exp.First),
    "last": ("list(__x)[-1]", ("__x",), "The group's last value (NULL too), in input order or last(x ORDER BY ...)'s.", (), exp.Last),
    "any_value": ("(list(__x) FILTER (WHERE __x IS NOT NULL))[1]", ("__x",), "A non-NULL value of the group.", (),
                  exp.AnyValue),
    "arg_max": ("(list(__x ORDER BY __k DESC) FILTER (WHERE __k IS NOT NULL AND __x IS NOT NULL))[1]", ("__x", "__k"),
                "The non-NULL x on the row with the largest key.", ("max_by", "argmax"), exp.ArgMax),
    "arg_min": ("(list(__x ORDER BY __k) FILTER (WHERE __k IS NOT NULL AND __x IS NOT NULL))[1]", ("__x", "__k"),
                "The non-NULL x on the row with the smallest key.", ("min_by", "argmin"), exp.ArgMin),
}
_PICKS["arg_max_null"] = ("(list(__x ORDER BY __k DESC) FILTER (WHERE __k IS NOT NULL))[1]", ("__x", "__k"),
                          "The x (NULL too) on the row with the largest non-NULL key.", (), None)
_PICKS["arg_min_null"] = ("(list(__x ORDER BY __k) FILTER (WHERE __k IS NOT NULL))[1]", ("__x", "__k"),
                          "The x (NULL too) on the row with the smallest non-NULL key.", (), None)


def _top_n(name: str, sql: str, params: tuple[str, ...], n_sql: str):
    """The pick, or with a last argument n the first n picks as a LIST (arg_max(x, key, n),
    max(x, n)): the same ordered list, sliced."""
    one, many = _macro(name, sql, params), _macro(name, n_sql, params + ("__n",))

    def bind(b, args):
        if len(args) != len(params) + 1 or isinstance(args[-1], exp.Order):
            return one(b, args)
        from ..plan.nodes import Lit
        n = b.bind(args[-1])
        if not isinstance(n, Lit) or not n.type.is_integer:
            raise NotSupportedError(f"{name}() with a count n that is not a constant integer")
        if n.value is None or n.value <= 0:
            raise ProgrammingError(f"{name}()'s count n must be a positive integer, not {n.value}")
        return many(b, args)
    return bind


for _name, (_sql, _params, _what, _aliases, _node) in _PICKS.items():
    _call = _top_n(_name, _sql, _params, _sql[:-3] + "[1:__n]") if _name.startswith("arg_m") else \
        _macro(_name, _sql, _params)
    register(Function(_name, f"{_name}({', '.join('ANY x' if p == '__x' else 'ANY key' for p in _params)}"
                      f"{'[, n]' if _name.startswith('arg_m') else ''}) → type of x",
                      _what + (" With n: the first n as a LIST." if _name in ("arg_max", "arg_min") else ""),
                      f"{_name}({', '.join(p.strip('_') for p in _params)})", _call,
                      aliases=_aliases, nodes=(_node,) if _node else (), raw=True, family="aggregate"),
             lambda node, n=_name: (n, [a for a in (node.this, node.args.get("expression"), node.args.get("count"))
                                        if a is not None]))
for _name, _order in (("max", " DESC"), ("min", "")):
    register(Function(f"{_name}#n", f"{_name}(ANY x, n) → LIST", f"The n {'largest' if _order else 'smallest'} "
                      "non-NULL values, in order.", f"{_name}(price, 3)",
                      _top_n(_name, "", ("__x",), f"(list(__x ORDER BY __x{_order}) FILTER (WHERE __x IS NOT NULL))[1:__n]"),
                      raw=True, family="aggregate"))


def _ignore_nulls(node):
    """any_value(x) arrives as IGNORE NULLS around ANY_VALUE; first(x IGNORE NULLS) is any_value too."""
    inner = node.this
    if isinstance(inner, (exp.AnyValue, exp.First)):
        return "any_value", [inner.this]
    raise ProgrammingError(f"IGNORE NULLS applies to first(), any_value() and window functions, not "
                           f"{inner.sql('duckdb')[:40]}")


register(Function("#ignore_nulls", "x IGNORE NULLS", "IGNORE NULLS around an aggregate (not callable by name).",
                  "first(x IGNORE NULLS)", lambda b, args: b.bind(args[0]), nodes=(exp.IgnoreNulls,), raw=True,
                  family="aggregate"), lambda node: ("any_value", _ignore_nulls(node)[1]))


# ---------------------------------------------------------------- moments

_D = "CAST(__x AS DOUBLE)"
_C, _S1, _S2, _S3, _S4 = ("CAST(count(__x) AS DOUBLE)", f"sum({_D})", f"sum({_D} * {_D})",
                          f"sum({_D} * {_D} * {_D})", f"sum({_D} * {_D} * {_D} * {_D})")
_M2 = f"(({_S2} - {_S1} * {_S1} / {_C}) / {_C})"  # the population central moments, from power sums
_M3 = f"(({_S3} - 3 * {_S2} * {_S1} / {_C} + 2 * {_S1} * {_S1} * {_S1} / ({_C} * {_C})) / {_C})"
_M4 = (f"(({_S4} - 4 * {_S3} * {_S1} / {_C} + 6 * {_S2} * {_S1} * {_S1} / ({_C} * {_C}) "
       f"- 3 * {_S1} * {_S1} * {_S1} * {_S1} / ({_C} * {_C} * {_C})) / {_C})")
_MOMENTS = {
    "skewness": (f"CASE WHEN {_C} > 2 AND {_M2} > 0 THEN sqrt({_C} * ({_C} - 1)) / ({_C} - 2) * {_M3} / "
                 f"sqrt({_M2} * {_M2} * {_M2}) END", "Sample skewness (bias-corrected, as DuckDB's)."),
    "kurtosis": (f"CASE WHEN {_C} > 3 AND {_M2} > 0 THEN ({_C} - 1) * (({_C} + 1) * {_M4} / ({_M2} * {_M2}) "
                 f"- 3 * ({_C} - 1)) / (({_C} - 2) * ({_C} - 3)) END", "Sample excess kurtosis (bias-corrected)."),
    "kurtosis_pop": (f"CASE WHEN {_C} > 0 AND {_M2} > 0 THEN {_M4} / ({_M2} * {_M2}) - 3 END",
                     "Population excess kurtosis."),
}
for _name, (_sql, _what) in _MOMENTS.items():
    register(Function(_name, f"{_name}(NUMBER) → DOUBLE", _what, f"{_name}(x)", _macro(_name, _sql, ("__x",)),
                      nodes=tuple(n for n in (getattr(exp, "Skewness", None) if _name == "skewness" else None,
                                              getattr(exp, "Kurtosis", None) if _name == "kurtosis" else None)
                                  if n is not None), raw=True, family="aggregate"),
             (lambda node, n=_name: (n, [node.this])))


# ---------------------------------------------------------------- more DuckDB aggregates as macros

_MORE = {
    "fsum": ("sum(CAST(__x AS DOUBLE))", ("__x",), "Sum in DOUBLE (DuckDB compensates with Kahan's method; tqp "
             "sums pairwise, as exact on ordinary data).", ("sumkahan", "kahan_sum")),
    "favg": ("avg(CAST(__x AS DOUBLE))", ("__x",), "Mean in DOUBLE (compensated in DuckDB).", ()),
    "geomean": ("CASE WHEN count_if(__x < 0) > 0 THEN CAST('nan' AS DOUBLE) WHEN count_if(__x = 0) > 0 THEN 0.0 "
                "ELSE exp(avg(ln(CAST(CASE WHEN __x > 0 THEN __x END AS DOUBLE)))) END", ("__x",),
                "Geometric mean of the non-NULL values (NaN if one is negative).", ("geometric_mean",)),
    "sem": ("stddev_pop(__x) / sqrt(count(__x))", ("__x",), "Standard error of the mean (population standard "
            "deviation over the square root of the count).", ()),
    "weighted_avg": ("sum(CAST(__x AS DOUBLE) * __w) FILTER (WHERE __x IS NOT NULL AND __w IS NOT NULL) / "
                     "sum(CAST(__w AS DOUBLE)) FILTER (WHERE __x IS NOT NULL AND __w IS NOT NULL)", ("__x", "__w"),
                     "Mean of x weighted by w, over the rows where both are non-NULL.", ("wavg",)),
    "json_group_array": ("'[' || string_agg(coalesce(to_json(__x), 'null'), ',') || ']'", ("__x",),
                         "A JSON array of the values (NULLs as null), in input order.", ()),
    "json_group_object": ("'{' || string_agg(to_json(CAST(__k AS VARCHAR)) || ':' || coalesce(to_json(__x), 'null'), ',') "
                          "|| '}'", ("__k", "__x"), "A JSON object of the key / value pairs, in input order.", ()),
    "histogram": ("list_histogram(list(__x) FILTER (WHERE __x IS NOT NULL))", ("__x",),
                  "A MAP from each distinct non-NULL value to how often it occurs, by value.", ()),
}
for _name, (_sql, _params, _what, _aliases) in _MORE.items():
    register(Function(_name, f"{_name}({', '.join('NUMBER ' + p.strip('_') for p in _params)}) → "
                      f"{'MAP' if _name == 'histogram' else 'JSON' if _name.startswith('json') else 'DOUBLE'}", _what,
                      f"{_name}({', '.join(p.strip('_') for p in _params)})", _macro(_name, _sql, _params),
                      aliases=_aliases, raw=True, family="aggregate"))
