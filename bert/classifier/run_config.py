"""One run's settings: every run_classifier flag, built once and passed down.

A training run saves its settings as run_config.json in output_dir; a later
training run into the same folder must have the same TRAINING_FIELDS.
"""

import dataclasses
import json
import os
from typing import Optional, Tuple

import tensorflow as tf

from bert.classifier import hardware

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
    "precision", "gradient_accumulation_steps", "bucket_by_length")
PATH_FIELDS = ("data_dir", "bert_config_file", "vocab_file", "init_checkpoint",
               "labels_file")


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
    """The settings of one run_classifier run; field names are the flags'.

    Defaults are the flags' defaults (the reference's where it had the flag),
    so code can build one without absl: RunConfig(data_dir=..., ...).
    """

    data_dir: str
    bert_config_file: str
    task_name: str
    vocab_file: str
    output_dir: str
    init_checkpoint: Optional[str] = None
    do_lower_case: bool = True
    max_seq_length: int = 128
    do_train: bool = False
    do_eval: bool = False
    do_predict: bool = False
    train_batch_size: int = 32
    eval_batch_size: int = 8
    predict_batch_size: int = 8
    learning_rate: float = 5e-5
    num_train_epochs: float = 3.0
    warmup_proportion: float = 0.1
    save_checkpoints_steps: int = 1000
    iterations_per_loop: int = 1000
    use_tpu: bool = False
    tpu_name: Optional[str] = None
    tpu_zone: Optional[str] = None
    gcp_project: Optional[str] = None
    master: Optional[str] = None
    num_tpu_cores: int = 8
    xnli_language: str = "zh"
    text_a_column: Optional[str] = None
    text_b_column: Optional[str] = None
    label_column: Optional[str] = None
    has_header: bool = False
    label_list: Optional[Tuple[str, ...]] = None
    labels_file: Optional[str] = None
    multi_label: bool = False
    label_separator: str = ","
    multi_label_threshold: Optional[float] = None
    tune_threshold: bool = False
    per_label_thresholds: bool = False
    glue_submission_dir: Optional[str] = None
    eval_every_steps: int = 0
    keep_checkpoint_max: int = 5
    random_seed: Optional[int] = None
    do_export: bool = False
    export_dir: Optional[str] = None
    dynamic_padding: bool = True
    bucket_by_length: bool = False
    sort_by_length: bool = False
    precision: str = "fp32"
    use_xla: bool = False
    fused_kernels: bool = False
    cls_only_last_layer: bool = False
    gradient_accumulation_steps: int = 1
    distribution_strategy: str = "none"
    cluster_timeout_secs: int = 600
    early_stopping_evals: int = 0
    fast: bool = False
    runtime: str = "auto"

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
