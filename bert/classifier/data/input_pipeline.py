"""tf.data input functions over TFRecord files or in-memory features."""

import numpy as np
import tensorflow as tf

from bert.classifier.data.features import (LABEL_FEATURE, REAL_EXAMPLE_FEATURE,
                                           SEQUENCE_FEATURES)

SHUFFLE_BUFFER_SIZE = 100
# --bucket_by_length: a batch holds lengths within this many tokens.
BUCKET_WIDTH = 8
# With fused kernels, training batches are cut to a multiple of this length:
# the kernels compile once per shape, so fewer shapes (a few tokens of extra
# padding) save compilations.
FUSED_LENGTH_MULTIPLE = 8


def feature_spec(seq_length, regression, multi_hot_size=None):
    """The tf.io parsing spec of a feature file's records."""
    spec = {name: tf.io.FixedLenFeature([seq_length], tf.int64)
            for name in SEQUENCE_FEATURES}
    spec[LABEL_FEATURE] = tf.io.FixedLenFeature(
        [] if multi_hot_size is None else [multi_hot_size],
        tf.float32 if regression else tf.int64)
    spec[REAL_EXAMPLE_FEATURE] = tf.io.FixedLenFeature([], tf.int64)
    return spec


def _to_int32(features):
    """TPUs support only int32, so every int64 feature is cast."""
    return {name: tf.cast(value, tf.int32) if value.dtype == tf.int64 else value
            for name, value in features.items()}


def trim_to_longest(batch, multiple=1):
    """Cuts a batch's sequence features to its longest real sequence (rounded
    up to a multiple of `multiple`, at most the padded length).

    Positions past it are padding in every example (input_mask 0); the model
    masks them anyway, so the result is the same model output, computed on
    fewer positions.
    """
    longest = tf.reduce_max(tf.reduce_sum(batch["input_mask"], axis=1))
    longest = tf.maximum(longest, 1)
    if multiple > 1:
        longest = (longest + multiple - 1) // multiple * multiple
    trimmed = dict(batch)
    for name in SEQUENCE_FEATURES:
        trimmed[name] = batch[name][:, :longest]
    return trimmed


def length_buckets(seq_length, width=BUCKET_WIDTH):
    """Bucket boundaries every `width` tokens below seq_length."""
    return list(range(width + 1, seq_length + 1, width))


def file_based_input_fn_builder(input_file, seq_length, is_training,
                                drop_remainder, regression=False,
                                dynamic_padding=False, bucket_by_length=False,
                                length_multiple=1, multi_hot_size=None):
    """Returns an input_fn(params) reading the TFRecord file written by features.py.

    Training repeats forever and shuffles with a buffer of 100 examples.
    With regression, label_ids are float32 scores; with multi_hot_size (a
    multi-label task), multi-hot vectors of that many labels. With
    dynamic_padding each batch is cut to its longest real sequence, rounded up
    to a multiple of length_multiple (not on TPU: shapes must be fixed).
    With bucket_by_length (training only) a batch is drawn from examples whose
    lengths fall in the same 8-token bucket, so it holds less padding.
    Under a multi-worker tf.distribute strategy each worker reads its own
    shard of the file (input_context).
    """
    spec = feature_spec(seq_length, regression, multi_hot_size)

    def parse(records):
        batch = _to_int32(tf.io.parse_example(records, spec))
        return trim_to_longest(batch, length_multiple) if dynamic_padding else batch

    def input_fn(params, input_context=None):
        batch_size = params["batch_size"]
        dataset = tf.data.TFRecordDataset(input_file)
        if input_context is not None and input_context.num_input_pipelines > 1:
            dataset = dataset.shard(input_context.num_input_pipelines,
                                    input_context.input_pipeline_id)
        if is_training:
            dataset = dataset.repeat().shuffle(buffer_size=SHUFFLE_BUFFER_SIZE)
        if is_training and bucket_by_length:
            boundaries = length_buckets(seq_length)
            dataset = dataset.map(
                lambda record: tf.io.parse_single_example(record, spec))
            dataset = dataset.bucket_by_sequence_length(
                lambda example: tf.cast(tf.reduce_sum(example["input_mask"]), tf.int32),
                boundaries, [batch_size] * (len(boundaries) + 1),
                no_padding=True, drop_remainder=drop_remainder)
            dataset = dataset.map(
                lambda batch: trim_to_longest(_to_int32(batch), length_multiple)
                if dynamic_padding
                else _to_int32(batch), num_parallel_calls=tf.data.AUTOTUNE)
            return dataset.prefetch(tf.data.AUTOTUNE)
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
        dataset = dataset.map(parse, num_parallel_calls=tf.data.AUTOTUNE)
        return dataset.prefetch(tf.data.AUTOTUNE)

    return input_fn


def input_fn_builder(features, seq_length, is_training, drop_remainder):
    """Returns an input_fn(params) over a list of InputFeatures held in memory.

    Meant for small data sets and demos; large sets should use the file-based
    input function.
    """
    columns = {name: [getattr(f, name) for f in features]
               for name in SEQUENCE_FEATURES}
    columns[LABEL_FEATURE] = [f.label_id for f in features]
    columns[REAL_EXAMPLE_FEATURE] = [int(f.is_real_example) for f in features]

    def input_fn(params):
        tensors = {
            name: tf.constant(values, shape=[len(features), seq_length]
                              if name in SEQUENCE_FEATURES
                              else np.shape(values),
                              dtype=tf.float32 if isinstance(values[0], float)
                              else tf.int32)
            for name, values in columns.items()}
        dataset = tf.data.Dataset.from_tensor_slices(tensors)
        if is_training:
            dataset = dataset.repeat().shuffle(buffer_size=SHUFFLE_BUFFER_SIZE)
        return dataset.batch(params["batch_size"], drop_remainder=drop_remainder)

    return input_fn
