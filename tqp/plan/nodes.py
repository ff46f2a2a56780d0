"""The logical plan: typed, immutable nodes that check themselves when built.

Expressions refer to input columns by position (ColRef.index), so a plan never depends on names.
A relation's output schema is `node.schema`: a tuple of (name, SqlType).

>>> from tqp import types as T
>>> scan = Scan("t", (("a", T.INTEGER), ("b", T.DOUBLE)))
>>> Filter(scan, Call("gt", (ColRef(0, T.INTEGER), Lit(1, T.INTEGER)), T.BOOLEAN)).schema
(('a', INTEGER), ('b', DOUBLE))
"""
from __future__ import annotations

import contextlib
import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

from .. import types as T
from ..types import SqlType

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Expr:
    type: SqlType

    def children(self) -> tuple["Expr", ...]:
        return ()

    def holds_subquery(self) -> bool:
        """Whether a ScalarSubquery occurs in this tree."""
        return self._folded("_holds_subquery", lambda kids: isinstance(self, ScalarSubquery) or any(kids),
                            Expr.holds_subquery)

    def slot_keys(self) -> frozenset:
        """Which constants of the statement (Slot keys) this tree reads, params included."""
        own = ([self.key] if isinstance(self, Slot) else []) + \
            [p.key for p in getattr(self, "params", ()) if isinstance(p, Slot)]
        return self._folded("_slot_keys", lambda kids: frozenset(own).union(*kids), Expr.slot_keys)

    def _folded(self, attr: str, combine, method):
        """combine(method over each child), known once per node: nodes are immutable, and the
        optimizer's rules and the compiler ask it of every expression of the plan."""
        try:
            return self.__dict__[attr]
        except KeyError:
            found = combine([method(c) for c in self.children()])
            object.__setattr__(self, attr, found)
            return found


@dataclass(frozen=True)
class ColRef(Expr):
    """Column `index` of the operator's input (for a join: left columns, then right ones)."""
    index: int = 0

    def __init__(self, index: int, type: SqlType):
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)


@dataclass(frozen=True)
class Lit(Expr):
    """A constant, held in storage form: decimals scaled, dates as days, strings as str."""
    value: Any = None

    def __init__(self, value: Any, type: SqlType):
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "value", value)


class Slot(Lit):
    """A constant of the statement (a literal of its text or a `?` parameter) that the compiled
    program reads at run time from Context.slots, so that one program serves any value of it.
    `first` is the value the plan was built with. Anything at planning time that reads `value`
    makes the plan depend on it: the slot is pinned (see record_slots) and its value becomes
    part of the program cache's key. `derive` maps the slot values to this one's (a constant
    folded from a slot, such as CAST('1994-01-01' AS DATE)); `key` names the derivation.

    >>> with record_slots() as rec:
    ...     s = slot_literal(Lit(5, T.INTEGER), 0)
    ...     c = s.derived(lambda lit: Lit(lit.value * 2, T.BIGINT), "twice")
    ...     (c.at_run([7]), rec.bound, rec.pinned)
    (14, {0}, set())
    >>> with record_slots() as rec:
    ...     (slot_literal(Lit(5, T.INTEGER), 0).value, rec.pinned)
    (5, {0})
    """

    def __init__(self, type: SqlType, first: Any, sources: tuple, derive=None, key=None):
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "first", first)
        object.__setattr__(self, "sources", sources)
        object.__setattr__(self, "derive", derive)
        object.__setattr__(self, "key", key if key is not None else sources)

    @property
    def value(self):
        _pin(self.sources)
        return self.first

    def at_run(self, slots) -> Any:
        return slots[self.sources[0]] if self.derive is None else self.derive(slots)

    def derived(self, fold, label, *others: "Slot") -> "Slot":
        """The slot holding fold(this constant, *others) (Lits -> a Lit of fixed type)."""
        parts = (self,) + others
        try:
            out = fold(*(Lit(p.first, p.type) for p in parts))
        except Exception:  # a caller that catches it plans by the outcome: pinned
            _pin(sum((p.sources for p in parts), ()))
            raise
        slot = Slot(out.type, out.value, sum((p.sources for p in parts), ()),
                    lambda slots: fold(*(Lit(p.at_run(slots), p.type) for p in parts)).value,
                    (label,) + tuple(p.key for p in parts))
        rec = _recording.record
        if rec is not None:  # values the fold refuses are planned afresh (it may then plan a per-row error)
            rec.guards.append(lambda slots: slot.at_run(slots) is not _FAILED)
        return slot

    # Same slot, same value. Two slots (or a slot and a constant) that merely hold equal values
    # now are equal only for this plan's values, so saying so ties them (or pins the slot): the
    # plan serves only values that keep them equal. Saying "different" never changes an answer.
    def __eq__(self, other):
        if not isinstance(other, Lit):
            return NotImplemented
        if self.type != other.type or self.first != (other.first if isinstance(other, Slot) else other.value):
            return False
        if not isinstance(other, Slot):
            _pin(self.sources)  # equal to a constant: only with this value
        elif self.key != other.key:
            _tie(self, other)
        return True

    def __hash__(self):
        return hash((self.type, self.first))

    def __repr__(self):
        return f"Slot({self.key!r}, {self.type})"


