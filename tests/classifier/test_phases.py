"""classifier/phases.py: step counts, evaluation points, evaluation of
several dev sets and their result files, on the session runtime and a tiny
BERT."""

import glob
import os

import numpy as np
import pytest
import tensorflow as tf

from bert import modeling
from bert.classifier import metrics, phases
from bert.classifier.data.datasets import InferenceInput
from bert.classifier.data.features import InputFeatures
from bert.classifier.data.input_pipeline import input_fn_builder
from bert.classifier.model_fn import spec_fn_builder
from bert.classifier.run_config import RunConfig
from bert.classifier.runtime.session import SessionRuntime
from helpers import tiny_config_dict
from bert.errors import InputError

SEQ_LENGTH = 6


def test_count_train_steps_as_the_reference():
    config = RunConfig(data_dir="", bert_config_file="", task_name="mrpc",
                       vocab_file="", output_dir="", train_batch_size=32,
                       num_train_epochs=3.0, warmup_proportion=0.1)
    assert phases.count_train_steps(config, 3668) == (343, 34)
    with pytest.raises(InputError, match="10 training examples at "
                       "--train_batch_size=32 for --num_train_epochs=3.0 make "
                       "no training step"):
        phases.count_train_steps(config, 10)


def test_evaluation_points_end_at_the_last_step():
    assert phases.evaluation_points(10, 4) == [4, 8, 10]
    assert phases.evaluation_points(8, 4) == [4, 8]
    assert phases.evaluation_points(3, 5) == [3]


def features(count, seed):
    rng = np.random.RandomState(seed)
    return [InputFeatures([int(i) for i in rng.randint(1, 50, SEQ_LENGTH)],
                          [1] * SEQ_LENGTH, [0] * SEQ_LENGTH, index % 2)
            for index in range(count)]


def test_evaluate_merges_the_extra_sets_and_writes_the_results(tmp_path):
    config = modeling.BertConfig.from_dict(tiny_config_dict(vocab_size=50))
    spec_fn = spec_fn_builder(
        config, 2, None, 1e-3, 10, 0, False, False,
        metric_fn=metrics.metric_fn_builder(("accuracy",), False))
    runtime = SessionRuntime(spec_fn, str(tmp_path), 4, 4, 4, random_seed=1)
    assert phases.steps_done(str(tmp_path)) == 0
    runtime.train(input_fn_builder(features(8, 0), SEQ_LENGTH, True, True), 2)
    assert phases.steps_done(str(tmp_path)) == 2
    eval_sets = [
        phases.EvalSet(None, "evaluation", InferenceInput(input_fn_builder(
            features(6, 1), SEQ_LENGTH, False, False), None, None, None), 6, 4),
        phases.EvalSet("mismatched", "evaluation_mismatched", InferenceInput(
            input_fn_builder(features(5, 2), SEQ_LENGTH, False, False), None,
            None, None), 5, 4)]
    result = phases.evaluate(runtime, eval_sets, str(tmp_path))
    assert sorted(result) == ["eval_accuracy", "eval_loss", "eval_mismatched_accuracy",
                              "eval_mismatched_loss", "global_step", "loss"]
    phases.write_eval_results(str(tmp_path), result)
    lines = (tmp_path / "eval_results.txt").read_text().splitlines()
    assert [line.split(" = ")[0] for line in lines] == sorted(result)
    tags = {value.tag for path in glob.glob(str(tmp_path / "events.out.tfevents.*"))
            for event in tf.compat.v1.train.summary_iterator(path)
            for value in event.summary.value}
    assert {"eval/accuracy", "eval/mismatched_accuracy", "eval/loss"} <= tags
    assert os.path.isdir(tmp_path / "eval_mismatched")
