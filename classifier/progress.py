"""A training hook that logs steps done, examples/sec and the time left."""

import time

import tensorflow as tf

tf1 = tf.compat.v1


def format_duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return "%dh%02dm" % (hours, minutes)
    if minutes:
        return "%dm%02ds" % (minutes, seconds)
    return "%ds" % seconds


class ProgressHook(tf1.train.SessionRunHook):
    """Logs `step S/N (P%), X examples/sec, T left` every every_secs seconds."""

    def __init__(self, total_steps, batch_size, every_secs=30.0):
        self._total_steps = total_steps
        self._batch_size = batch_size
        self._every_secs = every_secs

    def begin(self):
        self._global_step = tf1.train.get_global_step()
        self._last_time = None
        self._last_step = None

    def after_run(self, run_context, run_values):
        # Read after the run: fetched within it, the step could be read
        # before or after the run's own increment.
        step = int(run_context.session.run(self._global_step))
        now = time.time()
        if self._last_time is None:
            self._last_time, self._last_step = now, step
            return
        elapsed = now - self._last_time
        if elapsed < self._every_secs and step < self._total_steps:
            return
        steps_per_sec = (step - self._last_step) / max(elapsed, 1e-9)
        left = (self._total_steps - step) / max(steps_per_sec, 1e-9)
        tf1.logging.info(
            "progress: step %d/%d (%.0f%%), %.1f examples/sec, %s left",
            step, self._total_steps, 100.0 * step / self._total_steps,
            steps_per_sec * self._batch_size, format_duration(left))
        self._last_time, self._last_step = now, step


class ExamplesPerSecondHook(tf1.train.StepCounterHook):
    """Logs the standard `examples/sec: X` line next to `global_step/sec: X`.

    TPUEstimator logs both; a plain Estimator (--distribution_strategy) only
    the latter, and scripts read the former.
    """

    def __init__(self, batch_size, every_n_steps):
        super(ExamplesPerSecondHook, self).__init__(every_n_steps=every_n_steps)
        self._batch_size = batch_size

    def _log_and_record(self, elapsed_steps, elapsed_time, global_step):
        examples_per_sec = self._batch_size * elapsed_steps / elapsed_time
        tf1.logging.info("examples/sec: %g", examples_per_sec)
