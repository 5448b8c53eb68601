"""Every check of a run's settings and inputs, run before anything is
written; each fails with a one-line InputError."""

import dataclasses
import os

import tensorflow as tf

from bert import modeling
from bert import tokenization
from bert.classifier import checkpoint_check
from bert.classifier.run_config import RANGES, RUN_CONFIG_FILE
from bert.classifier.runtime import choice, distribution
from bert.errors import InputError


def check_run_config(config):
    """Every check of a RunConfig that needs no data; returns the BERT config."""
    check_actions(config.do_train, config.do_eval, config.do_predict,
                  config.do_export)
    if config.do_export:
        check_export_dir(config.export_dir)
    check_ranges(config, ["positive"])
    check_runtime(config)
    check_speed_options(config)
    check_label_options(config)
    check_ranges(config, [kind for kind in RANGES if kind != "positive"])
    if config.early_stopping_evals and not config.evaluates_during_training:
        raise InputError("--early_stopping_evals=%d needs --do_train and "
                         "--eval_every_steps" % config.early_stopping_evals)
    check_case(config.do_lower_case, config.init_checkpoint)
    bert_config = load_bert_config(config.bert_config_file)
    check_seq_length(config.max_seq_length, bert_config)
    check_init_checkpoint(config.init_checkpoint)
    check_checkpoint_matches_config(
        config.init_checkpoint, bert_config, config.bert_config_file)
    check_output_dir(config.output_dir)
    if config.do_train and config.precision == "fp16":
        check_resumable(config.output_dir, ["loss_scale"], "--precision=fp16")
    if config.do_train and config.gradient_accumulation_steps > 1:
        check_resumable(config.output_dir, ["gradient_accumulation_step"],
                        "--gradient_accumulation_steps")
    if not tf.io.gfile.isdir(config.data_dir):
        raise InputError("--data_dir=%s is not a directory" % config.data_dir)
    return bert_config


def check_speed_options(config):
    """Precision, accumulation and distribution flags that cannot go together."""
    if config.train_batch_size % config.gradient_accumulation_steps:
        raise InputError("--train_batch_size=%d is not a multiple of "
                         "--gradient_accumulation_steps=%d"
                         % (config.train_batch_size,
                            config.gradient_accumulation_steps))
    if config.use_tpu and config.precision == "fp16":
        raise InputError("--precision=fp16 is for GPUs: use --precision=bf16 "
                         "with --use_tpu")
    if config.use_tpu and config.distribution_strategy != "none":
        raise InputError("--distribution_strategy is for GPUs and CPUs: with "
                         "--use_tpu, training spreads over the TPU's cores")
    if (config.distribution_strategy != "none"
            and config.gradient_accumulation_steps > 1):
        raise InputError("--gradient_accumulation_steps works only with "
                         "--distribution_strategy=none: use more replicas or "
                         "a smaller --train_batch_size instead")
    if config.multi_worker:
        distribution.check_cluster()
    if config.use_tpu and config.gradient_accumulation_steps > 1:
        raise InputError("--gradient_accumulation_steps works on CPU/GPU only: "
                         "drop it with --use_tpu (TPUs fit larger batches)")
    if config.use_tpu and config.fused_kernels:
        raise InputError("--fused_kernels works on CPU/GPU only: drop it with "
                         "--use_tpu (XLA compiles the whole TPU step already)")


def check_label_options(config):
    """The label list and multi-label flags that need no data."""
    if config.label_list and config.labels_file:
        raise InputError("--label_list and --labels_file both give the labels: "
                         "pass one of them")
    if config.labels_file and not tf.io.gfile.exists(config.labels_file):
        raise InputError("--labels_file=%s does not exist: pass a file with one "
                         "label name per line" % config.labels_file)
    if not config.label_separator:
        raise InputError("--label_separator must not be empty")
    threshold = config.multi_label_threshold
    if threshold is not None and not 0.0 < threshold < 1.0:
        raise InputError("--multi_label_threshold=%s must be between 0 and 1 "
                         "(exclusive)" % threshold)
    if config.tune_threshold and not config.do_eval:
        raise InputError("--tune_threshold chooses the threshold on the dev set: "
                         "add --do_eval")
    if config.per_label_thresholds and not config.tune_threshold:
        raise InputError("--per_label_thresholds is a way to --tune_threshold: "
                         "add --tune_threshold")
    if config.tune_threshold and threshold is not None:
        raise InputError("--tune_threshold chooses the threshold: drop "
                         "--multi_label_threshold=%s" % threshold)


