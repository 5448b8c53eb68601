"""runtime/interface.py: every runtime implements the one interface, with
its methods' parameters."""

import inspect

import pytest

from bert.classifier.runtime.estimator_runtime import EstimatorRuntime
from bert.classifier.runtime.function import FunctionRuntime
from bert.classifier.runtime.interface import Runtime
from bert.classifier.runtime.session import SessionRuntime

METHODS = ["evaluate", "latest_checkpoint", "predict", "train"]


def test_the_interface_names_the_methods_the_phases_call():
    assert sorted(Runtime.__abstractmethods__) == METHODS


@pytest.mark.parametrize("runtime", [EstimatorRuntime, SessionRuntime,
                                     FunctionRuntime])
def test_every_runtime_implements_the_interface(runtime):
    assert issubclass(runtime, Runtime)
    assert not runtime.__abstractmethods__
    for name in METHODS:
        assert getattr(runtime, name) is not getattr(Runtime, name), name
        assert inspect.signature(getattr(runtime, name)) == inspect.signature(
            getattr(Runtime, name)), name
