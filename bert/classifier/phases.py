"""The phases of a run: train, evaluate, predict and export, each with its
inputs as arguments and its result files written whole."""

import collections
import os

import tensorflow as tf

from bert.classifier import atomic, checkpoint_check, results
from bert.classifier.data import datasets
from bert.classifier.data.length_order import in_file_order
from bert.classifier.best_checkpoint import EvalHistory
from bert.classifier.divergence import DivergenceWatch, is_divergence
from bert.classifier.export import export_classifier
from bert.classifier.label_thresholds import THRESHOLD_FILE
from bert.classifier.runtime.common import checkpoint_step
from bert.classifier.progress import (RowProgress, TrainingProgress,
                                      write_scalars)
from bert.errors import InputError, WriteError, doing, writing
from bert.processors import CustomDataProcessor

tf1 = tf.compat.v1

# A set to evaluate: its name (None for the dev set), the title of its log
# lines, its InferenceInput, its number of examples and batch size.
EvalSet = collections.namedtuple(
    "EvalSet", ["name", "title", "input", "rows", "batch_size"])


def count_train_steps(config, num_examples):
    """(num_train_steps, num_warmup_steps) as the reference computes them."""
    num_train_steps = int(
        num_examples / config.train_batch_size * config.num_train_epochs)
    if num_train_steps < 1:
        raise InputError(
            "%d training examples at --train_batch_size=%d for "
            "--num_train_epochs=%s make no training step"
            % (num_examples, config.train_batch_size, config.num_train_epochs))
    return num_train_steps, int(num_train_steps * config.warmup_proportion)


def evaluation_points(num_train_steps, every):
    """The steps to evaluate at: every, 2*every, ..., and the last step."""
    points = list(range(every, num_train_steps, every))
    return points + [num_train_steps]


def steps_done(output_dir):
    """The global step of output_dir's newest checkpoint (0 without one)."""
    return checkpoint_step(tf.train.latest_checkpoint(output_dir))


def train(config, runtime, processor, tokenizer, train_examples, num_train_steps,
          feature_dir, after_each_stop=None):
    """Trains to num_train_steps, resuming from output_dir's checkpoints.

    With eval_every_steps it stops on the way and calls after_each_stop() at
    each stop (and at the end); a true result ends training early.
    """
    done = steps_done(config.output_dir)
    if done >= num_train_steps:
        tf1.logging.warning(
            "training already finished in --output_dir=%s: found step %d of %d "
            "planned; going on without training", config.output_dir, done,
            num_train_steps)
        return
    if done:
        tf1.logging.info("resuming training at step %d of %d", done,
                         num_train_steps)
    input_fn = datasets.training_input(config, processor, tokenizer,
                                       train_examples, feature_dir)
    tf1.logging.info("***** Running training *****")
    tf1.logging.info("  Num examples = %d", len(train_examples))
    tf1.logging.info("  Batch size = %d", config.train_batch_size)
    tf1.logging.info("  Num steps = %d", num_train_steps)
    divergence = DivergenceWatch()
    progress = TrainingProgress(num_train_steps, config.train_batch_size,
                                summary_dir=feature_dir)
    listeners = [progress, divergence]
    stops = [num_train_steps]
    if config.eval_every_steps:
        stops = [stop for stop in evaluation_points(
            num_train_steps, config.eval_every_steps) if stop > done]
    for stop in stops:
        try:
            with writing(config.output_dir):
                runtime.train(input_fn=input_fn, max_steps=stop,
                              listeners=listeners)
        except tf.errors.InvalidArgumentError as error:
            if is_divergence(error):
                raise divergence.error()
            raise
        except WriteError as error:
            checkpoint_check.remove_partial(config.output_dir)
            raise WriteError("%s; %s" % (error, checkpoint_check.newest_in_words(
                config.output_dir))) from error
        if after_each_stop is not None and after_each_stop():
            break


def prepare_eval_sets(config, processor, tokenizer, dev_sets):
    """[EvalSet] for [(name, examples)]: the dev set (name None), then any
    extra ones (MNLI's mismatched dev set)."""
    eval_sets = []
    for name, examples in dev_sets:
        suffix = "" if name is None else "_" + name
        title = "evaluation" + suffix
        inference_input = datasets.inference_input(
            config, processor, tokenizer, examples, config.eval_batch_size,
            "eval%s.tf_record" % suffix, title)
        eval_sets.append(EvalSet(name, title, inference_input, len(examples),
                                 config.eval_batch_size))
    return eval_sets


