"""The result files, written and read here alone: eval_results.txt,
test_results.tsv, test_predictions.tsv and the GLUE server's file."""

import os

import numpy as np
import tensorflow as tf

from bert.classifier.label_thresholds import predicted_names

EVAL_RESULTS_FILE = "eval_results.txt"
TEST_RESULTS_FILE = "test_results.tsv"


def format_eval_results(result):
    """`key = value` lines sorted by key, as eval_results.txt holds them."""
    return "".join("%s = %s\n" % (key, result[key]) for key in sorted(result))


def read_eval_results(folder):
    """{key: value string} of folder/eval_results.txt, or {} without one."""
    path = os.path.join(folder, EVAL_RESULTS_FILE)
    if not tf.io.gfile.exists(path):
        return {}
    with tf.io.gfile.GFile(path) as reader:
        return dict(line.split(" = ", 1) for line in reader.read().splitlines()
                    if " = " in line)


def _values(prediction):
    """The probabilities of a prediction, or [score] for regression."""
    if "scores" in prediction:
        return [prediction["scores"]]
    return list(prediction["probabilities"])


def real_predictions(predictions, num_real_examples):
    """The first num_real_examples predictions (TPU padding comes after them)."""
    kept = []
    for prediction in predictions:
        if len(kept) == num_real_examples:
            break
        kept.append(prediction)
    if len(kept) != num_real_examples:
        raise RuntimeError("got %d predictions for %d examples"
                           % (len(kept), num_real_examples))
    return kept


def format_test_results(predictions):
    """test_results.tsv of the real examples' predictions: one line each, no
    header; the class probabilities tab-separated in label order (or the
    score, for regression)."""
    return "".join("\t".join(str(value) for value in _values(prediction)) + "\n"
                   for prediction in predictions)


def read_test_results(folder):
    """The rows of folder/test_results.tsv as lists of floats."""
    with tf.io.gfile.GFile(os.path.join(folder, TEST_RESULTS_FILE)) as reader:
        return [[float(value) for value in line.split("\t")]
                for line in reader.read().splitlines()]


def predicted_label(prediction, label_list, threshold=None):
    """The label name with the highest probability, or the score; with a
    threshold (multi-label) the names of the labels predicted, comma-joined
    (empty when none is)."""
    if label_list is None:
        return "%.6f" % prediction["scores"]
    if threshold is not None:
        return ",".join(predicted_names(prediction["probabilities"], label_list,
                                        threshold))
    return label_list[int(np.argmax(prediction["probabilities"]))]


TEST_PREDICTIONS_FILE = "test_predictions.tsv"


def read_predicted_labels(folder):
    """The `prediction` column of folder/test_predictions.tsv, in row order."""
    with tf.io.gfile.GFile(os.path.join(folder, TEST_PREDICTIONS_FILE)) as reader:
        rows = [line.split("\t") for line in reader.read().splitlines()]
    column = rows[0].index("prediction")
    return [row[column] for row in rows[1:]]


def format_test_predictions(examples, predictions, label_list, threshold=None):
    """test_predictions.tsv: a header, then guid, prediction and one
    probability column per label, named by the label. The prediction is a
    label name, a score, or (multi-label, with the threshold) the predicted
    label names, comma-joined."""
    header = ["guid", "prediction"] + list(label_list or [])
    lines = ["\t".join(header)]
    for example, prediction in zip(examples, predictions):
        cells = [example.guid, predicted_label(prediction, label_list, threshold)]
        if label_list is not None:
            cells += ["%.6f" % value for value in prediction["probabilities"]]
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def format_glue_submission(predictions, label_list):
    """The file the GLUE server takes: `index<TAB>prediction`, index 0..n-1,
    label names, or scores clipped to STS-B's range 0..5."""
    lines = ["index\tprediction"]
    for index, prediction in enumerate(predictions):
        if label_list is None:
            value = "%.3f" % min(5.0, max(0.0, float(prediction["scores"])))
        else:
            value = predicted_label(prediction, label_list)
        lines.append("%d\t%s" % (index, value))
    return "\n".join(lines) + "\n"
