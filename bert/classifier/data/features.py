"""Examples -> fixed-length features ([CLS] a [SEP] b [SEP]) and TFRecord files.

The names of the model's input features are defined here, once.
"""

import collections
import time

import tensorflow as tf

from bert import tokenization
from bert.classifier import atomic
from bert.errors import InputError

# The token-level inputs, [batch, seq_length] each.
SEQUENCE_FEATURES = ("input_ids", "input_mask", "segment_ids")
LABEL_FEATURE = "label_ids"
REAL_EXAMPLE_FEATURE = "is_real_example"


class PaddingInputExample(object):
    """A fake example that pads an eval/predict set to a whole number of batches.

    Its features are all zero with is_real_example=0, so it counts in no metric
    and is never written to a result file. Needed on TPU, whose batches are
    all of the same size.
    """


class InputFeatures(object):
    """The model inputs of one example. label_id is a class id, a float score
    (regression) or a list of 0/1, one per label (multi-label)."""

    def __init__(self, input_ids, input_mask, segment_ids, label_id,
                 is_real_example=True):
        self.input_ids = input_ids
        self.input_mask = input_mask
        self.segment_ids = segment_ids
        self.label_id = label_id
        self.is_real_example = is_real_example


def truncate_seq_pair(tokens_a, tokens_b, max_length):
    """Pops the last token of the longer list (tokens_b on a tie) until both fit."""
    while len(tokens_a) + len(tokens_b) > max_length:
        if len(tokens_a) > len(tokens_b):
            tokens_a.pop()
        else:
            tokens_b.pop()


def convert_single_example(ex_index, example, label_list, max_seq_length,
                           tokenizer, multi_label=False):
    """Converts one InputExample (or PaddingInputExample) into InputFeatures.

    With multi_label, example.label is a tuple of label names and label_id
    their multi-hot vector. Logs the first five as the reference does: the
    first at INFO, the other four at DEBUG (--verbosity=1), so a run's log
    stays short.
    """
    if isinstance(example, PaddingInputExample):
        zeros = [0] * max_seq_length
        label_id = [0] * len(label_list) if multi_label else 0
        return InputFeatures(list(zeros), list(zeros), list(zeros), label_id,
                             is_real_example=False)
    feature, tokens = build_features(example, label_list, max_seq_length,
                                     tokenizer, multi_label)
    if ex_index < 5:
        log = tf.compat.v1.logging.info if ex_index == 0 else (
            tf.compat.v1.logging.debug)
        log("*** Example ***")
        log("guid: %s", example.guid)
        log("tokens: %s", " ".join(
            tokenization.printable_text(token) for token in tokens))
        log("input_ids: %s", " ".join(map(str, feature.input_ids)))
        log("input_mask: %s", " ".join(map(str, feature.input_mask)))
        log("segment_ids: %s", " ".join(map(str, feature.segment_ids)))
        log("label: %s (id = %s)", example.label, feature.label_id)
    return feature


def build_features(example, label_list, max_seq_length, tokenizer,
                   multi_label=False):
    """[CLS] a [SEP] (b [SEP]), truncated and zero-padded: (InputFeatures, tokens)."""
    if multi_label:
        label_id = multi_hot(example, label_list)
    else:
        label_id = _label_id(example, label_list)

    tokens_a = tokenizer.tokenize(example.text_a)
    tokens_b = tokenizer.tokenize(example.text_b) if example.text_b else None
    if tokens_b:
        truncate_seq_pair(tokens_a, tokens_b, max_seq_length - 3)
    else:
        tokens_a = tokens_a[:max_seq_length - 2]

    tokens = ["[CLS]"] + tokens_a + ["[SEP]"]
    segment_ids = [0] * len(tokens)
    if tokens_b:
        tokens += tokens_b + ["[SEP]"]
        segment_ids += [1] * (len(tokens_b) + 1)

    input_ids = tokenizer.convert_tokens_to_ids(tokens)
    input_mask = [1] * len(input_ids)
    padding = [0] * (max_seq_length - len(input_ids))
    input_ids += padding
    input_mask += padding
    segment_ids += padding

    return InputFeatures(input_ids, input_mask, segment_ids, label_id), tokens


