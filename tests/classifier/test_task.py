"""classifier/task.py: a run's task facts, resolved once: labels, metric
function and the multi-label threshold, saved and carried when tuned."""

import os

import pytest

from bert.classifier import label_thresholds, metrics
from bert.classifier.model_fn import ModelOptions
from bert.classifier.run_config import RunConfig
from bert.classifier.task import resolve_task
from bert.errors import InputError
from bert.processors import get_processor


def run_config(output_dir, **changes):
    settings = dict(data_dir="", bert_config_file="", task_name="goemotions",
                    vocab_file="", output_dir=str(output_dir))
    return RunConfig(**dict(settings, **changes))


def test_single_label_and_regression_tasks():
    mrpc = resolve_task(run_config("o", task_name="mrpc"), get_processor("mrpc"))
    assert (mrpc.label_list, mrpc.num_labels, mrpc.threshold) == (["0", "1"], 2, None)
    stsb = resolve_task(run_config("o", task_name="sts-b"), get_processor("sts-b"))
    assert (stsb.label_list, stsb.num_labels) == (None, 1)
    assert stsb.model_options(run_config("o")) == ModelOptions(regression=True)


def test_model_options_come_from_the_run_config_fields_of_their_names():
    config = run_config("o", precision="bf16", fused_kernels=True,
                        cls_only_last_layer=True, gradient_accumulation_steps=4)
    options = resolve_task(config, get_processor("goemotions")).model_options(config)
    assert (options.multi_label, options.regression, options.compute_dtype.name,
            options.fused_kernels, options.cls_only_last_layer,
            options.gradient_accumulation_steps) == (
                True, False, "bfloat16", True, True, 4)


def test_the_threshold_is_the_flag_else_the_saved_one_else_half(tmp_path):
    goemotions = get_processor("goemotions")
    assert resolve_task(run_config(tmp_path), goemotions).threshold == 0.5
    label_thresholds.save_threshold(str(tmp_path), 0.3)
    assert resolve_task(run_config(tmp_path), goemotions).threshold == 0.3
    flagged = run_config(tmp_path, multi_label_threshold=0.7)
    assert resolve_task(flagged, goemotions).threshold == 0.7


def test_a_saved_threshold_that_does_not_read_stops_in_one_line(tmp_path):
    with open(os.path.join(str(tmp_path), label_thresholds.THRESHOLD_FILE), "w") as f:
        f.write("1.5\n")
    with pytest.raises(InputError, match="multi_label_threshold.txt:1 holds '1.5'"):
        resolve_task(run_config(tmp_path), get_processor("goemotions"))


@pytest.mark.parametrize("per_label", [False, True])
def test_a_tuned_threshold_is_saved_and_carried(tmp_path, per_label):
    """What the later phases of the run read equals what a later run reads
    back from the file."""
    task = resolve_task(run_config(tmp_path), get_processor("goemotions"))
    labels = task.label_list
    result = {"eval_tuned_threshold": 0.4200001}
    result.update({"eval_per_label_threshold_" + key: 0.01 * (index % 90 + 1)
                   for index, key in enumerate(metrics.metric_key_names(labels))})
    tuned = task.save_tuned_threshold(str(tmp_path), result, per_label)
    assert task.threshold == 0.5  # a Task is never changed in place
    expected = ([round(0.01 * (index % 90 + 1), 2) for index in range(len(labels))]
                if per_label else 0.42)
    assert tuned.threshold == expected
    assert resolve_task(run_config(tmp_path), task.processor).threshold == expected
