"""More scikit-learn families as torch programs: support vector machines (kernel and linear),
nearest neighbours, naive Bayes, k-means, isolation forests, and voting / stacking ensembles
over any supported estimators.

Each converter follows scikit-learn's (or libsvm's) arithmetic so labels match exactly and
scores to rounding: SVC votes one-vs-one as libsvm does and, fitted with probability=True,
gives libsvm's Platt-scaled, pairwise-coupled probabilities; KNeighbors finds neighbours with
``torch.cdist`` and ``topk`` over row chunks whose [rows x training rows] distance block is
reserved against the memory limit first. Models without probabilities (KMeans, LinearSVC,
IsolationForest, hard voting) refuse PREDICT_PROBA.

>>> import numpy as np, torch
>>> from sklearn.neighbors import KNeighborsRegressor
>>> from tqp.ml import convert
>>> X = np.arange(8.0).reshape(-1, 1); knn = KNeighborsRegressor(n_neighbors=2).fit(X, X[:, 0] * 2)
>>> convert(knn).predict(torch.tensor([[0.9], [6.2]], dtype=torch.float64)).tolist()
[1.0, 13.0]
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..errors import NotSupportedError
from ..exec.limits import reserve
from .compiled import Head
from .sklearn_models import Affine, Converted, _name
from .trees import TreeEnsemble

# Kernel and distance blocks [rows, training rows] stay around this many float64 elements per
# chunk of input rows (32 MiB).
_BLOCK_ELEMENTS = 1 << 22
NO_PROBA = "none"  # Head transform of models that have no probabilities


def _t(a) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))


def _block_rows(width: int) -> int:
    return max(256, _BLOCK_ELEMENTS // max(width, 1))


def _distances(x: torch.Tensor, points: torch.Tensor, p: float, what: str) -> torch.Tensor:
    reserve(8.0 * x.shape[0] * points.shape[0], what)
    # no matrix-product shortcut: exact differences give the 0.0 of a training row to itself,
    # which distance weighting depends on, as scikit-learn's trees compute it
    return torch.cdist(x, points, p=p, compute_mode="donot_use_mm_for_euclid_dist")


# ------------------------------------------------------------------------------ SVM


class Kernel(nn.Module):
    """libsvm's kernels between input rows and the support vectors: [n, n_SV]."""

    def __init__(self, support_vectors, kind: str, gamma: float, coef0: float, degree: int):
        super().__init__()
        self.register_buffer("sv", _t(support_vectors))
        self.kind, self.gamma, self.coef0, self.degree = kind, float(gamma), float(coef0), int(degree)

    def forward(self, x):
        if self.kind == "rbf":
            d = _distances(x, self.sv, 2.0, "an SVM's kernel block")
            return torch.exp(-self.gamma * d * d)
        reserve(8.0 * x.shape[0] * self.sv.shape[0], "an SVM's kernel block")
        dot = x @ self.sv.T
        if self.kind == "linear":
            return dot
        if self.kind == "poly":
            return (self.gamma * dot + self.coef0) ** self.degree
        return torch.tanh(self.gamma * dot + self.coef0)  # sigmoid


class KernelScores(nn.Module):
    """Decision values K(x, SV) @ W + b: one column per class pair (or one for regression)."""

    def __init__(self, kernel: Kernel, weights, intercept):
        super().__init__()
        self.kernel = kernel
        self.affine = Affine(np.asarray(weights), intercept)

    def forward(self, x):
        return self.affine(self.kernel(x))


