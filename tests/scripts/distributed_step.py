"""Runs one training step of a tiny BERT, on one device and/or mirrored on
two logical CPU devices, for tests/classifier/runtime/test_distribution.py
(run in a subprocess: logical devices must be set before TensorFlow starts).

usage: distributed_step.py STRATEGIES fp32|fp16|fp32+fused OUTPUT_DIR
       [INIT_CHECKPOINT]
STRATEGIES: none, mirrored or none,mirrored, each run in turn into
OUTPUT_DIR/<strategy> (fp32+fused: float32 with the fused kernels).
"""

import dataclasses
import os
import sys

import numpy as np
import tensorflow as tf

# The repository, two folders up, before any installed bert.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))

from bert.classifier import model_fn  # noqa: E402
from bert.classifier.runtime import distribution  # noqa: E402
from bert.classifier.runtime import choice, estimator_runtime  # noqa: E402
from bert.classifier.runtime.session import (  # noqa: E402
    SessionRuntime, default_session_config)
from bert.classifier.data.features import InputFeatures  # noqa: E402
from bert.classifier.data.input_pipeline import input_fn_builder  # noqa: E402
from bert import modeling  # noqa: E402

tf1 = tf.compat.v1
BATCH_SIZE = 8
SEQ_LENGTH = 12

# The classifier's options with its dropout off (the encoder's is off in
# tiny_model_without_dropout's config).
NO_DROPOUT = model_fn.ModelOptions(classifier_dropout=0.0)


def tiny_features():
    """BATCH_SIZE distinct examples of several lengths."""
    rng = np.random.RandomState(0)
    features = []
    for index in range(BATCH_SIZE):
        length = 4 + index
        ids = [int(i) for i in rng.randint(1, 99, length)] + [0] * (SEQ_LENGTH - length)
        mask = [1] * length + [0] * (SEQ_LENGTH - length)
        features.append(InputFeatures(ids, mask, [0] * SEQ_LENGTH, index % 2))
    return features


def tiny_model_without_dropout(strategy_names):
    """The tiny BertConfig, with dropout off in the encoder (NO_DROPOUT
    turns off the classifier's) so that the replicas' steps can be compared
    with a single device's; two logical CPU devices for "mirrored"."""
    if "mirrored" in strategy_names:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    tf1.logging.set_verbosity(tf1.logging.INFO)
    return modeling.BertConfig(
        vocab_size=99, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, max_position_embeddings=SEQ_LENGTH)


def main(strategy_names, precision, output_dir, init_checkpoint=None):
    config = tiny_model_without_dropout(strategy_names.split(","))
    for strategy_name in strategy_names.split(","):
        train_one_step(config, strategy_name, precision,
                       os.path.join(output_dir, strategy_name), init_checkpoint)


def train_one_step(config, strategy_name, precision, output_dir, init_checkpoint):
    model_arguments = dict(
        bert_config=config, num_labels=2, init_checkpoint=init_checkpoint,
        learning_rate=1e-3, num_train_steps=10, num_warmup_steps=0,
        use_tpu=False, use_one_hot_embeddings=False,
        options=dataclasses.replace(
            NO_DROPOUT, compute_dtype={"fp32": tf.float32, "fp16": tf.float16}[
                precision.replace("+fused", "")],
            fused_kernels=precision.endswith("+fused")))
    runtime = choice.resolve("auto")
    strategy = distribution.make_strategy(strategy_name, runtime)
    if runtime == "session":
        if strategy is not None:
            distribution.log_replicas(strategy.num_replicas_in_sync, BATCH_SIZE)
        trainer = SessionRuntime(
            model_fn.spec_fn_builder(**model_arguments), output_dir,
            BATCH_SIZE, BATCH_SIZE, BATCH_SIZE, random_seed=1, strategy=strategy,
            session_config=distribution.session_config(default_session_config()))
    elif strategy is None:
        trainer = tf1.estimator.tpu.TPUEstimator(
            use_tpu=False,
            model_fn=estimator_runtime.model_fn_builder(**model_arguments),
            train_batch_size=BATCH_SIZE,
            config=tf1.estimator.tpu.RunConfig(model_dir=output_dir,
                                               tf_random_seed=1))
    else:
        trainer = estimator_runtime.distributed_estimator(
            estimator_runtime.model_fn_builder(**model_arguments), strategy,
            BATCH_SIZE, output_dir, tf_random_seed=1)
    trainer.train(input_fn_builder(tiny_features(), SEQ_LENGTH, False, True),
                  max_steps=1)


if __name__ == "__main__":
    main(*sys.argv[1:])
