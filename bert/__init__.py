"""BERT sentence (pair) classification on TensorFlow 2: the release's
run_classifier, modeling, optimization and tokenization modules (SPEC §9),
importable as `bert-tensorflow` named them: `from bert import run_classifier`.

`import bert` imports no TensorFlow; `bert.<module>` imports that module
when first named (so `bert.estimator` after `import bert`, as the README's
line for TensorFlow 2.16+ uses it).
"""

import importlib

__version__ = "1.1.0"

_MODULES = ("classify", "convert_hf_checkpoint", "errors", "estimator",
            "fused_kernels", "modeling", "optimization", "reproduce",
            "run_classifier", "tokenization")


def __getattr__(name):
    if name in _MODULES:
        return importlib.import_module("bert." + name)
    raise AttributeError("module 'bert' has no attribute %r" % name)
