"""Trains a tiny BERT for STEPS steps on the function runtime, on one device,
mirrored on two logical CPU devices, or as one task of a multi-worker cluster
(TF_CONFIG), for tests/classifier/runtime/test_distribution.py (run in a
subprocess: devices and clusters are set before TensorFlow starts).

usage: function_step.py STRATEGIES OUTPUT_DIR INIT_CHECKPOINT STEPS
STRATEGIES: none, mirrored, none,mirrored or multi_worker, each run in turn
into OUTPUT_DIR/<strategy>.

Every step's global batch is the same BATCH_SIZE examples whatever the
strategy: each worker reads its shard of them.
"""

import os
import sys

import tensorflow as tf

# The repository, two folders up, before any installed bert.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))

from bert.classifier import model_fn  # noqa: E402
from bert.classifier.data.features import LABEL_FEATURE, SEQUENCE_FEATURES  # noqa: E402
from bert.classifier.runtime import distribution  # noqa: E402
from bert.classifier.runtime.function import FunctionRuntime  # noqa: E402
from distributed_step import (  # noqa: E402
    BATCH_SIZE, NO_DROPOUT, tiny_features, tiny_model_without_dropout)

tf1 = tf.compat.v1


def input_fn(params, input_context=None):
    """The tiny features, repeated; a worker's shard under a cluster."""
    features = tiny_features()
    columns = {name: [getattr(f, name) for f in features]
               for name in SEQUENCE_FEATURES}
    columns[LABEL_FEATURE] = [f.label_id for f in features]
    dataset = tf.data.Dataset.from_tensor_slices(
        {name: tf.constant(values, tf.int32) for name, values in columns.items()})
    if input_context is not None and input_context.num_input_pipelines > 1:
        dataset = dataset.shard(input_context.num_input_pipelines,
                                input_context.input_pipeline_id)
    return dataset.repeat().batch(params["batch_size"], drop_remainder=True)


def main(strategy_names, output_dir, init_checkpoint, steps):
    config = tiny_model_without_dropout(strategy_names.split(","))
    for strategy_name in strategy_names.split(","):
        train(config, strategy_name, os.path.join(output_dir, strategy_name),
              init_checkpoint, steps)


def train(config, strategy_name, output_dir, init_checkpoint, steps):
    spec_fn = model_fn.spec_fn_builder(
        bert_config=config, num_labels=2, init_checkpoint=None,
        learning_rate=1e-3, num_train_steps=int(steps), num_warmup_steps=0,
        use_tpu=False, use_one_hot_embeddings=False, options=NO_DROPOUT)
    strategy = distribution.make_strategy(
        {"multi_worker": "multi_worker_mirrored"}.get(strategy_name, strategy_name),
        "function", cluster_timeout_secs=120)
    if strategy is not None:
        distribution.log_replicas(strategy.num_replicas_in_sync, BATCH_SIZE)
    runtime = FunctionRuntime(
        spec_fn, output_dir, BATCH_SIZE, BATCH_SIZE, BATCH_SIZE,
        init_checkpoint=init_checkpoint if init_checkpoint != "none" else None,
        random_seed=1, save_checkpoints_steps=int(steps), strategy=strategy,
        is_chief=distribution.is_chief())
    runtime.train(input_fn, max_steps=int(steps))


if __name__ == "__main__":
    main(*sys.argv[1:])
