"""Compares a multi-label run's in-graph dev metrics with scikit-learn's on the
same predictions.

PREDICTION_DIR is a run_classifier output folder whose eval_results.txt and
test_results.tsv come from one run over the same examples (--do_eval and
--do_predict with dev.tsv as the test file too): the metrics are recomputed
from test_results.tsv's probabilities at the run's threshold(s) and the dev
labels. Prints each metric, both values and their difference; exit status
1 when one differs by more than --tolerance.

    python experiments/check_metrics_with_sklearn.py PREDICTION_DIR \
        --task_name=goemotions --data_dir=../shared/data/goemotions
"""

import argparse
import os
import sys

import numpy as np
from sklearn import metrics as sk

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bert.classifier import startup  # noqa: E402

startup.start_tensorflow()  # before TensorFlow's first import: see startup.py

from bert.classifier.metrics import metric_key_names  # noqa: E402
from bert.classifier.label_thresholds import resolve_threshold  # noqa: E402
from bert.classifier.results import read_eval_results, read_test_results  # noqa: E402
from bert.processors import get_processor  # noqa: E402


def sklearn_metrics(truth, predicted, label_list):
    """{eval_results key: value} of scikit-learn's metrics (0 where undefined)."""
    values = {"eval_exact_match": sk.accuracy_score(truth, predicted),
              "eval_hamming_loss": sk.hamming_loss(truth, predicted)}
    for average in ("micro", "macro"):
        for name, score in (("precision", sk.precision_score),
                            ("recall", sk.recall_score), ("f1", sk.f1_score)):
            values["eval_%s_%s" % (average, name)] = score(
                truth, predicted, average=average, zero_division=0)
    per_label = sk.f1_score(truth, predicted, average=None, zero_division=0)
    for key, value in zip(metric_key_names(label_list), per_label):
        values["eval_f1_" + key] = value
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("prediction_dir")
    parser.add_argument("--task_name", default="goemotions")
    parser.add_argument("--data_dir", required=True)
    parser.add_argument("--tolerance", type=float, default=1e-6)
    args = parser.parse_args()

    processor = get_processor(args.task_name)
    label_list = processor.get_labels()
    examples = processor.get_dev_examples(args.data_dir)
    truth = np.array([[int(label in example.label) for label in label_list]
                      for example in examples])
    probabilities = np.array(read_test_results(args.prediction_dir), np.float32)
    in_graph = read_eval_results(args.prediction_dir)
    threshold = np.float32(in_graph.get("eval_threshold") or resolve_threshold(
        None, args.prediction_dir, label_list))
    predicted = (probabilities >= threshold).astype(int)
    if truth.shape != predicted.shape:
        sys.exit("%d dev examples but %d predictions" % (len(truth), len(predicted)))

    worst = 0.0
    print("%-28s %12s %12s %10s" % ("metric", "in graph", "sklearn", "|diff|"))
    for key, value in sorted(sklearn_metrics(truth, predicted, label_list).items()):
        difference = abs(float(in_graph[key]) - value)
        worst = max(worst, difference)
        print("%-28s %12.8f %12.8f %10.2e"
              % (key, float(in_graph[key]), value, difference))
    print("examples %d, threshold %s, largest difference %.2e"
          % (len(truth), "per label" if threshold.ndim else threshold, worst))
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
