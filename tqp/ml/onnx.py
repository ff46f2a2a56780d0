"""ONNX models as torch programs: the graph is read once with the ``onnx`` package (onnxruntime is
never needed), each node becomes a torch function over tensors, and the whole graph one module.

Supported operators (anything else is refused at ``register_model`` with NotSupportedError
naming the operator):

* ONNX-ML: TreeEnsembleClassifier / TreeEnsembleRegressor (through tqp.ml.trees, so they run
  with the same strategies as scikit-learn's trees), LinearClassifier, LinearRegressor,
  SVMClassifier, SVMRegressor, Scaler, Normalizer, Binarizer, Imputer, OneHotEncoder,
  LabelEncoder (string keys), ArrayFeatureExtractor, ZipMap, FeatureVectorizer;
* ONNX: Identity, Cast, Constant, Add, Sub, Mul, Div, Pow, Neg, Abs, Exp, Log, Sqrt,
  Reciprocal, Floor, Ceil, Sign, Erf, MatMul, Gemm, Relu, LeakyRelu, Elu, Selu, Sigmoid,
  HardSigmoid, Softplus, Tanh, Softmax, LogSoftmax, Clip, Max, Min, Sum, Mean, Concat, Flatten,
  Reshape, Squeeze, Unsqueeze, Transpose, Shape, Gather, Slice, ArgMax, ArgMin, ReduceSum,
  ReduceMean, ReduceMax, ReduceMin, ReduceProd, Equal, Less, LessOrEqual, Greater,
  GreaterOrEqual, Not, And, Or, Where, Dropout, BatchNormalization.

Inputs: one or more numeric tensor inputs of shape [N, k] (or [N]) with a fixed k; PREDICT's
features fill them in order (input 1's columns first). When every input has one column (what
skl2onnx makes of a DataFrame), their names are the model's feature names. A one-column string
input works when a OneHotEncoder or LabelEncoder with string categories reads it: PREDICT takes
the string column and maps its dictionary to category positions, never strings per row. Values are computed in the graph's own element types (float32 for most models, as
onnxruntime does); a float input is rounded to float32 as onnxruntime's caller would.

Outputs: a classifier has a label output (a class tensor: the classes come from the operator
that chose the label, e.g. a TreeEnsembleClassifier's classlabels or ArrayFeatureExtractor over
a constant class list) and optionally a score output ([N, C] tensor or ZipMap), which
PREDICT_PROBA reads; a regressor has one [N, 1] or [N] float output.

>>> import numpy as np, torch
>>> from onnx import TensorProto, helper
>>> g = helper.make_graph([helper.make_node("Gemm", ["X", "W", "B"], ["H"]),
...                        helper.make_node("Relu", ["H"], ["Y"])], "g",
...     [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])],
...     [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 1])],
...     [helper.make_tensor("W", TensorProto.FLOAT, [2, 1], [1.0, -1.0]),
...      helper.make_tensor("B", TensorProto.FLOAT, [1], [0.5])])
>>> from tqp.ml import convert
>>> m = convert(helper.make_model(g))
>>> m.predict(torch.tensor([[3.0, 1.0], [0.0, 2.0]], dtype=torch.float64)).tolist()
[2.5, 0.0]
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..errors import Error, NotSupportedError
from .compiled import CompiledModel, Head
from .trees import (
    NAN_LEFT,
    RAW,
    Tree,
    TreeEnsemble,
    choose_strategy,
    chunk_rows,
    compile_ensemble,
)

_ML = "ai.onnx.ml"
_ACTIVATION_ELEMENTS = 1 << 23  # rows per chunk keep the widest activation near 64 MiB of float64


@dataclass
class Labels:
    """What is known of a class label value at registration: it runs as int64 positions into
    `classes`, so string labels never reach torch."""

    classes: np.ndarray


@dataclass
class Strings:
    """A string input (PREDICT feature `column`): it runs as each string's position among the
    categories of the encoder that reads it, -1 for any other string (see
    tqp.ml.sklearn_models.Categories: tqp maps the column's dictionary, never rows)."""

    column: int


@dataclass
class ZipMapped:
    """ZipMap's sequence of {class: score} maps: it runs as its [N, C] score tensor."""

    classes: np.ndarray | None


class OnnxProgram(nn.Module):
    """The converted graph: float64 [n, k] in, raw scores out (see `onnx_model` for the layout)."""

    def __init__(self):
        super().__init__()
        self.steps: list = []        # (function, input names, output names)
        self.inputs: list = []       # (name, first column, width, torch dtype, rank)
        self.consts: dict = {}       # value name -> buffer name
        self.result = None           # env -> raw float64 tensor

    def constant(self, name: str, value: torch.Tensor) -> str:
        """Register `value` as a buffer (so it moves with the module); returns its attribute."""
        key = f"c{len(self.consts)}"
        self.register_buffer(key, value)
        self.consts[name] = key
        return key

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        env = {name: getattr(self, key) for name, key in self.consts.items()}
        for name, start, width, dtype, rank in self.inputs:
            v = x[:, start:start + width]
            env[name] = (v if rank == 2 else v[:, 0]).to(dtype)
        for fn, ins, outs in self.steps:
            res = fn(self, *[env.get(i) for i in ins])
            for o, r in zip(outs, res if isinstance(res, tuple) else (res,)):
                env[o] = r
        return self.result(env)


# ------------------------------------------------------------------------------ reading the graph


def _attrs(node) -> dict:
    from onnx import helper

    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, list) and v and isinstance(v[0], bytes):
            v = [s.decode() for s in v]
        out[a.name] = v
    return out


def _array(tensor_proto) -> np.ndarray:
    from onnx import numpy_helper

    a = numpy_helper.to_array(tensor_proto)
    if a.dtype == object:
        a = np.array([s.decode() if isinstance(s, bytes) else s for s in a.reshape(-1)], dtype=object).reshape(a.shape)
    return a


def _torch_dtype(onnx_type: int) -> torch.dtype:
    from onnx import helper

    if onnx_type == 8:
        return torch.float64  # a string input arrives as category positions (see Strings)
    return torch.from_numpy(np.zeros(0, helper.tensor_dtype_to_np_dtype(onnx_type))).dtype


def _const_tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a))


