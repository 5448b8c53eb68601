"""One run's settings: every run_classifier flag, defined once and passed down.

RunConfig's fields are the flags: each field's type, default and help are
the flag's (classifier/cli.py defines the flags from them). A training run
saves its settings as run_config.json in output_dir; a later training run
into the same folder must have the same TRAINING_FIELDS.
"""

import dataclasses
import json
import os
from typing import Optional, Tuple

import tensorflow as tf

from bert.classifier import hardware
from bert.classifier.runtime import distribution
from bert.classifier.runtime.choice import RUNTIMES
from bert.processors import TASKS
from bert.processors.nli import XNLI_LANGUAGES

# --precision -> the dtype of the encoder's matrix products.
COMPUTE_DTYPES = {"fp32": tf.float32, "bf16": tf.bfloat16, "fp16": tf.float16}
RUN_CONFIG_FILE = "run_config.json"
# The settings that change what training computes: resuming a run under
# different ones would mix two trainings in one folder.
TRAINING_FIELDS = (
    "task_name", "data_dir", "xnli_language", "text_a_column", "text_b_column",
    "label_column", "has_header", "label_list", "labels_file", "multi_label",
    "label_separator", "bert_config_file", "vocab_file",
    "init_checkpoint", "do_lower_case", "max_seq_length", "train_batch_size",
    "learning_rate", "num_train_epochs", "warmup_proportion", "random_seed",
    "precision", "gradient_accumulation_steps", "bucket_by_length",
    "classifier_dropout")
PATH_FIELDS = ("data_dir", "bert_config_file", "vocab_file", "init_checkpoint",
               "labels_file")


# The ranges a number field may be held to (option's valid_range): name ->
# (the test, what the one-line error says of a value outside it).
RANGES = {
    "positive": (lambda value: value > 0, "must be greater than 0"),
    "not_negative": (lambda value: value >= 0, "must not be negative"),
    "fraction": (lambda value: 0 <= value < 1, "must be at least 0 and below 1"),
}


def required(help_text):
    """A field every run must give (a required flag)."""
    return dataclasses.field(metadata={"help": help_text})


def option(default, help_text, choices=None, valid_range=None):
    """A field with a default; choices make its flag an enum; valid_range
    (a key of RANGES) is checked before a run starts."""
    return dataclasses.field(default=default, metadata={
        "help": help_text, "choices": choices, "valid_range": valid_range})


def fast_preset(use_tpu, native_bf16):
    """--fast: the fastest settings that keep accuracy on the device: bf16
    products where the hardware multiplies bf16 natively (else fp32), the
    last layer for [CLS] alone, and on CPU/GPU dynamic padding with
    length-bucketed training batches, evaluation and prediction in order of
    length, and fused kernels (on a TPU, XLA compiles the whole step; TPUs
    need fixed shapes)."""
    preset = {"precision": "bf16" if native_bf16 else "fp32",
              "cls_only_last_layer": True}
    if not use_tpu:
        preset.update(dynamic_padding=True, bucket_by_length=True,
                      sort_by_length=True, fused_kernels=True)
    return preset


