"""Any ``torch.nn.Module`` mapping float [n, k] to [n] or [n, 1], used as a regressor.

The module is deep-copied at registration (moving the compiled model to a device never touches
the caller's module) and run in eval mode without autograd. Its parameters' floating dtype is
the compute dtype: a float32 network gets float32 input; results come back as float64.

n_features is the ``in_features`` of the first ``nn.Linear`` found among the module's
submodules (in registration order). When it is known, the module is run once at registration
on a [2, n_features] input of zeros, and one that fails or returns another shape is refused
with tqp.ProgrammingError. When there is none (a custom module), n_features is None and any
input width is passed through, so a wrong width or shape surfaces as tqp.ProgrammingError at
prediction time.

>>> import torch
>>> from tqp.ml import convert
>>> net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
>>> m = convert(net)
>>> m.kind, m.n_features, m.predict(torch.zeros(4, 3, dtype=torch.float64)).dtype
('regressor', 3, torch.float64)
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from ..errors import NotSupportedError, ProgrammingError
from .compiled import Head
from .sklearn_models import Converted


class TorchRegressor(nn.Module):
    def __init__(self, inner: nn.Module, dtype: torch.dtype):
        super().__init__()
        self.inner = inner
        self.dtype = dtype

    def forward(self, x):
        n = x.shape[0]
        try:
            y = self.inner(x.to(self.dtype))
        except (RuntimeError, ValueError, TypeError, IndexError) as e:
            raise ProgrammingError(f"torch model failed on input of shape {tuple(x.shape)}: {e}") from e
        if not isinstance(y, torch.Tensor) or y.numel() != n or (y.dim() == 2 and y.shape[1] != 1) or y.dim() > 2:
            shape = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
            raise ProgrammingError(f"torch model must return [n] or [n, 1] for n={n} rows, got {shape}")
        return y.reshape(n, 1).to(torch.float64)


def torch_module(module: nn.Module, n_features: int | None = None) -> tuple[Converted, int | None]:
    try:
        inner = copy.deepcopy(module)
    except Exception as e:  # noqa: BLE001 - e.g. modules holding unpicklable state
        raise NotSupportedError(f"torch module {type(module).__name__} cannot be copied: {e}") from e
    try:
        inner.eval()
    except NotImplementedError:  # a torch.export program's module has no train/eval modes
        pass
    for p in inner.parameters():
        if p.is_leaf:  # a copied TorchScript module's parameters may not be; it runs without grad anyway
            p.requires_grad_(False)
    dtype = next((t.dtype for t in list(inner.parameters()) + list(inner.buffers())
                  if t.is_floating_point()), torch.float32)
    if n_features is None:  # TorchScript keeps a Linear's in_features under its original name
        n_features = next((m.in_features for m in inner.modules() if isinstance(m, nn.Linear)
                           or getattr(m, "original_name", None) == "Linear"), None)
    wrapped = TorchRegressor(inner, dtype)
    if n_features is not None:
        # Run it once on two rows of zeros so a module with the wrong output shape is refused
        # here, by name, rather than by every query that uses it.
        try:
            with torch.no_grad():
                wrapped(torch.zeros(2, n_features, dtype=torch.float64))
        except ProgrammingError as e:
            raise ProgrammingError(f"cannot register torch model {type(module).__name__}: {e} "
                                   f"(checked on a [2, {n_features}] input)") from None
    conv = Converted(wrapped, Head("identity"), "regressor",
                     strategy=f"torch({str(dtype).replace('torch.', '')})")
    return conv, n_features
