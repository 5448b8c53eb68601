"""classifier/runtime/session.py, called directly on a tiny BERT: training
to max_steps and resuming, checkpoints kept, evaluation and prediction; and
its parity with the estimator runtime on MiniLM and real MRPC."""

import glob
import os

import numpy as np
import pytest
import tensorflow as tf

from bert.classifier import frozen_graph
from bert.classifier.data.input_pipeline import input_fn_builder
from bert.classifier.progress import RowProgress
from bert.classifier.runtime import choice
from bert.classifier.runtime.session import SessionRuntime
from helpers import model_args, run_classifier, small_mrpc
from runtime_helpers import (BATCH_SIZE, SEQ_LENGTH, Steps,
                             check_evaluate_and_predict, make_session_runtime,
                             steps_of, tiny_features, tiny_spec_fn)


def test_trains_to_max_steps_resumes_and_keeps_the_newest_checkpoints(tmp_path):
    runtime = make_session_runtime(tmp_path, save_checkpoints_steps=1,
                                   keep_checkpoint_max=2)
    train = input_fn_builder(tiny_features(12), SEQ_LENGTH, True, True)
    assert runtime.latest_checkpoint() is None
    steps = Steps()
    loss = runtime.train(train, max_steps=3, listeners=[steps])
    assert 0.0 < loss < 2.0
    # The listeners hear what the function runtime's hear (ListenerHook).
    assert steps.calls == [("start", 0), ("record", 1), ("record", 2),
                           ("record", 3), ("finish", 3)]
    assert runtime.latest_checkpoint().endswith("model.ckpt-3")
    runtime.train(train, max_steps=5)
    assert runtime.latest_checkpoint().endswith("model.ckpt-5")
    assert steps_of(tmp_path) == [4, 5]
    assert runtime.train(train, max_steps=5) is None  # nothing left to do
    assert os.path.exists(tmp_path / "graph.pbtxt")
    events = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    tags = {value.tag for path in events
            for event in tf.compat.v1.train.summary_iterator(path)
            for value in event.summary.value}
    # The loss summary is named loss_1, as Estimator's: the model has a
    # "loss" scope.
    assert {"loss_1", "global_step/sec", "examples/sec"} <= tags


def test_same_seed_same_variables(tmp_path):
    train = input_fn_builder(tiny_features(12), SEQ_LENGTH, True, True)
    for name in ("a", "b"):
        make_session_runtime(tmp_path / name).train(train, max_steps=2)
    first = tf.train.load_checkpoint(str(tmp_path / "a" / "model.ckpt-2"))
    second = tf.train.load_checkpoint(str(tmp_path / "b" / "model.ckpt-2"))
    names = sorted(first.get_variable_to_shape_map())
    assert any(name.endswith("adam_m") for name in names)
    for name in names:
        np.testing.assert_array_equal(first.get_tensor(name),
                                      second.get_tensor(name), err_msg=name)


def test_evaluate_and_predict_on_the_newest_checkpoint(tmp_path):
    runtime = make_session_runtime(tmp_path)
    features = tiny_features(10)
    runtime.train(input_fn_builder(features, SEQ_LENGTH, True, True), max_steps=2)
    check_evaluate_and_predict(runtime, features, tmp_path, 2)


