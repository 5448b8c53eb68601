"""classifier/progress.py: progress lines with steps, speed and time left."""

import logging

import tensorflow as tf

from bert import optimization
from bert.classifier.progress import (
    TRAINING_LOSS_COLLECTION, ExamplesPerSecondHook, RowProgress,
    RowProgressHook, SpeedLines, TrainingProgress, format_duration)
from bert.classifier.runtime.listener_hook import ListenerHook

tf1 = tf.compat.v1


def test_format_duration():
    assert format_duration(0) == "0s"
    assert format_duration(59.6) == "1m00s"
    assert format_duration(61) == "1m01s"
    assert format_duration(3 * 3600 + 7 * 60 + 5) == "3h07m"


def run_steps(hooks, steps, with_loss=False):
    """Runs `steps` steps whose loss is 10 * step and learning rate 0.5."""
    with tf.Graph().as_default():
        global_step = tf1.train.get_or_create_global_step()
        loss = 10.0 * tf.cast(global_step.read_value(), tf.float32)
        if with_loss:
            tf1.add_to_collection(TRAINING_LOSS_COLLECTION, loss)
            tf1.add_to_collection(optimization.LEARNING_RATE_COLLECTION,
                                  tf.constant(0.5))
        with tf.control_dependencies([loss]):  # read before the increment
            train_op = global_step.assign_add(1)
        with tf1.train.MonitoredSession(hooks=hooks) as session:
            for _ in range(steps):
                session.run(train_op)


def run_listeners(listeners, steps, with_loss=False):
    """run_steps, telling listeners through the graph runtimes' ListenerHook."""
    run_steps([ListenerHook(listeners)], steps, with_loss)


def progress_lines(caplog):
    return [r.getMessage() for r in caplog.records
            if r.getMessage().startswith("progress:")]


def test_progress_lines_count_steps_and_end_at_the_last(caplog):
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        run_listeners([TrainingProgress(total_steps=4, batch_size=8,
                                        every_secs=0.0)], 4)
    lines = progress_lines(caplog)
    assert [line.split(",")[0] for line in lines] == [
        "progress: step 1/4 (25%)", "progress: step 2/4 (50%)",
        "progress: step 3/4 (75%)", "progress: step 4/4 (100%)"]
    assert all("examples/sec" in line and "left" in line for line in lines)
    assert "loss" not in lines[0]  # nothing to read it from
    assert lines[-1].endswith(" 0s left")


def test_progress_shows_the_mean_loss_since_the_last_line_and_the_rate(caplog):
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        run_listeners([TrainingProgress(total_steps=4, batch_size=8,
                                        every_secs=3600)], 4, with_loss=True)
    # Only the last step logs: losses 0, 10, 20, 30 -> mean 15.
    assert [line.split(", ")[1:3] for line in progress_lines(caplog)] == [
        ["loss 15.0000", "learning rate 0.5"]]


def test_tensorboard_scalars(tmp_path):
    run_listeners([TrainingProgress(total_steps=5, batch_size=8,
                                    summary_dir=str(tmp_path), summary_steps=2)],
                  5, with_loss=True)
    scalars = {}
    for path in tf.io.gfile.glob(str(tmp_path / "events.out.tfevents.*")):
        for event in tf1.train.summary_iterator(path):
            for value in event.summary.value:
                scalars.setdefault(value.tag, []).append(
                    (event.step, value.simple_value))
    assert scalars["loss"] == [(2, 5.0), (4, 25.0), (5, 40.0)]
    assert scalars["learning_rate"] == [(2, 0.5), (4, 0.5), (5, 0.5)]
    assert [step for step, _ in scalars["examples_per_sec"]] == [2, 4, 5]


def speed_lines(caplog):
    return [r.getMessage() for r in caplog.records
            if r.getMessage().startswith(("global_step/sec: ", "examples/sec: "))]


def test_speed_lines_come_first_then_at_the_progress_pace(caplog):
    lines = SpeedLines(batch_size=10, every_secs=3.0)
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        lines.add(2, 1.0)  # the first measurement: logged
        lines.add(2, 1.0)  # 1 s since: held
        lines.add(4, 1.5)  # 2.5 s since: held
        lines.add(2, 0.5)  # 3 s since: logged, over those 8 steps
        lines.flush()  # nothing since
        lines.add(1, 0.5)
        lines.flush()  # the rest, when training stops
    assert speed_lines(caplog) == [
        "global_step/sec: 2", "examples/sec: 20",
        "global_step/sec: 2.66667", "examples/sec: 26.6667",
        "global_step/sec: 2", "examples/sec: 20"]


def test_speed_lines_without_a_batch_size_give_the_step_rate_alone(caplog):
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        SpeedLines(batch_size=None).add(3, 1.5)
    assert speed_lines(caplog) == ["global_step/sec: 2"]


def test_the_speed_hook_records_every_measurement_and_logs_fewer(
        tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        run_steps([ExamplesPerSecondHook(batch_size=16, every_n_steps=1,
                                         output_dir=str(tmp_path))], 8)
    steps = {}
    for path in tf.io.gfile.glob(str(tmp_path / "events.out.tfevents.*")):
        for event in tf1.train.summary_iterator(path):
            for value in event.summary.value:
                steps.setdefault(value.tag, []).append(event.step)
    # Measured from the second step on: every step's value is kept.
    assert sorted(steps["global_step/sec"]) == list(range(2, 9))
    assert sorted(steps["examples/sec"]) == list(range(2, 9))
    # Logged: the first measurement, and the rest when training stops.
    lines = speed_lines(caplog)
    assert [line.split(":")[0] for line in lines] == [
        "global_step/sec", "examples/sec"] * 2
    assert all(float(line.split(": ")[1]) > 0 for line in lines)


class Clock(object):
    """A clock the test moves."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_row_progress_first_after_ten_seconds_then_every_thirty(caplog):
    clock = Clock()
    progress = RowProgress("prediction", 1000, 100, clock=clock)
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        clock.now += 20  # building the graph: not in the rate
        progress.batch_done()  # 100 rows: the rate counts from here
        for _ in range(9):
            clock.now += 5
            progress.batch_done()
        clock.now += 3
        progress.finish()
    # Lines at 10 s after the first batch (rows 300), then 30 s later (900);
    # none at the last batch: the summary says it.
    assert progress_lines(caplog) == [
        "progress: prediction: 300/1000 rows (30%), 20.0 rows/sec, 35s left",
        "progress: prediction: 900/1000 rows (90%), 20.0 rows/sec, 5s left"]
    assert caplog.records[-1].getMessage() == (
        "prediction: 1000 rows in 1m08s (14.7 rows/sec)")


def test_row_progress_counts_the_last_partial_batch(caplog):
    clock = Clock()
    progress = RowProgress("evaluation", 250, 100, every_secs=0.0,
                           first_secs=0.0, clock=clock)
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        for _ in range(3):
            clock.now += 1
            progress.batch_done()
        progress.finish()
    assert progress_lines(caplog) == [
        "progress: evaluation: 200/250 rows (80%), 100.0 rows/sec, 0s left"]
    assert caplog.records[-1].getMessage().startswith("evaluation: 250 rows in ")


def test_the_hook_tells_of_each_batch_a_session_runs(caplog):
    clock = Clock()
    progress = RowProgress("evaluation", 40, 8, every_secs=0.0, first_secs=0.0,
                           clock=clock)
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        run_steps([RowProgressHook(progress)], 3)
    assert [line.split(" rows")[0] for line in progress_lines(caplog)] == [
        "progress: evaluation: 16/40", "progress: evaluation: 24/40"]
