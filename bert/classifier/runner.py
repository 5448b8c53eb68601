"""A whole run_classifier run from its RunConfig: check, read, then the phases.

Every input is read and checked before output_dir is created or anything is
written; the run then holds output_dir's lock while it writes, and first sets
aside damaged checkpoints there.
"""

import dataclasses
import os
import tempfile

import tensorflow as tf

from bert.classifier import atomic, checkpoint_check, checks, phases
from bert.classifier.data import labels
from bert.classifier.runtime import distribution
from bert.classifier.lock import OutputDirLock
from bert.classifier.run_config import RUN_CONFIG_FILE
from bert.classifier.runtime.make import make_runtime, make_strategy
from bert.classifier.task import resolve_task
from bert.errors import doing
from bert.processors import CustomDataProcessor, get_processor

tf1 = tf.compat.v1


def load_processor(config):
    """The task's processor; for your own data also settles the label list."""
    processor = get_processor(
        config.task_name, xnli_language=config.xnli_language,
        text_a_column=config.text_a_column, text_b_column=config.text_b_column,
        label_column=config.label_column, has_header=config.has_header,
        label_list=config.label_list, multi_label=config.multi_label,
        label_separator=config.label_separator)
    if isinstance(processor, CustomDataProcessor):
        labels.settle_label_list(processor, config)
    return processor


def read_data_sets(config, processor):
    """Reads (and so checks) every data set the run needs, before any writing.

    Returns {"train": examples, "dev": [(name, examples)], "test": examples}
    with the sets this run uses.
    """
    data = {}
    if config.do_train:
        data["train"] = processor.get_train_examples(config.data_dir)
    if config.do_eval or config.evaluates_during_training:
        data["dev"] = [(None, processor.get_dev_examples(config.data_dir))]
        data["dev"] += sorted(
            processor.get_extra_dev_examples(config.data_dir).items())
    if config.do_predict:
        data["test"] = processor.get_test_examples(config.data_dir)
    return data


def run(config):
    """Runs the phases config asks for (train, eval, predict, export)."""
    config = dataclasses.replace(config, init_checkpoint=(
        checks.resolve_init_checkpoint(config.init_checkpoint)))
    bert_config = checks.check_run_config(config)
    processor = load_processor(config)
    checks.check_task_options(config, processor)
    task = resolve_task(config, processor)
    tokenizer = checks.load_tokenizer(config.vocab_file, config.do_lower_case)
    data = read_data_sets(config, processor)
    num_train_steps, num_warmup_steps = None, None
    if config.do_train:
        num_train_steps, num_warmup_steps = phases.count_train_steps(
            config, len(data["train"]))
    strategy = make_strategy(config)
    checks.check_replica_split(config.train_batch_size, strategy,
                               config.distribution_strategy)

    if config.multi_worker and not distribution.is_chief():
        run_worker(config, bert_config, task, tokenizer, data,
                   num_train_steps, num_warmup_steps, strategy)
        return
    tf.io.gfile.makedirs(config.output_dir)
    with OutputDirLock(config.output_dir):
        if config.do_train:
            checks.check_same_training(config)
        checkpoint_check.set_aside_damaged(config.output_dir)
        if config.do_train:
            atomic.write_text(os.path.join(config.output_dir, RUN_CONFIG_FILE),
                              config.to_json())
        if isinstance(processor, CustomDataProcessor) and config.do_train:
            labels.save_label_list(config.output_dir, processor.get_labels())
        eval_sets = None
        if "dev" in data:
            with doing("writing the evaluation features to %s"
                       % config.output_dir):
                eval_sets = phases.prepare_eval_sets(config, processor,
                                                     tokenizer, data["dev"])
        runtime = make_runtime(config, bert_config, task, num_train_steps,
                               num_warmup_steps, strategy)
        if config.do_train:
            with doing("training into %s" % config.output_dir):
                phases.train(config, runtime, processor, tokenizer, data["train"],
                             num_train_steps, config.output_dir,
                             phases.eval_recorder(config, runtime, eval_sets,
                                                  processor))
        if config.do_eval:
            with doing("evaluating %s" % config.output_dir):
                result = phases.evaluate(runtime, eval_sets, config.output_dir)
                phases.write_eval_results(config.output_dir, result)
                if config.tune_threshold:
                    task = task.save_tuned_threshold(
                        config.output_dir, result, config.per_label_thresholds)
        if config.do_predict:
            with doing("predicting with %s" % config.output_dir):
                phases.predict(config, runtime, task, tokenizer, data["test"])
        if config.do_export:
            with doing("exporting to %s" % config.export_dir):
                phases.export(config, bert_config, task)


def run_worker(config, bert_config, task, tokenizer, data, num_train_steps,
               num_warmup_steps, strategy):
    """A multi_worker_mirrored worker other than the chief: it only trains.

    Its feature file goes to a local temporary folder; the chief alone writes
    to output_dir (checkpoints, results) and evaluates and predicts.
    """
    if not config.do_train:
        tf1.logging.info("not the chief and no --do_train: nothing to do")
        return
    runtime = make_runtime(config, bert_config, task, num_train_steps,
                           num_warmup_steps, strategy)
    feature_dir = tempfile.mkdtemp(prefix="run_classifier_worker_")
    phases.train(config, runtime, task.processor, tokenizer, data["train"],
                 num_train_steps, feature_dir)