class _Builder:
    """Walks the graph in order, emitting one step per node. Values whose content is known when
    the model is registered (initializers, Constant nodes and what is computed from them alone)
    are folded here, as numpy arrays, so shapes and class lists are plain data."""

    def __init__(self, model, device: torch.device, tree_strategy: str | None):
        self.model, self.device, self.tree_strategy = model, device, tree_strategy
        self.opset = {o.domain or "": o.version for o in model.opset_import}
        self.prog = OnnxProgram()
        self.known: dict[str, np.ndarray] = {}   # folded constants
        self.kind: dict[str, object] = {}        # value -> "tensor" | Labels-classes | ZipMap-classes
        self.widest = 1
        self.n_trees = 0
        self.strategies: list[str] = []
        self.tree_rows = 1 << 30
        self.categories: dict = {}  # string input column -> Categories of the encoder reading it
        self.category_lists: dict = {}

    # -- helpers
    def const_value(self, name: str, what: str) -> np.ndarray:
        if name not in self.known:
            raise NotSupportedError(f"ONNX {what} must be a constant")
        return self.known[name]

    def use(self, name: str) -> None:
        """Make a folded constant available to the running program."""
        if name and name in self.known and name not in self.prog.consts:
            a = self.known[name]
            if a.dtype == object:
                raise NotSupportedError(f"ONNX string constant {name!r} used as numbers")
            self.prog.constant(name, _const_tensor(a))

    def step(self, fn, ins, outs, kinds=("tensor",)) -> None:
        """Append fn(program, *inputs) -> output or tuple of outputs; `kinds` per output."""
        for i in ins:
            self.use(i)
        self.prog.steps.append((fn, list(ins), list(outs)))
        for o, k in zip(outs, list(kinds) + ["tensor"] * len(outs)):
            self.kind[o] = k

    # -- the graph
    def build(self):
        g = self.model.graph
        for t in g.initializer:
            self.known[t.name] = _array(t)
        start = 0
        for vi in g.input:
            if vi.name in self.known:
                continue
            tt = vi.type.tensor_type
            if not vi.type.HasField("tensor_type"):
                raise NotSupportedError(f"ONNX input {vi.name!r} is not a tensor")
            dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
            if len(dims) not in (1, 2) or (len(dims) == 2 and not dims[1]):
                raise NotSupportedError(f"ONNX input {vi.name!r} has shape {dims}: PREDICT needs "
                                        "[rows, k] inputs with a fixed k")
            width = dims[1] if len(dims) == 2 else 1
            if tt.elem_type == 8 and width != 1:
                raise NotSupportedError(f"ONNX string input {vi.name!r} has {width} columns (one is supported)")
            self.prog.inputs.append((vi.name, start, width, _torch_dtype(tt.elem_type), len(dims)))
            self.kind[vi.name] = Strings(start) if tt.elem_type == 8 else "tensor"
            start += width
        self.n_features = start
        for node in g.node:
            domain = node.domain if node.domain not in ("ai.onnx",) else ""
            handler = (_ML_OPS if domain == _ML else _OPS if domain == "" else {}).get(node.op_type)
            if handler is None:
                where = f" (domain {domain})" if domain not in ("", _ML) else ""
                raise NotSupportedError(f"ONNX operator {node.op_type}{where} in node "
                                        f"{node.name or node.output[0]!r} is not supported")
            try:
                handler(self, node, _attrs(node))
            except Error:
                raise
            except Exception as e:
                raise NotSupportedError(f"ONNX node {node.name or node.output[0]!r} ({node.op_type}): "
                                        f"{type(e).__name__}: {e}") from e
        for name, kind in self.kind.items():
            if isinstance(kind, Strings) and kind.column not in self.categories:
                raise NotSupportedError(f"ONNX string value {name!r} is not read by a OneHotEncoder "
                                        "or LabelEncoder with string categories")
        return self.prog

    def categories_of(self, name: str, cats, unknown_error: bool) -> None:
        """Fix the categories through which the string input behind `name` reaches the graph."""
        from .sklearn_models import Categories

        column = self.kind[name].column
        cats = list(cats)
        if self.category_lists.setdefault(column, cats) != cats:
            raise NotSupportedError("ONNX string input read by encoders with different categories")
        self.categories[column] = Categories(np.asarray(cats, dtype=object), unknown_error)

    def fold_or_step(self, node, fn) -> None:
        """Elementwise / shape ops: folded when every input is a known constant."""
        ins = list(node.input)
        if all(i in self.known or not i for i in ins):
            args = [torch.from_numpy(np.array(self.known[i])) if i else None for i in ins]
            out = fn(None, *args)
            self.known[node.output[0]] = out.numpy() if isinstance(out, torch.Tensor) else np.asarray(out)
            return
        kinds = [self.kind.get(i) for i in ins]
        if any(isinstance(k, (Labels, ZipMapped)) for k in kinds):
            raise NotSupportedError(f"ONNX {node.op_type} over class labels or a ZipMap")
        strings = [k for k in kinds if isinstance(k, Strings)]
        if strings and node.op_type not in _LAYOUT_OPS:
            raise NotSupportedError(f"ONNX {node.op_type} over a string input")
        self.step(fn, ins, node.output, strings[:1] or ("tensor",))


# ------------------------------------------------------------------------------ ONNX operators

_OPS: dict = {}
_ML_OPS: dict = {}
# operators that only move values around: a string input's positions pass through them
_LAYOUT_OPS = {"Identity", "Reshape", "Squeeze", "Unsqueeze", "Flatten", "Gather", "Slice", "Transpose"}


def _op(*names, table=None):
    def register(f):
        for n in names:
            (table if table is not None else _OPS)[n] = f
        return f
    return register


def _elementwise(fn):
    return lambda b, node, a: b.fold_or_step(node, lambda m, *xs: fn(*xs))


