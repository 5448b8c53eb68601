"""classifier/best_checkpoint.py: eval_history.tsv and the best checkpoint."""

import os

import numpy as np
import pytest
import tensorflow as tf

from bert.classifier.best_checkpoint import EvalHistory
from bert.errors import InputError

tf1 = tf.compat.v1


def save_checkpoints(output_dir, steps):
    """model.ckpt-<step> files holding w = step; returns their paths."""
    paths = []
    with tf.Graph().as_default():
        w = tf1.get_variable("w", initializer=np.float32(0))
        saver = tf1.train.Saver(max_to_keep=None)
        with tf1.Session() as session:
            for step in steps:
                session.run(w.assign(float(step)))
                paths.append(saver.save(session, os.path.join(output_dir,
                                                              "model.ckpt"), step))
    return paths


def test_keeps_the_best_checkpoint_and_every_evaluation(tmp_path):
    output_dir = str(tmp_path)
    first, second, third = save_checkpoints(output_dir, [10, 20, 30])
    history = EvalHistory(output_dir, "eval_f1")
    assert history.best_value() is None
    assert history.record({"eval_f1": 0.5, "eval_loss": 0.7, "global_step": 10},
                          first)
    assert not history.record({"eval_f1": 0.4, "eval_loss": 0.6,
                               "global_step": 20}, second)
    assert history.record({"eval_f1": 0.8, "eval_loss": 0.5, "global_step": 30},
                          third)
    assert history.best_value() == 0.8

    rows = open(history.history_path).read().splitlines()
    assert rows == ["global_step\teval_f1\teval_loss", "10\t0.5\t0.7",
                    "20\t0.4\t0.6", "30\t0.8\t0.5"]
    best = tf.train.latest_checkpoint(history.best_dir)
    assert os.path.basename(best) == "model.ckpt-30"
    assert tf.train.load_variable(best, "w") == 30.0
    assert not tf.io.gfile.glob(os.path.join(history.best_dir, "model.ckpt-10*"))
    results = open(os.path.join(history.best_dir, "eval_results.txt")).read()
    assert "eval_f1 = 0.8\n" in results and "global_step = 30\n" in results


def test_a_tie_keeps_the_earlier_checkpoint(tmp_path):
    first, second = save_checkpoints(str(tmp_path), [1, 2])
    history = EvalHistory(str(tmp_path), "eval_accuracy")
    history.record({"eval_accuracy": 0.5, "global_step": 1}, first)
    assert not history.record({"eval_accuracy": 0.5, "global_step": 2}, second)
    assert tf.train.latest_checkpoint(history.best_dir).endswith("model.ckpt-1")


def test_best_is_replaced_whole_and_a_damaged_history_stops(tmp_path):
    first, second = save_checkpoints(str(tmp_path), [1, 2])
    history = EvalHistory(str(tmp_path), "eval_accuracy")
    history.record({"eval_accuracy": 0.5, "global_step": 1}, first)
    history.record({"eval_accuracy": 0.7, "global_step": 2}, second)
    assert sorted(os.listdir(history.best_dir)) == [
        "checkpoint", "eval_results.txt", "model.ckpt-2.data-00000-of-00001",
        "model.ckpt-2.index", "model.ckpt-2.meta"]
    assert not [name for name in os.listdir(str(tmp_path)) if ".tmp-" in name]
    with open(history.history_path, "a") as writer:
        writer.write("3\tnot a number\n")
    with pytest.raises(InputError) as error:
        history.evaluations_since_best()
    assert str(error.value).startswith(
        "%s does not read as this run's evaluation history" % history.history_path)


def test_a_damaged_best_eval_results_stops_naming_it(tmp_path):
    first, = save_checkpoints(str(tmp_path), [1])
    history = EvalHistory(str(tmp_path), "eval_accuracy")
    history.record({"eval_accuracy": 0.5, "global_step": 1}, first)
    with open(os.path.join(history.best_dir, "eval_results.txt"), "wb") as writer:
        writer.write(b"eval_accuracy = \xff\xfe\n")
    with pytest.raises(InputError) as error:
        history.best_value()
    assert str(error.value).startswith(
        "%s/eval_results.txt does not read as the best evaluation's metrics"
        % history.best_dir)
