"""Lowering the logical plan to a tensor program: the generic driver.

`lower(rel)` looks the node's kind up in tqp.physical.OPERATORS and returns that operator's
closure `run(ctx) -> Batch`; the closures are built once per query and cached, so a warm
execution only runs tensor code. Under EXPLAIN ANALYZE (a Profile in the context) each closure
also records its self time and rows.

>>> import torch, tqp.types as T
>>> from tqp.plan import nodes as P
>>> run = lower(P.Values(((P.Lit(1, T.INTEGER),), (P.Lit(2, T.INTEGER),)), (("x", T.INTEGER),)))
>>> run(Context(torch.device("cpu"), {})).column(0).data.tolist()
[1, 2]
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..column import Column
from ..errors import NotSupportedError
from ..exec.batch import Batch
from ..exec.limits import check_interrupt
from ..plan import nodes as P
from .expr import broadcast, true_mask  # noqa: F401  (true_mask: the operators import it from here)


@dataclass
class Context:
    device: torch.device
    tables: dict  # name -> StoredTable
    profile: object | None = None  # EXPLAIN ANALYZE: a tqp.physical.explain.Profile
    models: dict = field(default_factory=dict)  # name -> CompiledModel (PREDICT)
    results: dict = field(default_factory=dict)  # Shared node -> its batch in this execution
    functions: dict = field(default_factory=dict)  # name -> tqp.udf.PythonFunction (Python UDFs)
    slots: list = field(default_factory=list)  # the statement's constants (plan.nodes.Slot)
    progress: object | None = None  # SET enable_progress_bar: a tqp.exec.progress.Progress
    memo: dict = field(default_factory=dict)  # operators' results over stored tables, kept for this execution


def evaluate(fn, batch: Batch, ctx) -> Column:
    return broadcast(fn(batch, ctx), batch.length)


def arange(n: int, dev) -> torch.Tensor:
    return torch.arange(n, dtype=torch.int64, device=dev)


def lower(rel: P.Rel):
    operator = physical.OPERATORS.get(type(rel))
    if operator is None:
        raise NotSupportedError(f"plan node {type(rel).__name__}")
    run = operator.lower(rel)

    def timed(ctx):
        check_interrupt()
        out = run(ctx) if ctx.profile is None else ctx.profile.time(rel, run, ctx)
        if ctx.progress is not None:
            ctx.progress.advance()
        return out
    return timed


from .. import physical  # noqa: E402  (its operators import this module's helpers)
