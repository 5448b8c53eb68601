"""In-graph metrics against independent NumPy and scikit-learn computations
on the same predictions."""

import numpy as np
import pytest
import tensorflow as tf
from sklearn import metrics as sk

from bert.classifier import metrics
from bert.classifier.label_thresholds import THRESHOLD_GRID
from experiments.check_metrics_with_sklearn import sklearn_metrics

tf1 = tf.compat.v1


def run_metric(name, labels, predictions, weights, batch_size=7):
    """Streams the data through the metric in batches; returns its final value."""
    with tf.Graph().as_default():
        label_in = tf1.placeholder(labels.dtype, [None])
        prediction_in = tf1.placeholder(predictions.dtype, [None])
        weight_in = tf1.placeholder(tf.float32, [None])
        value, update = metrics.METRICS[name](label_in, prediction_in, weight_in)
        with tf1.Session() as session:
            session.run(tf1.local_variables_initializer())
            for start in range(0, len(labels), batch_size):
                part = slice(start, start + batch_size)
                session.run(update, {label_in: labels[part],
                                     prediction_in: predictions[part],
                                     weight_in: weights[part]})
            return session.run(value)


def numpy_mcc(y, p):
    tp = np.sum((y == 1) & (p == 1))
    tn = np.sum((y == 0) & (p == 0))
    fp = np.sum((y == 0) & (p == 1))
    fn = np.sum((y == 1) & (p == 0))
    return (tp * tn - fp * fn) / np.sqrt(
        float((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))


def numpy_f1(y, p):
    precision = np.sum((p == 1) & (y == 1)) / np.sum(p == 1)
    recall = np.sum((p == 1) & (y == 1)) / np.sum(y == 1)
    return 2 * precision * recall / (precision + recall)


def numpy_ranks(values):
    """Average ranks by brute force: 1 + (#smaller) + (#equal - 1) / 2."""
    return np.array([1 + np.sum(values < v) + (np.sum(values == v) - 1) / 2.0
                     for v in values])


@pytest.fixture
def binary_data():
    rng = np.random.RandomState(3)
    labels = rng.randint(0, 2, 50).astype(np.int32)
    predictions = np.where(rng.rand(50) < 0.7, labels, 1 - labels).astype(np.int32)
    weights = np.ones(50, np.float32)
    weights[-6:] = 0.0  # padding examples
    return labels, predictions, weights


def test_accuracy_mcc_f1(binary_data):
    labels, predictions, weights = binary_data
    real = weights > 0
    y, p = labels[real], predictions[real]
    assert run_metric("accuracy", *binary_data) == pytest.approx(np.mean(y == p))
    assert run_metric("mcc", *binary_data) == pytest.approx(numpy_mcc(y, p), abs=1e-6)
    assert run_metric("f1", *binary_data) == pytest.approx(numpy_f1(y, p), abs=1e-6)


def test_padding_changes_nothing(binary_data):
    labels, predictions, weights = binary_data
    flipped = predictions.copy()
    flipped[weights == 0] = 1 - flipped[weights == 0]
    for name in ("accuracy", "mcc", "f1"):
        assert run_metric(name, labels, flipped, weights) == run_metric(
            name, labels, predictions, weights)


def test_mcc_is_zero_when_undefined():
    labels = np.array([0, 1, 0, 1], np.int32)
    predictions = np.zeros(4, np.int32)
    assert run_metric("mcc", labels, predictions, np.ones(4, np.float32)) == 0.0


def test_pearson_and_spearman_with_ties():
    rng = np.random.RandomState(5)
    labels = np.round(rng.uniform(0, 5, 60), 1).astype(np.float32)  # many ties
    predictions = (labels + rng.normal(0, 1.0, 60)).astype(np.float32)
    predictions[:10] = 2.5  # ties in the predictions too
    weights = np.ones(60, np.float32)
    weights[-5:] = 0.0
    real = weights > 0
    y, p = labels[real].astype(np.float64), predictions[real].astype(np.float64)
    expected_pearson = np.corrcoef(y, p)[0, 1]
    expected_spearman = np.corrcoef(numpy_ranks(y), numpy_ranks(p))[0, 1]
    assert run_metric("pearson", labels, predictions, weights) == pytest.approx(
        expected_pearson, abs=1e-6)
    assert run_metric("spearman", labels, predictions, weights) == pytest.approx(
        expected_spearman, abs=1e-6)


def multi_label_data(seed=7, examples=90, labels=6):
    """Multi-hot labels and logits with the corner cases: a label never true,
    one never predicted at 0.5, rows without labels, and padding rows."""
    rng = np.random.RandomState(seed)
    truth = (rng.rand(examples, labels) < 0.3).astype(np.int32)
    truth[:, 0] = 0  # never true
    truth[:5] = 0  # examples without labels
    logits = (rng.normal(0, 1.5, (examples, labels)) + 1.2 * truth).astype(np.float32)
    logits[:, 1] = -8.0  # never predicted at 0.5
    weights = np.ones(examples, np.float32)
    weights[-8:] = 0.0  # padding examples
    return truth, logits, weights


def run_multi_label_metrics(truth, logits, weights, threshold, tune=False,
                            per_label=False, batch_size=16):
    """Streams the data through multi_label_metric_fn_builder's metric_fn in
    batches; returns {key: final value}."""
    label_list = ["label %d" % index for index in range(truth.shape[1])]
    with tf.Graph().as_default():
        truth_in = tf1.placeholder(tf.int32, [None, truth.shape[1]])
        logits_in = tf1.placeholder(tf.float32, [None, truth.shape[1]])
        weights_in = tf1.placeholder(tf.float32, [None])
        loss_in = tf1.placeholder(tf.float32, [None])
        metric_fn = metrics.multi_label_metric_fn_builder(
            label_list, threshold, tune, per_label)
        result = metric_fn(loss_in, truth_in, logits_in, weights_in)
        update = tf.group(*[update for _, update in result.values()])
        with tf1.Session() as session:
            session.run(tf1.local_variables_initializer())
            for start in range(0, len(truth), batch_size):
                part = slice(start, start + batch_size)
                session.run(update, {truth_in: truth[part], logits_in: logits[part],
                                     weights_in: weights[part],
                                     loss_in: np.ones(len(truth[part]), np.float32)})
            return session.run({key: value for key, (value, _) in result.items()})


def best_grid_point(scores):
    """The threshold of THRESHOLD_GRID with the highest score; of equal ones,
    the nearest to 0.5."""
    best = max(scores)
    return min((abs(threshold - 0.5), threshold)
               for threshold, score in zip(THRESHOLD_GRID, scores)
               if score == best)[1]


@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_multi_label_metrics_equal_scikit_learn(threshold):
    truth, logits, weights = multi_label_data()
    result = run_multi_label_metrics(truth, logits, weights, threshold)
    real = weights > 0
    probabilities = 1 / (1 + np.exp(-logits[real].astype(np.float64)))
    expected = sklearn_metrics(truth[real], probabilities >= threshold,
                               ["label %d" % index for index in range(6)])
    assert expected["eval_f1_label_0"] == 0.0 and expected["eval_macro_f1"] > 0.1
    assert set(expected) | {"eval_loss", "eval_threshold"} == set(result)
    for key, value in expected.items():
        assert result[key] == pytest.approx(value, abs=1e-6), key
    assert result["eval_threshold"] == pytest.approx(threshold)


def test_tuned_threshold_is_the_grid_point_with_the_best_macro_f1():
    truth, logits, weights = multi_label_data(seed=11)
    result = run_multi_label_metrics(truth, logits, weights, 0.5, tune=True)
    real = weights > 0
    probabilities = 1 / (1 + np.exp(-logits[real]))
    scores = [sk.f1_score(truth[real], probabilities >= np.float32(threshold),
                          average="macro", zero_division=0)
              for threshold in THRESHOLD_GRID]
    assert result["eval_tuned_threshold"] == pytest.approx(best_grid_point(scores))
    assert result["eval_tuned_macro_f1"] == pytest.approx(max(scores), abs=1e-6)
    assert result["eval_tuned_macro_f1"] >= result["eval_macro_f1"]
    assert "eval_per_label_macro_f1" not in result


def test_per_label_thresholds_are_each_labels_best_grid_point():
    truth, logits, weights = multi_label_data(seed=13)
    truth[:, 2] = 0  # without a positive: every threshold scores 0, 0.5 is kept
    result = run_multi_label_metrics(truth, logits, weights, 0.5, tune=True,
                                     per_label=True)
    real = weights > 0
    probabilities = 1 / (1 + np.exp(-logits[real]))
    chosen = []
    for label in range(truth.shape[1]):
        scores = [sk.f1_score(truth[real][:, label],
                              probabilities[:, label] >= np.float32(threshold),
                              zero_division=0) for threshold in THRESHOLD_GRID]
        chosen.append(best_grid_point(scores))
        assert result["eval_per_label_threshold_label_%d" % label] == (
            pytest.approx(chosen[-1]))
    assert chosen[2] == 0.5 and len(set(chosen)) > 2
    expected = sk.f1_score(truth[real], probabilities >= np.float32(chosen),
                           average="macro", zero_division=0)
    assert result["eval_per_label_macro_f1"] == pytest.approx(expected, abs=1e-6)
    assert result["eval_per_label_macro_f1"] >= result["eval_tuned_macro_f1"]
    # The metrics at those thresholds, as a later evaluation computes them.
    at_chosen = run_multi_label_metrics(truth, logits, weights, chosen)
    assert "eval_threshold" not in at_chosen
    assert at_chosen["eval_macro_f1"] == pytest.approx(expected, abs=1e-6)


def test_multi_label_padding_rows_count_for_nothing():
    truth, logits, weights = multi_label_data()
    changed = logits.copy()
    changed[weights == 0] = -changed[weights == 0]
    assert run_multi_label_metrics(truth, changed, weights, 0.5) == (
        run_multi_label_metrics(truth, logits, weights, 0.5))


def test_metric_key_names_are_safe_and_distinct():
    assert metrics.metric_key_names(["joy", "a b", "a_b", "x/y"]) == [
        "joy", "a_b", "a_b_2", "x_y"]
