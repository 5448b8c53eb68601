"""Fine-tunes BERT for sentence (pair) classification: train, eval and predict.

Runs on CPU, GPU or Cloud TPU (--use_tpu). Same flags and result files as the
script released with BERT; see README.md for the flags, tasks and outputs.
"""

import os
import sys
import tempfile

from absl import app
from absl import flags
import tensorflow as tf

from classifier import atomic
from classifier import checks
from classifier import distribution
from classifier import metrics
from classifier import results
from classifier.best_checkpoint import EvalHistory
from classifier.divergence import (DivergenceHook, TrainingDivergedError,
                                   is_divergence)
from classifier.export import export_classifier
from classifier.feature_cache import convert_with_cache
from classifier.lock import OutputDirLock
from classifier.features import (
    InputFeatures, PaddingInputExample, convert_examples_to_features,
    convert_single_example, file_based_convert_examples_to_features,
    plan_inference_batches)
from classifier.input_pipeline import (
    file_based_input_fn_builder, input_fn_builder)
from classifier.model_fn import create_model, model_fn_builder
from classifier.progress import ExamplesPerSecondHook, ProgressHook
from errors import InputError
from processors import (
    ColaProcessor, CustomDataProcessor, DataProcessor, InputExample,
    MnliProcessor, MrpcProcessor, XnliProcessor, get_processor)

# The reference's Python API (SPEC §9): notebooks import these from here.
__all__ = [
    "ColaProcessor", "DataProcessor", "InputExample", "InputFeatures",
    "MnliProcessor", "MrpcProcessor", "PaddingInputExample", "XnliProcessor",
    "convert_examples_to_features", "convert_single_example", "create_model",
    "file_based_convert_examples_to_features", "file_based_input_fn_builder",
    "input_fn_builder", "model_fn_builder",
]

tf1 = tf.compat.v1
FLAGS = flags.FLAGS
COMPUTE_DTYPES = {"fp32": tf.float32, "bf16": tf.bfloat16, "fp16": tf.float16}

# Required.
flags.DEFINE_string(
    "data_dir", None,
    "Input data dir: the .tsv files (or other data files) of the task.")
flags.DEFINE_string(
    "bert_config_file", None,
    "bert_config.json of the pre-trained model: its architecture.")
flags.DEFINE_string("task_name", None, "The task to train (case-insensitive).")
flags.DEFINE_string("vocab_file", None, "vocab.txt the model was trained with.")
flags.DEFINE_string(
    "output_dir", None,
    "Where checkpoints, feature files and result files are written.")

# Other parameters.
flags.DEFINE_string(
    "init_checkpoint", None,
    "Checkpoint to start from, usually a released BERT's bert_model.ckpt.")
flags.DEFINE_bool(
    "do_lower_case", True,
    "Lower-case and strip accents: True for uncased models, False for cased.")
flags.DEFINE_integer(
    "max_seq_length", 128,
    "Length after WordPiece tokenization, [CLS] and [SEP] included. Longer "
    "sequences are truncated, shorter ones padded.")
flags.DEFINE_bool("do_train", False, "Fine-tune on the train set.")
flags.DEFINE_bool("do_eval", False, "Evaluate on the dev set.")
flags.DEFINE_bool("do_predict", False, "Predict the test set.")
flags.DEFINE_integer("train_batch_size", 32, "Batch size for training.")
flags.DEFINE_integer("eval_batch_size", 8, "Batch size for eval.")
flags.DEFINE_integer("predict_batch_size", 8, "Batch size for predict.")
flags.DEFINE_float("learning_rate", 5e-5, "Peak learning rate of Adam.")
flags.DEFINE_float("num_train_epochs", 3.0, "Number of training epochs.")
flags.DEFINE_float(
    "warmup_proportion", 0.1,
    "Fraction of training steps with a linear learning-rate warm-up.")
flags.DEFINE_integer(
    "save_checkpoints_steps", 1000, "Steps between checkpoint saves.")
flags.DEFINE_integer(
    "iterations_per_loop", 1000, "Steps per TPU host loop (estimator call).")