def check_runtime(config):
    """--runtime, --use_tpu and multi_worker_mirrored against this TensorFlow:
    the session runtime runs on one host, without a TPU."""
    version = tf.version.VERSION
    if config.runtime == "estimator" and not choice.has_estimator():
        raise InputError(
            "--runtime=estimator needs TensorFlow 2.15 (the last release with "
            "Estimator); this is TensorFlow %s: leave --runtime out or use "
            "--runtime=session or --runtime=function" % version)
    if choice.resolve(config.runtime, config.multi_worker,
                      config.use_tpu) != "session":
        return
    if config.use_tpu:
        raise InputError(
            "--use_tpu does not run on --runtime=session: use "
            "--runtime=function (or leave --runtime out)")
    if config.multi_worker:
        raise InputError(
            "--distribution_strategy=multi_worker_mirrored does not run on "
            "--runtime=session: use --runtime=function (or leave --runtime out)")


def check_replica_split(train_batch_size, strategy, strategy_name):
    """The global batch must split evenly over the strategy's replicas."""
    if strategy is None:
        return
    replicas = strategy.num_replicas_in_sync
    if train_batch_size % replicas:
        raise InputError("--train_batch_size=%d does not split evenly over the "
                         "%d replicas of --distribution_strategy=%s"
                         % (train_batch_size, replicas, strategy_name))


def check_task_options(config, processor):
    """Flags that only some tasks take."""
    if config.glue_submission_dir and processor.glue_name is None:
        raise InputError("--glue_submission_dir: task %s is not a GLUE task"
                         % config.task_name)
    if config.multi_label and not processor.multi_label:
        raise InputError(
            "--multi_label: task %s has one label per example; for your own "
            "multi-label data use --task_name=tsv, csv or jsonl with "
            "--multi_label" % config.task_name)
    for flag, given in (("tune_threshold", config.tune_threshold),
                        ("multi_label_threshold",
                         config.multi_label_threshold is not None)):
        if given and not processor.multi_label:
            raise InputError("--%s is for multi-label tasks; task %s has one "
                             "label per example" % (flag, config.task_name))


def check_actions(do_train, do_eval, do_predict, do_export=False):
    if not (do_train or do_eval or do_predict or do_export):
        raise InputError(
            "nothing to do: pass at least one of --do_train, --do_eval, --do_predict")


def check_ranges(config, kinds):
    """Each field of config held to one of these kinds of range
    (run_config.RANGES, by option's valid_range) must lie in it; fields are
    checked kind by kind, by name."""
    for kind in kinds:
        inside, says = RANGES[kind]
        for field in sorted(dataclasses.fields(config), key=lambda f: f.name):
            value = getattr(config, field.name)
            if field.metadata.get("valid_range") == kind and (
                    value is None or not inside(value)):
                raise InputError("--%s=%s %s" % (field.name, value, says))


def load_bert_config(bert_config_file):
    """Reads and checks bert_config.json; errors name the file and the key."""
    if not tf.io.gfile.exists(bert_config_file):
        raise InputError(
            "--bert_config_file=%s does not exist: pass the bert_config.json of "
            "the model" % bert_config_file)
    try:
        config = modeling.BertConfig.from_json_file(bert_config_file)
        modeling.get_activation(config.hidden_act)
    except ValueError as error:
        raise InputError("--bert_config_file: %s" % error)
    if config.hidden_size % config.num_attention_heads != 0:
        raise InputError(
            "%s: hidden_size %d is not a multiple of num_attention_heads %d"
            % (bert_config_file, config.hidden_size, config.num_attention_heads))
    return config


def check_seq_length(max_seq_length, bert_config):
    if max_seq_length > bert_config.max_position_embeddings:
        raise InputError(
            "--max_seq_length=%d is larger than the model's "
            "max_position_embeddings=%d: lower --max_seq_length"
            % (max_seq_length, bert_config.max_position_embeddings))
    if max_seq_length < 3:
        raise InputError("--max_seq_length=%d must be at least 3" % max_seq_length)


def check_case(do_lower_case, init_checkpoint):
    try:
        tokenization.validate_case_matches_checkpoint(do_lower_case, init_checkpoint)
    except ValueError as error:
        raise InputError(str(error))


