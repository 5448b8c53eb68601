"""classifier/runtime/estimator_runtime.py: model_fn_builder, the
reference's API, gives what this TensorFlow's Estimator runs. (The runtime
itself is driven end to end on TensorFlow 2.15 by the run_classifier tests.)"""

import tensorflow as tf

from bert import modeling
from bert.classifier import model_fn
from bert.classifier.runtime import estimator_runtime
from bert.classifier.tf_version import has_estimator
from helpers import tiny_config_dict

tf1 = tf.compat.v1


def test_model_fn_builder_gives_what_this_tensorflow_runs():
    """A TPUEstimatorSpec on 2.15 (the reference's contract), else the
    ModelSpec that bert.estimator takes."""
    with tf.Graph().as_default():
        tf1.train.get_or_create_global_step()
        features = {"input_ids": tf.ones([2, 5], tf.int32),
                    "input_mask": tf.ones([2, 5], tf.int32),
                    "segment_ids": tf.zeros([2, 5], tf.int32),
                    "label_ids": tf.constant([0, 2], tf.int32)}
        spec = estimator_runtime.model_fn_builder(
            modeling.BertConfig.from_dict(tiny_config_dict(vocab_size=50)), 3,
            None, 1e-3, 10, 1, False, False)(features, None, model_fn.TRAIN, {})
    if has_estimator():
        assert isinstance(spec, tf1.estimator.tpu.TPUEstimatorSpec)
        keys = tf1.estimator.ModeKeys
        assert (keys.TRAIN, keys.EVAL, keys.PREDICT) == (
            model_fn.TRAIN, model_fn.EVAL, model_fn.PREDICT)
    else:
        assert isinstance(spec, model_fn.ModelSpec)
    assert spec.train_op is not None and spec.loss is not None
