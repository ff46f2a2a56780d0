"""Plan-to-plan rewrites, one rule per module, run in the order of RULES after binding.

Every rule takes the plan and the catalog's statistics (tqp.optimizer.stats.Stats) and
returns an equivalent plan; the plans of scalar subqueries are optimized first, on their own.

>>> import tqp.types as T
>>> from tqp.plan import nodes as P
>>> optimize(P.Scan("t", (("a", T.INTEGER),))) == P.Scan("t", (("a", T.INTEGER),))
True
"""
from __future__ import annotations

from ..plan.nodes import Rel, transform
from .decorrelate import decorrelate_subqueries
from .grouping_sets import expand_grouping_sets
from .join_order import order_joins
from .key_filters import add_key_filters
from .or_factor import factor_ors
from .push_filters import push_filters, push_into_applies
from .push_semi_joins import push_semi_joins
from .share import map_subquery_plans, share_repeated
from .shared_filters import push_into_shared
from .stats import Stats

# The first two make a plan that can run (the binder's GroupingSets and Apply nodes do not).
RULES = (
    expand_grouping_sets,  # before decorrelation, which knows aggregates, not grouping sets
    push_into_applies,  # subqueries are computed for the outer rows that pass the filters
    decorrelate_subqueries,  # every Apply becomes joins
    factor_ors,  # ORs' implied conjuncts first, for pushdown to move
    push_filters,  # conjuncts become join keys and leaf filters
    push_into_shared,  # a CTE all of whose readers filter it computes only the rows they keep
    push_semi_joins,  # IN / EXISTS onto the join leaf they filter
    order_joins,  # each inner-join region in the order its estimates suggest
    add_key_filters,  # a join's small side filters its large side where that is read
    share_repeated,  # last: equal subtrees are found once the plan is final
)


def optimize(plan: Rel, catalog=None, rules=RULES) -> Rel:
    """The plan rewritten by each rule in turn; `catalog` (tqp.catalog.Catalog) supplies the
    statistics (golden-plan tests pass fewer rules to see one at work)."""
    stats = Stats(catalog)
    memo: dict[int, tuple] = {}

    def subquery_plan(rel: Rel) -> Rel:
        hit = memo.get(id(rel))
        if hit is None:
            hit = memo[id(rel)] = (rel, optimize(rel, catalog, rules))
        return hit[1]
    plan = transform(plan, lambda rel: map_subquery_plans(rel, subquery_plan))
    for rule in rules:
        plan = rule(plan, stats)
    return plan
