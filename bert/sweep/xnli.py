"""XNLI: translate-train (train and test in each language) or zero-shot
(train on English MultiNLI, test in every language); the per-language table."""

import os

import tensorflow as tf

from bert.classifier.results import (TEST_PREDICTIONS_FILE, read_eval_results,
                                     read_predicted_labels)
from bert.errors import InputError
from bert.processors import XnliProcessor
from bert.sweep import jobs, plan, report

ZERO_SHOT_GROUP = "XNLI-train-en"


def plan_trials(config):
    """(trials, languages with dev rows)."""
    languages = plan.xnli_languages_present(config.data_dir)
    if not languages:
        raise InputError("%s/xnli.dev.tsv has rows of no XNLI language"
                         % config.data_dir)

    def grid(group, task_name, data_dir, extra=()):
        return plan.grid(group, task_name, data_dir, config.learning_rates,
                         config.seeds, config.random_seed, extra)

    if config.xnli_protocol == "translate_train":
        planned = []
        for language in languages:
            planned += grid("XNLI-" + language, "xnli", config.data_dir,
                            ["--xnli_language=" + language])
        return planned, languages
    english = os.path.join(config.data_dir, "multinli", "multinli.train.en.tsv")
    if tf.io.gfile.exists(english):
        return grid(ZERO_SHOT_GROUP, "xnli", config.data_dir,
                    ["--xnli_language=en"]), languages
    if not config.mnli_data_dir:
        raise InputError("zero_shot trains on English MultiNLI: %s is missing; "
                         "pass --mnli_data_dir=<GLUE MNLI folder>" % english)
    return grid(ZERO_SHOT_GROUP, "mnli", config.mnli_data_dir), languages


def test_accuracy(config, output_dir, language):
    """Accuracy of output_dir/test_predictions.tsv on XNLI's test labels."""
    gold = [example.label for example in
            XnliProcessor(language).get_test_examples(config.data_dir)]
    predicted = read_predicted_labels(output_dir)
    return sum(a == b for a, b in zip(gold, predicted)) / len(gold)


def assemble(config, languages, runner, chosen):
    """Tests the chosen model(s) in every language; writes results.md and
    xnli_results.tsv. Returns the titles of failed runs."""
    zero_shot = config.xnli_protocol == "zero_shot"
    runs = []
    for language in languages:
        trial = chosen.get(ZERO_SHOT_GROUP if zero_shot else "XNLI-" + language)
        if trial is None:
            runs.append((language, None, None))
            continue
        job = jobs.inference_job(
            config, "XNLI %s test" % language,
            os.path.join(config.output_dir, "XNLI-test",
                         "%s_%s_%s" % (language, trial.group, trial.name)),
            "xnli", config.data_dir, trial.output_dir(config.output_dir),
            ["--xnli_language=" + language], evaluate=zero_shot)
        runs.append((language, trial, job))
    statuses = runner.run_all([job for _, _, job in runs if job], "test runs")
    table = []
    for language, trial, job in runs:
        if job is None or not tf.io.gfile.exists(
                os.path.join(job.output_dir, TEST_PREDICTIONS_FILE)):
            table.append((language, None, None))
            continue
        dev_source = job.output_dir if zero_shot else trial.output_dir(
            config.output_dir)
        dev = read_eval_results(dev_source).get(XnliProcessor.main_metric)
        table.append((language, None if dev is None else float(dev),
                      test_accuracy(config, job.output_dir, language)))
    report.write(os.path.join(config.output_dir, "results.md"),
                 report.xnli_markdown(config.protocol(), table))
    report.write(os.path.join(config.output_dir, "xnli_results.tsv"),
                 "language\tdev\ttest\n" + "".join(
                     "%s\t%s\t%s\n" % (language, "" if dev is None else dev,
                                       "" if test is None else test)
                     for language, dev, test in table))
    return [job.title for _, _, job in runs if job and statuses.get(
        job.output_dir, {}).get("status") == "failed"]