class OneVsOne(nn.Module):
    """libsvm's multiclass rule on pairwise decision values [n, P]: pair (i, j) votes i when its
    value is > 0, else j; the class with most votes wins (the first on ties). With `prob_a`, the
    output also carries the Platt-scaled, pairwise-coupled class probabilities."""

    def __init__(self, scores: KernelScores, n_classes: int, prob_a=None, prob_b=None):
        super().__init__()
        self.scores, self.k = scores, n_classes
        pairs = [(i, j) for i in range(n_classes) for j in range(i + 1, n_classes)]
        first = torch.zeros(len(pairs), n_classes, dtype=torch.float64)
        second = torch.zeros_like(first)
        for p, (i, j) in enumerate(pairs):
            first[p, i] = second[p, j] = 1.0
        self.register_buffer("first", first)
        self.register_buffer("second", second)
        self.with_proba = prob_a is not None
        if self.with_proba:
            self.register_buffer("prob_a", _t(prob_a))
            self.register_buffer("prob_b", _t(prob_b))

    def forward(self, x):
        dec = self.scores(x)
        wins = (dec > 0).to(torch.float64)
        votes = wins @ self.first + (1.0 - wins) @ self.second
        if not self.with_proba:
            return votes
        return torch.cat([votes, self._proba(dec)], 1)

    def _proba(self, dec):
        f = dec * self.prob_a + self.prob_b
        # libsvm's sigmoid_predict, clipped to [1e-7, 1 - 1e-7]
        pos = torch.exp(-f.clamp(min=0)) / (1.0 + torch.exp(-f.clamp(min=0)))
        p = torch.where(f >= 0, pos, 1.0 / (1.0 + torch.exp(f.clamp(max=0))))
        p = p.clamp(1e-7, 1 - 1e-7)
        n, k = dec.shape[0], self.k
        r = torch.zeros(n, k, k, dtype=torch.float64, device=dec.device)
        pi = 0
        for i in range(k):
            for j in range(i + 1, k):
                r[:, i, j], r[:, j, i] = p[:, pi], 1.0 - p[:, pi]
                pi += 1
        return _couple(r, k)


def _couple(r: torch.Tensor, k: int) -> torch.Tensor:
    """libsvm's multiclass_probability (Wu, Lin and Weng's method 2), step for step, on every
    row at once; a row stops changing at the iteration where libsvm's loop would stop for it."""
    n = r.shape[0]
    rt = r.transpose(1, 2)
    q = -rt * r  # Q[t][j] = -r[j][t] * r[t][j]
    diag = (rt * rt).sum(2) - (torch.diagonal(r, dim1=1, dim2=2) ** 2)  # sum_{j != t} r[j][t]^2
    q = q.clone()
    idx = torch.arange(k, device=r.device)
    q[:, idx, idx] = diag
    p = torch.full((n, k), 1.0 / k, dtype=torch.float64, device=r.device)
    eps = 0.005 / k
    active = torch.ones(n, dtype=torch.bool, device=r.device)
    for _ in range(max(100, k)):
        qp = torch.einsum("ntj,nj->nt", q, p)
        pqp = (p * qp).sum(1)
        active = active & ((qp - pqp[:, None]).abs().amax(1) >= eps)
        if not bool(active.any()):
            break
        new_p, new_qp, new_pqp = p.clone(), qp.clone(), pqp.clone()
        for t in range(k):
            qtt = q[:, t, t]
            diff = (-new_qp[:, t] + new_pqp) / qtt
            new_p[:, t] = new_p[:, t] + diff
            new_pqp = (new_pqp + diff * (diff * qtt + 2 * new_qp[:, t])) / (1 + diff) / (1 + diff)
            new_qp = (new_qp + diff[:, None] * q[:, t, :]) / (1 + diff[:, None])
            new_p = new_p / (1 + diff[:, None])
        p = torch.where(active[:, None], new_p, p)
    return p


def _kernel_of(model) -> Kernel:
    if not isinstance(model.kernel, str) or model.kernel not in ("linear", "rbf", "poly", "sigmoid"):
        raise NotSupportedError(f"{_name(model)} with kernel={model.kernel!r} "
                                "(supported: linear, rbf, poly, sigmoid)")
    return Kernel(model.support_vectors_, model.kernel, model._gamma, model.coef0, model.degree)


def svm(model) -> Converted:
    """SVC / NuSVC / SVR / NuSVR / OneClassSVM."""
    kernel = _kernel_of(model)
    rows = _block_rows(len(model.support_vectors_))
    name = type(model).__name__
    if name in ("SVR", "NuSVR"):
        return Converted(KernelScores(kernel, model.dual_coef_[:1], model.intercept_[:1]),
                         Head("identity"), "regressor", strategy="svm", chunk_rows=rows)
    if name == "OneClassSVM":  # libsvm: inlier (1) when the decision value is > 0
        return Converted(KernelScores(kernel, model.dual_coef_[:1], model.intercept_[:1]),
                         Head(NO_PROBA, "margin_gt0"), "classifier", np.array([-1, 1]),
                         strategy="svm", chunk_rows=rows)
    if model.break_ties and len(model.classes_) > 2:
        raise NotSupportedError(f"{_name(model)} with break_ties=True")
    classes = np.asarray(model.classes_)
    k = len(classes)
    # libsvm's own (unflipped) pairwise coefficients: pair (i, j) weighs class i's support
    # vectors by dual_coef[j - 1] and class j's by dual_coef[i]
    dual = np.asarray(model._dual_coef_, dtype=np.float64)
    starts = np.concatenate([[0], np.cumsum(model._n_support)])
    weights = []
    for i in range(k):
        for j in range(i + 1, k):
            w = np.zeros(dual.shape[1])
            w[starts[i]:starts[i + 1]] = dual[j - 1, starts[i]:starts[i + 1]]
            w[starts[j]:starts[j + 1]] = dual[i, starts[j]:starts[j + 1]]
            weights.append(w)
    scores = KernelScores(kernel, np.array(weights), np.asarray(model._intercept_, dtype=np.float64))
    proba = np.size(getattr(model, "_probA", ())) > 0  # fitted with probability=True
    module = OneVsOne(scores, k, model._probA if proba else None, model._probB if proba else None)
    head = Head("split_proba", "argmax_raw") if proba else Head(NO_PROBA, "argmax_raw")
    return Converted(module, head, "classifier", classes, strategy="svm", chunk_rows=rows)