def test_frozen_inference_is_the_bf16_graphs_own(tmp_path, monkeypatch):
    """A bf16 model evaluates and predicts from a frozen copy of its graph
    (its weights constants cast once): the same metrics and probabilities
    (but for the last bit: oneDNN may sum a product of constants in another
    order), from the newest checkpoint or, with none, the initial weights."""
    features = tiny_features(10)
    inference_input = input_fn_builder(features, SEQ_LENGTH, False, False)

    def runtime(frozen):
        return SessionRuntime(
            tiny_spec_fn(compute_dtype=tf.bfloat16), str(tmp_path), BATCH_SIZE,
            BATCH_SIZE, BATCH_SIZE, random_seed=3, frozen_inference=frozen)

    frozen_graphs = []
    freeze = frozen_graph.freeze

    def counted_freeze(*args):
        frozen_graphs.append(freeze(*args))
        return frozen_graphs[-1]
    monkeypatch.setattr(frozen_graph, "freeze", counted_freeze)
    for trained_steps in (0, 2):
        if trained_steps:
            runtime(False).train(input_fn_builder(features, SEQ_LENGTH, True, True),
                                 max_steps=trained_steps)
        plain = runtime(False)
        expected = [plain.evaluate(inference_input),
                    plain.evaluate(inference_input, steps=1, name="first"),
                    list(plain.predict(inference_input))]
        assert not frozen_graphs
        frozen = runtime(True)
        progress = RowProgress("evaluation", len(features), BATCH_SIZE)
        got = [frozen.evaluate(inference_input, progress=progress),
               frozen.evaluate(inference_input, steps=1, name="first"),
               list(frozen.predict(inference_input))]
        assert len(frozen_graphs) == 3
        frozen_graphs.clear()
        assert progress.rows == len(features)
        for evaluation, expected_evaluation in zip(got[:2], expected[:2]):
            assert sorted(evaluation) == sorted(expected_evaluation)
            assert evaluation["global_step"] == trained_steps
            for key, value in expected_evaluation.items():
                assert evaluation[key] == pytest.approx(value, abs=1e-6), key
        assert len(got[2]) == len(features)
        for frozen_row, plain_row in zip(got[2], expected[2]):
            np.testing.assert_allclose(frozen_row["probabilities"],
                                       plain_row["probabilities"], atol=1e-6)


def test_without_a_checkpoint_it_evaluates_the_initial_weights(tmp_path):
    runtime = make_session_runtime(tmp_path)
    evaluation = input_fn_builder(tiny_features(8), SEQ_LENGTH, False, False)
    result = runtime.evaluate(evaluation)
    assert result["global_step"] == 0
    assert len(list(runtime.predict(evaluation))) == 8


def test_auto_is_the_estimator_where_tensorflow_has_it():
    expected = "estimator" if hasattr(tf.compat.v1, "estimator") else "session"
    assert choice.resolve("auto") == expected
    assert choice.resolve("session") == "session"
    assert choice.resolve("estimator") == "estimator"


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.skipif(not choice.has_estimator(),
                    reason="the estimator runtime needs TensorFlow 2.15")
def test_both_runtimes_give_the_same_variables_and_results(tmp_path, minilm_dir):
    """4 steps of MiniLM on the first 64 rows of each real MRPC file, one
    --random_seed, on each runtime: the decaying rate, dropout and Adam's moments in
    every step, and dev and test in more than one batch."""
    data_dir = small_mrpc(tmp_path, 64)
    outputs = {}
    for runtime in ("estimator", "session"):
        outputs[runtime] = str(tmp_path / runtime)
        process = run_classifier(
            "--task_name=MRPC", "--do_train=true", "--do_eval=true",
            "--do_predict=true", "--data_dir=" + data_dir,
            *model_args(minilm_dir), "--max_seq_length=32",
            "--train_batch_size=16", "--num_train_epochs=1", "--random_seed=7",
            "--predict_batch_size=24", "--eval_batch_size=24",
            "--runtime=" + runtime, "--output_dir=" + outputs[runtime])
        assert "runtime: %s (TensorFlow" % runtime in process.stderr
    estimator = tf.train.load_checkpoint(
        os.path.join(outputs["estimator"], "model.ckpt-4"))
    session = tf.train.load_checkpoint(
        os.path.join(outputs["session"], "model.ckpt-4"))
    names = sorted(estimator.get_variable_to_shape_map())
    assert names == sorted(session.get_variable_to_shape_map())
    largest = max(float(np.max(np.abs(
        estimator.get_tensor(name).astype(np.float64)
        - session.get_tensor(name).astype(np.float64))))
        for name in names)
    assert largest == 0.0
    for result in ("eval_results.txt", "test_results.tsv"):
        with open(os.path.join(outputs["estimator"], result)) as reader:
            expected = reader.read()
        with open(os.path.join(outputs["session"], result)) as reader:
            assert reader.read() == expected, result