def evaluate(runtime, eval_sets, summary_dir=None):
    """Evaluates every set; an extra set's keys become eval_<name>_<metric>.

    With summary_dir the metrics also go to its TensorBoard events as
    eval/<metric> (eval/accuracy, eval/f1, eval/loss, ...).
    """
    merged = {}
    for eval_set in eval_sets:
        name = eval_set.name
        progress = RowProgress(eval_set.title, eval_set.rows, eval_set.batch_size)
        with doing("evaluating with %s" % eval_set.input.record_file):
            result = runtime.evaluate(
                input_fn=eval_set.input.input_fn, steps=eval_set.input.steps,
                name=name, progress=progress)
        if name is None:
            merged.update(result)
            continue
        for key, value in result.items():
            if key.startswith("eval_"):
                merged["eval_%s_%s" % (name, key[len("eval_"):])] = value
    tf1.logging.info("***** Eval results *****")
    for key in sorted(merged):
        tf1.logging.info("  %s = %s", key, merged[key])
    if summary_dir is not None:
        write_scalars(summary_dir, int(merged["global_step"]), {
            "eval/" + key[len("eval_"):]: value for key, value in merged.items()
            if key.startswith("eval_")})
    return merged


def write_eval_results(output_dir, result):
    atomic.write_text(os.path.join(output_dir, results.EVAL_RESULTS_FILE),
                      results.format_eval_results(result))


def eval_recorder(config, runtime, eval_sets, processor):
    """With eval_every_steps, what records an evaluation in eval_history.tsv
    (and best/) and says whether to stop early; else None."""
    if not config.eval_every_steps:
        return None
    history = EvalHistory(config.output_dir, processor.main_metric)

    def record_eval():
        history.record(evaluate(runtime, eval_sets, config.output_dir),
                       runtime.latest_checkpoint())
        stale = history.evaluations_since_best()
        if config.early_stopping_evals and stale >= config.early_stopping_evals:
            tf1.logging.warning(
                "early stopping: %s has not improved in %d evaluations; the "
                "best checkpoint is in %s", processor.main_metric, stale,
                history.best_dir)
            return True
        return False
    return record_eval


def predict(config, runtime, task, tokenizer, real_examples):
    """test_results.tsv, test_predictions.tsv and the GLUE file if asked, in
    the examples' order."""
    processor = task.processor
    inference_input = datasets.inference_input(
        config, processor, tokenizer, real_examples, config.predict_batch_size,
        "predict.tf_record", "prediction")
    progress = RowProgress("prediction", len(real_examples),
                           config.predict_batch_size)
    with doing("predicting with %s" % inference_input.record_file):
        predictions = results.real_predictions(
            counted(runtime.predict(input_fn=inference_input.input_fn),
                    progress), len(real_examples))
    progress.finish()
    if inference_input.order is not None:
        predictions = in_file_order(predictions, inference_input.order)
    label_list, threshold = task.label_list, task.threshold
    if threshold is not None:
        tf1.logging.info("predicted labels: those with a probability of at "
                         "least %s", "the label's threshold (%s)"
                         % THRESHOLD_FILE if isinstance(threshold, list)
                         else threshold)
    atomic.write_text(
        os.path.join(config.output_dir, results.TEST_RESULTS_FILE),
        results.format_test_results(predictions))
    atomic.write_text(
        os.path.join(config.output_dir, results.TEST_PREDICTIONS_FILE),
        results.format_test_predictions(real_examples, predictions, label_list,
                                        threshold))
    if config.glue_submission_dir:
        tf.io.gfile.makedirs(config.glue_submission_dir)
        path = os.path.join(config.glue_submission_dir,
                            processor.glue_name + ".tsv")
        atomic.write_text(
            path, results.format_glue_submission(predictions, label_list))
        tf1.logging.info("GLUE submission file: %s", path)


def counted(predictions, progress):
    """Yields predictions, telling progress of each."""
    for prediction in predictions:
        progress.rows_done(1)
        yield prediction


def export(config, bert_config, task):
    """Exports the trained (or given) checkpoint to export_dir."""
    checkpoint = tf.train.latest_checkpoint(config.output_dir)
    if not config.do_train and config.init_checkpoint:
        checkpoint = config.init_checkpoint
    if checkpoint is None:
        raise InputError("--do_export: no checkpoint in --output_dir=%s: train "
                         "first or pass --init_checkpoint" % config.output_dir)
    own_data = isinstance(task.processor, CustomDataProcessor)
    export_classifier(bert_config, checkpoint, config.export_dir,
                      task.label_list, config.vocab_file,
                      config.do_lower_case, config.max_seq_length,
                      config.task_name,
                      task.processor.text_pairs if own_data else None,
                      task.threshold,
                      pair_inputs=task.processor.text_pairs is not False,
                      options=task.model_options(config))
    tf1.logging.info("exported %s to %s", checkpoint, config.export_dir)
