"""`CompiledModel`: a trained model as a torch program, ready for PREDICT / PREDICT_PROBA.

A compiled model is a `torch.nn.Module` producing *raw scores* (margins, summed leaf values,
probabilities, depending on the model) plus a `Head` that turns raw scores into what SQL sees,
following the source library's own rules so labels match it exactly (e.g. scikit-learn's
GradientBoostingClassifier says class 1 when the margin is >= 0, HistGradientBoosting when it is
> 0; LightGBM takes argmax of [1 - p, p]).

>>> import numpy as np, torch
>>> from sklearn.linear_model import LogisticRegression
>>> from tqp.ml import convert
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array(["no", "no", "yes", "yes"])
>>> m = convert(LogisticRegression().fit(X, y))
>>> m.kind, m.classes.tolist(), m.predict_labels_are_strings
('classifier', ['no', 'yes'], True)
>>> idx = m.predict(torch.tensor([[0.2], [2.9]], dtype=torch.float64))
>>> m.classes[idx.numpy()].tolist()
['no', 'yes']
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from ..errors import NotSupportedError, ProgrammingError
from .. import types as T

DEFAULT_CHUNK_ROWS = 1 << 20
# A GPU wants far more work per kernel than a CPU core's caches hold: chunks 16x larger there.
CUDA_CHUNK_FACTOR = 16


@dataclass(frozen=True)
class Head:
    """How raw scores [n, m] become SQL outputs.

    transform: 'identity' | 'exp' | 'logistic' (regressors, raw[:, 0]);
               'sigmoid' (binary, raw[:, 0] is the margin; p = 1 / (1 + exp(-coef * margin)));
               'softmax' (multiclass margins); 'ovr_sigmoid' (per-class sigmoid, unnormalized,
               LightGBM multiclassova); 'proba' (raw already holds class probabilities);
               'split_proba' (raw = [label scores | probabilities], C columns each: a decision
               tree's label comes from unnormalized leaf values, its probability from normalized);
               'none' (no probabilities: k-means, LinearSVC, IsolationForest, hard voting).
    label:     'margin_gt0' | 'margin_ge0' | 'proba_gt_half' | 'pair_argmax' (argmax of
               [1-p, p]) | 'argmax_raw' | 'argmax_proba'.
    """

    transform: str
    label: str = ""
    coef: float = 1.0

    def regress(self, raw: torch.Tensor) -> torch.Tensor:
        y = raw[:, 0]
        if self.transform == "exp":
            return torch.exp(y)
        if self.transform == "logistic":
            return self._sigmoid(y)
        return y

    def _sigmoid(self, margin: torch.Tensor) -> torch.Tensor:
        # written out (rather than torch.sigmoid) as the libraries compute it
        return 1.0 / (1.0 + torch.exp(-self.coef * margin))

    def proba(self, raw: torch.Tensor) -> torch.Tensor:
        """All class probabilities [n, C]."""
        t = self.transform
        if t == "sigmoid":
            p = self._sigmoid(raw[:, 0])
            return torch.stack([1.0 - p, p], 1)
        if t == "softmax":
            e = torch.exp(raw - raw.max(1, keepdim=True).values)
            return e / e.sum(1, keepdim=True)
        if t == "ovr_sigmoid":
            return self._sigmoid(raw)
        if t == "split_proba":
            return raw[:, raw.shape[1] // 2:]
        return raw  # 'proba'

    def last_proba(self, raw: torch.Tensor) -> torch.Tensor:
        if self.transform == "sigmoid":
            return self._sigmoid(raw[:, 0])
        return self.proba(raw)[:, -1]

    def class_proba(self, raw: torch.Tensor, index: int) -> torch.Tensor:
        """Probability of class `index`: for a binary margin, 1 - p is how every supported
        library forms the first class's probability, so it matches bit for bit."""
        if self.transform == "sigmoid":
            p = self._sigmoid(raw[:, 0])
            return p if index == 1 else 1.0 - p
        return self.proba(raw)[:, index]

    def labels(self, raw: torch.Tensor) -> torch.Tensor:
        r = self.label
        if r == "margin_gt0":
            return (raw[:, 0] > 0).to(torch.int64)
        if r == "margin_ge0":
            return (raw[:, 0] >= 0).to(torch.int64)
        if r == "proba_gt_half":
            return (self.last_proba(raw) > 0.5).to(torch.int64)
        if r == "pair_argmax":
            p = self.last_proba(raw)
            return (p > 1.0 - p).to(torch.int64)  # argmax picks the first of equal values
        if r == "argmax_raw":
            if self.transform == "split_proba":
                raw = raw[:, : raw.shape[1] // 2]
            return raw.argmax(1)
        return self.proba(raw).argmax(1)  # 'argmax_proba'


class CompiledModel:
    """A trained model converted to torch, for PREDICT(...) and PREDICT_PROBA(...).

    Attributes
    ----------
    n_features : int | None
        Number of input columns the model takes; None only for a torch.nn.Module whose input
        width could not be discovered (then any width is passed through to the module).
    feature_names : list[str] | None
        Column names the model was fitted on (``feature_names_in_``), when it was fitted on a
        named pandas DataFrame.
    kind : "classifier" | "regressor"
    classes : numpy.ndarray | None
        Class labels of a classifier in the model's order, which is ascending for every supported
        model (so for string labels an index into `classes` is a code into a sorted dictionary).
    model_type : str
        Qualified class name of the source model, e.g. "sklearn.ensemble.RandomForestClassifier".
    strategy : str | None
        How it is evaluated on `device`, e.g. "linear", "mlp", "tree:traverse(depth=6, trees=100)".
        Tree models pick their strategy per device (see tqp.ml.trees.choose_strategy);
        `strategy_for(device)` tells which.
    chunk_rows : int | None
        Rows per chunk when set; None (default) uses the model's own per-device choice.

    `predict(x)` returns float64 [n] for a regressor and, for a classifier, **int64 [n] indices
    into `classes`**: the caller maps them to label values (integer labels -> BIGINT column,
    string labels -> VARCHAR column through a dictionary; see `label_type`).
    `predict_proba(x, index)` returns float64 [n], the probability of ``classes[index]``, by
    default the last class (the positive class of a binary model), i.e.
    ``model.predict_proba(X)[:, index]``; `predict_proba_all(x)` gives every class, [n, C].
    `class_index(label)` finds a label's index.
    string_features : dict[int, Categories]
        Input columns that a fitted encoder (OneHotEncoder / OrdinalEncoder) reads as strings:
        SQL passes such a column's strings and PREDICT maps them to the encoder's category
        positions through the column's dictionary, once per distinct string. Through the Python
        API those columns take the category position (-1 for an unknown category) as a number.

    Inputs are float64 [n, n_features] tensors; prediction runs entirely in torch on the input's
    device (a copy of the model is made per device on first use, or ahead with `to(device)`),
    in row chunks so memory stays bounded on large tables.
    """

    def __init__(self, module: nn.Module, head: Head, *, kind: str, n_features: int | None,
                 feature_names: list[str] | None = None, classes: np.ndarray | None = None,
                 model_type: str = "", strategy: str | None = None,
                 chunk_rows: int = DEFAULT_CHUNK_ROWS, device: str | torch.device = "cpu",
                 build: Callable[[torch.device], tuple[nn.Module, str, int]] | None = None,
                 string_features: dict | None = None):
        assert kind in ("classifier", "regressor")
        self.string_features = dict(string_features or {})
        self.kind = kind
        self.n_features = n_features
        self.feature_names = list(feature_names) if feature_names is not None else None
        self.classes = classes
        self.model_type = model_type
        self.chunk_rows: int | None = None
        self.head = head
        self.device = _canonical(device)
        # build(device) -> (module, strategy, chunk rows) compiles afresh for a device (tree
        # models choose their strategy per device); without it, modules are copied and moved.
        self._build = build
        module.eval()
        self._per_device: dict[torch.device, tuple[nn.Module, str | None, int]] = {
            self.device: (module, strategy, int(chunk_rows))}

    @property
    def torch_compile(self) -> bool:
        """Whether tree traversal runs through torch.compile (see tqp.ml.trees; opt-in, default
        from the TQP_ML_TORCH_COMPILE environment variable)."""
        return any(getattr(m, "use_torch_compile", False)
                   for mod, _, _ in self._per_device.values() for m in mod.modules())

    @torch_compile.setter
    def torch_compile(self, value: bool) -> None:
        self._torch_compile = bool(value)
        for mod, _, _ in self._per_device.values():
            _set_compile(mod, self._torch_compile)

    @property
    def strategy(self) -> str | None:
        return self._entry(self.device)[1]

    def strategy_for(self, device: str | torch.device) -> str | None:
        return self._entry(device)[1]

    def __repr__(self) -> str:
        extra = f", classes={self.classes.tolist()!r}" if self.classes is not None else ""
        return (f"CompiledModel({self.model_type}, kind={self.kind!r}, "
                f"n_features={self.n_features}, strategy={self.strategy!r}{extra})")

    # ------------------------------------------------------------------ output typing
    @property
    def is_classifier(self) -> bool:
        return self.kind == "classifier"

    @property
    def has_proba(self) -> bool:
        """Whether PREDICT_PROBA works: a classifier that has class probabilities."""
        return self.kind == "classifier" and self.head.transform != "none"

    @property
    def predict_labels_are_strings(self) -> bool:
        """True when PREDICT yields strings: `classes` holds str (VARCHAR output)."""
        return self.classes is not None and _classes_kind(self.classes) == "str"

    @property
    def label_type(self) -> T.SqlType:
        """The SQL type PREDICT returns: DOUBLE for regressors; for classifiers the type of the
        labels: BIGINT (integers), VARCHAR (strings), BOOLEAN or DOUBLE."""
        if self.kind == "regressor":
            return T.DOUBLE
        return {"int": T.BIGINT, "str": T.VARCHAR, "bool": T.BOOLEAN, "float": T.DOUBLE}[
            _classes_kind(self.classes)]

    def classes_tensor(self, device: str | torch.device = "cpu") -> torch.Tensor:
        """Numeric class labels as a tensor (int64, float64 or bool), so that
        ``classes_tensor(dev)[predict(x)]`` gives label values. Not for string labels."""
        kind = _classes_kind(self.classes)
        if kind == "str":
            raise ProgrammingError("string class labels have no numeric tensor; use `classes`")
        dtype = {"int": torch.int64, "bool": torch.bool, "float": torch.float64}[kind]
        return torch.as_tensor(np.asarray(self.classes).astype(
            {"int": np.int64, "bool": np.bool_, "float": np.float64}[kind]), dtype=dtype, device=device)

    # ------------------------------------------------------------------ devices
    def _entry(self, device) -> tuple[nn.Module, str | None, int]:
        device = _canonical(device)
        entry = self._per_device.get(device)
        if entry is None:
            if self._build is not None:
                mod, strategy, rows = self._build(device)
                mod = mod.to(device)
            else:
                src, strategy, rows = next(iter(self._per_device.values()))
                mod = copy.deepcopy(src).to(device)
                if device.type == "cuda":
                    rows *= CUDA_CHUNK_FACTOR
            mod.eval()
            if getattr(self, "_torch_compile", None) is not None:
                _set_compile(mod, self._torch_compile)
            entry = self._per_device[device] = (mod, strategy, rows)
        return entry

    def module_for(self, device: str | torch.device) -> nn.Module:
        """The torch module evaluating this model on `device` (built on first use)."""
        return self._entry(device)[0]

    def to(self, device: str | torch.device) -> "CompiledModel":
        """This model with its tensors on `device` (a copy; the original is unchanged)."""
        device = _canonical(device)
        out = copy.copy(self)
        out.device = device
        out._per_device = {device: self._entry(device)}
        return out

    # ------------------------------------------------------------------ prediction
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Regressor: float64 [n] predictions. Classifier: int64 [n] indices into `classes`."""
        if self.kind == "regressor":
            return self._run(x, self.head.regress, torch.float64)
        return self._run(x, self.head.labels, torch.int64)

    def predict_proba(self, x: torch.Tensor, index: int | None = None) -> torch.Tensor:
        """float64 [n]: probability of ``classes[index]``, by default the last class (the
        positive class of a binary model). Classifiers only."""
        self._need_classifier("PREDICT_PROBA")
        if index is None:
            return self._run(x, self.head.last_proba, torch.float64)
        if not 0 <= index < len(self.classes):
            raise ProgrammingError(f"class index {index} out of range for {len(self.classes)} classes")
        return self._run(x, lambda r: self.head.class_proba(r, index), torch.float64)

    def class_index(self, label) -> int:
        """Position of class `label` in `classes`; ProgrammingError naming the classes if the
        model has no such class. Numbers match numerically (1 finds a class fitted as 1.0)."""
        self._need_classifier("PREDICT_PROBA")
        kind = _classes_kind(self.classes)
        for i, c in enumerate(self.classes.tolist()):
            if kind == "str" and isinstance(label, str) and str(c) == label:
                return i
            if kind == "bool" and isinstance(label, bool) and bool(c) == label:
                return i
            if kind in ("int", "float") and isinstance(label, (int, float)) and not isinstance(label, bool) \
                    and float(c) == float(label):
                return i
        shown = ", ".join(repr(c) for c in self.classes.tolist()[:20])
        raise ProgrammingError(f"{self.model_type or 'the model'} has no class {label!r}; "
                               f"its classes are {shown}")

    def class_field_names(self) -> list[str]:
        """The classes as the STRUCT field names of PREDICT_PROBA(..., class := *): each label
        as SQL writes it ('true', '3', 'churn'); labels that only case tells apart are refused,
        since SQL field names ignore case."""
        self._need_classifier("PREDICT_PROBA")
        kind = _classes_kind(self.classes)
        names = [str(c).lower() if kind == "bool" else str(c) for c in self.classes.tolist()]
        seen: dict[str, str] = {}
        for n in names:
            if n.lower() in seen:
                raise NotSupportedError(f"PREDICT_PROBA(..., class := *): the classes {seen[n.lower()]!r} and {n!r} "
                                        "differ only in case, which STRUCT field names cannot tell apart; "
                                        "ask for each with class := label")
            seen[n.lower()] = n
        return names

    def predict_proba_all(self, x: torch.Tensor) -> torch.Tensor:
        """float64 [n, len(classes)]: every class probability (classifiers only)."""
        self._need_classifier("PREDICT_PROBA")
        return self._run(x, self.head.proba, torch.float64, width=len(self.classes))

    def raw(self, x: torch.Tensor) -> torch.Tensor:
        """The module's raw scores (margins / summed leaves / probabilities), float64 [n, m]."""
        return self._run(x, lambda r: r, torch.float64, width=-1)

    def _need_classifier(self, what: str) -> None:
        if self.kind != "classifier":
            raise ProgrammingError(
                f"{what} needs a classifier, but {self.model_type or 'the model'} is a regressor")
        if what == "PREDICT_PROBA" and not self.has_proba:
            raise NotSupportedError(f"{self.model_type or 'the model'} gives no class probabilities")

    def _check_input(self, x) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise ProgrammingError(f"model input must be a tensor, got {type(x).__name__}")
        if x.dim() != 2:
            raise ProgrammingError(f"model input must be 2-D [rows, features], got shape {tuple(x.shape)}")
        if self.n_features is not None and x.shape[1] != self.n_features:
            raise ProgrammingError(
                f"{self.model_type or 'model'} takes {self.n_features} features, got {x.shape[1]}")
        if x.dtype != torch.float64:
            x = x.to(torch.float64)
        return x

    def _run(self, x, finish, dtype, width: int = 0) -> torch.Tensor:
        x = self._check_input(x)
        mod, _, rows = self._entry(x.device)
        n = x.shape[0]
        step = max(1, self.chunk_rows or rows)
        with torch.no_grad():
            if n <= step:
                return finish(mod(x)).to(dtype)
            out = None
            for s in range(0, n, step):
                part = finish(mod(x[s:s + step])).to(dtype)
                if out is None:
                    out = torch.empty((n, *part.shape[1:]), dtype=dtype, device=x.device)
                out[s:s + part.shape[0]] = part
            return out


def _set_compile(mod: nn.Module, value: bool) -> None:
    for m in mod.modules():
        if hasattr(m, "use_torch_compile"):
            m.use_torch_compile = value


def _canonical(device) -> torch.device:
    device = torch.device(device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    return device


def _classes_kind(classes) -> str:
    arr = np.asarray(classes)
    if arr.dtype.kind == "b":
        return "bool"
    if arr.dtype.kind in "iu":
        return "int"
    if arr.dtype.kind == "f":
        # float labels that are whole numbers (y fitted as 0.0 / 1.0) still read best as BIGINT
        return "int" if np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)) else "float"
    if arr.dtype.kind in "US":
        return "str"
    if arr.dtype.kind == "O":
        if all(isinstance(v, str) for v in arr):
            return "str"
        if all(isinstance(v, (bool, np.bool_)) for v in arr):
            return "bool"
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in arr):
            return "int"
        if all(isinstance(v, (int, float, np.integer, np.floating)) for v in arr):
            return _classes_kind(arr.astype(np.float64))
    return "str"


def probability_struct(probs: torch.Tensor, t: T.SqlType):
    """PREDICT_PROBA(..., class := *) as a STRUCT column: int32 codes (on the rows' device) into
    a dictionary of the distinct probability rows. torch.unique sorts the rows lexicographically,
    which is DuckDB's order of structs of numbers, so no row becomes a Python object; None when a
    NaN (whose order is DuckDB's own) leaves it to the general STRUCT path."""
    import pyarrow as pa

    from ..column import Column, Dictionary
    from ..kernels.selection import any_true

    if any_true(torch.isnan(probs)):
        return None
    distinct, codes = torch.unique(probs, dim=0, return_inverse=True)
    host = distinct.cpu().numpy()
    fields = pa.StructArray.from_arrays([pa.array(host[:, j]) for j in range(host.shape[1])], [n for n, _ in t.fields])
    return Column(t, codes.to(torch.int32), None, Dictionary(None, fields, is_sorted=True, is_unique=True))
