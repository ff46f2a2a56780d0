"""Key filters: the small side of a join also filters the large side early, where the large
side is read, before the joins and aggregates that would carry rows it cannot match.

At a join whose estimates say one side is at most 1/RATIO of the other and holds at most
MAX_SHARE of its key values, the large side gets a semi join on the small side's keys (the
small side computed once: a Shared read by both). That semi join moves down the large side:
through filters, sorts and column-renaming projections; into a join's side whose columns it
reads, and across the join's key equalities into the other side too; below aggregates and
windows when it reads their group or partition keys; into both sides of a set operation; and
into a private copy of a shared subplan (a CTE) when it gets further inside. It is placed
where it can go no further, if it passed an operator there that it spares rows (a join, an
aggregate, a sort...) and the rows there are many: a semi join right below its own join would
only repeat the join's work, unless another one is placed there too and it keeps very few
rows (then both are, the most selective first). One on a table's clustered key column (the
table is stored in about that column's order) comes along wherever another is placed and goes
first: it reads only the blocks of rows that hold its values (physical.join's zone cut). A
table's own filter is tested before a presence test, unless the test keeps far fewer rows.

The join stays where it was, so the filter only removes rows that the join drops anyway, with
everything they contributed to. That makes it valid in places a moved filter is not: in the
padded side of an outer join, for keys that are NULL on a padded row (a row padded instead of
joined then has a NULL key, which never matches), and below aggregates on the key (a group is
kept or dropped whole).

>>> import pyarrow as pa, tqp
>>> con = tqp.connect("cpu")
>>> con.register("f", pa.table({"k": [i % 500 for i in range(5000)], "d": [i % 7 for i in range(5000)]}))
>>> con.register("g", pa.table({"d": list(range(7)), "x": list(range(7))}))
>>> con.register("s", pa.table({"k": [1, 2, 3], "tag": ["a", "b", "b"]}))
>>> from tqp.optimizer import optimize
>>> from tqp.plan import nodes as P
>>> from tqp.sql.binder import Binder
>>> from tqp.sql.parse import parse
>>> sql = "SELECT count(*) FROM f LEFT JOIN g ON f.d = g.d JOIN s ON f.k = s.k WHERE s.tag = 'b'"
>>> plan, _ = Binder(con._engine.catalog, []).bind_query(parse(sql)[0])
>>> print(P.render(optimize(plan, con._engine.catalog)))
Project(exprs=[#0], names=['count_star()'])
  Aggregate(keys=[], aggs=[count_star(*)], names=['#a0'])
    Join(kind='inner', left_keys=[#0], right_keys=[#0], residual=None)
      Join(kind='left', left_keys=[#1], right_keys=[#0], residual=None)
        Join(kind='semi', left_keys=[#0], right_keys=[#0], residual=None)
          Scan(f: k, d)
          Shared()
            Filter(predicate=eq(#1, 'b'))
              Scan(s: k, tag)
        Scan(g: d, x)
      Shared()
        Filter(predicate=eq(#1, 'b'))
          Scan(s: k, tag)
>>> con.execute(sql).fetchall()
[(20,)]
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..plan import nodes as P
from ..plan.decorrelate import rebase, rewrite
from ..plan.nodes import Call, ColRef, Expr, Lit, refs, walk
from .push_filters import _null_if_null
from .stats import Stats

RATIO = 4.0  # the large side has at least this many times the small side's rows
MAX_SHARE = 0.5  # of the large side's key values that the small side may hold
ALONG_SHARE = 0.05  # ... for one right below its own join, to come along with another placed there
FILTER_FIRST = 8.0  # a table's filter is tested first unless it keeps this many times the share

_GIVES = {  # join kind -> the sides (by position) a new filter may be made for
    "inner": (0, 1), "left": (1,), "right": (0,), "semi": (0, 1), "anti": (1,)}
_BOTH_SIDES = ("inner", "cross", "left", "right", "full")  # whose rows carry both sides' columns
_EQUAL_KEYS = _BOTH_SIDES + ("semi", "anti")  # whose key equalities carry a filter across
# whose output rows each come from one left row and the other side, whatever the other left
# rows are (not POSITIONAL, which pairs rows by their place; ASOF is left alone too)
_ROW_BY_ROW = _EQUAL_KEYS + ("anti_null_aware", "mark", "mark_in", "mark_any", "single")
_PADDED = {"left": (1,), "right": (0,), "full": (0, 1)}  # the sides an outer join pads with NULLs


class _Source:
    """The small side of a join, as its filters read it: a Shared made on first use, one per
    distinct subplan (so that equal subtrees that read it stay equal, and are shared in turn)."""

    def __init__(self, rel: P.Rel, keys: tuple, rows: float, share: float, made: dict):
        self.rel, self.keys, self.rows, self.share, self.made, self.shared = rel, keys, rows, share, made, None

    def read(self) -> P.Rel:
        if self.shared is None:
            rel = self.rel
            self.shared = rel if isinstance(rel, P.Shared) else self.made.setdefault(rel, P.Shared(rel))
        return self.shared


@dataclass(frozen=True)
class _KeyFilter:
    keys: tuple  # over the columns of the relation it is at
    source: _Source
    passed: bool = False  # got past an operator that it spares rows


def add_key_filters(plan: P.Rel, stats: Stats) -> P.Rel:
    """The plan with a semi join on the small side's keys placed deep in each join's large side
    (where estimates say it pays)."""
    return _Placer(stats).visit(plan, [])


class _Placer:
    def __init__(self, stats: Stats):
        self.stats = stats
        self.memo: dict[int, tuple] = {}
        self.applied: list[_Source] = []
        self.made: dict[P.Rel, P.Shared] = {}

    def visit(self, rel: P.Rel, filters: list) -> P.Rel:
        if not filters:  # a node read twice (a Shared) is rewritten once
            hit = self.memo.get(id(rel))
            if hit is None:
                hit = self.memo[id(rel)] = (rel, self._place(rel, []))
            return hit[1]
        return self._place(rel, filters)

    def _place(self, rel: P.Rel, filters: list) -> P.Rel:
        out, stay = self._into(rel, filters)
        due: dict[tuple, _KeyFilter] = {}  # per key, the most selective filter (more would repeat its cut)
        rows = self.stats.rows(rel)
        for f in stay:
            if rows >= RATIO * f.source.rows:
                best = due.get(f.keys)
                if best is not None:
                    keep = f if f.source.share < best.source.share else best
                    f = dataclasses.replace(keep, passed=f.passed or best.passed)
                due[f.keys] = f
        if any(f.passed for f in due.values()):
            # one placed here brings along those right below their own joins that keep very few
            # rows (a presence test costs about what their join's probe does, and cutting first
            # spares the other tests and the joins above), and any on a table's clustered key
            # column, which reads only the blocks of rows that hold its values: it goes first,
            # then the most selective
            cuts = {k: self._cuts_blocks(rel, k) for k in due}
            placed = [f for k, f in due.items() if f.passed or f.source.share <= ALONG_SHARE or cuts[k]]
            for f in sorted(placed, key=lambda f: (not cuts[f.keys], f.source.share)):
                self.applied.append(f.source)
                out = P.Join(out, f.source.read(), "semi", f.keys, f.source.keys)
        return out

    def _into(self, rel: P.Rel, filters: list):
        """(rel with its inputs rewritten and the filters that can go into them sent there,
        the filters that stay on top)."""
        if isinstance(rel, P.Join):
            return self._join(rel, filters)
        if isinstance(rel, P.Shared) and filters:
            return self._shared(rel, filters)
        down, stay = [], []
        for f in filters:
            moved = f if self._before_filter(rel, f) else _below(rel, f)
            (stay if moved is None else down).append(f if moved is None else moved)
        ins = rel.inputs()
        if isinstance(rel, P.SetOp):
            return rel.with_inputs(*(self.visit(i, down) for i in ins)), stay
        return rel.with_inputs(*(self.visit(i, down if k == 0 else []) for k, i in enumerate(ins))), stay

    def _cuts_blocks(self, rel: P.Rel, keys: tuple) -> bool:
        return isinstance(rel, P.Scan) and len(keys) == 1 and self.stats.clustered(rel, keys[0])

    def _before_filter(self, rel: P.Rel, f: _KeyFilter) -> bool:
        """Whether a presence test goes below a table's own filter: when it keeps far fewer
        rows, testing every row once and comparing the few it keeps costs less than comparing
        every row and testing the many the filter keeps."""
        return isinstance(rel, P.Filter) and isinstance(rel.input, (P.Scan, P.Values)) and \
            f.source.share * FILTER_FIRST < self.stats.selectivity(rel.predicate, rel.input)

    def _shared(self, rel: P.Shared, filters: list):
        # A private copy of the subplan, filtered inside, when the filter gets further in than
        # its top; the other readers keep the shared one. (Not filtered by itself: a join
        # between two reads of one subplan has that filter already.)
        filters = [f for f in filters if not _same(f.source.rel, rel, self.memo)]
        if not filters:
            return self.visit(rel, []), []
        mark = len(self.applied)
        sources = {id(f.source) for f in filters}
        copy = self.visit(rel.input, [dataclasses.replace(f, passed=False) for f in filters])
        if any(id(s) in sources for s in self.applied[mark:]):
            return copy, []
        del self.applied[mark:]
        return self.visit(rel, []), filters

    def _join(self, j: P.Join, filters: list):
        nl = len(j.left.schema)
        sides: tuple[list, list] = ([], [])
        stay = []
        for f in filters:
            if self._done_by(j, f):
                continue
            cols = set().union(*(refs(k) for k in f.keys))
            side = None if not cols or j.kind not in _ROW_BY_ROW else \
                0 if max(cols) < nl else 1 if min(cols) >= nl and j.kind in _BOTH_SIDES else None
            if side is None:
                stay.append(f)
                continue
            keys = f.keys if side == 0 else tuple(rebase(k, -nl) for k in f.keys)
            if side in _PADDED.get(j.kind, ()) and \
                    not all(_null_if_null(k, set(range(len(j.inputs()[side].schema)))) for k in keys):
                stay.append(f)  # a padded row's key must be NULL for the join above to drop it
                continue
            # past a join that pairs rows, not past another presence test (semi, anti, mark)
            passed = f.passed or j.kind in _BOTH_SIDES
            sides[side].append(_KeyFilter(keys, f.source, passed))
            if j.kind in _EQUAL_KEYS and not j.null_safe:
                mine, other = (j.left_keys, j.right_keys) if side == 0 else (j.right_keys, j.left_keys)
                across = _across(keys, mine, other)
                if across is not None:
                    sides[1 - side].append(_KeyFilter(across, f.source, passed))
        big, share = self._big_side(j)
        new = [j.left, j.right]
        if big is None:
            new = [self.visit(new[s], sides[s]) for s in (0, 1)]
        else:
            small = 1 - big
            new[small] = self.visit(new[small], sides[small])
            source = _Source(new[small], (j.left_keys, j.right_keys)[small],
                             self.stats.rows((j.left, j.right)[small]), share, self.made)
            sides[big].append(_KeyFilter((j.left_keys, j.right_keys)[big], source))
            new[big] = self.visit(new[big], sides[big])
            if source.shared is not None:
                new[small] = source.shared
        return j.with_inputs(*new), stay

    def _done_by(self, j: P.Join, f: _KeyFilter) -> bool:
        """Whether j is the filter already: an inner or semi join with its source on one side,
        matched on its keys."""
        if j.kind not in ("inner", "semi") or j.null_safe:
            return False
        nl = len(j.left.schema)
        if f.keys == j.left_keys and f.source.keys == j.right_keys and _same(f.source.rel, j.right, self.memo):
            return True
        return j.kind == "inner" and f.source.keys == j.left_keys and \
            f.keys == tuple(rebase(k, nl) for k in j.right_keys) and _same(f.source.rel, j.left, self.memo)

    def _big_side(self, j: P.Join) -> tuple[int | None, float]:
        """(the side a new filter is made for: the much larger one, whose key values the other
        side holds few of; the share of them it holds)."""
        if j.kind not in _GIVES or not j.left_keys or j.null_safe or \
                not all(_plain(k) for k in j.left_keys + j.right_keys):
            return None, 1.0
        rels, keys = (j.left, j.right), (j.left_keys, j.right_keys)
        rows = [self.stats.rows(r) for r in rels]
        for big in _GIVES[j.kind]:
            small = 1 - big
            if rows[big] < RATIO * rows[small]:
                continue
            # the large side's key values are taken to be drawn from the small side's whole
            # table (a foreign key from its primary key's), of which the small side holds some
            held, values = 1.0, 1.0
            for bk, sk in zip(keys[big], keys[small]):
                held *= self.stats.ndv(rels[small], sk) or rows[small]
                values *= max(self.stats.ndv(rels[big], bk) or rows[big], self.stats.domain(rels[small], sk) or 1.0)
            share = min(held, rows[small]) / values
            if share <= MAX_SHARE:
                return big, share
        return None, 1.0


def _same(source: P.Rel, side: P.Rel, memo: dict) -> bool:
    """Whether a filter's source gives the rows of a join's side (as rewritten, or equal to it)."""
    read = memo.get(id(side), (None, side))[1]
    return source is read or hash(source) == hash(read) and source == read


def _plain(e: Expr) -> bool:
    """A key that a filter may evaluate again elsewhere: columns, constants and deterministic
    calls, not floats (a partition key's -0.0 and 0.0 are one value there, not everywhere)."""
    return not e.type.is_float and all(isinstance(n, (ColRef, Lit, Call)) for n in walk(e)) and \
        not any(isinstance(n, Call) and n.op in ("random", "uuid", "predict") for n in walk(e))


def _across(keys: tuple, mine: tuple, other: tuple):
    """The keys over the join's other side, where each column they read equals one there (a
    key pair `mine[i] = other[i]` of plain columns of one type), else None."""
    pairs = {a.index: b for a, b in zip(mine, other)
             if isinstance(a, ColRef) and isinstance(b, ColRef) and a.type == b.type}
    if not all(i in pairs for k in keys for i in refs(k)):
        return None
    return tuple(rewrite(k, lambda i: pairs[i].index) for k in keys)


def _below(rel: P.Rel, f: _KeyFilter) -> _KeyFilter | None:
    """The filter as it goes into rel's first input (every input of a set operation), or None
    when it must stay above rel."""
    if isinstance(rel, P.Filter):
        # a table's own filter comes first: comparisons cost less than a presence test
        return None if isinstance(rel.input, (P.Scan, P.Values)) else f
    if isinstance(rel, P.Sort) and rel.limit is None and not rel.offset and not rel.partition or \
            isinstance(rel, P.Distinct) and not rel.on:
        return dataclasses.replace(f, passed=True)
    if isinstance(rel, P.SetOp):
        same = [t for _, t in rel.left.schema] == [t for _, t in rel.right.schema]
        return dataclasses.replace(f, passed=True) if same else None
    if isinstance(rel, P.Project):
        if all(isinstance(rel.exprs[i], ColRef) for k in f.keys for i in refs(k)):
            return dataclasses.replace(f, keys=tuple(rewrite(k, lambda i: rel.exprs[i].index) for k in f.keys))
        return None
    if isinstance(rel, P.Aggregate):
        n = len(rel.keys)
        if all(i < n and isinstance(rel.keys[i], ColRef) for k in f.keys for i in refs(k)):
            return _KeyFilter(tuple(rewrite(k, lambda i: rel.keys[i].index) for k in f.keys), f.source, True)
        return None
    if isinstance(rel, P.Window):
        # whole partitions are kept or dropped, so their window values stay
        parts = {p.index for p in rel.partition if isinstance(p, ColRef)}
        if all(i in parts for k in f.keys for i in refs(k)):
            return dataclasses.replace(f, passed=True)
    return None
