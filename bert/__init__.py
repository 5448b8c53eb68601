"""BERT sentence (pair) classification on TensorFlow 2: the release's
run_classifier, modeling, optimization and tokenization modules, with the
release's names and signatures, importable as `bert-tensorflow` named them:
`from bert import run_classifier`.

`import bert` imports no TensorFlow; `bert.<module>` imports that module
when first named (so `bert.estimator` after `import bert`, as docs/install.md's
line for TensorFlow 2.16+ uses it).
"""

import importlib

__version__ = "1.1.0"

def __getattr__(name):
    try:
        return importlib.import_module("bert." + name)
    except ModuleNotFoundError as error:
        if error.name != "bert." + name:
            raise  # the module exists, and something it imports does not
        raise AttributeError("module 'bert' has no attribute %r" % name)
