"""Stops training the moment the loss stops being a finite number.

The model function passes the training loss through `guard_loss`, an in-graph
check that fails the step before any variable is updated or any checkpoint is
written; `DivergenceWatch` remembers the step so the error can name it.
"""

import tensorflow as tf

from bert.classifier.progress import StepListener

tf1 = tf.compat.v1

DIVERGED_MARKER = "classifier training loss is not finite"


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite."""


def guard_loss(loss):
    """loss, failing the session run if it is NaN or infinite."""
    return tf.debugging.check_numerics(loss, DIVERGED_MARKER)


def is_divergence(error):
    """Whether a session error comes from guard_loss."""
    return (isinstance(error, tf.errors.InvalidArgumentError)
            and DIVERGED_MARKER in error.message)


class DivergenceWatch(StepListener):
    """Tracks the global step, for the error message when training diverges."""

    def __init__(self):
        self.last_step = 0

    def start(self, step):
        self.last_step = step

    def record(self, step, loss, learning_rate):
        self.last_step = step

    def error(self):
        return TrainingDivergedError(
            "training diverged: the loss is not finite (NaN or inf) at step %d; "
            "nothing of that step was saved, the newest checkpoint is from before "
            "it: lower --learning_rate or check the data" % (self.last_step + 1))
