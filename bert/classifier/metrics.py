"""In-graph evaluation metrics, weighted by is_real_example so that padding
examples count for nothing.

They are tf.compat.v1 streaming metrics ((value, update_op) pairs). On TPU,
TPUEstimator runs the metric function on the host CPU, so the Pearson and
Spearman metrics may collect every score of the eval set.
"""

import re

import numpy as np
import tensorflow as tf

from bert.classifier.label_thresholds import THRESHOLD_GRID, predicted_mask

tf1 = tf.compat.v1


def accuracy(labels, predictions, weights):
    return tf1.metrics.accuracy(labels=labels, predictions=predictions,
                                weights=weights)


def _confusion_counts(labels, predictions, weights):
    """Streaming (tp, fp, tn, fn) for class 1 as the positive class."""
    labels = tf.equal(labels, 1)
    predictions = tf.equal(predictions, 1)
    counts = [counter(labels=labels, predictions=predictions, weights=weights)
              for counter in (tf1.metrics.true_positives,
                              tf1.metrics.false_positives,
                              tf1.metrics.true_negatives,
                              tf1.metrics.false_negatives)]
    values = [tf.cast(value, tf.float64) for value, _ in counts]
    return values, tf.group(*[update for _, update in counts])


def mcc(labels, predictions, weights):
    """Matthews correlation coefficient of a binary task (0 when undefined)."""
    (tp, fp, tn, fn), update = _confusion_counts(labels, predictions, weights)
    denominator = tf.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    value = tf.math.divide_no_nan(tp * tn - fp * fn, denominator)
    return tf.cast(value, tf.float32), update


def f1(labels, predictions, weights):
    """F1 of class 1 (0 when there is no true or predicted positive)."""
    (tp, fp, _, fn), update = _confusion_counts(labels, predictions, weights)
    value = tf.math.divide_no_nan(2.0 * tp, 2.0 * tp + fp + fn)
    return tf.cast(value, tf.float32), update


def _metric_variable(initial_value, name, **options):
    """A local variable of a streaming metric: reset with the local variables,
    never trained or saved."""
    return tf1.Variable(
        initial_value, trainable=False, name=name,
        collections=[tf1.GraphKeys.LOCAL_VARIABLES,
                     tf1.GraphKeys.METRIC_VARIABLES], **options)


def _collected(values, weights, name):
    """A local variable that gathers every real value seen: (variable, update)."""
    buffer = _metric_variable(tf.zeros([0], tf.float64), name,
                              validate_shape=False, shape=tf.TensorShape([None]))
    real = tf.boolean_mask(tf.cast(values, tf.float64), weights > 0)
    update = buffer.assign(tf.concat([buffer, real], axis=0))
    return buffer, update


def _pearson_of(x, y):
    x = x - tf.reduce_mean(x)
    y = y - tf.reduce_mean(y)
    return tf.math.divide_no_nan(
        tf.reduce_sum(x * y),
        tf.sqrt(tf.reduce_sum(x * x) * tf.reduce_sum(y * y)))


def _average_ranks(values):
    """1-based ranks, ties sharing the mean of their ranks (as scipy's rankdata)."""
    ordered = tf.sort(values)
    below = tf.searchsorted(ordered, values, side="left")
    up_to = tf.searchsorted(ordered, values, side="right")
    return tf.cast(below + up_to + 1, tf.float64) / 2.0


def _correlation(labels, predictions, weights, name, ranked):
    with tf1.variable_scope(None, default_name=name):
        label_buffer, label_update = _collected(labels, weights, "labels")
        prediction_buffer, prediction_update = _collected(
            predictions, weights, "predictions")
    x, y = label_buffer.read_value(), prediction_buffer.read_value()
    if ranked:
        x, y = _average_ranks(x), _average_ranks(y)
    value = tf.cast(_pearson_of(x, y), tf.float32)
    return value, tf.group(label_update, prediction_update)


def pearson(labels, predictions, weights):
    return _correlation(labels, predictions, weights, "pearson", ranked=False)


def spearman(labels, predictions, weights):
    return _correlation(labels, predictions, weights, "spearman", ranked=True)


