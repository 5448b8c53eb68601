"""Real pretrained weights: MiniLM fine-tuned on real MRPC through run_classifier.py.

One epoch (lr 5e-5, batch 32, seq 128: 114 steps, about 2.5 minutes per run on
2 cores), three runs with fixed seeds.

What is asserted: the median dev loss is below the entropy of the class prior
(0.624 on MRPC dev), the loss of a model that learnt nothing but "68.4% are
paraphrases"; a broken model, optimizer or conversion cannot get there. The
issue also asks for dev accuracy of at least 70% after this one epoch (the
reference script reached 72.1% in one run); that is not reliably met: seeds 1,
2, 3 gave 68.4%, 68.4% and 73.0% (two runs still predict the majority class
after one epoch), so the accuracies are printed, not asserted. Three epochs
at lr 2e-5 reach 77.9% (see the closing notes of the core issue).
"""

import math
import os
import statistics

import pytest

from bert.classifier.runtime import choice
from conftest import GLUE, model_args, run_classifier

# Three epochs' worth of MiniLM training is the suite's largest cost (about
# ten minutes on 2 cores of an AMD EPYC): it runs on the TensorFlow users get
# by default (2.16+, session runtime) and not again on 2.15, where test_logs'
# MiniLM run and the estimator-vs-session identity tests cover the model.
pytestmark = [pytest.mark.shared_data, pytest.mark.skipif(
    choice.has_estimator(), reason="runs on TensorFlow 2.16+ only, to keep "
    "CI's two suites within its time (see the module's comment)")]

SEEDS = (1, 2, 3)


def prior_entropy(dev_file):
    with open(dev_file, encoding="utf-8-sig") as reader:
        labels = [line.split("\t")[0] for line in reader.read().splitlines()[1:]]
    p = labels.count("1") / float(len(labels))
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def test_minilm_one_epoch_on_mrpc_learns_beyond_the_class_prior(minilm_dir, tmp_path):
    losses, accuracies = [], []
    for seed in SEEDS:
        output_dir = str(tmp_path / ("seed%d" % seed))
        process = run_classifier(
            "--task_name=MRPC", "--do_train=true", "--do_eval=true",
            "--data_dir=" + os.path.join(GLUE, "MRPC"), *model_args(minilm_dir),
            "--max_seq_length=128", "--train_batch_size=32", "--learning_rate=5e-5",
            "--num_train_epochs=1.0", "--random_seed=%d" % seed,
            "--output_dir=" + output_dir)
        assert "Num steps = 114" in process.stderr
        with open(os.path.join(output_dir, "eval_results.txt")) as reader:
            results = dict(line.split(" = ") for line in reader.read().splitlines())
        assert results["global_step"] == "114"
        losses.append(float(results["eval_loss"]))
        accuracies.append(float(results["eval_accuracy"]))
    print("MRPC dev after 1 epoch, seeds %s: accuracy %s, loss %s"
          % (SEEDS, accuracies, losses))
    entropy = prior_entropy(os.path.join(GLUE, "MRPC", "dev.tsv"))
    assert abs(entropy - 0.624) < 1e-3
    assert statistics.median(losses) < entropy
