"""Progress: training's log lines with steps, loss, learning rate, speed and
time left, and the same figures as TensorBoard scalars; evaluation's and
prediction's lines with rows done, rows/sec and time left."""

import time

import tensorflow as tf

tf1 = tf.compat.v1

# The model function adds its training loss here (off TPU), the optimizer
# its learning rate (optimization.LEARNING_RATE_COLLECTION); the graph
# runtimes read both for their listeners.
TRAINING_LOSS_COLLECTION = "training_loss"
# How often the progress lines, and the speed lines with them, are logged.
LOG_EVERY_SECS = 30.0
# An evaluation's or prediction's first progress line comes this soon: many
# are over within the first LOG_EVERY_SECS.
FIRST_ROWS_LINE_SECS = 10.0


def format_duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return "%dh%02dm" % (hours, minutes)
    if minutes:
        return "%dm%02ds" % (minutes, seconds)
    return "%ds" % seconds


def write_scalars(summary_dir, step, values):
    """Writes {tag: value} to summary_dir's TensorBoard events at step."""
    with tf.Graph().as_default():  # the v1 writer refuses eager mode
        writer = tf1.summary.FileWriterCache.get(summary_dir)
    writer.add_summary(tf1.Summary(value=[
        tf1.Summary.Value(tag=tag, simple_value=float(value))
        for tag, value in sorted(values.items())]), step)
    writer.flush()


class _Window(object):
    """Steps, time and summed loss since it was last reset."""

    def __init__(self, step, now):
        self.step, self.time, self.loss_sum, self.loss_count = step, now, 0.0, 0

    def add_loss(self, loss):
        self.loss_sum += loss
        self.loss_count += 1

    def mean_loss(self):
        return self.loss_sum / self.loss_count if self.loss_count else None

    def steps_per_sec(self, step, now):
        return (step - self.step) / max(now - self.time, 1e-9)


class StepListener(object):
    """What watches training, on every runtime: start(step) before the first
    step, record(step, loss, learning_rate) after each run of steps (loss and
    learning_rate None where the runtime cannot read them) and finish(step)
    when it stops. Runtimes take a list of them as train's listeners."""

    def start(self, step):
        pass

    def record(self, step, loss, learning_rate):
        pass

    def finish(self, step):
        pass


class TrainingProgress(StepListener):
    """Logs `progress: step S/N (P%), loss L, learning rate R, X examples/sec,
    T left` every every_secs seconds and at the last step; the loss is the
    mean since the previous line.

    With summary_dir it also writes the TensorBoard scalars `loss`,
    `learning_rate` and `examples_per_sec` every summary_steps steps and when
    training stops.
    """

    def __init__(self, total_steps, batch_size, every_secs=LOG_EVERY_SECS,
                 summary_dir=None,
                 summary_steps=100):
        self._total_steps = total_steps
        self._batch_size = batch_size
        self._every_secs = every_secs
        self._summary_dir = summary_dir
        self._summary_steps = summary_steps

    def start(self, step):
        now = time.time()
        self._log_window = _Window(step, now)
        self._summary_window = _Window(step, now)
        self._learning_rate = None

    def record(self, step, loss, learning_rate):
        now = time.time()
        if loss is not None:
            for window in (self._log_window, self._summary_window):
                window.add_loss(loss)
            self._learning_rate = learning_rate
        last = step >= self._total_steps
        if now - self._log_window.time >= self._every_secs or last:
            self._log(step, now)
            self._log_window = _Window(step, now)
        if step - self._summary_window.step >= self._summary_steps or last:
            self._write_summary(step, now)

    def finish(self, step):
        if step > self._summary_window.step:
            self._write_summary(step, time.time())

    def _log(self, step, now):
        steps_per_sec = self._log_window.steps_per_sec(step, now)
        if steps_per_sec <= 0:
            return
        left = (self._total_steps - step) / steps_per_sec
        loss = self._log_window.mean_loss()
        training = ""
        if loss is not None:
            training = ", loss %.4f, learning rate %.3g" % (loss, self._learning_rate)
        tf1.logging.info(
            "progress: step %d/%d (%.0f%%)%s, %.1f examples/sec, %s left",
            step, self._total_steps, 100.0 * step / self._total_steps, training,
            steps_per_sec * self._batch_size, format_duration(left))

    def _write_summary(self, step, now):
        window = self._summary_window
        self._summary_window = _Window(step, now)
        if self._summary_dir is None or step <= window.step:
            return
        values = {"examples_per_sec":
                  window.steps_per_sec(step, now) * self._batch_size}
        if window.mean_loss() is not None:
            values["loss"] = window.mean_loss()
            values["learning_rate"] = self._learning_rate
        write_scalars(self._summary_dir, step, values)