METRICS = {"accuracy": accuracy, "mcc": mcc, "f1": f1, "pearson": pearson,
           "spearman": spearman}


def metric_fn_builder(metric_names, regression):
    """Returns metric_fn(per_example_loss, label_ids, logits, is_real_example).

    It gives eval_loss plus eval_<name> for each name in metric_names; the
    prediction is the arg-max class, or the single logit for regression.
    """
    def metric_fn(per_example_loss, label_ids, logits, is_real_example):
        if regression:
            predictions = tf.squeeze(logits, axis=-1)
        else:
            predictions = tf.argmax(logits, axis=-1, output_type=tf.int32)
        result = {"eval_loss": tf1.metrics.mean(values=per_example_loss,
                                                weights=is_real_example)}
        for name in metric_names:
            result["eval_" + name] = METRICS[name](
                label_ids, predictions, is_real_example)
        return result

    return metric_fn


def accuracy_and_loss(per_example_loss, label_ids, logits, is_real_example):
    """The reference's metrics: eval_accuracy and eval_loss."""
    return metric_fn_builder(("accuracy",), regression=False)(
        per_example_loss, label_ids, logits, is_real_example)


def _running_sum(values, name):
    """A local variable that adds up `values` over the batches: (variable,
    update)."""
    total = _metric_variable(tf.zeros(values.shape, tf.float64), name)
    return total, total.assign_add(values)


def _label_counts(truth, predicted, weights, name):
    """Running per-label (true positive, false positive, false negative)
    counts over axis 0 of 0/1 tensors: ([...] variables, update)."""
    sums = [_running_sum(tf.reduce_sum(weights * counted, axis=0),
                         "%s_%s" % (name, kind))
            for kind, counted in (("tp", truth * predicted),
                                  ("fp", (1 - truth) * predicted),
                                  ("fn", truth * (1 - predicted)))]
    return [total for total, _ in sums], [update for _, update in sums]


def _f1(tp, fp, fn):
    return tf.math.divide_no_nan(2 * tp, 2 * tp + fp + fn)


def metric_key_names(label_list):
    """Label names as they appear in metric keys (eval_f1_<name>): letters,
    digits, _ . - kept, other characters as _, repeats given their id."""
    keys = []
    for index, label in enumerate(label_list):
        key = re.sub(r"[^A-Za-z0-9_.-]", "_", label)
        keys.append(key if key not in keys else "%s_%d" % (key, index))
    return keys