def linear_classifier(model) -> Converted:
    """Linear classifiers without probabilities (LinearSVC, RidgeClassifier, Perceptron, ...):
    class 1 when the decision value is > 0, else the largest decision value."""
    coef = np.asarray(model.coef_, dtype=np.float64).reshape(-1, model.n_features_in_)
    intercept = np.broadcast_to(np.asarray(model.intercept_, dtype=np.float64).reshape(-1), (coef.shape[0],)).copy()
    classes = np.asarray(model.classes_)
    head = Head(NO_PROBA, "margin_gt0" if len(classes) <= 2 else "argmax_raw")
    return Converted(Affine(coef, intercept), head, "classifier", classes, strategy="linear")


# ------------------------------------------------------------------------------ neighbours


class Neighbors(nn.Module):
    """The k nearest training rows of each input row, and their weights (1, or 1 / distance with
    scikit-learn's rule that rows at distance 0 take all the weight)."""

    def __init__(self, model):
        super().__init__()
        metric = model.effective_metric_
        params = model.effective_metric_params_ or {}
        p = {"euclidean": 2.0, "manhattan": 1.0, "cityblock": 1.0, "l2": 2.0, "l1": 1.0,
             "chebyshev": float("inf"), "infinity": float("inf")}.get(metric)
        if metric == "minkowski" and params.get("w") is None:
            p = float(params.get("p", model.p))
        if p is None or model.weights not in ("uniform", "distance"):
            raise NotSupportedError(f"{_name(model)} with metric={metric!r} and weights={model.weights!r} "
                                    "(supported: euclidean, manhattan, chebyshev, minkowski; uniform or distance)")
        self.p, self.k, self.distance = p, int(model.n_neighbors), model.weights == "distance"
        self.register_buffer("points", _t(model._fit_X))

    def forward(self, x):
        d = _distances(x, self.points, self.p, "the nearest-neighbour distance block")
        dist, ind = torch.topk(d, self.k, dim=1, largest=False, sorted=True)
        if not self.distance:
            return ind, None
        exact = dist == 0
        w = torch.where(exact.any(1, keepdim=True), exact.to(torch.float64), 1.0 / dist)
        return ind, w