_UNARY = {
    "Neg": torch.neg, "Abs": torch.abs, "Exp": torch.exp, "Log": torch.log, "Sqrt": torch.sqrt,
    "Reciprocal": torch.reciprocal, "Floor": torch.floor, "Ceil": torch.ceil, "Sign": torch.sign,
    "Erf": torch.erf, "Relu": torch.relu, "Sigmoid": torch.sigmoid, "Tanh": torch.tanh,
    "Softplus": nn.functional.softplus, "Not": torch.logical_not,
}
_BINARY = {
    "Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Pow": torch.pow,
    "Equal": torch.eq, "Less": torch.lt, "LessOrEqual": torch.le, "Greater": torch.gt,
    "GreaterOrEqual": torch.ge, "And": torch.logical_and, "Or": torch.logical_or,
}
for _name, _fn in {**_UNARY, **_BINARY}.items():
    _OPS[_name] = _elementwise(_fn)


def _divide(x, y):
    if x.dtype.is_floating_point:
        return x / y
    return torch.div(x, y, rounding_mode="trunc")  # integer Div truncates, as in C


_OPS["Div"] = _elementwise(_divide)
_OPS["Where"] = _elementwise(torch.where)
_OPS["Max"] = _elementwise(lambda *xs: _reduce_args(torch.maximum, xs))
_OPS["Min"] = _elementwise(lambda *xs: _reduce_args(torch.minimum, xs))
_OPS["Sum"] = _elementwise(lambda *xs: _reduce_args(torch.add, xs))
_OPS["Mean"] = _elementwise(lambda *xs: _reduce_args(torch.add, xs) / len(xs))


def _reduce_args(fn, xs):
    out = xs[0]
    for x in xs[1:]:
        out = fn(out, x)
    return out


@_op("Identity", "Dropout")
def _identity(b, node, a):
    src = node.input[0]
    if src in b.known:
        b.known[node.output[0]] = b.known[src]
        return
    b.step(lambda m, x: x, [src], node.output[:1], [b.kind.get(src, "tensor")])


@_op("Constant")
def _constant(b, node, a):
    if "value" not in a:
        key = next(iter(a))
        b.known[node.output[0]] = np.asarray(a[key], dtype=np.float32 if key.startswith("value_float") else
                                             np.int64 if key.startswith("value_int") else object)
        return
    b.known[node.output[0]] = _array(a["value"])


@_op("Cast")
def _cast(b, node, a):
    src, to = node.input[0], int(a["to"])
    kind = b.kind.get(src)
    if to == 8:  # to strings: only class labels can be written as text
        if src in b.known:
            b.known[node.output[0]] = np.array([str(v) for v in b.known[src].reshape(-1)], dtype=object).reshape(b.known[src].shape)
            return
        if not isinstance(kind, Labels):
            raise NotSupportedError("ONNX Cast of a computed number to a string")
        b.step(lambda m, lab: lab, [src], node.output, [Labels(np.array([str(c) for c in kind.classes], dtype=object))])
        return
    dtype = _torch_dtype(to)
    if isinstance(kind, Labels):
        from onnx import helper

        classes = kind.classes.astype(helper.tensor_dtype_to_np_dtype(to))
        b.step(lambda m, lab: lab, [src], node.output, [Labels(classes)])
        return
    if src in b.known and b.known[src].dtype == object:
        from onnx import helper

        b.known[node.output[0]] = b.known[src].astype(helper.tensor_dtype_to_np_dtype(to))
        return
    b.fold_or_step(node, lambda m, x: x.to(dtype))


@_op("MatMul")
def _matmul(b, node, a):
    w = b.known.get(node.input[1])
    if w is not None and w.ndim == 2:
        b.widest = max(b.widest, w.shape[1])
    b.fold_or_step(node, lambda m, x, y: x @ y)


@_op("Gemm")
def _gemm(b, node, a):
    alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
    ta, tb = int(a.get("transA", 0)), int(a.get("transB", 0))
    w = b.known.get(node.input[1])
    if w is not None:
        b.widest = max(b.widest, w.shape[0 if tb else 1])

    def gemm(m, x, y, c=None):
        out = (x.T if ta else x) @ (y.T if tb else y)
        if alpha != 1.0:
            out = out * alpha
        if c is not None:
            out = out + (c * beta if beta != 1.0 else c)
        return out

    b.fold_or_step(node, gemm)


@_op("LeakyRelu", "Elu", "Selu", "HardSigmoid")
def _activation(b, node, a):
    op = node.op_type
    if op == "LeakyRelu":
        alpha = float(a.get("alpha", 0.01))
        fn = lambda x: nn.functional.leaky_relu(x, alpha)
    elif op == "Elu":
        alpha = float(a.get("alpha", 1.0))
        fn = lambda x: nn.functional.elu(x, alpha)
    elif op == "Selu":
        alpha, gamma = float(a.get("alpha", 1.6732632423543772)), float(a.get("gamma", 1.0507009873554805))
        fn = lambda x: gamma * torch.where(x > 0, x, alpha * (torch.exp(x) - 1))
    else:
        alpha, beta = float(a.get("alpha", 0.2)), float(a.get("beta", 0.5))
        fn = lambda x: (alpha * x + beta).clamp(0, 1)
    b.fold_or_step(node, lambda m, x: fn(x))


@_op("Softmax", "LogSoftmax")
def _softmax(b, node, a):
    log = node.op_type == "LogSoftmax"
    if b.opset.get("", 13) >= 13:
        axis = int(a.get("axis", -1))
        b.fold_or_step(node, lambda m, x: (torch.log_softmax if log else torch.softmax)(x, axis))
        return
    axis = int(a.get("axis", 1))  # before opset 13: over the input flattened to 2-D at axis

    def softmax(m, x):
        flat = x.reshape(int(np.prod(x.shape[:axis])), -1)
        return (torch.log_softmax if log else torch.softmax)(flat, 1).reshape(x.shape)

    b.fold_or_step(node, softmax)


@_op("Clip")
def _clip(b, node, a):
    if "min" in a or "max" in a or len(node.input) == 1:
        lo, hi = a.get("min"), a.get("max")
        b.fold_or_step(node, lambda m, x: x.clamp(lo, hi))
        return
    b.fold_or_step(node, lambda m, x, lo=None, hi=None: x.clamp(lo, hi))


def _axes(b, node, a, position: int):
    if "axes" in a:
        return [int(v) for v in a["axes"]]
    if len(node.input) > position and node.input[position]:
        return [int(v) for v in b.const_value(node.input[position], f"{node.op_type} axes").reshape(-1)]
    return None