flags.DEFINE_bool("use_tpu", False, "Run on a Cloud TPU.")
flags.DEFINE_string(
    "tpu_name", None,
    "Cloud TPU name or grpc://ip.address.of.tpu:8470 (used with --use_tpu).")
flags.DEFINE_string(
    "tpu_zone", None,
    "GCE zone of the Cloud TPU; found from metadata when not given.")
flags.DEFINE_string(
    "gcp_project", None,
    "GCP project of the Cloud TPU; found from metadata when not given.")
flags.DEFINE_string("master", None, "TensorFlow master URL.")
flags.DEFINE_integer(
    "num_tpu_cores", 8, "TPU cores to use (with --use_tpu).")

# Beyond the reference: more tasks, your own data, readable outputs.
flags.DEFINE_string(
    "xnli_language", "zh",
    "XNLI language (ar bg de el en es fr hi ru sw th tr ur vi zh).")
flags.DEFINE_string(
    "text_a_column", None,
    "Your own data (--task_name=tsv/csv/jsonl): column of the first text, a "
    "0-based index for tsv/csv, a key for jsonl.")
flags.DEFINE_string(
    "text_b_column", None,
    "Your own data: column of the second text of a pair (optional).")
flags.DEFINE_string(
    "label_column", None, "Your own data: column of the label.")
flags.DEFINE_bool(
    "has_header", False, "Your own data: the first row of each file is a header.")
flags.DEFINE_list(
    "label_list", None,
    "Your own data: the labels, comma-separated, in class-id order. Default: "
    "read from the training file (sorted) and saved as label_list.txt in "
    "output_dir, which later eval/predict runs reuse.")
flags.DEFINE_string(
    "glue_submission_dir", None,
    "With --do_predict on a GLUE task: also write the file the GLUE server "
    "takes (e.g. MRPC.tsv) into this folder.")
flags.DEFINE_integer(
    "eval_every_steps", 0,
    "Evaluate on dev every N training steps (0: off), log the metrics to "
    "eval_history.tsv and keep the best checkpoint in output_dir/best/.")
flags.DEFINE_integer(
    "keep_checkpoint_max", 5, "How many recent checkpoints to keep.")
flags.DEFINE_integer(
    "random_seed", None,
    "Seed for initialisation, dropout and shuffling, for repeatable runs. "
    "Default: none, as the reference (every run differs).")

# Serving.
flags.DEFINE_bool(
    "do_export", False,
    "Export a SavedModel for TensorFlow Serving and classify.py: of the "
    "trained model with --do_train, else of --init_checkpoint (a fine-tuned "
    "checkpoint) or the latest checkpoint in --output_dir.")
flags.DEFINE_string(
    "export_dir", None,
    "Folder to export to (with --do_export); must not exist yet. For "
    "TensorFlow Serving use <model base path>/<version number>.")

# Speed.
flags.DEFINE_bool(
    "dynamic_padding", True,
    "Cut each batch to its longest real sequence: the same results, less work. "
    "Always off with --use_tpu (TPUs need fixed shapes).")
flags.DEFINE_bool(
    "bucket_by_length", False,
    "Training batches group examples of similar length (16-token buckets): "
    "less padding, but a different batch composition than the reference.")
flags.DEFINE_enum(
    "precision", "fp32", ["fp32", "bf16", "fp16"],
    "Number format of the encoder's matrix products. bf16: bfloat16 products "
    "(TPUs, CPUs with AVX-512-BF16/AMX, recent GPUs); fp16: float16 products "
    "with dynamic loss scaling that skips steps with inf/nan gradients (GPUs). "
    "Variables, LayerNorm, softmax and the loss stay fp32, checkpoints stay "
    "fp32.")
flags.DEFINE_bool("use_xla", False, "Compile the graph with XLA JIT.")
flags.DEFINE_integer(
    "gradient_accumulation_steps", 1,
    "Split each training batch into this many micro-batches and apply their "
    "summed gradients once: the update of the full --train_batch_size with the "
    "memory of one micro-batch (not with --use_tpu).")
