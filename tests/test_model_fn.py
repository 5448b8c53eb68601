"""classifier/model_fn.py: the ModelSpec of each mode, and model_fn_builder's
TPUEstimatorSpec where TensorFlow has one."""

import numpy as np
import pytest
import tensorflow as tf

import modeling
from classifier import model_fn
from classifier.runtime import choice
from conftest import tiny_config_dict

tf1 = tf.compat.v1
ARGUMENTS = dict(
    bert_config=modeling.BertConfig.from_dict(tiny_config_dict(vocab_size=50)),
    num_labels=3, init_checkpoint=None, learning_rate=1e-3, num_train_steps=10,
    num_warmup_steps=1, use_tpu=False, use_one_hot_embeddings=False)


def features(batch=2, length=5):
    return {"input_ids": tf.ones([batch, length], tf.int32),
            "input_mask": tf.ones([batch, length], tf.int32),
            "segment_ids": tf.zeros([batch, length], tf.int32),
            "label_ids": tf.constant([0, 2][:batch], tf.int32),
            "is_real_example": tf.ones([batch], tf.int32)}


@pytest.mark.parametrize("mode", [model_fn.TRAIN, model_fn.EVAL, model_fn.PREDICT])
def test_the_spec_of_each_mode(mode):
    with tf.Graph().as_default():
        tf1.train.get_or_create_global_step()
        spec = model_fn.spec_fn_builder(**ARGUMENTS)(features(), None, mode, {})
        assert isinstance(spec, model_fn.ModelSpec)
        assert spec.mode == mode
        assert spec.scaffold_fn is None  # off TPU the checkpoint maps at once
        assert (spec.train_op is not None) == (mode == model_fn.TRAIN)
        assert (spec.eval_metrics is not None) == (mode == model_fn.EVAL)
        assert (spec.predictions is not None) == (mode == model_fn.PREDICT)
        if mode == model_fn.EVAL:
            metric_fn, tensors = spec.eval_metrics
            assert sorted(metric_fn(*tensors)) == ["eval_accuracy", "eval_loss"]
        if mode == model_fn.PREDICT:
            assert sorted(spec.predictions) == ["probabilities"]
            with tf1.Session() as session:
                session.run(tf1.global_variables_initializer())
                probabilities = session.run(spec.predictions["probabilities"])
            assert probabilities.shape == (2, 3)
            np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_regression_predicts_scores():
    with tf.Graph().as_default():
        arguments = dict(ARGUMENTS, num_labels=1, regression=True)
        batch = features()
        batch["label_ids"] = tf.constant([0.5, 3.0])
        spec = model_fn.spec_fn_builder(**arguments)(
            batch, None, model_fn.PREDICT, {})
        assert sorted(spec.predictions) == ["scores"]
        assert spec.predictions["scores"].shape.as_list() == [2]


def test_model_fn_builder_gives_what_this_tensorflow_runs():
    """A TPUEstimatorSpec on 2.15 (the reference's contract), else the ModelSpec."""
    with tf.Graph().as_default():
        tf1.train.get_or_create_global_step()
        spec = model_fn.model_fn_builder(**ARGUMENTS)(
            features(), None, model_fn.TRAIN, {})
    if choice.has_estimator():
        assert isinstance(spec, tf1.estimator.tpu.TPUEstimatorSpec)
        keys = tf1.estimator.ModeKeys
        assert (keys.TRAIN, keys.EVAL, keys.PREDICT) == (
            model_fn.TRAIN, model_fn.EVAL, model_fn.PREDICT)
    else:
        assert isinstance(spec, model_fn.ModelSpec)
    assert spec.train_op is not None and spec.loss is not None
