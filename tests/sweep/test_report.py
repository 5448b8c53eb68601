"""sweep/report.py: choosing the best trial, results.tsv, GLUE's scores."""

import pytest

from bert.sweep import plan, report
from bert.sweep.tasks import GLUE_BY_NAME


def test_the_best_main_metric_is_chosen_and_ties_keep_the_first():
    trials = plan.grid("MRPC", "mrpc", "d", [5e-5, 4e-5, 3e-5], 1, None)
    results = {trials[0]: {"eval_f1": "0.80", "eval_accuracy": "0.9"},
               trials[1]: {"eval_f1": "0.85", "eval_accuracy": "0.7"},
               trials[2]: {"eval_f1": "0.85", "eval_accuracy": "0.8"}}
    assert report.choose(trials, results, "eval_f1") == trials[1]
    assert report.choose(trials, results, "eval_accuracy") == trials[0]
    assert report.choose(trials, {}, "eval_f1") is None


def test_results_tsv_copies_each_trials_figures(tmp_path):
    trials = plan.grid("RTE", "rte", "d", [5e-5, 2e-5], 1, 3)
    rows = [(trials[0], {"eval_accuracy": "0.6534296", "global_step": "233"},
             {"status": "done", "wall_seconds": 61.5}, True),
            (trials[1], {}, {"status": "failed", "error": "run_classifier: error: x"},
             False)]
    text = report.results_tsv(rows, {"num_train_epochs": 3.0,
                                     "train_batch_size": 32})
    lines = [line.split("\t") for line in text.splitlines()]
    header = lines[0]
    first = dict(zip(header, lines[1]))
    assert first["eval_accuracy"] == "0.6534296"
    assert first["global_step"] == "233" and first["chosen"] == "yes"
    assert first["learning_rate"] == "5e-05" and first["random_seed"] == "3"
    second = dict(zip(header, lines[2]))
    assert second["status"] == "failed" and second["error"] == "run_classifier: error: x"


def test_glue_scores_as_glue_averages_them():
    assert report.glue_scores(GLUE_BY_NAME["mrpc"], {
        "eval_f1": "0.9", "eval_accuracy": "0.8"}) == [("MRPC", pytest.approx(85))]
    assert report.glue_scores(GLUE_BY_NAME["sts-b"], {
        "eval_pearson": "0.88", "eval_spearman": "0.86"}) == [
            ("STS-B", pytest.approx(87))]
    assert report.glue_scores(GLUE_BY_NAME["mnli"], {
        "eval_accuracy": "0.84", "eval_mismatched_accuracy": "0.83"}) == [
            ("MNLI-m", pytest.approx(84)), ("MNLI-mm", pytest.approx(83))]
