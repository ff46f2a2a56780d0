"""Numeric functions, as DuckDB types and computes them: the transcendental ones take and give
DOUBLE (NaN for arguments outside their domain, as DuckDB's C library does); abs, round, trunc,
floor and ceil keep DECIMAL exact.

>>> import tqp
>>> tqp.connect().execute("SELECT sqrt(16), log(2, 8), trunc(-2.567, 2), bit_count(7), gcd(12, 18)").fetchall()
[(4.0, 3.0, Decimal('-2.56'), 3, 6)]
"""
from __future__ import annotations

import itertools
import math
from dataclasses import replace

import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, and_validity
from ..compile import expr as C
from ..kernels import wide as W
from ..kernels.selection import any_true
from ..plan.nodes import Call, Lit
from ..sql import expressions as X
from . import Function, register
from .signature import arity, coerce, constant, is_null, strict

D = T.DOUBLE


def _entry(name, signature, description, example, bind, kernel=None, aliases=(), nodes=(), node_args=None):
    register(Function(name, signature, description, example, bind, kernel, aliases, nodes, family="math"), node_args)


def _doubles(fn):
    """A kernel applying fn to DOUBLE arguments."""
    return lambda args, e, ctx: Column(D, fn(*[a.data for a in args]), and_validity(*[a.validity for a in args]))


def _double_fn(name, fn, description, example, params=1, aliases=(), nodes=()):
    _entry(name, f"{name}({', '.join(['DOUBLE'] * params)}) → DOUBLE", description, example,
           strict(name, ("DOUBLE",) * params, D), _doubles(fn), aliases, nodes)


def _cbrt(x):
    return torch.sign(x) * x.abs().pow(1.0 / 3.0)


def _log(b, x):
    return torch.log10(x) / torch.log10(b)


_UNARY = [
    ("sqrt", torch.sqrt, "Square root (NaN below 0).", "sqrt(16) → 4.0"),
    ("cbrt", _cbrt, "Cube root.", "cbrt(27) → 3.0"),
    ("exp", torch.exp, "e to the power x.", "exp(1) → 2.718281828459045"),
    ("ln", torch.log, "Natural logarithm (-inf at 0, NaN below).", "ln(1) → 0.0"),
    ("log10", torch.log10, "Base-10 logarithm; also log(x).", "log10(1000) → 3.0"),
    ("log2", torch.log2, "Base-2 logarithm.", "log2(8) → 3.0"),
    ("sin", torch.sin, "Sine (radians).", "sin(0) → 0.0"),
    ("cos", torch.cos, "Cosine (radians).", "cos(0) → 1.0"),
    ("tan", torch.tan, "Tangent (radians).", "tan(0) → 0.0"),
    ("cot", lambda x: 1.0 / torch.tan(x), "Cotangent (radians).", "cot(1) → 0.6420926159343306"),
    ("asin", torch.asin, "Arc sine (NaN outside [-1, 1]).", "asin(1) → 1.5707963267948966"),
    ("acos", torch.acos, "Arc cosine (NaN outside [-1, 1]).", "acos(1) → 0.0"),
    ("atan", torch.atan, "Arc tangent.", "atan(1) → 0.7853981633974483"),
    ("sinh", torch.sinh, "Hyperbolic sine.", "sinh(0) → 0.0"),
    ("cosh", torch.cosh, "Hyperbolic cosine.", "cosh(0) → 1.0"),
    ("tanh", torch.tanh, "Hyperbolic tangent.", "tanh(0) → 0.0"),
    ("asinh", torch.asinh, "Inverse hyperbolic sine.", "asinh(0) → 0.0"),
    ("acosh", torch.acosh, "Inverse hyperbolic cosine.", "acosh(1) → 0.0"),
    ("atanh", torch.atanh, "Inverse hyperbolic tangent.", "atanh(0) → 0.0"),
    ("degrees", torch.rad2deg, "Radians to degrees.", "degrees(pi()) → 180.0"),
    ("radians", torch.deg2rad, "Degrees to radians.", "radians(180) → 3.141592653589793"),
]
for _name, _fn, _what, _example in _UNARY:
    _double_fn(_name, _fn, _what, _example, nodes=(getattr(exp, _name.capitalize()),) if hasattr(
        exp, _name.capitalize()) and _name not in ("log10", "log2") else ())