@_op("Concat")
def _concat(b, node, a):
    axis = int(a["axis"])
    b.fold_or_step(node, lambda m, *xs: torch.cat(xs, axis))


@_op("Flatten")
def _flatten(b, node, a):
    axis = int(a.get("axis", 1))
    b.fold_or_step(node, lambda m, x: x.reshape(int(np.prod(x.shape[:axis % max(x.dim(), 1)] if axis else ())), -1))


@_op("Reshape")
def _reshape(b, node, a):
    allowzero = int(a.get("allowzero", 0))

    def reshape(m, x, shape):
        dims = [int(v) for v in shape.reshape(-1).tolist()]
        if not allowzero:
            dims = [x.shape[i] if d == 0 else d for i, d in enumerate(dims)]
        return x.reshape(dims)

    kind = b.kind.get(node.input[0])
    if isinstance(kind, Labels):  # the label vector: only its layout changes
        b.step(lambda m, lab, shape: lab.reshape(-1), node.input[:2], node.output, [kind])
        return
    b.fold_or_step(node, reshape)


@_op("Squeeze", "Unsqueeze")
def _squeeze(b, node, a):
    axes = _axes(b, node, a, 1)
    squeeze = node.op_type == "Squeeze"

    def fn(m, x, _axes=None):
        if squeeze:
            return x.squeeze() if axes is None else x.squeeze(tuple(ax % x.dim() for ax in axes))
        rank = x.dim() + len(axes)
        for ax in sorted(ax % rank for ax in axes):
            x = x.unsqueeze(ax)
        return x

    kind = b.kind.get(node.input[0])
    if isinstance(kind, Labels):
        b.step(lambda m, lab, *_: lab.reshape(-1), node.input[:1], node.output, [kind])
        return
    b.fold_or_step(node, fn)


@_op("Transpose")
def _transpose(b, node, a):
    perm = a.get("perm")
    b.fold_or_step(node, lambda m, x: x.permute(*(perm or range(x.dim() - 1, -1, -1))))


@_op("Shape")
def _shape(b, node, a):
    lo, hi = a.get("start", 0), a.get("end")
    b.fold_or_step(node, lambda m, x: torch.tensor(list(x.shape)[lo:hi], dtype=torch.int64, device=x.device))


@_op("Gather")
def _gather(b, node, a):
    axis = int(a.get("axis", 0))

    def gather(m, x, idx):
        idx = torch.where(idx < 0, idx + x.shape[axis], idx)
        return x.index_select(axis, idx.reshape(-1)).reshape(x.shape[:axis % x.dim()] + idx.shape + x.shape[axis % x.dim() + 1:])

    b.fold_or_step(node, gather)


@_op("Slice")
def _slice(b, node, a):
    if "starts" in a:  # before opset 10: attributes
        starts, ends, axes, steps = a["starts"], a["ends"], a.get("axes"), None
    else:
        starts = b.const_value(node.input[1], "Slice starts").tolist()
        ends = b.const_value(node.input[2], "Slice ends").tolist()
        axes = _axes(b, node, {}, 3)
        steps = b.const_value(node.input[4], "Slice steps").tolist() if len(node.input) > 4 and node.input[4] else None
    steps = steps or [1] * len(starts)
    if any(s <= 0 for s in steps):
        raise NotSupportedError("ONNX Slice with a negative step")

    def slice_(m, x, *_):
        index = [slice(None)] * x.dim()
        for i, (s, e, st) in enumerate(zip(starts, ends, steps)):
            ax = (axes[i] if axes else i) % x.dim()
            n = x.shape[ax]
            index[ax] = slice(max(min(s + n if s < 0 else s, n), 0), max(min(e + n if e < 0 else e, n), 0), st)
        return x[tuple(index)]

    b.fold_or_step(node, slice_)


@_op("ArgMax", "ArgMin")
def _argmax(b, node, a):
    axis, keep, last = int(a.get("axis", 0)), int(a.get("keepdims", 1)), int(a.get("select_last_index", 0))
    sign = 1.0 if node.op_type == "ArgMax" else -1.0

    def arg(m, x):
        x = sign * x.to(torch.float64)
        if last:
            x = x.flip(axis)
        out = x.argmax(axis, keepdim=bool(keep))  # the first of equal values, as ONNX says
        return x.shape[axis] - 1 - out if last else out

    b.fold_or_step(node, arg)


@_op("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd")
def _reduce(b, node, a):
    axes = _axes(b, node, a, 1)
    keep, noop = bool(int(a.get("keepdims", 1))), int(a.get("noop_with_empty_axes", 0))
    fn = {"ReduceSum": torch.sum, "ReduceMean": torch.mean, "ReduceProd": torch.prod,
          "ReduceMax": lambda x, d, keepdim: torch.amax(x, d, keepdim=keepdim),
          "ReduceMin": lambda x, d, keepdim: torch.amin(x, d, keepdim=keepdim)}[node.op_type]

    def reduce(m, x, *_):
        if axes is None and noop:
            return x
        dims = tuple(range(x.dim())) if not axes else tuple(ax % x.dim() for ax in axes)
        if node.op_type == "ReduceProd":
            for d in sorted(dims, reverse=True):
                x = torch.prod(x, d, keepdim=keep)
            return x
        return fn(x, dims, keepdim=keep)

    b.fold_or_step(node, reduce)


@_op("BatchNormalization")
def _batch_norm(b, node, a):
    eps = float(a.get("epsilon", 1e-5))

    def bn(m, x, scale, bias, mean, var):
        shape = [1, -1] + [1] * (x.dim() - 2)
        return (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps) * scale.reshape(shape) + bias.reshape(shape)

    b.step(bn, node.input, node.output[:1])  # the training outputs are not part of inference


# ------------------------------------------------------------------------------ ONNX-ML operators


def _ml(*names):
    return _op(*names, table=_ML_OPS)


def _labels_of(a: dict) -> np.ndarray | None:
    if a.get("classlabels_strings"):
        return np.array(a["classlabels_strings"], dtype=object)
    ints = a.get("classlabels_int64s", a.get("classlabels_ints"))
    return np.array(ints, dtype=np.int64) if ints else None


