"""How the graph runtimes (session, estimator) tell their listeners of the
steps: one session-run hook that reads the global step, the loss and the
learning rate and calls each progress.StepListener."""

import tensorflow as tf

from bert import optimization
from bert.classifier.progress import TRAINING_LOSS_COLLECTION

tf1 = tf.compat.v1


class ListenerHook(tf1.train.SessionRunHook):
    """Tells listeners start(step) when the session is made, record(step,
    loss, learning_rate) after each run and finish(step) at the end.

    Loss and learning rate are read only where the model function and the
    optimizer put them in their collections (not on TPU, where they live on
    the device); the step is read after each run has finished (fetched within
    it, it could be read before or after the run's own increment).
    """

    def __init__(self, listeners):
        self._listeners = list(listeners)

    def begin(self):
        self._global_step = tf1.train.get_global_step()
        self._fetches = None
        losses = tf1.get_collection(TRAINING_LOSS_COLLECTION)
        rates = tf1.get_collection(optimization.LEARNING_RATE_COLLECTION)
        if losses and rates:
            # One loss per replica under a tf.distribute strategy.
            self._fetches = {"loss": tf.add_n(losses) / len(losses),
                             "learning_rate": rates[0]}

    def after_create_session(self, session, coord):
        step = int(session.run(self._global_step))
        for listener in self._listeners:
            listener.start(step)

    def before_run(self, run_context):
        return tf1.train.SessionRunArgs(self._fetches)

    def after_run(self, run_context, run_values):
        step = int(run_context.session.run(self._global_step))
        loss = learning_rate = None
        if self._fetches is not None:
            loss = float(run_values.results["loss"])
            learning_rate = float(run_values.results["learning_rate"])
        for listener in self._listeners:
            listener.record(step, loss, learning_rate)

    def end(self, session):
        step = int(session.run(self._global_step))
        for listener in self._listeners:
            listener.finish(step)