_double_fn("power", torch.pow, "x to the power y; also x ** y.", "power(2, 10) → 1024.0", 2, ("pow",), (exp.Pow,))
_double_fn("atan2", torch.atan2, "Arc tangent of y / x, in the right quadrant.", "atan2(1, 1) → 0.7853981633974483", 2,
           nodes=(exp.Atan2,))


def _log_args(node):
    """log(x) is log10(x); log(b, x) is base b. sqlglot reads log10(x) / log2(x) as log(10 / 2, x)."""
    base, x = node.this, node.expression
    if x is None:
        return "log10", [base]
    if isinstance(base, exp.Literal) and base.this in ("2", "10"):
        return "log" + base.this, [x]
    return "log", [base, x]


_entry("log", "log(DOUBLE) → DOUBLE, log(base DOUBLE, x DOUBLE) → DOUBLE",
       "Base-10 logarithm, or with two arguments the logarithm of x to the base.", "log(2, 8) → 3.0",
       strict("log", ("DOUBLE", "DOUBLE"), D), _doubles(_log), nodes=(exp.Log,), node_args=_log_args)
_entry("pi", "pi() → DOUBLE", "π.", "pi() → 3.141592653589793",
       lambda *a: arity("pi", a, 0, 0) or Lit(math.pi, D), nodes=(exp.Pi,))

_random_ids = itertools.count()


def _random(args, e, ctx):
    return Column(D, torch.rand(e.params[1], dtype=torch.float64, device=ctx.device if ctx is not None else None))


_entry("random", "random() → DOUBLE", "A uniformly random DOUBLE in [0, 1), one per row; not repeatable.",
       "random() → 0.5288...", lambda *a: arity("random", a, 0, 0) or Call("random", (), D, (next(_random_ids),)),
       _random, nodes=(exp.Rand,))


def _abs_bind(*args):
    arity("abs", args, 1, 1)
    x = coerce("abs", 1, args[0], "NUMBER")
    if is_null(x):
        return Lit(None, x.type if x.type.kind != "NULL" else T.INTEGER)
    return Call("abs", (x,), x.type)


def _abs(args, e, ctx):
    a = C._widen_at_min(args[0])
    if W.is_wide(a.data):
        return replace(a, data=W.pack(*W.absolute(W.unpack(a.data))))
    C._check_not_min(a, "abs()")
    return replace(a, data=a.data.abs())


_entry("abs", "abs(NUMBER) → same type", "Absolute value (an integer type's minimum overflows).",
       "abs(-2.5) → 2.5", _abs_bind, _abs, nodes=(exp.Abs,))


# ---------------------------------------------------------------- rounding

def _digits_bind(name, mode):
    """round / trunc (x[, digits]), floor / ceil (x): integers stay (unless digits < 0),
    DECIMAL(p, s) gives DECIMAL(p, clamp(digits, 0, s)), floats keep their type."""
    def bind(*args):
        arity(name, args, 2 if mode == "half_even" else 1, 2 if mode in ("half_away", "half_even", "trunc") else 1)
        x = coerce(name, 1, args[0], "NUMBER")
        digits = 0
        if len(args) == 2:
            d = coerce(name, 2, args[1], "INTEGER")
            if is_null(d):
                return Lit(None, x.type if x.type.kind != "NULL" else T.INTEGER)
            digits = constant(name, d, "number of digits")
        if x.type.kind == "NULL":
            return Lit(None, T.INTEGER)
        if x.type.is_integer and digits >= 0:
            return x
        if x.type.is_decimal:
            out = T.DECIMAL(x.type.precision, max(min(digits, x.type.scale), 0))
        else:
            out = x.type if not x.type.is_float or name != "round" else D
        return Lit(None, out) if is_null(x) else Call(name, (x,), out, (digits, mode))
    return bind


def _divide(x, f: int, mode: str):
    """int64 x / f rounded as mode says, exactly."""
    if mode == "half_away":
        return C._div_round_half_away(x, f)
    if mode == "half_even":
        q = torch.div(x, f, rounding_mode="floor")
        twice = 2 * (x - q * f)
        return q + ((twice > f) | (twice == f) & (q % 2 == 1)).to(q.dtype)
    if mode == "ceil":
        return -torch.div(-x, f, rounding_mode="floor")
    return torch.div(x, f, rounding_mode=mode)