def resolve_init_checkpoint(init_checkpoint):
    """A checkpoint path as it is, or a folder's latest checkpoint (its
    `checkpoint` file: an output_dir, or its best/)."""
    if not init_checkpoint or not tf.io.gfile.isdir(init_checkpoint):
        return init_checkpoint
    latest = tf.train.latest_checkpoint(init_checkpoint)
    if latest is None:
        raise InputError(
            "--init_checkpoint=%s is a folder without a `checkpoint` file naming "
            "its latest checkpoint: pass a checkpoint path such as "
            "%s/model.ckpt-1000" % (init_checkpoint, init_checkpoint.rstrip("/")))
    return latest


def check_init_checkpoint(init_checkpoint):
    if not init_checkpoint:
        return
    if not tf.io.gfile.exists(init_checkpoint + ".index"):
        raise InputError(
            "--init_checkpoint=%s: no checkpoint there (%s.index is missing): pass "
            "the path without the .index/.data suffix, or a folder holding a "
            "`checkpoint` file" % (init_checkpoint, init_checkpoint))
    what = checkpoint_check.damage(init_checkpoint)
    if what:
        raise InputError("--init_checkpoint=%s is damaged: %s: copy or download "
                         "it again" % (init_checkpoint, what))


def check_same_training(config):
    """Training into an output_dir trained before needs that run's settings.

    Run under the output_dir's lock: while another run holds it, that is the
    error to report.
    """
    saved_path = os.path.join(config.output_dir, RUN_CONFIG_FILE)
    if not tf.io.gfile.exists(saved_path):
        return
    with tf.io.gfile.GFile(saved_path) as reader:
        try:
            differences = config.training_differences(reader.read())
        except (ValueError, AttributeError):
            raise InputError(
                "%s does not read as JSON settings: train into a new "
                "--output_dir, or put that run's run_config.json back"
                % saved_path)
    if differences:
        raise InputError(
            "--output_dir=%s holds a training with other settings (%s): train "
            "into a new --output_dir, or rerun with the saved values to resume"
            % (config.output_dir, ", ".join(
                "--%s was %s, now %s" % difference for difference in differences)))


def load_tokenizer(vocab_file, do_lower_case):
    """Builds the FullTokenizer; the vocab must hold [CLS], [SEP] and [UNK]."""
    try:
        tokenizer = tokenization.FullTokenizer(vocab_file, do_lower_case)
    except ValueError as error:
        raise InputError("--vocab_file: %s" % error)
    missing = [token for token in ("[CLS]", "[SEP]", "[UNK]")
               if token not in tokenizer.vocab]
    if missing:
        raise InputError("--vocab_file=%s lacks the token(s) %s: use the model's "
                         "vocab.txt" % (vocab_file, " ".join(missing)))
    return tokenizer


def check_output_dir(output_dir):
    if tf.io.gfile.exists(output_dir) and not tf.io.gfile.isdir(output_dir):
        raise InputError("--output_dir=%s is a file, not a directory: choose "
                         "another path" % output_dir)


def check_resumable(output_dir, needed_variables, flag):
    """Training resumes from output_dir's newest checkpoint, which must hold the
    variables `flag` adds to the graph (a run without it saved none)."""
    checkpoint = checkpoint_check.newest_whole(output_dir)
    if not checkpoint:
        return
    stored = {name for name, _ in tf.train.list_variables(checkpoint)}
    missing = [name for name in needed_variables if name not in stored]
    if missing:
        raise InputError(
            "--output_dir=%s holds checkpoints of a run without %s (%s lacks %s): "
            "train into a new --output_dir, or rerun with that run's flags"
            % (output_dir, flag, checkpoint, missing[0]))


def check_checkpoint_matches_config(init_checkpoint, bert_config, bert_config_file):
    """Every BERT variable the checkpoint holds has the shape the config implies."""
    if not init_checkpoint:
        return
    stored = dict(tf.train.list_variables(init_checkpoint))
    for name, shape in sorted(modeling.variable_shapes(bert_config).items()):
        if name in stored and list(stored[name]) != shape:
            raise InputError(
                "--init_checkpoint=%s does not fit --bert_config_file=%s: %s has "
                "shape %s in the checkpoint, %s by the config: use the config "
                "released with the checkpoint"
                % (init_checkpoint, bert_config_file, name, list(stored[name]),
                   shape))


def check_export_dir(export_dir):
    """The export folder must be new: TensorFlow Serving wants one per version."""
    if not export_dir:
        raise InputError("--do_export needs --export_dir")
    if tf.io.gfile.exists(export_dir):
        raise InputError("--export_dir=%s exists already: choose a new folder "
                         "(TensorFlow Serving expects one per version)" % export_dir)