def _floats(a: dict, name: str, default=None) -> np.ndarray | None:
    """A float list attribute or its *_as_tensor twin (double precision)."""
    if f"{name}_as_tensor" in a:
        return _array(a[f"{name}_as_tensor"]).astype(np.float64).reshape(-1)
    if name in a:
        return np.asarray(a[name], dtype=np.float32).astype(np.float64)
    return default


def _as_float(x: torch.Tensor) -> torch.Tensor:
    """ONNX-ML operators read their input as float (double stays double)."""
    return x if x.dtype in (torch.float32, torch.float64) else x.to(torch.float32)


def _transform(name: str, scores: torch.Tensor) -> torch.Tensor:
    if name == "NONE":
        return scores
    if name == "LOGISTIC":
        return torch.sigmoid(scores)
    if name == "SOFTMAX":
        return torch.softmax(scores, 1)
    if name == "SOFTMAX_ZERO":  # softmax over the non-zero scores; zeros stay zero
        zero = scores.abs() <= 1e-7
        e = torch.where(zero, torch.zeros_like(scores), torch.exp(scores - scores.max(1, keepdim=True).values))
        return e / e.sum(1, keepdim=True)
    raise NotSupportedError(f"ONNX post_transform {name!r}")


def _check_transform(a: dict) -> str:
    t = a.get("post_transform", "NONE")
    if t not in ("NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO"):
        raise NotSupportedError(f"ONNX post_transform {t!r}")
    return t


def _binary_scores(s: torch.Tensor, mode: str, transform: str) -> torch.Tensor:
    """onnxruntime's second-class expansion of one binary score: 'prob' gives [1 - s, s] (no
    transform), 'margin' gives [-s, s] or, under LOGISTIC, [sigmoid(-s), sigmoid(s)]."""
    if mode == "prob":
        return torch.stack([1.0 - s, s], 1)
    if transform == "LOGISTIC":
        return torch.stack([torch.sigmoid(-s), torch.sigmoid(s)], 1)
    return torch.stack([-s, s], 1)


@_ml("LinearRegressor")
def _linear_regressor(b, node, a):
    coef = _floats(a, "coefficients")
    targets = int(a.get("targets", 1))
    icpt = _floats(a, "intercepts", np.zeros(targets))
    if a.get("post_transform", "NONE") != "NONE":
        raise NotSupportedError(f"ONNX LinearRegressor post_transform {a['post_transform']!r}")
    wk = b.prog.constant(node.output[0] + "#w", torch.from_numpy(coef.reshape(targets, -1).T.astype(np.float32).copy()))
    bk = b.prog.constant(node.output[0] + "#b", torch.from_numpy(icpt.astype(np.float32)))
    b.step(lambda m, x: _as_float(x).to(torch.float32) @ getattr(m, wk) + getattr(m, bk), node.input[:1], node.output)


@_ml("LinearClassifier")
def _linear_classifier(b, node, a):
    classes = _labels_of(a)
    icpt = _floats(a, "intercepts")
    coef = _floats(a, "coefficients").reshape(len(icpt), -1)
    t = _check_transform(a)
    wk = b.prog.constant(node.output[0] + "#w", torch.from_numpy(coef.T.astype(np.float32).copy()))
    bk = b.prog.constant(node.output[0] + "#b", torch.from_numpy(icpt.astype(np.float32)))
    one = len(icpt) == 1
    if one and len(classes) != 2:
        classes = np.array([0, 1], dtype=np.int64) if classes.dtype != object else np.array(["0", "1"], dtype=object)

    def linear(m, x):
        s = _as_float(x).to(torch.float32) @ getattr(m, wk) + getattr(m, bk)
        if one:  # one score: class 1 when it is > 0; scores [1 - s, s] before any transform
            return (s[:, 0] > 0).to(torch.int64), _binary_scores(s[:, 0], "prob", t)
        return s.argmax(1), _transform(t, s)

    b.step(linear, node.input[:1], node.output[:2], [Labels(classes)])


@_ml("Scaler")
def _scaler(b, node, a):
    offset = torch.from_numpy(np.asarray(a.get("offset", [0.0]), np.float32))
    scale = torch.from_numpy(np.asarray(a.get("scale", [1.0]), np.float32))
    ok = b.prog.constant(node.output[0] + "#o", offset)
    sk = b.prog.constant(node.output[0] + "#s", scale)
    b.step(lambda m, x: (_as_float(x).to(torch.float32) - getattr(m, ok)) * getattr(m, sk), node.input[:1], node.output)


@_ml("Normalizer")
def _normalizer(b, node, a):
    norm = a.get("norm", "MAX")
    if norm not in ("MAX", "L1", "L2"):
        raise NotSupportedError(f"ONNX Normalizer norm {norm!r}")

    def normalize(m, x):
        x = x.to(torch.float32)
        if norm == "MAX":
            z = x.amax(1, keepdim=True)
        elif norm == "L1":
            z = x.abs().sum(1, keepdim=True)
        else:
            z = (x * x).sum(1, keepdim=True).sqrt()
        return torch.where(z != 0, x / z, x)

    b.step(normalize, node.input[:1], node.output)


@_ml("Binarizer")
def _binarizer(b, node, a):
    thr = float(a.get("threshold", 0.0))
    b.step(lambda m, x: (x > thr).to(x.dtype), node.input[:1], node.output)


@_ml("Imputer")
def _imputer(b, node, a):
    fill = _floats(a, "imputed_value_floats")
    if fill is None:
        raise NotSupportedError("ONNX Imputer of integers")
    replaced = float(a.get("replaced_value_float", float("nan")))
    fk = b.prog.constant(node.output[0] + "#f", torch.from_numpy(fill.astype(np.float32)))

    def impute(m, x):
        hit = torch.isnan(x) if math.isnan(replaced) else x == replaced
        return torch.where(hit, getattr(m, fk).to(x.dtype), x)

    b.step(impute, node.input[:1], node.output)


