"""A phase's input: its examples written as features (or reused from the
feature cache) and the input function that reads them back."""

import collections
import os

import tensorflow as tf

from bert.classifier.data.feature_cache import convert_with_cache
from bert.classifier.data.features import plan_inference_batches
from bert.classifier.data.input_pipeline import (FUSED_LENGTH_MULTIPLE,
                                                 file_based_input_fn_builder)
from bert.classifier.data.length_order import write_sorted_copy

tf1 = tf.compat.v1

# An evaluation's or prediction's input: input_fn(params), the number of
# batches to run (None: until the data ends), with --sort_by_length the file
# index of each example in the order input_fn yields them (else None), and
# the feature file input_fn reads.
InferenceInput = collections.namedtuple(
    "InferenceInput", ["input_fn", "steps", "order", "record_file"])


def write_features(config, processor, tokenizer, examples, record_file):
    """Writes the examples' TFRecord file, or reuses an identical one."""
    convert_with_cache(examples, processor.get_labels(), config.max_seq_length,
                       tokenizer, record_file, config.vocab_file,
                       config.do_lower_case, config.task_name,
                       processor.multi_label)


def multi_hot_size(processor):
    """The length of a multi-label task's label vector; None for other tasks."""
    return len(processor.get_labels()) if processor.multi_label else None


def training_input(config, processor, tokenizer, examples, feature_dir):
    """The training input_fn over train.tf_record in feature_dir."""
    train_file = os.path.join(feature_dir, "train.tf_record")
    write_features(config, processor, tokenizer, examples, train_file)
    return file_based_input_fn_builder(
        input_file=train_file, seq_length=config.max_seq_length,
        is_training=True, drop_remainder=True,
        regression=processor.is_regression,
        dynamic_padding=config.pads_dynamically,
        bucket_by_length=config.bucket_by_length,
        multi_hot_size=multi_hot_size(processor),
        length_multiple=FUSED_LENGTH_MULTIPLE if config.fused_kernels else 1)


def inference_input(config, processor, tokenizer, real_examples, batch_size,
                    record_name, title):
    """Writes an eval/predict TFRecord in output_dir; returns its
    InferenceInput.

    On TPU the set is padded with fake examples to whole batches (see
    plan_inference_batches); off TPU it is used as it is, in order of
    length with --sort_by_length.
    """
    examples, steps, drop_remainder = plan_inference_batches(
        real_examples, batch_size, config.use_tpu)
    record_file = os.path.join(config.output_dir, record_name)
    write_features(config, processor, tokenizer, examples, record_file)
    tf1.logging.info("***** Running %s *****", title)
    tf1.logging.info("  Num examples = %d (%d actual, %d padding)",
                     len(examples), len(real_examples),
                     len(examples) - len(real_examples))
    tf1.logging.info("  Batch size = %d", batch_size)
    order = None
    if config.sorts_by_length:
        stem, extension = os.path.splitext(record_file)
        sorted_file = stem + ".by_length" + extension
        order = write_sorted_copy(record_file, sorted_file, config.max_seq_length)
        record_file = sorted_file
    input_fn = file_based_input_fn_builder(
        input_file=record_file, seq_length=config.max_seq_length,
        is_training=False, drop_remainder=drop_remainder,
        regression=processor.is_regression,
        dynamic_padding=config.pads_dynamically,
        multi_hot_size=multi_hot_size(processor))
    return InferenceInput(input_fn, steps, order, record_file)