def _to_digits(args, e, ctx):
    """round, trunc, floor and ceil to e.params = (digits, mode)."""
    a = args[0]
    digits, mode = e.params
    if a.type.is_integer:  # digits < 0: trunc(25, -1) = 20
        f = 10 ** -digits
        return Column(e.type, _divide(a.data.to(torch.int64), f, mode).mul_(f).to(a.data.dtype), a.validity)
    if not a.type.is_decimal:
        x = a.data.to(torch.float64)
        if mode == "half_away":
            data = _round_double(x, digits)
        elif mode == "half_even":
            scale = 10.0 ** digits
            data = torch.round(x * scale) / scale if digits else torch.round(x)
            data = torch.where(torch.isfinite(data), data, x)
        else:
            scale = 10.0 ** digits
            fn = {"trunc": torch.trunc, "floor": torch.floor, "ceil": torch.ceil}[mode]
            data = fn(x * scale) / scale if digits else fn(x)
            data = torch.where(torch.isfinite(data), data, x)
        return Column(e.type, data.to(e.type.torch_dtype), a.validity)
    s = a.type.scale
    if digits >= s:
        return replace(a, type=e.type)
    if mode == "half_even" and (W.is_wide(a.data) or s - digits > 18):
        from ..errors import NotSupportedError
        raise NotSupportedError("round_even() of a DECIMAL past 18 digits")
    if W.is_wide(a.data) or s - digits > 18 or digits < 0 and e.type.precision > T.INT64_DECIMAL_DIGITS:
        pair = W.div_pow10(W.pair_of(a.data), s - digits, mode)
        if digits < 0:
            pair, bad = W.mul_pow10(pair, -digits)
            C._out_of_range(bad | ~W.below_pow10(pair, e.type.precision), a.validity, f"value out of range for {e.type}")
        return Column(e.type, C._narrowed(e.type, pair), a.validity)
    data = _divide(a.data, 10 ** (s - digits), mode)
    if digits < 0:  # round(1234.5, -2) = 1200: back to scale 0
        data = data * 10 ** (-digits)
    return Column(e.type, data, a.validity)


def _round_double(x: torch.Tensor, digits: int) -> torch.Tensor:
    """x rounded to `digits` decimals, half away from zero, as DuckDB does: by the exact binary
    value, so round(0.075, 2) is 0.07 (0.075 is 0.07499999...) even though 0.075 * 100
    computes as exactly 7.5. A product that lands on a tie is checked against its exact
    rounding error (Dekker's two-product), and only then rounded away from zero."""
    if digits < 0 or digits > 22:  # 10**digits inexact: plain rounding of the product
        scale = 10.0 ** digits
        out = C._round_half_away(x * scale) / scale
    else:
        scale = float(10 ** digits)
        y = x * scale
        r = C._round_half_away(y)
        tie = (y - torch.trunc(y)).abs() == 0.5
        if any_true(tie):
            split = 134217729.0  # 2**27 + 1: splits a double into two 26-bit halves
            c = split * x
            x_hi = c - (c - x)
            x_lo = x - x_hi
            c = split * scale
            s_hi = c - (c - scale)
            s_lo = scale - s_hi
            err = ((x_hi * s_hi - y) + x_hi * s_lo + x_lo * s_hi) + x_lo * s_lo  # x * scale - y, exactly
            below = tie & (err * y < 0)  # the exact product lies nearer zero than the tie
            r = torch.where(below, torch.trunc(y), r)
        out = r / scale
    return torch.where(torch.isfinite(out), out, x)


_ROUNDING = [("round", "half_away", "Rounded to n decimals (default 0), half away from zero; exact for DECIMAL.",
              "round(2.567, 2) → 2.57", (), (exp.Round,)),
             ("trunc", "trunc", "Truncated toward zero to n decimals (default 0).", "trunc(-2.567, 2) → -2.56",
              ("truncate",), (exp.Trunc,)),
             ("floor", "floor", "The largest integer value not above x.", "floor(-2.5) → -3", (), (exp.Floor,)),
             ("ceil", "ceil", "The smallest integer value not below x.", "ceil(2.1) → 3", ("ceiling",), (exp.Ceil,)),
             ("round_even", "half_even", "Rounded to n decimals, half to even (banker's rounding).",
              "round_even(2.5, 0) → 2", ("roundbankers",), ())]