@dataclasses.dataclass(frozen=True)
class RunConfig(object):
    """The settings of one run_classifier run: one field per flag, with
    the flag's name, type, default (the reference's where it had the flag)
    and help, so code can build one without absl: RunConfig(data_dir=...,
    ...)."""

    # Required.
    data_dir: str = required(
        "Input data dir: the .tsv files (or other data files) of the task.")
    bert_config_file: str = required(
        "bert_config.json of the pre-trained model: its architecture.")
    task_name: str = required(
        "The task (case-insensitive): one of %s; or tsv, csv, jsonl for your "
        "own data (see --text_a_column)." % ", ".join(sorted(TASKS)))
    vocab_file: str = required("vocab.txt the model was trained with.")
    output_dir: str = required(
        "Where checkpoints, feature files and result files are written.")

    # The reference's other flags.
    init_checkpoint: Optional[str] = option(
        None, "Checkpoint to start from, usually a released BERT's "
        "bert_model.ckpt; a folder (an output_dir, or its best/) means its "
        "latest checkpoint.")
    do_lower_case: bool = option(
        True, "Lower-case and strip accents: True for uncased models, False for "
        "cased.")
    max_seq_length: int = option(
        128, "Length after WordPiece tokenization, [CLS] and [SEP] included. "
        "Longer sequences are truncated, shorter ones padded.")
    do_train: bool = option(False, "Fine-tune on the train set.")
    do_eval: bool = option(False, "Evaluate on the dev set.")
    do_predict: bool = option(False, "Predict the test set.")
    train_batch_size: int = option(
        32, "Batch size for training.",
        valid_range="positive")
    eval_batch_size: int = option(
        8, "Batch size for eval.",
        valid_range="positive")
    predict_batch_size: int = option(
        8, "Batch size for predict.",
        valid_range="positive")
    learning_rate: float = option(
        5e-05, "Peak learning rate of Adam.",
        valid_range="not_negative")
    num_train_epochs: float = option(
        3.0, "Number of training epochs.",
        valid_range="not_negative")
    warmup_proportion: float = option(
        0.1, "Fraction of training steps with a linear learning-rate warm-up.",
        valid_range="not_negative")
    save_checkpoints_steps: int = option(
        1000, "Steps between checkpoint saves.",
        valid_range="positive")
    iterations_per_loop: int = option(
        1000, "Steps per TPU host loop (estimator call).",
        valid_range="positive")
    use_tpu: bool = option(False, "Run on a Cloud TPU.")
    tpu_name: Optional[str] = option(
        None, "Cloud TPU name or grpc://ip.address.of.tpu:8470 (used with "
        "--use_tpu).")
    tpu_zone: Optional[str] = option(
        None, "GCE zone of the Cloud TPU; found from metadata when not given.")
    gcp_project: Optional[str] = option(
        None, "GCP project of the Cloud TPU; found from metadata when not given.")
    master: Optional[str] = option(None, "TensorFlow master URL.")
    num_tpu_cores: int = option(8, "TPU cores to use (with --use_tpu).")

    # Beyond the reference: more tasks, your own data, readable outputs.
    xnli_language: str = option(
        "zh", "XNLI language (%s)." % " ".join(XNLI_LANGUAGES))
    text_a_column: Optional[str] = option(
        None, "Your own data (--task_name=tsv/csv/jsonl): column of the first "
        "text, a 0-based index for tsv/csv, a key for jsonl.")
    text_b_column: Optional[str] = option(
        None, "Your own data: column of the second text of a pair (optional).")
    label_column: Optional[str] = option(None, "Your own data: column of the label.")
    has_header: bool = option(
        False, "Your own data: the first row of each file is a header.")
    label_list: Optional[Tuple[str, ...]] = option(
        None, "Your own data: the labels, comma-separated, in class-id order. "
        "Default: read from the training file (sorted) and saved as "
        "label_list.txt in output_dir, which later eval/predict runs reuse.")
    labels_file: Optional[str] = option(
        None, "Your own data: a file with the label names, one per line, in "
        "class-id order (instead of --label_list). Multi-label data may "
        "then give labels as 0-based ids, e.g. GoEmotions' label ids with "
        "its emotions.txt.")

    # Multi-label classification.
    multi_label: bool = option(
        False, "Your own data: each label field holds any number of labels, joined"
        " by --label_separator (in jsonl also a list). Sigmoid outputs, "
        "binary cross-entropy, micro/macro F1 metrics (task goemotions is "
        "multi-label already).")
    label_separator: str = option(
        ",", "With --multi_label: what separates the labels in a label field.")
    multi_label_threshold: Optional[float] = option(
        None, "Multi-label tasks: a label is predicted when its probability is at"
        " least this. Default: the threshold --tune_threshold saved in "
        "--output_dir, else 0.5.")
    tune_threshold: bool = option(
        False, "Multi-label tasks, with --do_eval: choose the threshold "
        "(0.01-0.99) with the best dev macro F1, save it in --output_dir "
        "and use it for predict and export from then on.")
    per_label_thresholds: bool = option(
        False, "With --tune_threshold: one threshold per label, each the one "
        "(0.01-0.99) with that label's best dev F1.")
    glue_submission_dir: Optional[str] = option(
        None, "With --do_predict on a GLUE task: also write the file the GLUE "
        "server takes (e.g. MRPC.tsv) into this folder.")
    eval_every_steps: int = option(
        0, "Evaluate on dev every N training steps (0: off), log the metrics "
        "to eval_history.tsv and keep the best checkpoint in "
        "output_dir/best/.",
        valid_range="not_negative")
    early_stopping_evals: int = option(
        0, "With --eval_every_steps: stop training when the task's main dev "
        "metric has not improved in this many evaluations (0: never); best/"
        " keeps the best checkpoint.",
        valid_range="not_negative")
    keep_checkpoint_max: int = option(
        5, "How many recent checkpoints to keep.",
        valid_range="positive")
    random_seed: Optional[int] = option(
        None, "Seed for initialisation, dropout and shuffling, for repeatable "
        "runs. Default: none, as the reference (every run differs).")

    # Serving.
    do_export: bool = option(
        False, "Export a SavedModel for TensorFlow Serving and classify.py: of the"
        " trained model with --do_train, else of --init_checkpoint (a fine-"
        "tuned checkpoint) or the latest checkpoint in --output_dir.")
    export_dir: Optional[str] = option(
        None, "Folder to export to (with --do_export); must not exist yet. For "
        "TensorFlow Serving use <model base path>/<version number>.")

    # Speed.
    dynamic_padding: bool = option(
        True, "Cut each batch to its longest real sequence: the same results, "
        "less work. Always off with --use_tpu (TPUs need fixed shapes).")
    bucket_by_length: bool = option(
        False, "Training batches group examples of similar length (8-token "
        "buckets): less padding, but a different batch composition than the"
        " reference.")
    sort_by_length: bool = option(
        False, "Evaluation and prediction run their examples shortest first, in "
        "batches of similar length: far less padding. Predictions are "
        "written in input order, as without it; eval_loss, a mean over "
        "batches, moves slightly. Off with --use_tpu.")
    precision: str = option(
        "fp32", "Number format of the encoder's matrix products. "
        "bf16: bfloat16 products (TPUs, CPUs with AVX-512-BF16/AMX, recent "
        "GPUs); fp16: float16 products with dynamic loss scaling that skips"
        " steps with inf/nan gradients (GPUs). Variables, LayerNorm, "
        "softmax and the loss stay fp32, checkpoints stay fp32.",
        choices=tuple(COMPUTE_DTYPES))
    use_xla: bool = option(False, "Compile the graph with XLA JIT.")
    fused_kernels: bool = option(
        False, "Training: compute the encoder's GELU, softmax, dropout + "
        "residual + LayerNorm and the optimizer's update as XLA-compiled "
        "kernels (fused_kernels.py); evaluation, prediction and export: "
        "build GELU and LayerNorm in the forms oneDNN fuses. The same maths "
        "in fewer passes over memory. Off TPU.")
    classifier_dropout: float = option(
        0.1, "Dropout rate on the pooled [CLS] output before the classifier "
        "layer, in training (the reference's fixed 0.1).",
        valid_range="fraction")
    cls_only_last_layer: bool = option(
        False, "The last encoder layer computes its queries, attention output and "
        "feed-forward for [CLS] alone, the one position the classifier "
        "reads (its keys and values still from every token): the same "
        "outputs up to rounding, for about a sixth of that layer's work.")
    fast: bool = option(
        False, "The fastest setting that keeps accuracy: --precision=bf16 where "
        "the hardware multiplies bf16 (TPU, GPU of compute capability 8.0+,"
        " CPU with AVX-512 BF16 or AMX; else fp32) plus, off TPU, "
        "--dynamic_padding, --bucket_by_length, --sort_by_length and "
        "--fused_kernels; --cls_only_last_layer everywhere. Flags given "
        "explicitly win.")
    gradient_accumulation_steps: int = option(
        1, "Split each training batch into this many micro-batches and apply "
        "their summed gradients once: the update of the full "
        "--train_batch_size with the memory of one micro-batch (not with "
        "--use_tpu).",
        valid_range="positive")
    distribution_strategy: str = option(
        "none", "Train on several devices: "
        "mirrored = every GPU of this machine (every logical CPU device "
        "when there is none); multi_worker_mirrored = every GPU of every "
        "host listed in the TF_CONFIG environment variable. The global "
        "batch stays --train_batch_size, split evenly over the replicas. "
        "Eval and predict run on one device (on the chief).",
        choices=distribution.STRATEGIES)
    cluster_timeout_secs: int = option(
        600, "multi_worker_mirrored on --runtime=function: how long a task waits"
        " for the others, at the start and in each step's all-reduce, "
        "before the run stops with an error (a task that died or never "
        "came).")
    runtime: str = option(
        "auto", "What drives the model: "
        "estimator = TPUEstimator (TensorFlow 2.15, the reference's "
        "runtime); session = tf.compat.v1 sessions (any TensorFlow 2, one "
        "host); function = tf.function under tf.distribute (any TensorFlow "
        "2; several hosts, today's TPUs); auto = estimator where TensorFlow"
        " has it, else session, or function for multi_worker_mirrored and "
        "--use_tpu. Same checkpoints, logs and result files.",
        choices=RUNTIMES)

    @classmethod
    def from_flags(cls, flag_values):
        """The configuration of parsed absl flag values (every field a flag)."""
        values = {field.name: flag_values[field.name].value
                  for field in dataclasses.fields(cls)}
        if values["label_list"] is not None:
            values["label_list"] = tuple(values["label_list"])
        if values["fast"]:
            given = {name for name in values if flag_values[name].present}
            native, machine = hardware.native_bf16(values["use_tpu"])
            if "precision" not in given:
                tf.compat.v1.logging.info(
                    "--fast: %s products (%s)", "bf16" if native else "fp32",
                    machine)
            values.update({name: value for name, value in fast_preset(
                values["use_tpu"], native).items() if name not in given})
        return cls(**values)

    def to_json(self):
        """The settings as saved in run_config.json (local paths absolute)."""
        values = dataclasses.asdict(self)
        for name in PATH_FIELDS:
            if values[name] and "://" not in values[name]:
                values[name] = os.path.abspath(values[name])
        if values["label_list"] is not None:
            values["label_list"] = list(values["label_list"])
        return json.dumps(values, indent=2, sort_keys=True) + "\n"

    def training_differences(self, saved_json):
        """[(field, saved value, this value)] of the TRAINING_FIELDS that
        differ from a run_config.json's text (a field that a file from an
        older version lacks had its default value)."""
        saved = json.loads(saved_json)
        current = json.loads(self.to_json())
        defaults = {field.name: field.default for field in dataclasses.fields(self)}
        return [(name, saved.get(name, defaults[name]), current[name])
                for name in TRAINING_FIELDS
                if saved.get(name, defaults[name]) != current[name]]

    @property
    def pads_dynamically(self):
        """--dynamic_padding, forced off on TPU (TPUs need fixed shapes)."""
        return self.dynamic_padding and not self.use_tpu

    @property
    def micro_batch_size(self):
        """Examples per forward pass in training: --train_batch_size split
        over --gradient_accumulation_steps."""
        return self.train_batch_size // self.gradient_accumulation_steps

    @property
    def sorts_by_length(self):
        """--sort_by_length, off on TPU (its batches are all of one size)."""
        return self.sort_by_length and not self.use_tpu

    @property
    def compute_dtype(self):
        return COMPUTE_DTYPES[self.precision]

    @property
    def multi_worker(self):
        return self.distribution_strategy == "multi_worker_mirrored"

    @property
    def evaluates_during_training(self):
        return bool(self.do_train and self.eval_every_steps)
