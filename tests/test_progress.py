"""classifier/progress.py: progress lines with steps, speed and time left."""

import logging

import tensorflow as tf

from classifier.progress import (ExamplesPerSecondHook, ProgressHook,
                                 format_duration)

tf1 = tf.compat.v1


def test_format_duration():
    assert format_duration(0) == "0s"
    assert format_duration(59.6) == "1m00s"
    assert format_duration(61) == "1m01s"
    assert format_duration(3 * 3600 + 7 * 60 + 5) == "3h07m"


def run_steps(hooks, steps):
    with tf.Graph().as_default():
        global_step = tf1.train.get_or_create_global_step()
        train_op = global_step.assign_add(1)
        with tf1.train.MonitoredSession(hooks=hooks) as session:
            for _ in range(steps):
                session.run(train_op)


def test_progress_lines_count_steps_and_end_at_the_last(caplog):
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        run_steps([ProgressHook(total_steps=4, batch_size=8, every_secs=0.0)], 4)
    lines = [r.getMessage() for r in caplog.records
             if r.getMessage().startswith("progress:")]
    assert [line.split(",")[0] for line in lines] == [
        "progress: step 2/4 (50%)", "progress: step 3/4 (75%)",
        "progress: step 4/4 (100%)"]
    assert all("examples/sec" in line and "left" in line for line in lines)
    assert lines[-1].endswith(" 0s left")


def test_examples_per_second_line(caplog):
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        run_steps([ExamplesPerSecondHook(batch_size=16, every_n_steps=2)], 5)
    lines = [r.getMessage() for r in caplog.records
             if r.getMessage().startswith("examples/sec: ")]
    assert len(lines) == 2
    assert all(float(line.split(": ")[1]) > 0 for line in lines)
