"""A run's task, resolved once: its processor, labels, metric function and,
for multi-label tasks, the threshold. The runtimes and the phases read it."""

import dataclasses
from typing import Callable, List, Optional, Union

from bert.classifier import metrics
from bert.classifier.label_thresholds import resolve_threshold, save_threshold
from bert.classifier.model_fn import ModelOptions
from bert.processors import DataProcessor


@dataclasses.dataclass(frozen=True)
class Task(object):
    """processor: the task's DataProcessor. label_list: its labels in
    class-id order (None for regression). threshold: a multi-label task's
    (one number, or one per label), else None. metric_fn: what evaluation
    computes (model_fn's metric_fn)."""

    processor: DataProcessor
    label_list: Optional[List[str]]
    threshold: Union[None, float, List[float]]
    metric_fn: Callable

    @property
    def num_labels(self):
        """The classifier's outputs: one per label, one score for regression."""
        return 1 if self.label_list is None else len(self.label_list)

    def model_options(self, run_config):
        """The ModelOptions of a run of this task with run_config."""
        return ModelOptions.of_run(run_config, self.processor.is_regression,
                                   self.processor.multi_label)

    def save_tuned_threshold(self, output_dir, result, per_label):
        """Saves the threshold(s) --tune_threshold found in an evaluation's
        result to output_dir; returns the task with them, which later
        phases of the run use."""
        if per_label:
            threshold = [
                round(float(result["eval_per_label_threshold_" + key]), 2)
                for key in metrics.metric_key_names(self.label_list)]
            save_threshold(output_dir, threshold, self.label_list)
        else:
            threshold = round(float(result["eval_tuned_threshold"]), 2)
            save_threshold(output_dir, threshold)
        return dataclasses.replace(self, threshold=threshold)


def resolve_task(run_config, processor):
    """The Task of a run of processor's task. A multi-label task's threshold
    is --multi_label_threshold, else the one --tune_threshold saved in
    output_dir, else 0.5; a saved one that does not read stops the run here
    (InputError), before anything is written."""
    label_list = processor.get_labels()
    threshold = None
    if processor.multi_label:
        threshold = resolve_threshold(run_config.multi_label_threshold,
                                      run_config.output_dir, label_list)
        metric_fn = metrics.multi_label_metric_fn_builder(
            label_list, threshold, run_config.tune_threshold,
            run_config.per_label_thresholds)
    else:
        metric_fn = metrics.metric_fn_builder(processor.metrics,
                                              processor.is_regression)
    return Task(processor, label_list, threshold, metric_fn)