_FAILED = object()


class SlotRecord:
    """What planning did with the slots: which it built Slot nodes for, which values it read."""

    def __init__(self):
        self.bound: set[int] = set()
        self.pinned: set[int] = set()
        self.guards: list = []  # slot values -> bool: what planning took to hold of the slots


class _Recording(threading.local):
    record: SlotRecord | None = None


_recording = _Recording()


@contextlib.contextmanager
def record_slots():
    """Plan with slots: inside, slot_literal makes Slot nodes and records their use."""
    outer, rec = _recording.record, SlotRecord()
    _recording.record = rec
    try:
        yield rec
    finally:
        _recording.record = outer


def slot_literal(lit: Lit, index: int | None) -> Lit:
    """`lit`, as slot `index` of the statement when planning records slots."""
    rec = _recording.record
    if rec is None or index is None or lit.value is None:
        return lit
    rec.bound.add(index)
    return Slot(lit.type, lit.value, (index,))


def holds(lit: Lit, test) -> bool:
    """test(lit.value); for a Slot, the plan then serves only values with the same answer (a
    decision such as "this timestamp is a midnight", without pinning the value itself)."""
    if not isinstance(lit, Slot):
        return test(lit.value)
    try:
        answer = bool(test(lit.first))
    except Exception:
        _pin(lit.sources)
        raise
    rec = _recording.record
    if rec is not None:
        rec.guards.append(lambda slots: bool(test(lit.at_run(slots))) == answer)
    return answer


def fold(lit: Lit, fn, label) -> Lit:
    """fn(lit) (a Lit -> Lit fold of fixed result type), kept a Slot when lit is one."""
    return lit.derived(fn, label) if isinstance(lit, Slot) else fn(lit)


def estimate_value(lit: Lit) -> Any:
    """A constant's value for an estimate (a selectivity): a plan that only its estimates
    shaped is right for any value of a slot, so reading it this way pins nothing."""
    return lit.first if isinstance(lit, Slot) else lit.value


def _tie(a: Slot, b: Slot) -> None:
    rec = _recording.record
    if rec is not None:
        rec.guards.append(lambda slots: a.at_run(slots) == b.at_run(slots))


def _pin(sources) -> None:
    rec = _recording.record
    if rec is not None:
        rec.pinned.update(sources)


@dataclass(frozen=True)
class Call(Expr):
    """A scalar function or operator; `op` names an entry of tqp.compile.ops.OPS."""
    op: str = ""
    args: tuple[Expr, ...] = ()
    params: tuple = ()  # constant, non-expression arguments (a LIKE pattern, a date field, ...)

    def __init__(self, op: str, args: tuple, type: SqlType, params: tuple = ()):
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "args", tuple(args))
        object.__setattr__(self, "params", tuple(params))

    def children(self):
        return self.args


