"""Physical operators: one module per operator, and this table of which operator runs each
kind of plan node.

Each entry gives the operator's `lower(rel) -> run(ctx) -> Batch`, its one-line `describe(rel)`
for EXPLAIN, and the inputs EXPLAIN prints under it (an operator that absorbs its input, as
the aggregate absorbs a filter right below it, names the input's input instead). Each module's
docstring states its contract: what it reads, what it produces, and what it reserves.

>>> sorted(k.__name__ for k in OPERATORS)[:4]
['Aggregate', 'Distinct', 'Filter', 'Join']
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from ..plan import nodes as P
from . import aggregate, filter, join, limit, project, range, recursive, sample, scan, setop, sort, unnest, window


class Operator(NamedTuple):
    lower: Callable
    describe: Callable[[P.Rel], str]
    inputs: Callable[[P.Rel], tuple] = lambda rel: rel.inputs()


OPERATORS: dict[type, Operator] = {
    P.Scan: Operator(scan.lower_scan, scan.describe_scan),
    P.Values: Operator(scan.lower_values, scan.describe_values),
    P.Shared: Operator(scan.lower_shared, scan.describe_shared),
    P.Filter: Operator(filter.lower, filter.describe),
    P.Project: Operator(project.lower, project.describe),
    P.Aggregate: Operator(aggregate.lower, aggregate.describe, aggregate.inputs),
    P.Distinct: Operator(aggregate.lower_distinct, aggregate.describe_distinct),
    P.Join: Operator(join.lower, join.describe),
    P.Sort: Operator(sort.lower, sort.describe),
    P.Limit: Operator(limit.lower, limit.describe),
    P.SetOp: Operator(setop.lower, setop.describe),
    P.Window: Operator(window.lower, window.describe),
    P.Sample: Operator(sample.lower, sample.describe),
    P.Range: Operator(range.lower, range.describe),
    P.Unnest: Operator(unnest.lower, unnest.describe),
    P.Recursive: Operator(recursive.lower, recursive.describe),
    P.WorkingTable: Operator(recursive.lower_working_table, recursive.describe_working_table),
}
