"""Stops training the moment the loss stops being a finite number.

The model function passes the training loss through `guard_loss`, an in-graph
check that fails the step before any variable is updated or any checkpoint is
written; `DivergenceHook` remembers the step so the error can name it.
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


class DivergenceHook(tf1.train.SessionRunHook, StepListener):
    """Tracks the global step, for the error message when training diverges.

    The step is read after each run has finished: fetched within the run, it
    could be read before or after the run's own increment.
    """

    def __init__(self):
        self.last_step = 0

    def begin(self):
        self._global_step = tf1.train.get_global_step()

    def after_create_session(self, session, coord):
        self.last_step = int(session.run(self._global_step))

    def after_run(self, run_context, run_values):
        self.last_step = int(run_context.session.run(self._global_step))

    def start(self, step):
        self.last_step = step

    def record(self, step, loss, learning_rate):
        self.last_step = step

    def error(self):
        return TrainingDivergedError(
            "training diverged: the loss is not finite (NaN or inf) at step %d; "
            "nothing of that step was saved, the newest checkpoint is from before "
            "it: lower --learning_rate or check the data" % (self.last_step + 1))
