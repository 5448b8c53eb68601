"""Which runtime drives the model function: --runtime and what TensorFlow has.

estimator: TPUEstimator (an Estimator under --distribution_strategy), the
reference's runtime; TensorFlow 2.15 is the last release that has it.
session: classifier/runtime/session.py, on tf.compat.v1 sessions; any
TensorFlow 2. auto: estimator where TensorFlow has it, else session.
"""

import tensorflow as tf

RUNTIMES = ("auto", "estimator", "session")


def has_estimator():
    """Whether this TensorFlow has Estimator/TPUEstimator (2.15 and older)."""
    return hasattr(tf.compat.v1, "estimator")


def resolve(name):
    """The runtime --runtime=name runs: "estimator" or "session"."""
    if name == "auto":
        return "estimator" if has_estimator() else "session"
    return name