@dataclass(frozen=True)
class AggCall(Expr):
    """An aggregate; only an Aggregate node evaluates it."""
    func: str = ""  # count_star, count, sum, avg, min, max, var_samp, var_pop, stddev_samp, stddev_pop
    arg: Expr | None = None
    distinct: bool = False
    filter: Expr | None = None  # FILTER (WHERE ...): only rows where it is true take part

    def __init__(self, func: str, arg: Expr | None, type: SqlType, distinct: bool = False,
                 filter: Expr | None = None):
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "func", func)
        object.__setattr__(self, "arg", arg)
        object.__setattr__(self, "distinct", distinct)
        object.__setattr__(self, "filter", filter)

    def children(self):
        return tuple(e for e in (self.arg, self.filter) if e is not None)


@dataclass(frozen=True)
class ScalarSubquery(Expr):
    """An uncorrelated subquery giving at most one row of one column."""
    plan: "Rel" = None

    def __init__(self, plan: "Rel", type: SqlType):
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "plan", plan)


@dataclass(frozen=True)
class OuterRef(Expr):
    """Column `index` of the input of an enclosing query (binding level `level`): a correlated
    subquery's free variable. Decorrelation (tqp.optimizer.decorrelate) replaces every one before
    a plan is lowered."""
    level: int = 0
    index: int = 0

    def __init__(self, level: int, index: int, type: SqlType):
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "level", level)
        object.__setattr__(self, "index", index)


@dataclass(frozen=True)
class Frame:
    """A window frame. Bounds are "unbounded", "preceding", "current" or "following" (an
    unbounded start precedes, an unbounded end follows); ROWS and GROUPS offsets are BIGINT
    expressions. A RANGE bound with an offset holds the bound's value per row instead
    (`value`: the order key minus or plus the offset) and `key`, the order key in that value's
    type, which the bound is searched in."""
    kind: str = "range"  # rows, range, groups
    start: str = "unbounded"
    end: str = "current"
    start_offset: Expr | None = None
    end_offset: Expr | None = None
    exclude: str = "no others"  # no others, current row, group, ties
    start_value: Expr | None = None  # RANGE only
    end_value: Expr | None = None
    key: Expr | None = None

    def exprs(self) -> tuple[Expr, ...]:
        return tuple(e for e in (self.start_offset, self.end_offset, self.start_value, self.end_value, self.key)
                     if e is not None)


WHOLE_PARTITION = Frame("rows", "unbounded", "unbounded")


@dataclass(frozen=True)
class WindowCall(Expr):
    """A window function over the rows of its partition, ordered by `order`; only a Window
    node evaluates it. `func` is a ranking or value function (row_number, rank, lag, ...) or an
    aggregate's name as in AggCall; `frame` is None for functions that ignore frames."""
    func: str = ""
    args: tuple[Expr, ...] = ()
    partition: tuple[Expr, ...] = ()
    order: tuple["SortKey", ...] = ()
    frame: Frame | None = None
    ignore_nulls: bool = False
    distinct: bool = False
    filter: Expr | None = None  # FILTER (WHERE ...) of an aggregate

    def __init__(self, func, args, type, partition=(), order=(), frame=None, ignore_nulls=False,
                 distinct=False, filter=None):
        for k, v in (("type", type), ("func", func), ("args", tuple(args)), ("partition", tuple(partition)),
                     ("order", tuple(order)), ("frame", frame), ("ignore_nulls", ignore_nulls),
                     ("distinct", distinct), ("filter", filter)):
            object.__setattr__(self, k, v)

    def children(self):
        return self.args + self.partition + tuple(k.expr for k in self.order) + \
            (self.frame.exprs() if self.frame is not None else ()) + ((self.filter,) if self.filter is not None else ())

    def map(self, fn) -> "WindowCall":
        """The call with fn applied to each expression it holds."""
        def opt(e):
            return None if e is None else fn(e)
        frame = self.frame if self.frame is None else dataclasses.replace(
            self.frame, **{f: opt(getattr(self.frame, f)) for f in
                           ("start_offset", "end_offset", "start_value", "end_value", "key")})
        return WindowCall(self.func, tuple(fn(a) for a in self.args), self.type, tuple(fn(p) for p in self.partition),
                          tuple(dataclasses.replace(k, expr=fn(k.expr)) for k in self.order), frame,
                          self.ignore_nulls, self.distinct, opt(self.filter))