@_ml("OneHotEncoder")
def _one_hot(b, node, a):
    if a.get("cats_strings"):
        if not isinstance(b.kind.get(node.input[0]), Strings):
            raise NotSupportedError("ONNX OneHotEncoder with string categories over a computed value")
        # positions among cats_strings: one-hot against 0..C-1 (-1, an unknown string, hits none)
        b.categories_of(node.input[0], a["cats_strings"], unknown_error=not int(a.get("zeros", 1)))
        cats = torch.arange(len(a["cats_strings"]), dtype=torch.float64)
    elif isinstance(b.kind.get(node.input[0]), Strings):
        raise NotSupportedError("ONNX OneHotEncoder with integer categories over a string input")
    else:
        cats = torch.tensor(a["cats_int64s"], dtype=torch.float64)
    ck = b.prog.constant(node.output[0] + "#c", cats)
    b.step(lambda m, x: (x.to(torch.float64).unsqueeze(-1) == getattr(m, ck)).to(torch.float32),
           node.input[:1], node.output)


@_ml("LabelEncoder")
def _label_encoder(b, node, a):
    """String keys to numbers: a lookup of each string's position among the keys."""
    if not isinstance(b.kind.get(node.input[0]), Strings) or "keys_strings" not in a:
        raise NotSupportedError("ONNX LabelEncoder other than from a string input's keys")
    if "values_int64s" in a:
        values, default, dtype = a["values_int64s"], a.get("default_int64", -1), torch.int64
    elif "values_floats" in a:
        values, default, dtype = a["values_floats"], a.get("default_float", 0.0), torch.float32
    else:
        raise NotSupportedError("ONNX LabelEncoder to strings")
    b.categories_of(node.input[0], a["keys_strings"], unknown_error=False)
    vk = b.prog.constant(node.output[0] + "#v", torch.tensor(list(values) + [default], dtype=dtype))

    def encode(m, pos):
        table = getattr(m, vk)  # the last entry is the default, for position -1
        idx = torch.where(pos < 0, torch.full_like(pos, len(table) - 1), pos).to(torch.int64)
        return table[idx]

    b.step(encode, node.input[:1], node.output)


@_ml("FeatureVectorizer")
def _feature_vectorizer(b, node, a):
    b.step(lambda m, *xs: torch.cat([x.reshape(x.shape[0], -1).to(torch.float32) for x in xs], 1),
           node.input, node.output)


@_ml("ArrayFeatureExtractor")
def _array_feature_extractor(b, node, a):
    data, idx = node.input[0], node.input[1]
    if data in b.known and idx not in b.known:
        classes = b.known[data].reshape(-1)  # a class list indexed by the computed positions
        b.step(lambda m, i: i.reshape(-1), [idx], node.output, [Labels(classes)])
        return
    cols = b.const_value(idx, "ArrayFeatureExtractor indices").reshape(-1).astype(np.int64)
    ik = b.prog.constant(node.output[0] + "#i", torch.from_numpy(cols))
    b.step(lambda m, x: x.index_select(x.dim() - 1, getattr(m, ik)), [data], node.output)


@_ml("ZipMap")
def _zipmap(b, node, a):
    b.step(lambda m, x: x, node.input[:1], node.output, [ZipMapped(_labels_of(a))])


# -- trees


def _tree_ensemble(a: dict, classifier: bool, double: bool) -> tuple[TreeEnsemble, dict]:
    """ONNX's node lists as a `TreeEnsemble`; also what onnxruntime's score rules need."""
    from .gbdt import _prev_float32

    tids = np.asarray(a["nodes_treeids"], np.int64)
    nids = np.asarray(a["nodes_nodeids"], np.int64)
    feats = np.asarray(a["nodes_featureids"], np.int64)
    modes = np.asarray(a["nodes_modes"], dtype=object)
    thr = _floats(a, "nodes_values")
    true_ids = np.asarray(a["nodes_truenodeids"], np.int64)
    false_ids = np.asarray(a["nodes_falsenodeids"], np.int64)
    tracks = np.asarray(a.get("nodes_missing_value_tracks_true") or np.zeros(len(tids)), np.int64)
    bad = set(modes) - {"LEAF", "BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT"}
    if bad:
        raise NotSupportedError(f"ONNX tree node mode {min(bad)}")
    p = "class" if classifier else "target"
    w_tree = np.asarray(a[f"{p}_treeids"], np.int64)
    w_node = np.asarray(a[f"{p}_nodeids"], np.int64)
    w_id = np.asarray(a[f"{p}_ids"], np.int64)
    w_val = _floats(a, f"{p}_weights")
    width = int(w_id.max()) + 1 if len(w_id) else 1
    if classifier:
        width = max(width, len(_labels_of(a)))
    else:
        width = max(width, int(a.get("n_targets", 1)))

    def below(t):  # x < t as x <= (the float just below t), in the model's precision
        return np.nextafter(t, -np.inf) if double else _prev_float32(t)

    trees = []
    for tree_id in np.unique(tids):
        rows = np.flatnonzero(tids == tree_id)
        pos = {int(n): i for i, n in enumerate(nids[rows])}
        m = len(rows)
        left, right = np.full(m, -1, np.int64), np.full(m, -1, np.int64)
        variant = np.full(m, RAW, np.int8)
        threshold = np.zeros(m)
        value = np.zeros((m, width))
        for i, r in enumerate(rows):
            mode = modes[r]
            if mode == "LEAF":
                continue
            t, f = pos[int(true_ids[r])], pos[int(false_ids[r])]
            # go left iff x <= threshold; NaN goes to the true branch iff it tracks true
            if mode in ("BRANCH_LEQ", "BRANCH_LT"):
                left[i], right[i] = t, f
                threshold[i] = thr[r] if mode == "BRANCH_LEQ" else below(thr[r])
                variant[i] = NAN_LEFT if tracks[r] else RAW
            else:
                left[i], right[i] = f, t
                threshold[i] = thr[r] if mode == "BRANCH_GT" else below(thr[r])
                variant[i] = RAW if tracks[r] else NAN_LEFT
        hit = np.flatnonzero(w_tree == tree_id)
        for j in hit:
            value[pos[int(w_node[j])], w_id[j]] += w_val[j]
        trees.append(Tree(feats[rows], threshold, variant, left, right, value))
    # the ensemble reads the first max(feature) + 1 columns of its input (see _tree_input)
    ens = TreeEnsemble(trees, int(feats.max()) + 1 if len(feats) else 1, width, float32_input=not double)
    info = {"classes_weighted": sorted(set(w_id.tolist())), "all_positive": bool(np.all(w_val >= 0)),
            "base": _floats(a, "base_values")}
    return ens, info