def multi_label_metric_fn_builder(label_list, threshold, tune_threshold=False,
                                  per_label_thresholds=False):
    """Returns metric_fn(per_example_loss, label_ids, logits, is_real_example)
    of a multi-label task (label_ids multi-hot, logits one per label).

    A label is predicted when its sigmoid probability is at least threshold
    (a number, or a list with one per label). Metrics, as scikit-learn
    defines them (0 where a ratio is undefined): eval_micro_/eval_macro_
    precision, recall and f1, eval_f1_<label> per label, eval_exact_match
    (subset accuracy), eval_hamming_loss, eval_loss, and eval_threshold when
    the threshold is one number. With tune_threshold also
    eval_tuned_threshold, the one threshold of THRESHOLD_GRID with the
    highest macro F1, and eval_tuned_macro_f1, that F1; with
    per_label_thresholds too, eval_per_label_threshold_<label>, the grid
    point with the label's highest F1, and eval_per_label_macro_f1, the macro
    F1 at those. Of equally good thresholds the one nearest 0.5 is chosen (a
    label without a true or predicted positive in dev keeps 0.5).
    """
    label_keys = metric_key_names(label_list)

    def metric_fn(per_example_loss, label_ids, logits, is_real_example):
        probabilities = tf.sigmoid(logits)
        truth = tf.cast(label_ids, tf.float64)
        weights = tf.cast(is_real_example, tf.float64)[:, None]
        predicted = tf.cast(predicted_mask(probabilities, threshold), tf.float64)
        with tf1.variable_scope(None, default_name="multi_label_metrics"):
            (tp, fp, fn), count_updates = _label_counts(
                truth, predicted, weights, "label")
            examples, examples_update = _running_sum(
                tf.reduce_sum(weights), "examples")
            matches, matches_update = _running_sum(tf.reduce_sum(
                weights[:, 0] * tf.reduce_prod(1 - tf.abs(truth - predicted),
                                               axis=1)), "exact_matches")
            wrong, wrong_update = _running_sum(tf.reduce_sum(
                weights * tf.abs(truth - predicted)), "wrong_labels")
        updates = tf.group(count_updates + [examples_update, matches_update,
                                            wrong_update])
        sum_tp, sum_fp, sum_fn = [tf.reduce_sum(count) for count in (tp, fp, fn)]
        per_label_f1 = _f1(tp, fp, fn)
        values = {
            "micro_precision": tf.math.divide_no_nan(sum_tp, sum_tp + sum_fp),
            "micro_recall": tf.math.divide_no_nan(sum_tp, sum_tp + sum_fn),
            "micro_f1": _f1(sum_tp, sum_fp, sum_fn),
            "macro_precision": tf.reduce_mean(tf.math.divide_no_nan(tp, tp + fp)),
            "macro_recall": tf.reduce_mean(tf.math.divide_no_nan(tp, tp + fn)),
            "macro_f1": tf.reduce_mean(per_label_f1),
            "exact_match": tf.math.divide_no_nan(matches, examples),
            "hamming_loss": tf.math.divide_no_nan(
                wrong, examples * len(label_list)),
        }
        if np.ndim(threshold) == 0:
            values["threshold"] = tf.constant(threshold, tf.float64)
        for index, key in enumerate(label_keys):
            values["f1_" + key] = per_label_f1[index]
        if tune_threshold:
            tuned, tune_update = _tuned_thresholds(
                probabilities, truth, weights,
                label_keys if per_label_thresholds else None)
            values.update(tuned)
            updates = tf.group(updates, tune_update)
        result = {"eval_" + name: (tf.cast(value, tf.float32), updates)
                  for name, value in values.items()}
        result["eval_loss"] = tf1.metrics.mean(values=per_example_loss,
                                               weights=is_real_example)
        return result

    return metric_fn


def _best_grid_point(scores):
    """Per column of scores [thresholds, columns], the index of the highest
    score; of equal ones, the threshold nearest 0.5."""
    distance = tf.abs(tf.constant(THRESHOLD_GRID, tf.float64) - 0.5)[:, None]
    distance = distance + tf.zeros_like(scores)  # one column per score column
    is_best = tf.equal(scores, tf.reduce_max(scores, axis=0, keepdims=True))
    return tf.argmin(tf.where(is_best, distance, distance + 1.0), axis=0)


def _tuned_thresholds(probabilities, truth, weights, label_keys=None):
    """The threshold of THRESHOLD_GRID with the highest macro F1, and with
    label_keys each label's: ({name: value}, update)."""
    grid = tf.constant(THRESHOLD_GRID, tf.float32)
    predicted = tf.cast(probabilities[:, None, :] >= grid[None, :, None],
                        tf.float64)  # [batch, thresholds, labels]
    with tf1.variable_scope(None, default_name="tuned_threshold"):
        (tp, fp, fn), updates = _label_counts(
            truth[:, None, :], predicted, weights[:, :, None], "grid")
    f1 = _f1(tp, fp, fn)  # [thresholds, labels]
    macro_f1 = tf.reduce_mean(f1, axis=1)
    best = _best_grid_point(macro_f1[:, None])[0]
    values = {"tuned_threshold": tf.cast(tf.gather(grid, best), tf.float64),
              "tuned_macro_f1": tf.gather(macro_f1, best)}
    if label_keys is not None:
        best_of_label = tf.gather(grid, _best_grid_point(f1))
        values["per_label_macro_f1"] = tf.reduce_mean(tf.reduce_max(f1, axis=0))
        for index, key in enumerate(label_keys):
            values["per_label_threshold_" + key] = tf.cast(
                best_of_label[index], tf.float64)
    return values, tf.group(updates)
