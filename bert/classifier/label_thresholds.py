"""Multi-label classification's decision rule and its thresholds.

A label is predicted when its sigmoid probability is at least its threshold:
--multi_label_threshold when given, else what --tune_threshold picked on dev
and saved in output_dir (one threshold, or one per label with
--per_label_thresholds), else 0.5. Evaluation, predictions, the exported
model and classify.py all apply this rule, with thresholds as float32.
"""

import os

import numpy as np
import tensorflow as tf

from bert.classifier import atomic
from bert.errors import InputError

DEFAULT_THRESHOLD = 0.5
THRESHOLD_FILE = "multi_label_threshold.txt"
# The thresholds --tune_threshold tries: 0.01, 0.02, ..., 0.99.
THRESHOLD_GRID = tuple(round(0.01 * step, 2) for step in range(1, 100))


def predicted_mask(probabilities, threshold):
    """In the graph: 1 where a label is predicted, else 0 (int32). threshold
    is one number or a list with one per label."""
    return tf.cast(probabilities >= tf.constant(threshold, tf.float32), tf.int32)


def predicted_names(probabilities, label_list, threshold):
    """The names of the labels predicted from one row of probabilities."""
    cuts = np.broadcast_to(np.float32(threshold), [len(label_list)])
    return [name for name, probability, cut in zip(label_list, probabilities, cuts)
            if np.float32(probability) >= cut]


def threshold_path(output_dir):
    return os.path.join(output_dir, THRESHOLD_FILE)


def resolve_threshold(given, output_dir, label_list):
    """The threshold a run uses: `given` (the flag) when set, else the one(s)
    tuned into output_dir, else 0.5. A number, or a list in label order."""
    if given is not None:
        return float(given)
    path = threshold_path(output_dir)
    if not tf.io.gfile.exists(path):
        return DEFAULT_THRESHOLD
    with tf.io.gfile.GFile(path) as reader:
        lines = reader.read().splitlines()
    if len(lines) == 1 and "\t" not in lines[0]:
        return _threshold(lines[0], path, 1)
    names = [line.split("\t")[0] for line in lines]
    if names != list(label_list):
        raise InputError("%s names the labels %s, but the task's are %s: delete "
                         "it, or rerun --do_eval with --tune_threshold"
                         % (path, ",".join(names), ",".join(label_list)))
    return [_threshold(line.split("\t")[-1], path, number)
            for number, line in enumerate(lines, start=1)]


def _threshold(text, path, line_number):
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0.0 < value < 1.0:
        raise InputError("%s:%d holds %r, not a threshold between 0 and 1: delete "
                         "it, or rerun --do_eval with --tune_threshold"
                         % (path, line_number, text))
    return value


def save_threshold(output_dir, threshold, label_list=None):
    """Saves tuned thresholds (one number; or with label_list, one per label as
    `label<TAB>threshold` lines); later runs into output_dir use them."""
    if label_list is None:
        text = "%s\n" % threshold
    else:
        text = "".join("%s\t%s\n" % pair for pair in zip(label_list, threshold))
    atomic.write_text(threshold_path(output_dir), text)
    tf.compat.v1.logging.info(
        "tuned multi-label threshold%s saved to %s: predict, export and "
        "classify.py use %s", " per label" if label_list else " " + str(threshold),
        threshold_path(output_dir), "them" if label_list else "it")
