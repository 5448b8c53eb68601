"""In-graph evaluation metrics, weighted by is_real_example so that padding
examples count for nothing.

They are tf.compat.v1 streaming metrics ((value, update_op) pairs). On TPU,
TPUEstimator runs the metric function on the host CPU, so the Pearson and
Spearman metrics may collect every score of the eval set.
"""

import tensorflow as tf

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


def _collected(values, weights, name):
    """A local variable that gathers every real value seen: (variable, update)."""
    buffer = tf1.Variable(
        tf.zeros([0], tf.float64), trainable=False, validate_shape=False,
        shape=tf.TensorShape([None]), name=name,
        collections=[tf1.GraphKeys.LOCAL_VARIABLES,
                     tf1.GraphKeys.METRIC_VARIABLES])
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
