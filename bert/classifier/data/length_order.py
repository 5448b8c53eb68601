"""Evaluation and prediction in order of length (--sort_by_length).

A copy of a feature file holds its examples shortest first, so that with
dynamic padding each batch holds examples of similar length and little
padding: the model computes on far fewer positions. The order is kept, and
predictions are put back in the original file's order before anything is
written. The copy is a file rather than a tf.data generator over arrays in
memory: with the generator, the same sorted batches took 1.6x as long on 2
CPU cores (134.7 s against 81.9 s for QNLI's test file).
"""

import numpy as np
import tensorflow as tf

from bert.classifier import atomic

# Records read at a time.
READ_CHUNK = 4096


def read_records(record_file, seq_length):
    """(serialized records, their lengths) of a feature file, in file order;
    the records are held in memory (about 0.6 KB each at length 128)."""
    spec = {"input_mask": tf.io.FixedLenFeature([seq_length], tf.int64)}
    records, lengths = [], []
    for chunk in tf.data.TFRecordDataset(record_file).batch(READ_CHUNK):
        records.extend(chunk.numpy())
        mask = tf.io.parse_example(chunk, spec)["input_mask"]
        lengths.append(tf.reduce_sum(mask, axis=1).numpy())
    return records, np.concatenate(lengths) if lengths else np.zeros([0], np.int64)


def length_order(lengths):
    """The examples' indices, shortest first (ties keep the file's order)."""
    return np.argsort(lengths, kind="stable")


def write_sorted_copy(record_file, sorted_file, seq_length):
    """Writes record_file's records to sorted_file shortest first; returns
    the order (order[i]: the index in record_file of sorted_file's i-th)."""
    records, lengths = read_records(record_file, seq_length)
    order = length_order(lengths)
    with atomic.replaced_when_done(sorted_file) as temporary_file:
        with tf.io.TFRecordWriter(temporary_file) as writer:
            for index in order:
                writer.write(records[index])
    return order


def in_file_order(predictions, order):
    """predictions (made in order) put back in the file's order."""
    restored = [None] * len(order)
    for index, prediction in zip(order, predictions):
        restored[index] = prediction
    return restored