def _tree_module(b, ens: TreeEnsemble) -> nn.Module:
    s = b.tree_strategy or choose_strategy(ens.max_depth, len(ens.trees), b.device)
    b.n_trees += len(ens.trees)
    b.strategies.append(s)
    b.tree_rows = min(b.tree_rows, chunk_rows(ens, s, b.device))
    return compile_ensemble(ens, s)


def _tree_input(x: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.dtype]:
    """The columns a tree ensemble reads, in float64 (exact for float32 values), and the type
    onnxruntime gives its outputs."""
    out = torch.float64 if x.dtype == torch.float64 else torch.float32
    return x.reshape(x.shape[0], -1)[:, :k].to(torch.float64), out


@_ml("TreeEnsembleRegressor")
def _tree_regressor(b, node, a):
    agg = a.get("aggregate_function", "SUM")
    if agg not in ("SUM", "AVERAGE"):
        raise NotSupportedError(f"ONNX TreeEnsembleRegressor aggregate_function {agg!r}")
    if a.get("post_transform", "NONE") != "NONE":
        raise NotSupportedError(f"ONNX TreeEnsembleRegressor post_transform {a['post_transform']!r}")
    double = "nodes_values_as_tensor" in a
    ens, info = _tree_ensemble(a, False, double)
    k = ens.n_features
    if agg == "AVERAGE":
        ens.divisor = float(len(ens.trees))
    base = info["base"]
    if base is not None and len(base) in (1, ens.n_outputs):
        ens.base = np.broadcast_to(base, (ens.n_outputs,)).copy()
    name = node.output[0] + "#trees"
    b.prog.add_module(name.replace(".", "_"), _tree_module(b, ens))
    key = name.replace(".", "_")

    def regress(m, x):
        xf, out = _tree_input(x, k)
        return getattr(m, key)(xf).to(out)

    b.step(regress, node.input[:1], node.output)


@_ml("TreeEnsembleClassifier")
def _tree_classifier(b, node, a):
    classes = _labels_of(a)
    t = _check_transform(a)
    double = "nodes_values_as_tensor" in a
    ens, info = _tree_ensemble(a, True, double)
    k = ens.n_features
    base = info["base"]
    c = len(classes)
    weighted = info["classes_weighted"]
    binary = c == 2 and len(weighted) == 1
    if c == 2 and not binary and classes.dtype != object and classes.tolist() != [0, 1]:
        # onnxruntime then labels rows 0 / 1 whatever the class labels say
        raise NotSupportedError("ONNX TreeEnsembleClassifier with two integer classes other than 0 and 1 "
                                "weighted on both")
    if not binary and base is not None and len(base) not in (0, c):
        raise NotSupportedError("ONNX TreeEnsembleClassifier whose base_values do not match its classes")
    if not binary and len(weighted) < c and (base is None or len(base) == 0):
        raise NotSupportedError("ONNX TreeEnsembleClassifier with a class no tree weighs")
    offset = np.zeros(c)
    if binary:
        wc = weighted[0]
        if base is not None and len(base) == 1:
            offset[wc] = base[0]
        elif base is not None and len(base) == 2:
            offset[wc] = base[wc]
    elif base is not None and len(base) == c:
        offset = base.copy()
    ens.base = offset
    key = (node.output[0] + "#trees").replace(".", "_")
    b.prog.add_module(key, _tree_module(b, ens))
    positive = info["all_positive"]

    def classify(m, x):
        xf, out = _tree_input(x, k)
        s = getattr(m, key)(xf).to(out)  # labels compare the scores in the model's precision
        if binary:  # onnxruntime's binary case: one weighted class, a threshold on its score
            score = s[:, weighted[0]]
            label = (score > (0.5 if positive else 0.0)).to(torch.int64)
            return label, _binary_scores(score, "prob" if positive else "margin", t)
        if c == 2:
            return (s[:, 1] > 0).to(torch.int64), _transform(t, s)
        return s.argmax(1), _transform(t, s)

    b.step(classify, node.input[:1], node.output[:2], [Labels(classes)])


# -- support vector machines


@_ml("SVMRegressor", "SVMClassifier")
def _svm(b, node, a):
    from .sklearn_more import Kernel

    kind = a.get("kernel_type", "LINEAR").lower()
    if kind not in ("linear", "poly", "rbf", "sigmoid"):
        raise NotSupportedError(f"ONNX SVM kernel {kind!r}")
    params = list(a.get("kernel_params") or [])
    gamma, coef0, degree = (params + [0.0, 0.0, 3.0][len(params):])[:3]
    sv = _floats(a, "support_vectors", np.zeros(0))
    coefs = _floats(a, "coefficients")
    rho = _floats(a, "rho")
    classifier = node.op_type == "SVMClassifier"
    t = _check_transform(a)
    key = (node.output[0] + "#svm").replace(".", "_")
    if classifier:
        classes = _labels_of(a)
        per_class = np.asarray(a.get("vectors_per_class", []), np.int64)
        if per_class.sum() == 0:
            raise NotSupportedError("ONNX SVMClassifier in linear (liblinear) mode")
        n_sv, k = int(per_class.sum()), len(classes)
        coefs = coefs.reshape(k - 1, n_sv)
        starts = np.concatenate([[0], np.cumsum(per_class)])
        weights = []
        for i in range(k):
            for j in range(i + 1, k):  # libsvm's pair (i, j): class i's vectors by row j - 1, j's by row i
                w = np.zeros(n_sv)
                w[starts[i]:starts[i + 1]] = coefs[j - 1, starts[i]:starts[i + 1]]
                w[starts[j]:starts[j + 1]] = coefs[i, starts[j]:starts[j + 1]]
                weights.append(w)
        weights = np.array(weights)
    else:
        n_sv = int(a.get("n_supports", 0))
        if n_sv == 0:
            raise NotSupportedError("ONNX SVMRegressor in linear mode")
        if int(a.get("one_class", 0)):
            raise NotSupportedError("ONNX SVMRegressor with one_class")
        weights = coefs.reshape(1, n_sv)
    sv = sv.reshape(n_sv, -1)
    mod = nn.Module()
    mod.kernel = Kernel(sv.astype(np.float32), kind, gamma, coef0, int(degree))
    mod.register_buffer("w", torch.from_numpy(weights.T.astype(np.float32).copy()))
    mod.register_buffer("rho", torch.from_numpy(rho.astype(np.float32)))
    prob_a, prob_b = _floats(a, "prob_a"), _floats(a, "prob_b")
    with_proba = classifier and prob_a is not None and len(prob_a) > 0
    if with_proba:
        from .sklearn_more import OneVsOne

        couple = OneVsOne(nn.Identity(), len(classes), prob_a, prob_b)
        mod.couple = couple
    b.prog.add_module(key, mod)
    b.widest = max(b.widest, n_sv)

    def decision(m, x):
        sv_mod = getattr(m, key)
        ker = sv_mod.kernel(x.to(torch.float64)).to(torch.float32)
        return ker @ sv_mod.w + (sv_mod.rho if classifier else sv_mod.rho[:1])

    if not classifier:
        b.step(lambda m, x: decision(m, x), node.input[:1], node.output)
        return
    k = len(classes)
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]

    def classify(m, x):
        dec = decision(m, x)
        wins = (dec > 0).to(torch.float64)
        votes = torch.zeros(dec.shape[0], k, dtype=torch.float64, device=dec.device)
        for p, (i, j) in enumerate(pairs):
            votes[:, i] += wins[:, p]
            votes[:, j] += 1.0 - wins[:, p]
        label = votes.argmax(1)  # the first class with most votes
        if with_proba:  # libsvm's Platt scaling and pairwise coupling
            return label, getattr(m, key).couple._proba(dec.to(torch.float64)).to(torch.float32)
        if k == 2:
            return label, _binary_scores(dec[:, 0], "margin", t)
        return label, _transform(t, dec)

    b.step(classify, node.input[:1], node.output[:2], [Labels(classes)])


