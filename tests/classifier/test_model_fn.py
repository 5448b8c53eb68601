"""classifier/model_fn.py: the ModelSpec of each mode, the heads, and
ModelOptions."""

import numpy as np
import pytest
import tensorflow as tf

from bert import modeling
from bert.classifier import model_fn
from helpers import tiny_config_dict

tf1 = tf.compat.v1
ARGUMENTS = dict(
    bert_config=modeling.BertConfig.from_dict(tiny_config_dict(vocab_size=50)),
    num_labels=3, init_checkpoint=None, learning_rate=1e-3, num_train_steps=10,
    num_warmup_steps=1, use_tpu=False, use_one_hot_embeddings=False)
MULTI_LABEL = model_fn.ModelOptions(multi_label=True)


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
        arguments = dict(ARGUMENTS, num_labels=1,
                         options=model_fn.ModelOptions(regression=True))
        batch = features()
        batch["label_ids"] = tf.constant([0.5, 3.0])
        spec = model_fn.spec_fn_builder(**arguments)(
            batch, None, model_fn.PREDICT, {})
        assert sorted(spec.predictions) == ["scores"]
        assert spec.predictions["scores"].shape.as_list() == [2]


def test_multi_label_loss_is_binary_cross_entropy_over_labels_and_examples():
    from bert.classifier.metrics import multi_label_metric_fn_builder
    labels = ["a", "b", "c"]
    with tf.Graph().as_default():
        arguments = dict(ARGUMENTS, options=MULTI_LABEL, metric_fn=(
            multi_label_metric_fn_builder(labels, 0.5)))
        batch = features()
        batch["label_ids"] = tf.constant([[1, 0, 1], [0, 0, 0]])
        spec_fn = model_fn.spec_fn_builder(**arguments)
        spec = spec_fn(batch, None, model_fn.EVAL, {})
        metric_fn, tensors = spec.eval_metrics
        assert {"eval_macro_f1", "eval_f1_c", "eval_hamming_loss"} <= set(
            metric_fn(*tensors))
        logits = tensors[2]
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            loss, logit_values = session.run([spec.loss, logits])
        truth = np.array([[1, 0, 1], [0, 0, 0]])
        probability = 1 / (1 + np.exp(-logit_values.astype(np.float64)))
        expected = -np.mean(truth * np.log(probability) +
                            (1 - truth) * np.log(1 - probability))
        assert loss == pytest.approx(expected, rel=1e-5)
    with tf.Graph().as_default():
        batch = features()
        batch["label_ids"] = tf.zeros([2, 3], tf.int32)
        spec = model_fn.spec_fn_builder(**dict(ARGUMENTS, options=MULTI_LABEL))(
            batch, None, model_fn.PREDICT, {})
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            probabilities = session.run(spec.predictions["probabilities"])
        assert probabilities.shape == (2, 3)
        assert not np.allclose(probabilities.sum(axis=1), 1.0)  # sigmoids


@pytest.mark.parametrize("rate,same", [(0.0, True), (0.5, False)])
def test_classifier_dropout_applies_to_training_alone(rate, same):
    """With the encoder's dropout off, training's logits equal inference's
    exactly when --classifier_dropout is 0."""
    bert_config = modeling.BertConfig.from_dict(dict(
        tiny_config_dict(vocab_size=50), hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0))
    logits = []
    for is_training in (True, False):
        with tf.Graph().as_default():
            tf1.set_random_seed(1)  # the same initial weights in both graphs
            batch = features()
            _, _, output, _ = model_fn.create_model(
                bert_config, is_training, batch["input_ids"],
                batch["input_mask"], batch["segment_ids"], batch["label_ids"],
                3, False, model_fn.ModelOptions(classifier_dropout=rate))
            with tf1.Session() as session:
                session.run(tf1.global_variables_initializer())
                logits.append(session.run(output))
    training, inference = logits
    assert np.array_equal(training, inference) == same
