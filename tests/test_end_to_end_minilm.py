"""Real pretrained weights: MiniLM fine-tuned on real MRPC through run_classifier.py.

One epoch (lr 5e-5, batch 32, seq 128: 114 steps), one fixed seed, with
--fast: the settings a user who wants speed gives (bf16 products where the
CPU multiplies bf16, else fp32; batches of like lengths; fused kernels;
the [CLS]-only last layer). 112 s on 2 cores of a Xeon with AMX (143 s with
fp32 products) against 175-218 s with the reference's fp32 graph; the
faithful graph's learning on real weights is the notebook flow's test
(tests/test_estimator.py, on both TensorFlow lines). Fewer steps do not prove
it (a third or two thirds of an epoch stayed at the prior's loss).
What is asserted: the dev loss is below the entropy of the class prior (0.624
on MRPC dev), the loss of a model that learnt nothing but "68.4% are
paraphrases"; a broken model, optimizer or conversion cannot get there. Seed
1 reached 0.552 with bf16 and with fp32 products (accuracy 71.3% and 71.1%).
The spread over seeds with the reference's flags, and the accuracy the
reference script reached, are measured by hand:
experiments/minilm_mrpc_seeds.sh runs seeds 1, 2 and 3.
"""

import math
import os

import pytest

from bert.classifier.runtime import choice
from helpers import GLUE, model_args, run_classifier

# An epoch of MiniLM training is among the suite's largest costs: it runs on
# the TensorFlow users get by default (2.16+, session runtime) and not again
# on 2.15, where the notebook flow's MiniLM runs and the estimator-vs-session
# identity test cover the model.
pytestmark = [pytest.mark.shared_data, pytest.mark.slow, pytest.mark.skipif(
    choice.has_estimator(), reason="runs on TensorFlow 2.16+ only, to keep "
    "CI's two suites within its time (see the module's comment)")]


def prior_entropy(dev_file):
    with open(dev_file, encoding="utf-8-sig") as reader:
        labels = [line.split("\t")[0] for line in reader.read().splitlines()[1:]]
    p = labels.count("1") / float(len(labels))
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def test_minilm_one_epoch_on_mrpc_learns_beyond_the_class_prior(minilm_dir, tmp_path):
    output_dir = str(tmp_path / "out")
    process = run_classifier(
        "--task_name=MRPC", "--do_train=true", "--do_eval=true",
        "--data_dir=" + os.path.join(GLUE, "MRPC"), *model_args(minilm_dir),
        "--max_seq_length=128", "--train_batch_size=32", "--learning_rate=5e-5",
        "--num_train_epochs=1.0", "--random_seed=1", "--fast",
        "--eval_batch_size=32",
        "--output_dir=" + output_dir)
    assert "Num steps = 114" in process.stderr
    with open(os.path.join(output_dir, "eval_results.txt")) as reader:
        results = dict(line.split(" = ") for line in reader.read().splitlines())
    assert results["global_step"] == "114"
    print("MRPC dev after 1 epoch, seed 1: accuracy %s, loss %s"
          % (results["eval_accuracy"], results["eval_loss"]))
    entropy = prior_entropy(os.path.join(GLUE, "MRPC", "dev.tsv"))
    assert abs(entropy - 0.624) < 1e-3
    assert float(results["eval_loss"]) < entropy
