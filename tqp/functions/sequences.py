"""nextval and currval: the numbers of a CREATE SEQUENCE (tqp.catalog.Sequence), one per row,
read from the catalog when the statement runs (so a cached program never repeats a value).

>>> import tqp
>>> con = tqp.connect("cpu")
>>> _ = con.execute("CREATE SEQUENCE s START 10 INCREMENT BY 5")
>>> con.execute("SELECT nextval('s') FROM range(3)").fetchall(), con.execute("SELECT currval('s')").fetchall()
([(10,), (15,), (20,)], [(20,)])
"""
from __future__ import annotations

import itertools

import torch
from sqlglot import exp

from .. import types as T
from ..column import Column
from ..errors import DataError, ProgrammingError
from ..plan.nodes import Call, Lit
from . import Function, register
from .signature import arity, coerce, constant, is_null

_calls = itertools.count()  # each call its own node: two nextval() in one query draw apart


def _bind(name):
    def bind(*args):
        arity(name, args, 1, 1)
        if is_null(args[0]):
            return Lit(None, T.BIGINT)
        sequence = constant(name, coerce(name, 1, args[0], "VARCHAR"), "sequence name")
        return Call(name, (), T.BIGINT, (sequence, next(_calls)))
    return bind


def _sequence(ctx, name: str):
    catalog = ctx.tables.owner
    key = catalog.key_of(exp.to_table(name), missing_ok=True)
    if key not in catalog.sequences:
        from ..sql.scope import suggest
        raise ProgrammingError(f'sequence "{name}" does not exist' + suggest(name, list(catalog.sequences)))
    return catalog.sequences[key]


def _nextval(args, e, ctx):
    return Column(T.BIGINT, _sequence(ctx, e.params[0]).next_values(e.params[-1], ctx.device))


def _currval(args, e, ctx):
    value = _sequence(ctx, e.params[0]).current()
    if value is None:
        raise DataError(f'currval: sequence "{e.params[0]}" has no value yet in this session (call nextval first)')
    return Column(T.BIGINT, torch.full((e.params[-1],), value, dtype=torch.int64, device=ctx.device))


register(Function("nextval", "nextval(VARCHAR sequence) → BIGINT", "The sequence's next value, one per row.",
                  "nextval('s') → 1", _bind("nextval"), _nextval, family="other"))
register(Function("currval", "currval(VARCHAR sequence) → BIGINT", "The value nextval() last gave.",
                  "currval('s') → 1", _bind("currval"), _currval, family="other"))