class KNNClassify(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.neighbors = Neighbors(model)
        self.register_buffer("y", torch.from_numpy(np.asarray(model._y, dtype=np.int64).reshape(-1)))
        self.n_classes = len(model.classes_)

    def forward(self, x):
        ind, w = self.neighbors(x)
        votes = torch.nn.functional.one_hot(self.y[ind], self.n_classes).to(torch.float64)
        w = torch.ones(ind.shape, dtype=torch.float64, device=x.device) if w is None else w
        counts = (votes * w.unsqueeze(2)).sum(1)
        return counts / counts.sum(1, keepdim=True)


class KNNRegress(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.neighbors = Neighbors(model)
        self.register_buffer("y", _t(np.asarray(model._y).reshape(-1)))

    def forward(self, x):
        ind, w = self.neighbors(x)
        yn = self.y[ind]
        if w is None:
            return yn.mean(1, keepdim=True)
        return ((yn * w).sum(1) / w.sum(1)).unsqueeze(1)


def kneighbors(model) -> Converted:
    if getattr(model, "outputs_2d_", False):
        raise NotSupportedError(f"{_name(model)} with several outputs (multi-output)")
    rows = _block_rows(len(model._fit_X))
    if type(model).__name__ == "KNeighborsRegressor":
        return Converted(KNNRegress(model), Head("identity"), "regressor", strategy="knn", chunk_rows=rows)
    return Converted(KNNClassify(model), Head("proba", "argmax_proba"), "classifier",
                     np.asarray(model.classes_), strategy="knn", chunk_rows=rows)


# ------------------------------------------------------------------------------ naive Bayes


class GaussianLikelihood(nn.Module):
    """GaussianNB's joint log likelihood per class, in scikit-learn's order of operations."""

    def __init__(self, model):
        super().__init__()
        self.register_buffer("theta", _t(model.theta_))
        self.register_buffer("var", _t(model.var_))
        self.register_buffer("const", _t(-0.5 * np.sum(np.log(2.0 * np.pi * model.var_), 1)
                                         + np.log(model.class_prior_)))

    def forward(self, x):
        d = x.unsqueeze(1) - self.theta
        return self.const - 0.5 * (d * d / self.var).sum(2)


class Binarize(nn.Module):
    def __init__(self, threshold: float):
        super().__init__()
        self.threshold = float(threshold)

    def forward(self, x):
        return (x > self.threshold).to(torch.float64)


def naive_bayes(model) -> Converted:
    """GaussianNB, MultinomialNB, ComplementNB, BernoulliNB: softmax over the joint log
    likelihood, which is predict_proba's exp(jll - logsumexp(jll))."""
    name = type(model).__name__
    classes = np.asarray(model.classes_)
    if name == "GaussianNB":
        module = GaussianLikelihood(model)
    elif name == "BernoulliNB":
        flp = np.asarray(model.feature_log_prob_, dtype=np.float64)
        neg = np.log(1 - np.exp(flp))
        module = Affine(flp - neg, model.class_log_prior_ + neg.sum(1))
        if model.binarize is not None:
            module = nn.Sequential(Binarize(model.binarize), module)
    elif name == "ComplementNB":
        prior = model.class_log_prior_ if len(classes) == 1 else np.zeros(len(classes))
        module = Affine(model.feature_log_prob_, prior)
    else:  # MultinomialNB
        module = Affine(model.feature_log_prob_, model.class_log_prior_)
    return Converted(module, Head("softmax", "argmax_raw"), "classifier", classes, strategy="naive_bayes")


# ------------------------------------------------------------------------------ k-means


class NearestCenter(nn.Module):
    """-(|c|^2 - 2 x.c): scikit-learn's k-means labels rows by that product form of the squared
    distance; the largest value is the nearest center (the first on ties)."""

    def __init__(self, centers):
        super().__init__()
        self.register_buffer("centers", _t(centers))
        self.register_buffer("norms", (self.centers * self.centers).sum(1))

    def forward(self, x):
        return 2.0 * (x @ self.centers.T) - self.norms


def kmeans(model) -> Converted:
    k = len(model.cluster_centers_)
    return Converted(NearestCenter(model.cluster_centers_), Head(NO_PROBA, "argmax_raw"), "classifier",
                     np.arange(k), strategy="kmeans", chunk_rows=_block_rows(k))


# ------------------------------------------------------------------------------ isolation forest


class IsolationScore(nn.Module):
    """Summed path lengths -> decision_function: -2 ** (-depth / denominator) - offset_."""

    def __init__(self, denominator: float, offset: float):
        super().__init__()
        self.denominator, self.offset = float(denominator), float(offset)

    def forward(self, depths):
        if self.denominator == 0:
            return torch.full_like(depths, -1.0 - self.offset)
        return -(2 ** (-(depths / self.denominator))) - self.offset


def isolation_forest(model) -> Converted:
    """PREDICT gives 1 (inlier) or -1 (outlier) as IsolationForest.predict; the raw score
    (CompiledModel.raw) is its decision_function."""
    from sklearn.ensemble._iforest import _average_path_length

    from .sklearn_models import _sk_tree

    trees = []
    for i, (est, feats) in enumerate(zip(model.estimators_, model.estimators_features_)):
        t = est.tree_
        leaf = model._decision_path_lengths[i] + model._average_path_length_per_tree[i] - 1.0
        tree = _sk_tree(t, np.asarray(leaf, dtype=np.float64).reshape(-1, 1))
        tree.feature = np.asarray(feats, dtype=np.int64)[tree.feature]
        trees.append(tree)
    ens = TreeEnsemble(trees, model.n_features_in_, 1, float32_input=True)
    denominator = len(model.estimators_) * _average_path_length([model._max_samples])[0]
    conv = Converted(None, Head(NO_PROBA, "margin_ge0"), "classifier", np.array([-1, 1]), ensemble=ens)
    conv.post = IsolationScore(denominator, model.offset_)
    return conv


# ------------------------------------------------------------------------------ ensembles


class Member(nn.Module):
    """One estimator of an ensemble (its own compiled module and head), giving what the
    ensemble reads from it: 'proba' [n, C], 'labels' (class indices), 'predict' [n] or
    'decision' (raw decision values)."""

    def __init__(self, compiled, what: str):
        super().__init__()
        self.module, self.head, self.what = compiled.module_for("cpu"), compiled.head, what

    def forward(self, x):
        raw = self.module(x)
        if self.what == "proba":
            return self.head.proba(raw)
        if self.what == "labels":
            return self.head.labels(raw)
        if self.what == "predict":
            return self.head.regress(raw)
        return raw


class Vote(nn.Module):
    """Weighted average of probabilities or regressions, or weighted counts of labels."""

    def __init__(self, members, weights, mode: str, n_classes: int = 0):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.weights, self.mode, self.n_classes = [float(w) for w in weights], mode, n_classes

    def forward(self, x):
        outs = [m(x) for m in self.members]
        if self.mode == "hard":
            total = 0.0
            for w, labels in zip(self.weights, outs):
                total = total + w * torch.nn.functional.one_hot(labels, self.n_classes).to(torch.float64)
            return total
        total = sum(w * o for w, o in zip(self.weights, outs))
        total = total / sum(self.weights)  # np.average
        return total if self.mode == "soft" else total.unsqueeze(1)


class Stack(nn.Module):
    """The final estimator over [member outputs | x (passthrough)]."""

    def __init__(self, members, drop_first: list[bool], passthrough: bool, final: nn.Module):
        super().__init__()
        self.members, self.final = nn.ModuleList(members), final
        self.drop_first, self.passthrough = drop_first, passthrough

    def forward(self, x):
        cols = []
        for m, drop in zip(self.members, self.drop_first):
            o = m(x)
            o = o.to(torch.float64)
            cols.append(o[:, 1:] if drop else o if o.dim() == 2 else o.unsqueeze(1))
        if self.passthrough:
            cols.append(x)
        return self.final(torch.cat(cols, 1))


_DECISION_IS_RAW = {"LogisticRegression", "LinearSVC", "RidgeClassifier", "SGDClassifier", "Perceptron",
                    "PassiveAggressiveClassifier", "LinearDiscriminantAnalysis"}


def voting(model, sub) -> Converted:
    """VotingClassifier (hard / soft) and VotingRegressor; `sub` converts a member."""
    members = [sub(e) for e in model.estimators_]
    weights = model._weights_not_none if model.weights is not None else [1.0] * len(members)
    if type(model).__name__ == "VotingRegressor":
        return Converted(Vote([Member(m, "predict") for m in members], weights, "regress"),
                         Head("identity"), "regressor", strategy="voting")
    classes = np.asarray(model.classes_)
    if model.voting == "soft":
        return Converted(Vote([Member(m, "proba") for m in members], weights, "soft"),
                         Head("proba", "argmax_proba"), "classifier", classes, strategy="voting")
    return Converted(Vote([Member(m, "labels") for m in members], weights, "hard", len(classes)),
                     Head(NO_PROBA, "argmax_raw"), "classifier", classes, strategy="voting")


def stacking(model, sub) -> Converted:
    """StackingClassifier / StackingRegressor; members read through their stack_method_."""
    is_clf = type(model).__name__ == "StackingClassifier"
    members, drop = [], []
    for est, method in zip(model.estimators_, model.stack_method_):
        compiled = sub(est)
        if method == "predict_proba":
            what = "proba"
        elif method == "predict":
            what = "labels" if compiled.kind == "classifier" else "predict"
        elif method == "decision_function" and (type(est).__name__ in _DECISION_IS_RAW and
                                                compiled.head.transform in ("sigmoid", "softmax", NO_PROBA)):
            what = "decision"
        else:
            raise NotSupportedError(f"{_name(model)} reading {_name(est)} through {method}")
        members.append(Member(compiled, what))
        drop.append(is_clf and what == "proba" and len(model.classes_) == 2)
    final = sub(model.final_estimator_)
    module = Stack(members, drop, bool(model.passthrough), final.module_for("cpu"))
    if not is_clf:
        return Converted(module, final.head, "regressor", strategy="stacking")
    return Converted(module, final.head, "classifier", np.asarray(model.classes_), strategy="stacking")
