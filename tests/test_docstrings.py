"""Every docstring example in the package runs and shows what it claims."""
import doctest
import importlib
import pkgutil

import pytest

import tqp

MODULES = sorted(m.name for m in pkgutil.walk_packages(tqp.__path__, "tqp."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as err:  # a module of an optional extra (tqp.sqlalchemy) without its package
        if err.name.split(".")[0] == "tqp":
            raise
        pytest.skip(f"{name} needs {err.name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