def _label_id(example, label_list):
    """The class id of example.label, or its float value when label_list is None
    (regression). An example without a label (inference) gets 0."""
    if example.label is None:
        return 0.0 if label_list is None else 0
    if label_list is None:
        try:
            return float(example.label)
        except (TypeError, ValueError):
            raise InputError("example %s: label %r is not a number"
                             % (example.guid, example.label))
    label_map = {label: index for index, label in enumerate(label_list)}
    if example.label not in label_map:
        raise InputError(
            "example %s: label %r is not one of the task's labels %s"
            % (example.guid, example.label, ", ".join(label_list)))
    return label_map[example.label]


def multi_hot(example, label_list):
    """1 for each label of example.label (a tuple of names), else 0; all 0
    for an example without labels."""
    names = set(example.label or ())
    unknown = sorted(names.difference(label_list))
    if unknown:
        raise InputError("example %s: label %r is not one of the task's labels %s"
                         % (example.guid, unknown[0], ", ".join(label_list)))
    return [int(label in names) for label in label_list]


def convert_examples_to_features(examples, label_list, max_seq_length, tokenizer,
                                 multi_label=False):
    """Converts a list of examples into a list of InputFeatures."""
    return [convert_single_example(index, example, label_list, max_seq_length,
                                   tokenizer, multi_label)
            for index, example in enumerate(examples)]


def features_to_tf_example(feature):
    """Wraps InputFeatures in a tf.train.Example of int64 features (a regression
    label is a float; a multi-label label is a vector)."""
    def int64_feature(values):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=list(values)))

    fields = collections.OrderedDict()
    for name in SEQUENCE_FEATURES:
        fields[name] = int64_feature(getattr(feature, name))
    if isinstance(feature.label_id, float):
        fields[LABEL_FEATURE] = tf.train.Feature(
            float_list=tf.train.FloatList(value=[feature.label_id]))
    elif isinstance(feature.label_id, list):
        fields[LABEL_FEATURE] = int64_feature(feature.label_id)
    else:
        fields[LABEL_FEATURE] = int64_feature([feature.label_id])
    fields[REAL_EXAMPLE_FEATURE] = int64_feature([int(feature.is_real_example)])
    return tf.train.Example(features=tf.train.Features(feature=fields))


def file_based_convert_examples_to_features(examples, label_list, max_seq_length,
                                            tokenizer, output_file,
                                            multi_label=False):
    """Writes the examples' features to a TFRecord file.

    The file appears only when complete: it is written under a temporary name
    and renamed, so an interrupted run never leaves a half file behind.
    """
    start = time.time()
    with atomic.replaced_when_done(output_file) as temporary_file:
        with tf.io.TFRecordWriter(temporary_file) as writer:
            for index, example in enumerate(examples):
                if index % 10000 == 0:
                    tf.compat.v1.logging.info(
                        "Writing example %d of %d (%.0f examples/sec)", index,
                        len(examples), index / max(time.time() - start, 1e-9))
                feature = convert_single_example(
                    index, example, label_list, max_seq_length, tokenizer,
                    multi_label)
                writer.write(features_to_tf_example(feature).SerializeToString())
    elapsed = time.time() - start
    tf.compat.v1.logging.info(
        "Wrote %d examples to %s in %.1f s (%.0f examples/sec)", len(examples),
        output_file, elapsed, len(examples) / max(elapsed, 1e-9))


def pad_to_batch_multiple(examples, batch_size):
    """Appends PaddingInputExamples until len(examples) is a multiple of batch_size."""
    padded = list(examples)
    while len(padded) % batch_size != 0:
        padded.append(PaddingInputExample())
    return padded


def plan_inference_batches(examples, batch_size, use_tpu):
    """Returns (examples, steps, drop_remainder) for an eval or predict run.

    TPUs need batches of one size: the set is padded with fake examples to a
    whole number of batches, run for exactly that many steps, and the last
    partial batch is dropped (there is none). Off TPU nothing changes and the
    estimator runs until the data ends (steps None).
    """
    if not use_tpu:
        return list(examples), None, False
    padded = pad_to_batch_multiple(examples, batch_size)
    return padded, len(padded) // batch_size, True


def trimmed_batch(features):
    """The sequence features of a batch of InputFeatures as lists cut to the
    batch's longest real sequence: {name: [[int]]}, ready for a model that
    takes any length (dynamic padding)."""
    longest = max(sum(feature.input_mask) for feature in features)
    return {name: [getattr(feature, name)[:longest] for feature in features]
            for name in SEQUENCE_FEATURES}
