"""share_repeated: repeated subtrees become one Shared node; odd plans pass through."""
import tqp.types as T
from tqp.plan import nodes as P
from tqp.optimizer.share import share_repeated

SCAN = P.Scan("t", (("a", T.INTEGER),), (0,))
A = P.ColRef(0, T.INTEGER)


def _filter(params):
    return P.Filter(SCAN, P.Call("in_values", (A,), T.BOOLEAN, params=params))


def test_repeated_filter_is_shared_once():
    f = _filter((1, 2))
    plan = share_repeated(P.SetOp("union", True, (f, _filter((1, 2)))))
    assert isinstance(plan.left, P.Shared) and plan.left is plan.right


def test_different_subtrees_stay_apart():
    plan = P.SetOp("union", True, (_filter((1, 2)), _filter((1, 3))))
    assert share_repeated(plan) is plan


def test_unhashable_constant_leaves_plan_alone():
    f = _filter(([1, 2],))
    plan = P.SetOp("union", True, (f, f))
    assert share_repeated(plan) is plan


def test_subquery_plans_are_searched():
    f = _filter((5,))
    sub = P.Aggregate(f, (), (P.AggCall("count_star", None, T.BIGINT),), ("c",))
    outer = P.Filter(f, P.Call("gt", (A, P.ScalarSubquery(sub, T.BIGINT)), T.BOOLEAN))
    plan = share_repeated(outer)
    inner = plan.predicate.args[1].plan.input
    assert isinstance(plan.input, P.Shared) and plan.input is inner
