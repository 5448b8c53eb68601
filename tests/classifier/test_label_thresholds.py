"""classifier/label_thresholds.py: the decision rule, the same in the graph and in
Python, and the threshold a run uses."""

import numpy as np
import pytest
import tensorflow as tf

from bert.classifier import label_thresholds
from bert.errors import InputError


def test_graph_and_python_predict_the_same_labels_at_the_threshold():
    labels = ["a", "b", "c", "d"]
    cut = np.float32(0.23)
    probabilities = np.array(
        [[cut, np.nextafter(cut, np.float32(0)), 0.9, 0.0],
         [0.5, 0.4999999, 0.23, 0.2300001]], np.float32)
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        mask = session.run(label_thresholds.predicted_mask(
            tf.constant(probabilities), 0.23))
    assert mask.tolist() == [[1, 0, 1, 0], [1, 1, 1, 1]]
    assert [label_thresholds.predicted_names(row, labels, 0.23)
            for row in probabilities] == [["a", "c"], ["a", "b", "c", "d"]]
    assert label_thresholds.predicted_names([0.1, 0.2], ["x", "y"], 0.5) == []
    # One threshold per label.
    per_label = [0.9, 0.23, 0.95, 0.01]
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        mask = session.run(label_thresholds.predicted_mask(
            tf.constant(probabilities), per_label))
    assert mask.tolist() == [[0, 0, 0, 0], [0, 1, 0, 1]]
    assert [label_thresholds.predicted_names(row, labels, per_label)
            for row in probabilities] == [[], ["b", "d"]]


def test_the_threshold_a_run_uses(tmp_path):
    output_dir, labels = str(tmp_path), ["a", "b"]
    assert label_thresholds.resolve_threshold(None, output_dir, labels) == 0.5
    label_thresholds.save_threshold(output_dir, 0.23)
    assert (tmp_path / label_thresholds.THRESHOLD_FILE).read_text() == "0.23\n"
    assert label_thresholds.resolve_threshold(None, output_dir, labels) == 0.23
    assert label_thresholds.resolve_threshold(0.4, output_dir, labels) == 0.4  # flag wins
    label_thresholds.save_threshold(output_dir, [0.2, 0.05], labels)
    assert (tmp_path / label_thresholds.THRESHOLD_FILE).read_text() == "a\t0.2\nb\t0.05\n"
    assert label_thresholds.resolve_threshold(None, output_dir, labels) == [0.2, 0.05]
    with pytest.raises(InputError, match="names the labels a,b, but the task's are "
                                         "a,c: delete it"):
        label_thresholds.resolve_threshold(None, output_dir, ["a", "c"])
    (tmp_path / label_thresholds.THRESHOLD_FILE).write_text("a\t0.2\nb\thigh\n")
    with pytest.raises(InputError, match=":2 holds 'high', not a threshold between "
                                         "0 and 1: delete it"):
        label_thresholds.resolve_threshold(None, output_dir, labels)


def test_the_grid_of_tuned_thresholds():
    grid = label_thresholds.THRESHOLD_GRID
    assert (len(grid), grid[0], grid[22], grid[-1]) == (99, 0.01, 0.23, 0.99)