# ------------------------------------------------------------------------------ the model


def _outputs(b: _Builder):
    """How the graph's outputs become raw scores: ("regressor", None, fn) or
    ("classifier", classes, fn, has_proba)."""
    outs = [o.name for o in b.model.graph.output]
    kinds = [b.kind.get(o, "known" if o in b.known else None) for o in outs]
    label = next((i for i, k in enumerate(kinds) if isinstance(k, Labels)), None)
    if label is None:
        if len(outs) != 1 or kinds[0] != "tensor":
            raise NotSupportedError(f"ONNX model with outputs {outs}: tqp reads a regressor's one "
                                    "[N, 1] output or a classifier's label and scores")
        name = outs[0]
        return "regressor", None, lambda env: env[name].reshape(env[name].shape[0], -1).to(torch.float64), False
    lname, classes = outs[label], kinds[label].classes
    scores = [o for i, o in enumerate(outs) if i != label]
    c = len(classes)
    if not scores:
        def raw(env):
            return nn.functional.one_hot(env[lname].reshape(-1), c).to(torch.float64)
        return "classifier", classes, raw, False
    sname, skind = scores[0], kinds[outs.index(scores[0])]
    if isinstance(skind, ZipMapped) and skind.classes is not None and (
            len(skind.classes) != c or [str(v) for v in skind.classes] != [str(v) for v in classes]):
        raise NotSupportedError("ONNX ZipMap's classes differ from the label's classes")

    def raw(env):
        # [one-hot label | scores]: Head('split_proba', 'argmax_raw') reads both halves
        s = env[sname].reshape(env[sname].shape[0], -1).to(torch.float64)
        if s.shape[1] != c:
            raise NotSupportedError(f"ONNX score output has {s.shape[1]} columns for {c} classes")
        return torch.cat([nn.functional.one_hot(env[lname].reshape(-1), c).to(torch.float64), s], 1)

    return "classifier", classes, raw, True


def onnx_model(model, tree_strategy: str | None = None) -> CompiledModel:
    """An ``onnx.ModelProto`` as a CompiledModel; NotSupportedError names what tqp cannot run."""

    def builder(device) -> _Builder:
        b = _Builder(model, torch.device(device), tree_strategy)
        b.build()
        b.output_kind, b.classes, b.prog.result, b.has_proba = _outputs(b)
        return b

    def build(device):
        b = builder(device)
        return (b.prog, *_strategy(b))

    b = builder("cpu")
    kind, classes, has_proba, prog = b.output_kind, b.classes, b.has_proba, b.prog
    if kind == "classifier":
        head = Head("split_proba" if has_proba else "none", "argmax_raw")
    else:
        head = Head("identity")
    names = [n for n, _, _, _, _ in prog.inputs]
    feature_names = names if all(w == 1 for _, _, w, _, _ in prog.inputs) and len(names) > 1 else None
    strategy, rows = _strategy(b)
    compiled = CompiledModel(prog, head, kind=kind, n_features=b.n_features, feature_names=feature_names,
                             classes=classes, model_type=f"onnx({model.graph.name or 'graph'})",
                             strategy=strategy, chunk_rows=rows, build=build, string_features=b.categories)
    _validate(compiled, b)
    return compiled


def _strategy(b: _Builder) -> tuple[str, int]:
    """Description and rows per chunk: tree ensembles chunk as tree models do, other graphs by
    their widest layer."""
    if b.strategies:
        return f"onnx+tree:{'/'.join(sorted(set(b.strategies)))}(trees={b.n_trees})", b.tree_rows
    return "onnx", max(1024, _ACTIVATION_ELEMENTS // b.widest)


def _validate(compiled: CompiledModel, b: _Builder) -> None:
    """Run the program once on two rows at registration, so a graph tqp cannot run (a shape it
    does not fit, an operator it misreads) fails here and never at query time."""
    x = torch.zeros((2, b.n_features), dtype=torch.float64)
    try:
        raw = compiled.raw(x)
    except Error:
        raise
    except Exception as e:
        raise NotSupportedError(f"ONNX model does not run on [rows, {b.n_features}] inputs: "
                                f"{type(e).__name__}: {e}") from e
    want = 1 if compiled.kind == "regressor" else len(compiled.classes) * (2 if compiled.has_proba else 1)
    if raw.shape != (2, want):
        raise NotSupportedError(f"ONNX model's output has shape {tuple(raw.shape)} for 2 rows; "
                                f"a regressor must give [N, 1] (multi-output models are not supported)")