flags.DEFINE_enum(
    "distribution_strategy", "none", distribution.STRATEGIES,
    "Train on several devices: mirrored = every GPU of this machine (every "
    "logical CPU device when there is none); multi_worker_mirrored = every "
    "GPU of every host listed in the TF_CONFIG environment variable. The "
    "global batch stays --train_batch_size, split evenly over the replicas. "
    "Eval and predict run on one device (on the chief).")

for _required in ("data_dir", "task_name", "vocab_file", "bert_config_file",
                  "output_dir"):
    flags.mark_flag_as_required(_required)


def make_estimators(bert_config, processor, num_train_steps, num_warmup_steps):
    """(estimator, trainer): a TPUEstimator (on the TPU with --use_tpu, on
    CPU/GPU otherwise), and the Estimator that trains: the same one, or with
    --distribution_strategy an Estimator running the strategy."""
    cluster_resolver = None
    if FLAGS.use_tpu and FLAGS.tpu_name:
        cluster_resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
            FLAGS.tpu_name, zone=FLAGS.tpu_zone, project=FLAGS.gcp_project)
    session_config = None
    if FLAGS.use_xla:
        session_config = tf1.ConfigProto()
        session_config.graph_options.optimizer_options.global_jit_level = (
            tf1.OptimizerOptions.ON_1)
    run_config_args = dict(
        save_checkpoints_steps=FLAGS.save_checkpoints_steps,
        keep_checkpoint_max=FLAGS.keep_checkpoint_max,
        tf_random_seed=FLAGS.random_seed)
    # On a multi-worker cluster the chief evaluates and predicts by itself.
    local_only = FLAGS.distribution_strategy == "multi_worker_mirrored"
    run_config = tf1.estimator.tpu.RunConfig(
        cluster=cluster_resolver,
        session_config=session_config,
        master="" if local_only else FLAGS.master,
        evaluation_master="" if local_only else None,
        model_dir=FLAGS.output_dir,
        tpu_config=tf1.estimator.tpu.TPUConfig(
            iterations_per_loop=FLAGS.iterations_per_loop,
            num_shards=FLAGS.num_tpu_cores,
            per_host_input_for_training=(
                tf1.estimator.tpu.InputPipelineConfig.PER_HOST_V2)),
        **run_config_args)
    label_list = processor.get_labels()
    model_fn = model_fn_builder(
        bert_config=bert_config,
        num_labels=1 if label_list is None else len(label_list),
        init_checkpoint=FLAGS.init_checkpoint,
        learning_rate=FLAGS.learning_rate,
        num_train_steps=num_train_steps,
        num_warmup_steps=num_warmup_steps,
        use_tpu=FLAGS.use_tpu,
        use_one_hot_embeddings=FLAGS.use_tpu,
        metric_fn=metrics.metric_fn_builder(
            processor.metrics, processor.is_regression),
        regression=processor.is_regression,
        compute_dtype=COMPUTE_DTYPES[FLAGS.precision],
        gradient_accumulation_steps=FLAGS.gradient_accumulation_steps)
    estimator = tf1.estimator.tpu.TPUEstimator(
        use_tpu=FLAGS.use_tpu,
        model_fn=model_fn,
        config=run_config,
        train_batch_size=(
            FLAGS.train_batch_size // FLAGS.gradient_accumulation_steps),
        eval_batch_size=FLAGS.eval_batch_size,
        predict_batch_size=FLAGS.predict_batch_size)
    strategy = distribution.make_strategy(FLAGS.distribution_strategy)
    if strategy is None:
        return estimator, estimator
    if FLAGS.train_batch_size % strategy.num_replicas_in_sync:
        raise InputError("--train_batch_size=%d does not split evenly over the "
                         "%d replicas of --distribution_strategy=%s"
                         % (FLAGS.train_batch_size, strategy.num_replicas_in_sync,
                            FLAGS.distribution_strategy))
    trainer = distribution.distributed_estimator(
        model_fn, strategy, FLAGS.train_batch_size, FLAGS.output_dir,
        session_config, **run_config_args)
    return estimator, trainer


def check_flags():
    """Every check that can fail before work starts; returns the BERT config."""
    checks.check_actions(FLAGS.do_train, FLAGS.do_eval, FLAGS.do_predict,
                         FLAGS.do_export)
    if FLAGS.do_export and not FLAGS.export_dir:
        raise InputError("--do_export needs --export_dir")
    if FLAGS.do_export and tf.io.gfile.exists(FLAGS.export_dir):
        raise InputError("--export_dir=%s exists already: choose a new folder"
                         % FLAGS.export_dir)
    checks.check_positive(
        train_batch_size=FLAGS.train_batch_size,
        eval_batch_size=FLAGS.eval_batch_size,
        predict_batch_size=FLAGS.predict_batch_size,
        save_checkpoints_steps=FLAGS.save_checkpoints_steps,
        iterations_per_loop=FLAGS.iterations_per_loop,
        keep_checkpoint_max=FLAGS.keep_checkpoint_max,
        gradient_accumulation_steps=FLAGS.gradient_accumulation_steps)
    if FLAGS.train_batch_size % FLAGS.gradient_accumulation_steps:
        raise InputError("--train_batch_size=%d is not a multiple of "
                         "--gradient_accumulation_steps=%d"
                         % (FLAGS.train_batch_size,
                            FLAGS.gradient_accumulation_steps))
    if FLAGS.use_tpu and FLAGS.precision == "fp16":
        raise InputError("--precision=fp16 is for GPUs: use --precision=bf16 "
                         "with --use_tpu")
    if FLAGS.use_tpu and FLAGS.distribution_strategy != "none":
        raise InputError("--distribution_strategy is for GPUs and CPUs: with "
                         "--use_tpu, TPUEstimator spreads over --num_tpu_cores")
    if (FLAGS.distribution_strategy != "none"
            and FLAGS.gradient_accumulation_steps > 1):
        raise InputError("--gradient_accumulation_steps works only with "
                         "--distribution_strategy=none: use more replicas or "
                         "a smaller --train_batch_size instead")
    if FLAGS.distribution_strategy == "multi_worker_mirrored":
        distribution.check_cluster()
    if FLAGS.use_tpu and FLAGS.gradient_accumulation_steps > 1:
        raise InputError("--gradient_accumulation_steps works on CPU/GPU only: "
                         "drop it with --use_tpu (TPUs fit larger batches)")
    checks.check_not_negative(
        eval_every_steps=FLAGS.eval_every_steps,
        learning_rate=FLAGS.learning_rate,
        num_train_epochs=FLAGS.num_train_epochs,
        warmup_proportion=FLAGS.warmup_proportion)
    checks.check_case(FLAGS.do_lower_case, FLAGS.init_checkpoint)
    bert_config = checks.load_bert_config(FLAGS.bert_config_file)
    checks.check_seq_length(FLAGS.max_seq_length, bert_config)
    checks.check_init_checkpoint(FLAGS.init_checkpoint)
    checks.check_checkpoint_matches_config(
        FLAGS.init_checkpoint, bert_config, FLAGS.bert_config_file)
    checks.check_output_dir(FLAGS.output_dir)
    if FLAGS.do_train and FLAGS.precision == "fp16":
        checks.check_resumable(FLAGS.output_dir, ["loss_scale"], "--precision=fp16")
    if FLAGS.do_train and FLAGS.gradient_accumulation_steps > 1:
        checks.check_resumable(FLAGS.output_dir, ["gradient_accumulation_step"],
                               "--gradient_accumulation_steps")
    if not tf.io.gfile.isdir(FLAGS.data_dir):
        raise InputError("--data_dir=%s is not a directory" % FLAGS.data_dir)
    return bert_config


def dynamic_padding():
    """--dynamic_padding, forced off on TPU."""
    return FLAGS.dynamic_padding and not FLAGS.use_tpu


def load_processor():
    """The task's processor; for your own data also settles the label list."""
    processor = get_processor(
        FLAGS.task_name, xnli_language=FLAGS.xnli_language,
        text_a_column=FLAGS.text_a_column, text_b_column=FLAGS.text_b_column,
        label_column=FLAGS.label_column, has_header=FLAGS.has_header,
        label_list=FLAGS.label_list)
    if isinstance(processor, CustomDataProcessor):
        processor.label_list = custom_label_list(processor)
    return processor


def custom_label_list(processor):
    """--label_list, else the one saved by training, else the training file's."""
    saved_path = os.path.join(FLAGS.output_dir, "label_list.txt")
    if FLAGS.label_list:
        labels = list(FLAGS.label_list)
    elif tf.io.gfile.exists(saved_path):
        with tf.io.gfile.GFile(saved_path) as reader:
            labels = reader.read().splitlines()
    elif FLAGS.do_train:
        labels = processor.labels_in_file(FLAGS.data_dir)
    else:
        raise InputError("no label list for --task_name=%s: pass --label_list or "
                         "train into this --output_dir first" % FLAGS.task_name)
    if len(labels) < 2:
        raise InputError("the label list %s has fewer than two labels"
                         % ",".join(labels))
    tf1.logging.info("label list (class-id order): %s", ",".join(labels))
    return labels


def save_label_list(labels):
    """label_list.txt in output_dir, which later eval/predict runs reuse."""
    atomic.write_text(os.path.join(FLAGS.output_dir, "label_list.txt"),
                             "".join(label + "\n" for label in labels))


def train(trainer, processor, tokenizer, train_examples, num_train_steps,
          feature_dir, after_each_stop=None):
    """Trains to num_train_steps; with --eval_every_steps stops on the way and
    calls after_each_stop() at each stop (and at the end)."""
    train_file = os.path.join(feature_dir, "train.tf_record")
    convert_features(train_examples, processor, tokenizer, train_file)
    tf1.logging.info("***** Running training *****")
    tf1.logging.info("  Num examples = %d", len(train_examples))
    tf1.logging.info("  Batch size = %d", FLAGS.train_batch_size)
    tf1.logging.info("  Num steps = %d", num_train_steps)
    input_fn = file_based_input_fn_builder(
        input_file=train_file, seq_length=FLAGS.max_seq_length,
        is_training=True, drop_remainder=True,
        regression=processor.is_regression, dynamic_padding=dynamic_padding(),
        bucket_by_length=FLAGS.bucket_by_length)
    divergence = DivergenceHook()
    hooks = [ProgressHook(num_train_steps, FLAGS.train_batch_size), divergence]
    if not isinstance(trainer, tf1.estimator.tpu.TPUEstimator):
        hooks.append(ExamplesPerSecondHook(FLAGS.train_batch_size,
                                           FLAGS.iterations_per_loop))
    stops = [num_train_steps]
    if FLAGS.eval_every_steps:
        stops = evaluation_points(num_train_steps, FLAGS.eval_every_steps)
    for stop in stops:
        try:
            if FLAGS.distribution_strategy == "multi_worker_mirrored":
                distribution.train_on_cluster(trainer, input_fn, stop, hooks)
            else:
                trainer.train(input_fn=input_fn, max_steps=stop, hooks=hooks)
        except tf.errors.InvalidArgumentError as error:
            if is_divergence(error):
                raise divergence.error()
            raise
        if after_each_stop is not None:
            after_each_stop()


def convert_features(examples, processor, tokenizer, record_file):
    """Writes the examples' TFRecord file, or reuses an identical one."""
    convert_with_cache(examples, processor.get_labels(), FLAGS.max_seq_length,
                       tokenizer, record_file, FLAGS.vocab_file,
                       FLAGS.do_lower_case, FLAGS.task_name)


def evaluation_points(num_train_steps, every):
    """The steps to evaluate at: every, 2*every, ..., and the last step."""
    points = list(range(every, num_train_steps, every))
    return points + [num_train_steps]


def inference_input(real_examples, processor, tokenizer, batch_size, record_name,
                    title):
    """Writes the eval/predict TFRecord; returns (input_fn, steps).

    On TPU the set is padded with fake examples to whole batches (see
    plan_inference_batches); off TPU it is used as it is.
    """
    examples, steps, drop_remainder = plan_inference_batches(
        real_examples, batch_size, FLAGS.use_tpu)
    record_file = os.path.join(FLAGS.output_dir, record_name)
    convert_features(examples, processor, tokenizer, record_file)
    tf1.logging.info("***** Running %s *****", title)
    tf1.logging.info("  Num examples = %d (%d actual, %d padding)",
                     len(examples), len(real_examples),
                     len(examples) - len(real_examples))
    tf1.logging.info("  Batch size = %d", batch_size)
    input_fn = file_based_input_fn_builder(
        input_file=record_file, seq_length=FLAGS.max_seq_length,
        is_training=False, drop_remainder=drop_remainder,
        regression=processor.is_regression, dynamic_padding=dynamic_padding())
    return input_fn, steps


def prepare_eval_sets(processor, tokenizer, dev_sets):
    """[(name, input_fn, steps)] for [(name, examples)]: the dev set (name None),
    then any extra ones (MNLI's mismatched dev set)."""
    eval_sets = []
    for name, examples in dev_sets:
        suffix = "" if name is None else "_" + name
        input_fn, steps = inference_input(
            examples, processor, tokenizer, FLAGS.eval_batch_size,
            "eval%s.tf_record" % suffix, "evaluation%s" % suffix)
        eval_sets.append((name, input_fn, steps))
    return eval_sets


def evaluate(estimator, eval_sets):
    """Evaluates every set; an extra set's keys become eval_<name>_<metric>."""
    merged = {}
    for name, input_fn, steps in eval_sets:
        result = estimator.evaluate(input_fn=input_fn, steps=steps, name=name)
        if name is None:
            merged.update(result)
            continue
        for key, value in result.items():
            if key.startswith("eval_"):
                merged["eval_%s_%s" % (name, key[len("eval_"):])] = value
    tf1.logging.info("***** Eval results *****")
    for key in sorted(merged):
        tf1.logging.info("  %s = %s", key, merged[key])
    return merged


def predict(estimator, processor, tokenizer, real_examples):
    input_fn, _ = inference_input(
        real_examples, processor, tokenizer, FLAGS.predict_batch_size,
        "predict.tf_record", "prediction")
    predictions = results.real_predictions(
        estimator.predict(input_fn=input_fn), len(real_examples))
    label_list = processor.get_labels()
    atomic.write_text(
        os.path.join(FLAGS.output_dir, "test_results.tsv"),
        results.format_test_results(predictions, len(real_examples)))
    atomic.write_text(
        os.path.join(FLAGS.output_dir, "test_predictions.tsv"),
        results.format_test_predictions(real_examples, predictions, label_list))
    if FLAGS.glue_submission_dir:
        tf.io.gfile.makedirs(FLAGS.glue_submission_dir)
        path = os.path.join(FLAGS.glue_submission_dir, processor.glue_name + ".tsv")
        atomic.write_text(
            path, results.format_glue_submission(predictions, label_list))
        tf1.logging.info("GLUE submission file: %s", path)


def read_data_sets(processor):
    """Reads (and so checks) every data set the run needs, before any writing.

    Returns {"train": examples, "dev": [(name, examples)], "test": examples}
    with the sets this run uses.
    """
    data = {}
    if FLAGS.do_train:
        data["train"] = processor.get_train_examples(FLAGS.data_dir)
    if FLAGS.do_eval or FLAGS.eval_every_steps and FLAGS.do_train:
        data["dev"] = [(None, processor.get_dev_examples(FLAGS.data_dir))]
        data["dev"] += sorted(
            processor.get_extra_dev_examples(FLAGS.data_dir).items())
    if FLAGS.do_predict:
        data["test"] = processor.get_test_examples(FLAGS.data_dir)
    return data


def count_train_steps(train_examples):
    """(num_train_steps, num_warmup_steps) as the reference computes them."""
    num_train_steps = int(
        len(train_examples) / FLAGS.train_batch_size * FLAGS.num_train_epochs)
    if num_train_steps < 1:
        raise InputError(
            "%d training examples at --train_batch_size=%d for "
            "--num_train_epochs=%s make no training step"
            % (len(train_examples), FLAGS.train_batch_size, FLAGS.num_train_epochs))
    return num_train_steps, int(num_train_steps * FLAGS.warmup_proportion)


def run():
    bert_config = check_flags()
    processor = load_processor()
    if FLAGS.glue_submission_dir and processor.glue_name is None:
        raise InputError("--glue_submission_dir: task %s is not a GLUE task"
                         % FLAGS.task_name)
    tokenizer = checks.load_tokenizer(FLAGS.vocab_file, FLAGS.do_lower_case)
    data = read_data_sets(processor)
    num_train_steps, num_warmup_steps = None, None
    if FLAGS.do_train:
        num_train_steps, num_warmup_steps = count_train_steps(data["train"])

    if (FLAGS.distribution_strategy == "multi_worker_mirrored"
            and not distribution.is_chief()):
        run_worker(bert_config, processor, tokenizer, data["train"],
                   num_train_steps, num_warmup_steps)
        return
    tf.io.gfile.makedirs(FLAGS.output_dir)
    with OutputDirLock(FLAGS.output_dir):
        if isinstance(processor, CustomDataProcessor) and FLAGS.do_train:
            save_label_list(processor.get_labels())
        eval_sets = None
        if "dev" in data:
            eval_sets = prepare_eval_sets(processor, tokenizer, data["dev"])
        estimator, trainer = make_estimators(
            bert_config, processor, num_train_steps, num_warmup_steps)
        if FLAGS.do_train:
            train(trainer, processor, tokenizer, data["train"], num_train_steps,
                  FLAGS.output_dir, eval_recorder(estimator, eval_sets, processor))
        if FLAGS.do_eval:
            result = evaluate(estimator, eval_sets)
            atomic.write_text(
                os.path.join(FLAGS.output_dir, "eval_results.txt"),
                results.format_eval_results(result))
        if FLAGS.do_predict:
            predict(estimator, processor, tokenizer, data["test"])
        if FLAGS.do_export:
            export(bert_config, processor)


def eval_recorder(estimator, eval_sets, processor):
    """With --eval_every_steps, what records an evaluation in eval_history.tsv
    (and best/); else None."""
    if not FLAGS.eval_every_steps:
        return None
    history = EvalHistory(FLAGS.output_dir, processor.main_metric)

    def record_eval():
        history.record(evaluate(estimator, eval_sets),
                       estimator.latest_checkpoint())
    return record_eval


def run_worker(bert_config, processor, tokenizer, train_examples,
               num_train_steps, num_warmup_steps):
    """A multi_worker_mirrored worker other than the chief: it only trains.

    Its feature file goes to a local temporary folder; the chief alone writes
    to --output_dir (checkpoints, results) and evaluates and predicts.
    """
    if not FLAGS.do_train:
        tf1.logging.info("not the chief and no --do_train: nothing to do")
        return
    _, trainer = make_estimators(
        bert_config, processor, num_train_steps, num_warmup_steps)
    feature_dir = tempfile.mkdtemp(prefix="run_classifier_worker_")
    train(trainer, processor, tokenizer, train_examples, num_train_steps,
          feature_dir)


def export(bert_config, processor):
    """Exports the trained (or given) checkpoint to --export_dir."""
    checkpoint = tf.train.latest_checkpoint(FLAGS.output_dir)
    if not FLAGS.do_train and FLAGS.init_checkpoint:
        checkpoint = FLAGS.init_checkpoint
    if checkpoint is None:
        raise InputError("--do_export: no checkpoint in --output_dir=%s: train "
                         "first or pass --init_checkpoint" % FLAGS.output_dir)
    export_classifier(bert_config, checkpoint, FLAGS.export_dir,
                      processor.get_labels(), FLAGS.vocab_file,
                      FLAGS.do_lower_case, FLAGS.max_seq_length, FLAGS.task_name)
    tf1.logging.info("exported %s to %s", checkpoint, FLAGS.export_dir)


def main(_):
    tf1.logging.set_verbosity(tf1.logging.INFO)
    try:
        run()
    except (InputError, TrainingDivergedError) as error:
        sys.stderr.write("run_classifier: error: %s\n" % error)
        sys.exit(2)


if __name__ == "__main__":
    app.run(main)
