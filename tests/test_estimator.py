"""bert/estimator.py: tf.estimator's face on the session runtime, through the
release notebook's flow (tests/scripts/notebook_flow.py) and on a tiny model."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import bert
from bert import estimator
from bert.classifier.runtime import choice
from helpers import GLUE, REPO, SCRIPTS

tf1 = tf.compat.v1


def run_notebook(bert_dir, output_dir, estimator_kind):
    """notebook_flow.py in a fresh process, the package found as installed."""
    process = subprocess.run(
        [sys.executable, os.path.join(SCRIPTS, "notebook_flow.py"),
         bert_dir, os.path.join(GLUE, "SST-2"), output_dir, estimator_kind],
        cwd=output_dir, capture_output=True, text=True, timeout=1200,
        env=dict(os.environ, PYTHONPATH=REPO))
    assert process.returncode == 0, process.stderr[-5000:]
    return json.loads(process.stdout.splitlines()[-1])


@pytest.mark.slow
@pytest.mark.shared_data
# Once per TensorFlow line: tf.estimator's Estimator where TensorFlow has it
# (2.15), docs/install.md's one line on 2.16+. bert.estimator on 2.15 is the
# linear model's tests' below.
@pytest.mark.parametrize("estimator_kind", (
    ["tf"] if choice.has_estimator() else ["bert"]))
def test_the_release_notebook_trains_evaluates_and_predicts(
        tmp_path, minilm_dir, estimator_kind):
    result = run_notebook(minilm_dir, str(tmp_path), estimator_kind)
    assert result["num_train_steps"] == 16
    evaluation = result["evaluation"]
    assert evaluation["global_step"] == 16
    assert set(evaluation) == {"eval_accuracy", "precision", "recall", "loss",
                               "global_step"}
    # MiniLM fine-tuned on 256 real sentences has learnt: on 128 others its
    # loss beats the class prior's entropy (what knowing only the label
    # frequencies gives).
    positive = np.mean(result["test_labels"])
    prior_entropy = -(positive * np.log(positive)
                      + (1 - positive) * np.log(1 - positive))
    assert evaluation["loss"] < prior_entropy - 0.03, (evaluation, prior_entropy)
    assert evaluation["eval_accuracy"] > 0.5, evaluation
    assert len(result["predictions"]) == 8
    for _, log_probabilities, label in result["predictions"]:
        assert sum(np.exp(log_probabilities)) == pytest.approx(1.0, abs=1e-5)
        assert label == ("Positive" if log_probabilities[1] > log_probabilities[0]
                         else "Negative")
    assert os.path.exists(str(tmp_path / "model.ckpt-16.index"))


def linear_model_fn(features, labels, mode, params):
    """y = w * x, squared loss; predictions one tensor or a dict (params)."""
    weight = tf1.get_variable("w", [], initializer=tf1.zeros_initializer())
    prediction = weight * features["x"]
    if mode == estimator.ModeKeys.PREDICT:
        if params.get("dict_predictions"):
            return estimator.EstimatorSpec(
                mode, predictions={"y": prediction, "double": 2 * prediction})
        return estimator.EstimatorSpec(mode, predictions=prediction)
    loss = tf.reduce_mean(tf.square(prediction - labels))
    if mode == estimator.ModeKeys.EVAL:
        return estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops={
            "mean_error": tf1.metrics.mean(tf.abs(prediction - labels))})
    train_op = tf1.train.GradientDescentOptimizer(0.01).minimize(
        loss, global_step=tf1.train.get_global_step())
    return estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


def linear_input_fn(params):
    x = np.arange(1.0, 9.0, dtype=np.float32)
    dataset = tf.data.Dataset.from_tensor_slices(({"x": x}, 3.0 * x))
    return dataset.batch(params["batch_size"])


def test_train_evaluate_predict_as_estimator_does(tmp_path):
    model = estimator.Estimator(
        linear_model_fn, config=estimator.RunConfig(model_dir=str(tmp_path)),
        params={"batch_size": 4})
    # Neither steps nor max_steps: until the data ends (2 batches).
    assert model.train(linear_input_fn) is model
    assert model.latest_checkpoint().endswith("model.ckpt-2")
    model.train(lambda params: linear_input_fn(params).repeat(), steps=3)
    assert model.latest_checkpoint().endswith("model.ckpt-5")
    model.train(lambda params: linear_input_fn(params).repeat(), max_steps=40)
    result = model.evaluate(linear_input_fn, steps=1)
    assert result["global_step"] == 40
    assert set(result) == {"mean_error", "loss", "global_step"}
    assert result["mean_error"] < 1e-2
    predictions = list(model.predict(linear_input_fn))
    assert np.allclose(predictions, 3.0 * np.arange(1.0, 9.0), atol=0.05)

    with_dict = estimator.Estimator(linear_model_fn, model_dir=str(tmp_path),
                                    params={"batch_size": 4,
                                            "dict_predictions": True})
    first = next(with_dict.predict(linear_input_fn, predict_keys=["double"]))
    assert list(first) == ["double"]
    assert first["double"] == pytest.approx(6.0, abs=0.1)


@pytest.mark.parametrize("call,message", [
    (lambda model: model.evaluate(linear_input_fn, checkpoint_path="x"),
     "Estimator.evaluate: checkpoint_path is not supported"),
    (lambda model: model.train(linear_input_fn, steps=1, max_steps=2),
     "give steps or max_steps, not both"),
    (lambda model: list(model.predict(linear_input_fn, hooks=[object()])),
     "Estimator.predict: hooks is not supported"),
])
def test_what_it_cannot_honour_is_refused_by_name(tmp_path, call, message):
    model = estimator.Estimator(linear_model_fn, model_dir=str(tmp_path),
                                params={"batch_size": 4})
    with pytest.raises(ValueError, match=message):
        call(model)


def test_the_package_names_its_modules_on_first_use():
    assert bert.estimator is estimator
    with pytest.raises(AttributeError):
        bert.no_such_module
