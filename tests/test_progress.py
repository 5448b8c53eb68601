"""classifier/runtime/progress.py: progress lines with steps, speed and time left."""

import logging

import tensorflow as tf

import optimization
from classifier.runtime.progress import (TRAINING_LOSS_COLLECTION, ExamplesPerSecondHook,
                                         ProgressHook, format_duration)

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


def progress_lines(caplog):
    return [r.getMessage() for r in caplog.records
            if r.getMessage().startswith("progress:")]


def test_progress_lines_count_steps_and_end_at_the_last(caplog):
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        run_steps([ProgressHook(total_steps=4, batch_size=8, every_secs=0.0)], 4)
    lines = progress_lines(caplog)
    assert [line.split(",")[0] for line in lines] == [
        "progress: step 1/4 (25%)", "progress: step 2/4 (50%)",
        "progress: step 3/4 (75%)", "progress: step 4/4 (100%)"]
    assert all("examples/sec" in line and "left" in line for line in lines)
    assert "loss" not in lines[0]  # nothing to read it from
    assert lines[-1].endswith(" 0s left")


def test_progress_shows_the_mean_loss_since_the_last_line_and_the_rate(caplog):
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        run_steps([ProgressHook(total_steps=4, batch_size=8, every_secs=3600)],
                  4, with_loss=True)
    # Only the last step logs: losses 0, 10, 20, 30 -> mean 15.
    assert [line.split(", ")[1:3] for line in progress_lines(caplog)] == [
        ["loss 15.0000", "learning rate 0.5"]]


def test_tensorboard_scalars(tmp_path):
    run_steps([ProgressHook(total_steps=5, batch_size=8, summary_dir=str(tmp_path),
                            summary_steps=2)], 5, with_loss=True)
    scalars = {}
    for path in tf.io.gfile.glob(str(tmp_path / "events.out.tfevents.*")):
        for event in tf1.train.summary_iterator(path):
            for value in event.summary.value:
                scalars.setdefault(value.tag, []).append(
                    (event.step, value.simple_value))
    assert scalars["loss"] == [(2, 5.0), (4, 25.0), (5, 40.0)]
    assert scalars["learning_rate"] == [(2, 0.5), (4, 0.5), (5, 0.5)]
    assert [step for step, _ in scalars["examples_per_sec"]] == [2, 4, 5]


def test_examples_per_second_line(caplog):
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        run_steps([ExamplesPerSecondHook(batch_size=16, every_n_steps=2)], 5)
    lines = [r.getMessage() for r in caplog.records
             if r.getMessage().startswith("examples/sec: ")]
    assert len(lines) == 2
    assert all(float(line.split(": ")[1]) > 0 for line in lines)
