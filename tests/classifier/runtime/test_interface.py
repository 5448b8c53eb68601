"""runtime/interface.py: every runtime implements the one interface, with
its methods' parameters (a runtime may take more, each with a default)."""

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
        own = list(inspect.signature(getattr(runtime, name)).parameters.values())
        interface = list(inspect.signature(getattr(Runtime, name)).parameters.values())
        assert own[:len(interface)] == interface, name
        assert all(parameter.default is not inspect.Parameter.empty
                   for parameter in own[len(interface):]), name
