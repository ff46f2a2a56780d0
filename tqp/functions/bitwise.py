"""Bitwise operators on integers: a & b, a | b, xor(a, b), ~a, a << n, a >> n, with DuckDB's
types (both operands in their common integer type) and its shift rules: a left shift of a
negative number, by a negative count, or past the type's width raises, as does one whose
result overflows; a right shift by a negative count or past the width gives 0.

>>> import tqp
>>> tqp.connect().execute("SELECT 5 & 3, 5 | 3, xor(5, 3), ~5, 1 << 4, -8 >> 1, 8 >> 40").fetchall()
[(1, 7, 6, -6, 16, -4, 0)]
"""
from __future__ import annotations

import torch
from sqlglot import exp

from .. import types as T
from ..column import Column, and_validity
from ..errors import DataError
from ..plan.nodes import Call, Lit, Slot
from . import Function, register
from .signature import arity, coerce, is_null

_WIDTH = {"SMALLINT": 16, "INTEGER": 32, "BIGINT": 64}


def _bind(name, shown, params):
    def bind(*args):
        arity(shown, args, params, params)
        args = [coerce(shown, i + 1, a, "INT") for i, a in enumerate(args)]
        # an integer constant takes the other operand's type where it fits (DuckDB's INTEGER_LITERAL)
        fits = [isinstance(a, Lit) and not isinstance(a, Slot) and a.value is not None for a in args]
        t = T.NULLTYPE
        for a, constant in zip(args, fits):
            t = t if constant else T.common_numeric(t, a.type)
        for a, constant in zip(args, fits):
            if constant and (t.kind == "NULL" or not -(1 << _WIDTH[t.kind] - 1) <= a.value < 1 << _WIDTH[t.kind] - 1):
                t = T.common_numeric(t, a.type)
        if t.kind == "NULL":
            t = T.INTEGER
        if any(is_null(a) for a in args):
            return Lit(None, t)
        return Call(name, tuple(a if a.type == t else Call("cast", (a,), t) for a in args), t)
    return bind


def _first_bad(bad, *tensors):
    i = int(torch.nonzero(bad.reshape(-1))[0])
    return [int(x.expand(bad.shape).reshape(-1)[i]) for x in tensors]


def _shift_left(a, n, valid, bits):
    def check(bad, message):
        if valid is not None:
            bad = bad & valid
        if bad.numel() and bool(bad.any()):
            raise DataError(message(*_first_bad(bad, a, n)))
    check(a < 0, lambda x, s: f"Cannot left-shift negative number {x}")
    check(n < 0, lambda x, s: f"Cannot left-shift by negative number {s}")
    check((n >= bits) & (a != 0), lambda x, s: f"Left-shift value {s} is out of range")
    in_range = (n >= 0) & (n < bits)
    s = torch.where(in_range, n, torch.zeros_like(n)).to(torch.int64)
    # the largest value that can move s places: 2**(bits - 1 - s) - 1 (none for s = bits - 1)
    limit = torch.where(s > 0, (torch.ones_like(s) << (bits - 1 - s).clamp(min=0)) - 1, torch.full_like(s, -1))
    check(in_range & (n > 0) & (a.to(torch.int64) > limit), lambda x, k: f"Overflow in left shift ({x} << {k})")
    return torch.where(in_range & (a > 0), a.to(torch.int64) << s, torch.zeros_like(s))


def _kernel(args, e, ctx):
    valid = and_validity(*[c.validity for c in args])
    if e.op == "~":
        data = ~args[0].data
    elif e.op in ("<<", ">>"):
        a, n = (c.data if valid is None else c.data.masked_fill(~valid, 0) for c in args)
        bits = _WIDTH[e.type.kind]
        if e.op == "<<":
            data = _shift_left(a, n, valid, bits)
        else:
            inside = (n >= 0) & (n < bits)
            data = torch.where(inside, a >> torch.where(inside, n, torch.zeros_like(n)), torch.zeros_like(a))
    else:
        a, b = (c.data for c in args)
        data = {"&": torch.bitwise_and, "|": torch.bitwise_or, "xor": torch.bitwise_xor}[e.op](a, b)
    return Column(e.type, data.to(e.type.torch_dtype), valid)


for _name, _node, _shown, _what, _example in (
        ("&", exp.BitwiseAnd, "&", "Bitwise AND.", "5 & 3 → 1"),
        ("|", exp.BitwiseOr, "|", "Bitwise OR.", "5 | 3 → 7"),
        ("xor", exp.BitwiseXor, "xor", "Bitwise exclusive OR.", "xor(5, 3) → 6"),
        ("<<", exp.BitwiseLeftShift, "<<", "a shifted left n bits (DataError for a negative a or n, or overflow).",
         "1 << 4 → 16"),
        (">>", exp.BitwiseRightShift, ">>", "a shifted right n bits, keeping the sign (0 when n < 0 or past the width).",
         "-8 >> 1 → -4")):
    register(Function(_name, f"a {_name} b" if _name != "xor" else "xor(INTEGER a, INTEGER b) → common type",
                      _what + " Both operands in their common integer type.", _example, _bind(_name, _shown, 2),
                      _kernel, nodes=(_node,), family="math"))
register(Function("~", "~a", "Bitwise NOT (two's complement).", "~5 → -6", _bind("~", "~", 1), _kernel,
                  nodes=(exp.BitwiseNot,), family="math"))
