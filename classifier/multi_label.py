"""Multi-label classification's decision rule and its threshold.

A label is predicted when its sigmoid probability is at least the threshold:
--multi_label_threshold when given, else the one --tune_threshold picked on
dev and saved in output_dir, else 0.5. Evaluation, predictions, the exported
model and classify.py all apply this rule, with the threshold as float32.
"""

import os

import numpy as np
import tensorflow as tf

from classifier import atomic
from errors import InputError

DEFAULT_THRESHOLD = 0.5
THRESHOLD_FILE = "multi_label_threshold.txt"
# The thresholds --tune_threshold tries: 0.01, 0.02, ..., 0.99.
THRESHOLD_GRID = tuple(round(0.01 * step, 2) for step in range(1, 100))


def predicted_mask(probabilities, threshold):
    """In the graph: 1 where a label is predicted, else 0 (int32)."""
    return tf.cast(probabilities >= tf.constant(threshold, tf.float32), tf.int32)


def predicted_names(probabilities, label_list, threshold):
    """The names of the labels predicted from one row of probabilities."""
    cut = np.float32(threshold)
    return [name for name, probability in zip(label_list, probabilities)
            if np.float32(probability) >= cut]


def threshold_path(output_dir):
    return os.path.join(output_dir, THRESHOLD_FILE)


def resolve_threshold(given, output_dir):
    """The threshold a run uses: `given` (the flag) when set, else the one
    tuned into output_dir, else 0.5."""
    if given is not None:
        return float(given)
    path = threshold_path(output_dir)
    if not tf.io.gfile.exists(path):
        return DEFAULT_THRESHOLD
    with tf.io.gfile.GFile(path) as reader:
        text = reader.read().strip()
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0.0 < value < 1.0:
        raise InputError("%s holds %r, not a threshold between 0 and 1: delete "
                         "it, or rerun --do_eval with --tune_threshold" % (path, text))
    return value


def save_threshold(output_dir, threshold):
    """Saves a tuned threshold; later runs into output_dir use it."""
    atomic.write_text(threshold_path(output_dir), "%s\n" % threshold)
    tf.compat.v1.logging.info(
        "tuned multi-label threshold %s saved to %s: predict, export and "
        "classify.py use it", threshold, threshold_path(output_dir))
