"""classifier/data/length_order.py: inference in order of length, with the
predictions put back in the file's order."""

import numpy as np
import tensorflow as tf

from bert.classifier.data.features import InputFeatures, features_to_tf_example
from bert.classifier.data.length_order import (in_file_order, read_records,
                                               write_sorted_copy)

SEQ_LENGTH = 12
LENGTHS = [5, 2, 12, 7, 2, 9, 3]


def write_features(path, lengths=LENGTHS):
    """A feature file whose example i has lengths[i] tokens and label i."""
    with tf.io.TFRecordWriter(str(path)) as writer:
        for index, length in enumerate(lengths):
            pad = [0] * (SEQ_LENGTH - length)
            feature = InputFeatures([7] * length + pad, [1] * length + pad,
                                    [0] * SEQ_LENGTH, index)
            writer.write(features_to_tf_example(feature).SerializeToString())
    return str(path)


def test_the_copy_holds_every_record_once_shortest_first(tmp_path):
    source = write_features(tmp_path / "f.tf_record")
    order = write_sorted_copy(source, str(tmp_path / "s.tf_record"), SEQ_LENGTH)
    assert list(order) == [1, 4, 6, 0, 3, 5, 2]  # ties in file order
    records, lengths = read_records(str(tmp_path / "s.tf_record"), SEQ_LENGTH)
    assert list(lengths) == sorted(LENGTHS)
    original, _ = read_records(source, SEQ_LENGTH)
    assert records == [original[index] for index in order]


def test_predictions_go_back_to_the_file_order():
    order = np.array([1, 4, 6, 0, 3, 5, 2])
    made = ["p%d" % index for index in order]
    assert in_file_order(made, order) == ["p%d" % index for index in range(7)]


def test_an_empty_file_gives_an_empty_copy(tmp_path):
    source = write_features(tmp_path / "f.tf_record", lengths=[])
    order = write_sorted_copy(source, str(tmp_path / "s.tf_record"), SEQ_LENGTH)
    assert len(order) == 0
    assert read_records(str(tmp_path / "s.tf_record"), SEQ_LENGTH)[0] == []