def walk(e: Expr):
    """Pre-order iteration over an expression tree (iterative: trees may be deep)."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children()))


def split_and(e: Expr) -> list[Expr]:
    """The conjuncts of an AND chain."""
    return _split_chain(e, "and")


def split_or(e: Expr) -> list[Expr]:
    """The branches of an OR chain."""
    return _split_chain(e, "or")


def _split_chain(e: Expr, op: str) -> list[Expr]:
    # iterative: chains may be long
    out, stack = [], [e]
    while stack:
        n = stack.pop()
        if isinstance(n, Call) and n.op == op:
            stack.extend(reversed(n.args))
        else:
            out.append(n)
    return out


def with_or_factors(conjuncts: list[Expr]) -> list[Expr]:
    """The conjuncts plus, for each OR among them, the conjuncts common to all its branches,
    which hold on their own: `(a AND b) OR (a AND c)` adds `a` (an equality there can become a
    join key or a correlation's key)."""
    out = list(conjuncts)
    for e in conjuncts:
        if isinstance(e, Call) and e.op == "or":
            branches = [split_and(b) for b in split_or(e)]
            out += [c for c in branches[0] if all(c in s for s in branches[1:]) and c not in out]
    return out


def and_all(exprs: list[Expr]) -> Expr | None:
    out = None
    for e in exprs:
        out = e if out is None else Call("and", (out, e), T.BOOLEAN)
    return out


def refs(e: Expr) -> set[int]:
    """Input column positions an expression reads."""
    return {n.index for n in walk(e) if isinstance(n, ColRef)}


def equi_pair(e: Expr, nl: int):
    """(left side, right side) if e is `l = r` with l over the first nl columns only and r over
    the rest only (either way round), else None."""
    if not (isinstance(e, Call) and e.op == "eq"):
        return None
    a, b = e.args
    ra, rb = refs(a), refs(b)
    if not ra or not rb:
        return None
    if max(ra) < nl <= min(rb):
        return a, b
    if max(rb) < nl <= min(ra):
        return b, a
    return None

# ---------------------------------------------------------------- relations

Schema = tuple  # tuple[tuple[str, SqlType], ...]


@dataclass(frozen=True)
class Rel:
    @property
    def schema(self) -> Schema:
        raise NotImplementedError

    def inputs(self) -> tuple["Rel", ...]:
        return ()

    def with_inputs(self, *new: "Rel") -> "Rel":
        """This node over other inputs (in the order of inputs()); itself when none changed."""
        old = self.inputs()
        if len(new) != len(old):
            raise ValueError(f"{type(self).__name__} takes {len(old)} input(s), not {len(new)}")
        if all(a is b for a, b in zip(old, new)):
            return self
        names = [f.name for f in dataclasses.fields(self) if isinstance(getattr(self, f.name), Rel)]
        return dataclasses.replace(self, **dict(zip(names, new)))


class _SameRows(Rel):
    """Operators whose output columns are their input's (filter, sort, limit, ...)."""

    @property
    def schema(self):
        return self.input.schema

    def inputs(self):
        return (self.input,)


def _check_refs(exprs, width: int, where: str):
    for e in exprs:
        if e is None:
            continue
        for node in walk(e):
            if isinstance(node, ColRef) and not 0 <= node.index < width:
                raise ValueError(f"{where}: column #{node.index} out of range {width}")


@dataclass(frozen=True)
class Scan(Rel):
    table: str
    columns: Schema  # the table's columns that are read, in order
    source_index: tuple[int, ...] = ()  # positions in the stored table; default 0..n-1

    @property
    def schema(self):
        return self.columns


@dataclass(frozen=True)
class Values(Rel):
    """Literal rows; `Values((), ())` with one empty row is the FROM-less SELECT's input."""
    rows: tuple[tuple[Expr, ...], ...]
    columns: Schema

    @property
    def schema(self):
        return self.columns


@dataclass(frozen=True)
class Filter(_SameRows):
    input: Rel
    predicate: Expr

    def __post_init__(self):
        if self.predicate.type not in (T.BOOLEAN, T.NULLTYPE):
            raise ValueError(f"filter predicate must be BOOLEAN, not {self.predicate.type}")
        _check_refs([self.predicate], len(self.input.schema), "Filter")



@dataclass(frozen=True)
class Project(Rel):
    input: Rel
    exprs: tuple[Expr, ...]
    names: tuple[str, ...]

    def __post_init__(self):
        _check_refs(self.exprs, len(self.input.schema), "Project")

    @property
    def schema(self):
        return tuple(zip(self.names, (e.type for e in self.exprs)))

    def inputs(self):
        return (self.input,)


@dataclass(frozen=True)
class Aggregate(Rel):
    """Output: the group keys, then the aggregates. No keys: exactly one output row."""
    input: Rel
    keys: tuple[Expr, ...]
    aggs: tuple[AggCall, ...]
    names: tuple[str, ...]

    def __post_init__(self):
        _check_refs(self.keys + self.aggs, len(self.input.schema), "Aggregate")

    @property
    def schema(self):
        return tuple(zip(self.names, [e.type for e in self.keys] + [a.type for a in self.aggs]))

    def inputs(self):
        return (self.input,)


JOIN_KINDS = ("inner", "left", "right", "full", "semi", "anti", "anti_null_aware", "mark", "mark_in", "mark_any",
              "cross", "single", "asof", "asof_left", "positional")  # (the last three: tqp/physical/asof.py)


@dataclass(frozen=True)
class Join(Rel):
    """Equi keys pair up left_keys[i] (over the left input) with right_keys[i] (over the right);
    `residual` is a predicate over left columns followed by right columns.

    semi/anti keep left columns only; `mark` appends one BOOLEAN column (IN semantics: NULL when
    no match but a NULL took part); anti_null_aware is NOT IN's anti join; `single` is a left
    join that fails when a left row matches twice (a scalar subquery's rows joined back).
    With `null_safe` every key pair compares IS NOT DISTINCT FROM (NULL meets NULL), as the
    columns of a decorrelated subquery's domain must. A join without keys that would test more
    than `max_pairs` row pairs is refused (one the plan made, not the query's text, has a cap).
    """
    left: Rel
    right: Rel
    kind: str
    left_keys: tuple[Expr, ...] = ()
    right_keys: tuple[Expr, ...] = ()
    residual: Expr | None = None
    null_safe: bool = False
    max_pairs: int | None = None

    def __post_init__(self):
        if self.kind not in JOIN_KINDS:
            raise ValueError(f"unknown join kind {self.kind}")
        if len(self.left_keys) != len(self.right_keys):
            raise ValueError("join key lists differ in length")
        _check_refs(self.left_keys, len(self.left.schema), "Join left key")
        _check_refs(self.right_keys, len(self.right.schema), "Join right key")
        _check_refs([self.residual], len(self.left.schema) + len(self.right.schema), "Join residual")

    @property
    def schema(self):
        if self.kind in ("semi", "anti", "anti_null_aware"):
            return self.left.schema
        if self.kind in ("mark", "mark_in", "mark_any"):
            return self.left.schema + (("mark", T.BOOLEAN),)
        return self.left.schema + self.right.schema

    def inputs(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class SortKey:
    expr: Expr
    descending: bool = False
    nulls_first: bool = False


@dataclass(frozen=True)
class Sort(_SameRows):
    input: Rel
    keys: tuple[SortKey, ...]
    limit: int | None = None  # ORDER BY ... LIMIT k: a top-k
    offset: int = 0
    partition: tuple[Expr, ...] = ()  # LIMIT/OFFSET apply within each group of equal values

    def __post_init__(self):
        _check_refs([k.expr for k in self.keys] + list(self.partition), len(self.input.schema), "Sort")



@dataclass(frozen=True)
class Limit(_SameRows):
    """Rows offset..offset+limit; with `percent`, limit is that share of all the input's rows
    (LIMIT p PERCENT, rounded down, counted before the offset as DuckDB does)."""
    input: Rel
    limit: int | None
    offset: int = 0
    percent: float | None = None



@dataclass(frozen=True)
class Distinct(_SameRows):
    """Rows with distinct values; with `on` (DISTINCT ON), the first row of each distinct
    value of those expressions, in input order (a Sort below decides which row is first)."""
    input: Rel
    on: tuple[Expr, ...] = ()

    def __post_init__(self):
        _check_refs(self.on, len(self.input.schema), "Distinct")



@dataclass(frozen=True, eq=False)
class Shared(_SameRows):
    """A subplan read by two operators (a query and its decorrelated subquery's semi-join
    filter): computed once per execution. Each Shared is its own identity: two of them are
    equal only when they are the same node, whatever they hold (a CTE's rows are not another's
    because both are Shared)."""
    input: Rel

    __eq__ = object.__eq__
    __hash__ = object.__hash__



@dataclass(frozen=True)
class Unnest(Rel):
    """The input's rows, each repeated once per element of its longest list in `lists`, with one
    more column per list holding the element (NULL past a shorter list's end). A NULL or empty
    list gives no rows."""
    input: Rel
    lists: tuple[Expr, ...]

    def __post_init__(self):
        _check_refs(self.lists, len(self.input.schema), "Unnest")

    @property
    def schema(self):
        return self.input.schema + tuple((f"#unnest{i}", e.type.element) for i, e in enumerate(self.lists))

    def inputs(self):
        return (self.input,)


@dataclass(frozen=True)
class Range(Rel):
    """range(start, stop, step) / generate_series: one BIGINT column counting from `start` by
    `step` up to `stop` (excluded, or included when `inclusive`)."""
    start: int
    stop: int
    step: int
    inclusive: bool
    columns: Schema

    @property
    def schema(self):
        return self.columns


@dataclass(frozen=True)
class Sample(_SameRows):
    """Some of the input's rows, chosen at random (the same ones for the same seed): with
    `rows`, `amount` of them; else the share `amount` (0..1), each row kept with that chance or,
    when `exact`, exactly round(share * rows) of them. Rows keep their input order."""
    input: Rel
    amount: float
    rows: bool
    exact: bool
    seed: int | None = None


@dataclass(frozen=True, eq=False)
class WorkingTable(Rel):
    """The rows a recursive CTE's last iteration added, as its recursive term reads them. Each is
    its own identity, like Shared: two recursions' working tables never compare equal."""
    columns: Schema

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @property
    def schema(self):
        return self.columns


@dataclass(frozen=True)
class Recursive(Rel):
    """WITH RECURSIVE: the rows of `base`, then of `step` run again over the rows the previous
    iteration added (its `working` table) until an iteration adds none. With `distinct` (UNION)
    a row already produced is not added again, which also ends cycles."""
    base: Rel
    step: Rel
    working: WorkingTable
    distinct: bool

    @property
    def schema(self):
        return self.base.schema

    def inputs(self):
        return (self.base, self.step)


@dataclass(frozen=True)
class SetOp(Rel):
    """UNION [ALL] of any number of branches (a chain of UNIONs is one node, so a statement
    of many SELECTs plans and runs in linear time), INTERSECT / EXCEPT [ALL] of two."""
    kind: str  # union, intersect, except
    all: bool
    branches: tuple[Rel, ...]

    def __post_init__(self):
        if len(self.branches) < 2 or self.kind != "union" and len(self.branches) != 2:
            raise ValueError(f"{self.kind} of {len(self.branches)} inputs")
        if len({len(b.schema) for b in self.branches}) != 1:
            raise ValueError("set operation inputs differ in column count")

    @property
    def schema(self):
        return self.branches[0].schema

    @property
    def left(self) -> Rel:
        return self.branches[0]

    @property
    def right(self) -> Rel:
        return self.branches[1]

    def inputs(self):
        return self.branches

    def with_inputs(self, *new: Rel) -> Rel:
        if len(new) != len(self.branches):
            raise ValueError(f"SetOp takes {len(self.branches)} inputs, not {len(new)}")
        return self if all(a is b for a, b in zip(new, self.branches)) else dataclasses.replace(self, branches=tuple(new))


@dataclass(frozen=True)
class Window(Rel):
    """Window functions sharing one PARTITION BY and ORDER BY: the input's rows, in the same
    order, with one more column per call."""
    input: Rel
    partition: tuple[Expr, ...]
    order: tuple[SortKey, ...]
    calls: tuple[WindowCall, ...]
    names: tuple[str, ...]

    def __post_init__(self):
        if any(c.partition != self.partition or c.order != self.order for c in self.calls):
            raise ValueError("Window calls must share the node's partition and order")
        _check_refs(self.calls, len(self.input.schema), "Window")

    @property
    def schema(self):
        return self.input.schema + tuple(zip(self.names, (c.type for c in self.calls)))

    def inputs(self):
        return (self.input,)


@dataclass(frozen=True)
class GroupingSets(Rel):
    """GROUP BY GROUPING SETS / ROLLUP / CUBE: the rows of one aggregation of the input per set
    (each a tuple of positions in `keys`), laid out as Aggregate's: every key (NULL where the
    set does not hold it), then every aggregate; a `grouping` call (its argument a Call over
    keys) is the set's GROUPING() bits. tqp.optimizer.grouping_sets expands it into Aggregates."""
    input: Rel
    keys: tuple[Expr, ...]
    sets: tuple[tuple[int, ...], ...]
    aggs: tuple[AggCall, ...]
    names: tuple[str, ...]

    def __post_init__(self):
        _check_refs(self.keys + self.aggs, len(self.input.schema), "GroupingSets")

    @property
    def schema(self):
        return tuple(zip(self.names, [e.type for e in self.keys] + [a.type for a in self.aggs]))

    def inputs(self):
        return (self.input,)


APPLY_KINDS = ("exists", "not exists", "in", "not in", "mark", "any", "scalar", "lateral", "left lateral")


@dataclass(frozen=True)
class Apply(Rel):
    """A subquery evaluated for each row of `left`: `right` reads that row's column i as
    OuterRef(level, i) (other levels' OuterRefs are free variables of enclosing queries).
    `condition` is over left's columns followed by right's. By kind:

    - exists / not exists: the left rows for which right has (no) rows (a WHERE conjunct);
    - in / not in: the left rows for which `condition` (its `lhs = value` equalities) holds for
      some right row / is FALSE for every right row (NOT IN's NULL rules);
    - mark: left's columns and one BOOLEAN: EXISTS (no condition), or IN;
    - any: left's columns and `condition` ANY over right's rows (TRUE, else NULL if one was
      NULL, else FALSE);
    - scalar: left's columns and right's one column: its one row's value, NULL over none, an
      error over more;
    - lateral / left lateral: left joined with right's rows (left: kept once with NULLs when none).

    Only a plan with no Apply is lowered: tqp.optimizer.decorrelate rewrites each into joins."""
    left: Rel
    right: Rel
    kind: str
    level: int
    condition: Expr | None = None

    def __post_init__(self):
        if self.kind not in APPLY_KINDS:
            raise ValueError(f"unknown apply kind {self.kind}")
        if self.kind == "scalar" and len(self.right.schema) != 1:
            raise ValueError("a scalar Apply's subquery has one column")
        _check_refs([self.condition], len(self.left.schema) + len(self.right.schema), "Apply condition")

    @property
    def schema(self):
        if self.kind in ("exists", "not exists", "in", "not in"):
            return self.left.schema
        if self.kind in ("mark", "any"):
            return self.left.schema + (("mark", T.BOOLEAN),)
        return self.left.schema + self.right.schema

    def inputs(self):
        return (self.left, self.right)


def transform(rel: Rel, fn, _memo: dict | None = None) -> Rel:
    """Bottom-up rewrite: fn(node) is applied to every node after its inputs were rewritten.
    Subqueries inside expressions are separate plans and are not entered. A node read twice
    (a Shared subplan) is rewritten once, so both readers keep reading one node."""
    memo = {} if _memo is None else _memo
    hit = memo.get(id(rel))
    if hit is not None:
        return hit[1]
    children = rel.inputs()
    out = fn(rel.with_inputs(*[transform(child, fn, memo) for child in children]) if children else rel)
    memo[id(rel)] = (rel, out)  # holding rel keeps its id from being reused meanwhile
    return out


def _cache_hashes(base: type) -> None:
    """Plan nodes are immutable, so each computes its structural hash once. Without this a
    hash walks the whole subtree every time (dataclasses recompute it), and anything that keys
    a dict by nodes (shared subplans, the per-batch expression memo) turns quadratic in the
    statement's size."""
    for cls in [base, *_subclasses(base)]:
        structural = cls.__dict__.get("__hash__")
        if structural is None or structural is object.__hash__ or getattr(structural, "cached", False):
            continue

        def cached(self, _structural=structural):
            try:
                return self.__dict__["_hash"]
            except KeyError:
                h = _structural(self)
                object.__setattr__(self, "_hash", h)
                return h
        cached.cached = True
        cls.__hash__ = cached


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


_cache_hashes(Expr)
_cache_hashes(Rel)
_cache_hashes(SortKey)


def render(rel: Rel, indent: int = 0) -> str:
    """The plan as an indented tree of operators."""
    pad = "  " * indent
    fields = []
    for f in dataclasses.fields(rel):
        name, value = f.name, getattr(rel, f.name)
        if isinstance(value, Rel) or name in ("columns", "branches") or name in ("null_safe", "partition", "max_pairs") and not value:
            continue
        fields.append(f"{name}={_short(value)}")
    head = f"{pad}{type(rel).__name__}({', '.join(fields)})"
    if isinstance(rel, Scan):
        head = f"{pad}Scan({rel.table}: {', '.join(n for n, _ in rel.columns)})"
    return "\n".join([head] + [render(child, indent + 1) for child in rel.inputs()])


def _short(value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, ColRef):
        return f"#{value.index}"
    if isinstance(value, Lit):
        return repr(value.value)
    if isinstance(value, Call):
        return f"{value.op}({', '.join(_short(a) for a in value.args)}" + \
            (f"; {', '.join(map(repr, value.params))})" if value.params else ")")
    if isinstance(value, AggCall):
        return f"{value.func}({'distinct ' if value.distinct else ''}{_short(value.arg) if value.arg else '*'})" + \
            (f" filter({_short(value.filter)})" if value.filter is not None else "")
    if isinstance(value, SortKey):
        return _short(value.expr) + (" desc" if value.descending else "") + (" nulls first" if value.nulls_first else "")
    if isinstance(value, ScalarSubquery):
        return "(subquery)"
    if isinstance(value, OuterRef):
        return f"outer{value.level}#{value.index}"
    if isinstance(value, WindowCall):
        f = value.frame
        def bound(side, offset):
            return side if offset is None else f"{_short(offset)} {side}"
        frame = "" if f is None or f == WHOLE_PARTITION and not value.order else \
            f" {f.kind} {bound(f.start, f.start_offset)}..{bound(f.end, f.end_offset)}" + \
            ("" if f.exclude == "no others" else f" exclude {f.exclude}")
        return f"{value.func}({'distinct ' if value.distinct else ''}{', '.join(_short(a) for a in value.args)})" + \
            (" ignore nulls" if value.ignore_nulls else "") + frame
    return repr(value)