for _name, _mode, _what, _example, _aliases, _nodes in _ROUNDING:
    _entry(_name, f"{_name}(NUMBER{', [INTEGER]' if _mode in ('half_away', 'trunc') else ', INTEGER' if _mode == 'half_even' else ''}) → NUMBER",
           _what, _example, _digits_bind(_name, _mode), _to_digits, _aliases, _nodes)


# ---------------------------------------------------------------- integers and classification

def _sign(args, e, ctx):
    a = args[0]
    if W.is_wide(a.data):
        hi, lo = W.unpack(a.data)
        data = torch.where(hi < 0, -1, (hi > 0) | (lo != 0))
    else:
        data = torch.sign(a.data)
        if data.is_floating_point():
            data = torch.nan_to_num(data, nan=0.0)
    return Column(T.SMALLINT, data.to(torch.int16), a.validity)


_entry("sign", "sign(NUMBER) → SMALLINT", "-1, 0 or 1 by the sign of x (0 for NaN).", "sign(-2.5) → -1",
       strict("sign", ("NUMBER",), T.SMALLINT), _sign, nodes=(exp.Sign,))


def _gcd_pair(args):
    a, b = (x.data.to(torch.int64) for x in args)
    return a, b, torch.gcd(a, b), and_validity(*[x.validity for x in args])


def _gcd(args, e, ctx):
    a, b, g, valid = _gcd_pair(args)
    return Column(T.BIGINT, g, valid)


def _lcm(args, e, ctx):
    a, b, g, valid = _gcd_pair(args)
    q = torch.div(a.abs(), torch.where(g == 0, 1, g), rounding_mode="trunc")
    big = (q.to(torch.float64) * b.abs().to(torch.float64)) >= 9.2e18
    C._out_of_range(big, valid, "lcm value is out of range")
    return Column(T.BIGINT, q * b.abs(), valid)


_entry("gcd", "gcd(BIGINT, BIGINT) → BIGINT", "Greatest common divisor.", "gcd(12, 18) → 6",
       strict("gcd", ("BIGINT", "BIGINT"), T.BIGINT), _gcd, ("greatest_common_divisor",))
_entry("lcm", "lcm(BIGINT, BIGINT) → BIGINT", "Least common multiple (DataError past BIGINT).", "lcm(4, 6) → 12",
       strict("lcm", ("BIGINT", "BIGINT"), T.BIGINT), _lcm, ("least_common_multiple",))

_POPCOUNT = torch.tensor([bin(i).count("1") for i in range(256)], dtype=torch.int16)


def _bit_count(args, e, ctx):
    a = args[0]
    table = _POPCOUNT.to(a.device)
    x = a.data
    total = torch.zeros_like(x, dtype=torch.int16)
    for k in range(x.element_size()):  # byte k of the two's complement (the shift keeps the sign bits)
        total += table[((x >> (8 * k)) & 0xFF).long()]
    return Column(T.SMALLINT, total, a.validity)


_entry("bit_count", "bit_count(INTEGER) → SMALLINT", "Number of set bits in the two's complement value.",
       "bit_count(7) → 3", strict("bit_count", ("INT",), T.SMALLINT), _bit_count)


def _classify(name, fn, description, example, nodes=()):
    def bind(*args):
        arity(name, args, 1, 1)
        if name != "isnan" and args[0].type.is_temporal:  # tqp holds no infinite date or timestamp
            return X.case([Call("is_null", (args[0],), T.BOOLEAN)], [Lit(None, T.BOOLEAN), Lit(name == "isfinite", T.BOOLEAN)])
        x = coerce(name, 1, args[0], "NUMBER")
        if is_null(x):
            return Lit(None, T.BOOLEAN)
        return Call(name, (X.cast(x, D) if not x.type.is_float else x,), T.BOOLEAN)
    _entry(name, f"{name}(NUMBER) → BOOLEAN", description, example, bind,
           lambda args, e, ctx: Column(T.BOOLEAN, fn(args[0].data), args[0].validity), nodes=nodes)


_classify("isnan", torch.isnan, "Whether x is NaN.", "isnan('NaN'::DOUBLE) → true", (exp.IsNan,))
_classify("isinf", torch.isinf, "Whether x is +-infinity.", "isinf(1.0) → false", (exp.IsInf,))
_classify("isfinite", torch.isfinite, "Whether x is neither NaN nor infinite.", "isfinite(1.0) → true")


