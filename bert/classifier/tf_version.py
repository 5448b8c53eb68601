"""What this TensorFlow has that the tool depends on: Estimator and
TPUEstimator exist up to TensorFlow 2.15."""

import tensorflow as tf


def has_estimator():
    """Whether this TensorFlow has Estimator/TPUEstimator (2.15 and older)."""
    return hasattr(tf.compat.v1, "estimator")
