"""ML inside SQL: trained models converted once into torch programs for PREDICT / PREDICT_PROBA.

``convert(model)`` returns a `CompiledModel`; its ``predict(x)`` / ``predict_proba(x)`` take a
float64 [n, n_features] tensor and run as pure torch on that tensor's device (no per-row Python,
no numpy round trip). For classifiers ``predict`` gives int64 indices into ``classes``.

>>> import numpy as np, torch
>>> from sklearn.tree import DecisionTreeClassifier
>>> from tqp.ml import convert
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([10, 10, 20, 20])
>>> m = convert(DecisionTreeClassifier().fit(X, y))
>>> x = torch.tensor([[0.5], [2.5]], dtype=torch.float64)
>>> m.classes[m.predict(x).numpy()].tolist(), m.predict_proba(x).tolist(), str(m.label_type)
([10, 20], [0.0, 1.0], 'BIGINT')
"""
from .compiled import CompiledModel, Head
from .convert import convert

__all__ = ["convert", "CompiledModel", "Head"]