def _mod_bind(*args):
    arity("mod", args, 2, 2)
    return X.arith("mod", *args)


_entry("mod", "mod(NUMBER, NUMBER) → NUMBER", "Remainder with the sign of the dividend; also x % y.",
       "mod(-7, 3) → -1", _mod_bind)

_FACTORIALS = [math.factorial(n) for n in range(34)]  # 33! is the last below 10**38


def _factorial(args, e, ctx):
    a = args[0]
    x = a.data.to(torch.int64)
    C._out_of_range(x < 0, a.validity, "factorial of a negative number is undefined")
    C._out_of_range(x >= len(_FACTORIALS), a.validity, "Value out of range")
    table = W.from_ints(_FACTORIALS, a.device)
    return Column(e.type, table[x.clamp(0, len(_FACTORIALS) - 1)], a.validity)


_entry("factorial", "factorial(INTEGER) → DECIMAL(38,0)", "n! (DuckDB's HUGEINT; up to 33!).", "factorial(5) → 120",
       strict("factorial", ("INT",), T.DECIMAL(38, 0)), _factorial, nodes=(exp.Factorial,))


# ---------------------------------------------------------------- gamma, float steps, float division

_GAMMAS = [float(math.factorial(n - 1)) for n in range(1, 172)]  # exact where a double holds it


def _gamma(x):
    """Γ(x): exact (n-1)! for the positive integers n, otherwise exp(lgamma) with Γ's sign, which
    alternates between the negative integers; inf at 0 and NaN at the negative integers."""
    integer = (x == torch.floor(x)) & torch.isfinite(x)
    sign = torch.where((x < 0) & (torch.ceil(-x) % 2 == 1), -1.0, 1.0).to(x.dtype)
    out = sign * torch.exp(torch.lgamma(x))
    table = torch.tensor(_GAMMAS, dtype=torch.float64, device=x.device)
    exact = integer & (x >= 1) & (x <= len(_GAMMAS))
    out = torch.where(exact, table[(x.clamp(1, len(_GAMMAS)) - 1).to(torch.int64)], out)
    out = torch.where(integer & (x < 0), torch.nan, out)
    return torch.where(x == 0, torch.inf, out)


_double_fn("gamma", _gamma, "The gamma function (x-1)! extended to reals.", "gamma(5) → 24.0")
_double_fn("lgamma", torch.lgamma, "Natural logarithm of the gamma function's absolute value.", "lgamma(2) → 0.0")
_double_fn("nextafter", torch.nextafter, "The next DOUBLE after x toward y.", "nextafter(1, 2) → 1.0000000000000002", 2)
_double_fn("fmod", lambda x, y: x - y * torch.floor(x / y), "x - y * floor(x / y), as DuckDB computes fmod.",
           "fmod(-10, 3) → 2.0", 2)
_double_fn("fdiv", lambda x, y: torch.floor(x / y), "x / y rounded down, as a DOUBLE.", "fdiv(7, 2) → 3.0", 2)
_entry("signbit", "signbit(NUMBER) → BOOLEAN", "Whether x's sign bit is set (true for -0.0).", "signbit(-1) → true",
       lambda *a: arity("signbit", a, 1, 1) or _sign_bit(coerce("signbit", 1, a[0], "NUMBER")),
       lambda args, e, ctx: Column(T.BOOLEAN, torch.signbit(args[0].data), args[0].validity))


def _sign_bit(x):
    if is_null(x):
        return Lit(None, T.BOOLEAN)
    return Call("signbit", (x if x.type.is_float or x.type.is_integer else X.cast(x, D),), T.BOOLEAN)


def _divide_bind(*args):
    """divide(x, y): integer division for two integers, otherwise x / y."""
    arity("divide", args, 2, 2)
    x, y = (coerce("divide", i + 1, a, "NUMBER") for i, a in enumerate(args))
    return X.arith("intdiv" if x.type.is_integer and y.type.is_integer else "div", x, y)


_entry("divide", "divide(NUMBER, NUMBER) → NUMBER", "x // y for two integers, x / y otherwise.", "divide(7, 2) → 3",
       _divide_bind)
