"""classifier/logs.py and the progress hook, as a user reads a run: each line
once, short, with loss and learning rate, and the same in TensorBoard."""

import collections
import glob
import logging
import os

from absl import logging as absl_logging
import pytest
import tensorflow as tf

from bert.classifier import logs, startup
from bert.classifier.runtime import choice
from helpers import GLUE, UNCASED_VOCAB, model_args, run_classifier, small_mrpc

pytestmark = pytest.mark.shared_data


@pytest.mark.slow
def test_five_step_minilm_run_logs_each_line_once(tmp_path, minilm_dir):
    output_dir = str(tmp_path / "out")
    process = run_classifier(
        "--task_name=MRPC", "--do_train=true", "--do_eval=true",
        "--data_dir=" + os.path.join(GLUE, "MRPC"), *model_args(minilm_dir),
        "--num_train_epochs=0.05", "--max_seq_length=32",
        "--output_dir=" + output_dir)
    lines = process.stderr.splitlines()
    assert len(lines) < 150, len(lines)
    # A line's text without its prefix (absl's: level, time, thread, file:line;
    # or TensorFlow's own handler's "INFO:tensorflow:").
    texts = [line.split("] ", 1)[-1].split("INFO:tensorflow:", 1)[-1]
             for line in lines]
    assert not [line for line in lines if line.startswith("INFO:tensorflow")]
    assert not [(a, b) for a, b in zip(texts, texts[1:]) if a == b]
    assert "deprecat" not in process.stderr
    # None of TensorFlow's C++ start-up notices, whichever TensorFlow this is.
    assert not [line for line in lines if startup.is_start_up_notice(line)]
    assert not [line for line in lines if "cuda" in line.lower()]
    assert len([text for text in texts if text.startswith("runtime: ")]) == 1
    assert len([text for text in texts if "initialised 103 of 105 trainable "
                "variables" in text]) == 2  # once for training, once for eval
    progress = [line for line in lines if "progress: step 5/5 (100%)" in line]
    assert len(progress) == 1
    assert ", loss 0." in progress[0] and ", learning rate " in progress[0]

    scalars = collections.defaultdict(list)
    for path in glob.glob(os.path.join(output_dir, "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                scalars[value.tag].append((event.step, value.simple_value))
    for tag in ("loss", "learning_rate", "examples_per_sec", "eval/accuracy",
                "eval/f1", "eval/loss"):
        assert [step for step, _ in scalars[tag]] == [5], tag
    assert 0.3 < scalars["loss"][0][1] < 1.0


def test_verbosity_flag_is_obeyed(tmp_path, tiny_config_file):
    args = ["--task_name=MRPC", "--do_eval=true",
            "--data_dir=" + small_mrpc(tmp_path, 8), "--vocab_file=" + UNCASED_VOCAB,
            "--bert_config_file=" + tiny_config_file, "--max_seq_length=16"]
    quiet = run_classifier(*args, "--output_dir=" + str(tmp_path / "a"),
                           "--verbosity=-1")
    assert not [line for line in quiet.stderr.splitlines() if line.startswith("I1")]
    debug = run_classifier(*args, "--output_dir=" + str(tmp_path / "b"),
                           "--verbosity=1")
    assert "guid: dev-5" in debug.stderr  # the fifth example dump is DEBUG
    if choice.has_estimator():  # the session runtime calls no deprecated API
        assert "deprecated" in debug.stderr


def deprecation_record():
    return logging.LogRecord("tensorflow", logging.WARNING, "/x/deprecation.py", 50,
                             "From x: y (from z) is deprecated", None, None)


@pytest.mark.parametrize("verbosity,shown", [(None, False), (absl_logging.DEBUG, True)])
def test_deprecation_notices_only_at_debug(verbosity, shown):
    tf_logger = tf.get_logger()
    saved = (absl_logging.get_verbosity(), list(tf_logger.filters))
    try:
        if verbosity is not None:
            absl_logging.set_verbosity(verbosity)
        logs.configure(verbosity_given=verbosity is not None)
        assert bool(tf_logger.filter(deprecation_record())) == shown
    finally:
        absl_logging.set_verbosity(saved[0])
        tf_logger.filters[:] = saved[1]