class SpeedLines(object):
    """The `global_step/sec: X` and `examples/sec: Y` lines (TPUEstimator's,
    which scripts read) at the progress lines' pace: the first measurement,
    then one pair every every_secs, each over the steps since the pair before
    (a runtime measures far more often: TensorBoard gets every measurement).
    Without a batch size only `global_step/sec` is logged."""

    def __init__(self, batch_size, every_secs=LOG_EVERY_SECS):
        self._batch_size = batch_size
        self._every_secs = every_secs
        self._steps = self._seconds = 0.0
        self._logged_once = False

    def add(self, steps, seconds):
        """Counts a measurement: steps run in seconds."""
        self._steps += steps
        self._seconds += seconds
        if not self._logged_once or self._seconds >= self._every_secs:
            self.flush()

    def flush(self):
        """Logs the lines for the steps counted since the last ones, if any."""
        if self._steps <= 0 or self._seconds <= 0:
            return
        steps_per_sec = self._steps / self._seconds
        tf1.logging.info("global_step/sec: %g", steps_per_sec)
        if self._batch_size is not None:
            tf1.logging.info("examples/sec: %g", steps_per_sec * self._batch_size)
        self._steps = self._seconds = 0.0
        self._logged_once = True


def speed_scalars(steps_per_sec, batch_size):
    """The TensorBoard scalars TPUEstimator writes for a measured speed."""
    scalars = {"global_step/sec": steps_per_sec}
    if batch_size is not None:
        scalars["examples/sec"] = steps_per_sec * batch_size
    return scalars


class ExamplesPerSecondHook(tf1.train.StepCounterHook):
    """Measures the speed every every_n_steps steps: with output_dir it
    writes `global_step/sec` and `examples/sec` as TensorBoard scalars each
    time, as TPUEstimator does, and logs them as SpeedLines."""

    def __init__(self, batch_size, every_n_steps, output_dir=None):
        super(ExamplesPerSecondHook, self).__init__(
            every_n_steps=every_n_steps, output_dir=output_dir)
        self._batch_size = batch_size
        self._lines = SpeedLines(batch_size)

    def _log_and_record(self, elapsed_steps, elapsed_time, global_step):
        scalars = speed_scalars(elapsed_steps / elapsed_time, self._batch_size)
        if self._summary_writer is not None:
            self._summary_writer.add_summary(tf1.Summary(value=[
                tf1.Summary.Value(tag=tag, simple_value=value)
                for tag, value in sorted(scalars.items())]), global_step)
        self._lines.add(elapsed_steps, elapsed_time)

    def end(self, session):
        super(ExamplesPerSecondHook, self).end(session)
        if self._summary_writer is not None:
            self._summary_writer.flush()
        self._lines.flush()


class RowProgress(object):
    """Logs `progress: <title>: R/N rows (P%), X rows/sec, T left` while an
    evaluation or prediction runs: first after first_secs, then every
    every_secs; the rate is over the rows since the line before (the first
    line's: since the first batch was done, which leaves out building the
    graph and restoring the checkpoint). finish() sums up the phase."""

    def __init__(self, title, total_rows, batch_size,
                 every_secs=LOG_EVERY_SECS, first_secs=FIRST_ROWS_LINE_SECS,
                 clock=time.time):
        self._title = title
        self._total_rows = total_rows
        self._batch_size = batch_size
        self._every_secs = every_secs
        self._first_secs = first_secs
        self._clock = clock
        self._start = clock()
        self._rows = 0
        self._lines = 0
        self._window = None  # (rows, time) at the last line

    @property
    def rows(self):
        """The rows done so far."""
        return self._rows

    def batch_done(self):
        """Counts a batch of batch_size rows (the last one: those left)."""
        self.rows_done(min(self._batch_size, self._total_rows - self._rows))

    def rows_done(self, rows):
        """Counts rows done; logs a line when its time has come."""
        now = self._clock()
        self._rows += rows
        if self._window is None:
            self._window = (self._rows, now)
            return
        since_rows, since = self._window
        pace = self._every_secs if self._lines else self._first_secs
        if now - since >= pace and self._rows < self._total_rows:
            self._log(self._rows - since_rows, now - since)
            self._window = (self._rows, now)
            self._lines += 1

    def finish(self):
        """Logs `<title>: N rows in T (X rows/sec)`, over the whole phase."""
        seconds = self._clock() - self._start
        tf1.logging.info("%s: %d rows in %s (%.1f rows/sec)", self._title,
                         self._rows, format_duration(seconds),
                         self._rows / max(seconds, 1e-9))

    def _log(self, rows, seconds):
        rate = rows / max(seconds, 1e-9)
        tf1.logging.info(
            "progress: %s: %d/%d rows (%.0f%%), %.1f rows/sec, %s left",
            self._title, self._rows, self._total_rows,
            100.0 * self._rows / self._total_rows, rate,
            format_duration((self._total_rows - self._rows) / max(rate, 1e-9)))


class RowProgressHook(tf1.train.SessionRunHook):
    """Tells a RowProgress of each batch an Estimator evaluates."""

    def __init__(self, progress):
        self._progress = progress

    def after_run(self, run_context, run_values):
        self._progress.batch_done()
