"""Fine-tunes BERT for sentence (pair) classification: train, eval and predict.

Runs on CPU, GPU or Cloud TPU (--use_tpu). Same flags and result files as the
script released with BERT; see README.md for the flags, tasks and outputs.
This file defines the flags and hands them, as one RunConfig, to
classifier/runner.py; it also re-exports the reference's Python API.
"""

from classifier import startup

# TensorFlow's C++ start-up notices (CUDA, CPU features) say nothing a user
# acts on; TF_CPP_MIN_LOG_LEVEL=0 brings them back.
startup.start_tensorflow()

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

from classifier import distribution, logs, runner  # noqa: E402
from classifier.divergence import TrainingDivergedError  # noqa: E402
from classifier.features import (  # noqa: E402
    InputFeatures, PaddingInputExample, convert_examples_to_features,
    convert_single_example, file_based_convert_examples_to_features)
from classifier.input_pipeline import (  # noqa: E402
    file_based_input_fn_builder, input_fn_builder)
from classifier.model_fn import create_model, model_fn_builder  # noqa: E402
from classifier.run_config import RunConfig  # noqa: E402
from classifier.runtime.choice import RUNTIMES  # noqa: E402
from errors import reported_errors  # noqa: E402
from processors import (  # noqa: E402
    TASKS, ColaProcessor, DataProcessor, InputExample, MnliProcessor,
    MrpcProcessor, XnliProcessor)

# The reference's Python API (SPEC §9): notebooks import these from here.
__all__ = [
    "ColaProcessor", "DataProcessor", "InputExample", "InputFeatures",
    "MnliProcessor", "MrpcProcessor", "PaddingInputExample", "XnliProcessor",
    "convert_examples_to_features", "convert_single_example", "create_model",
    "file_based_convert_examples_to_features", "file_based_input_fn_builder",
    "input_fn_builder", "model_fn_builder",
]

FLAGS = flags.FLAGS

# Required.
flags.DEFINE_string(
    "data_dir", None,
    "Input data dir: the .tsv files (or other data files) of the task.")
flags.DEFINE_string(
    "bert_config_file", None,
    "bert_config.json of the pre-trained model: its architecture.")
flags.DEFINE_string(
    "task_name", None,
    "The task (case-insensitive): one of %s; or tsv, csv, jsonl for your own "
    "data (see --text_a_column)." % ", ".join(sorted(TASKS)))
flags.DEFINE_string("vocab_file", None, "vocab.txt the model was trained with.")
flags.DEFINE_string(
    "output_dir", None,
    "Where checkpoints, feature files and result files are written.")

# Other parameters.
flags.DEFINE_string(
    "init_checkpoint", None,
    "Checkpoint to start from, usually a released BERT's bert_model.ckpt; a "
    "folder (an output_dir, or its best/) means its latest checkpoint.")
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
    "early_stopping_evals", 0,
    "With --eval_every_steps: stop training when the task's main dev metric "
    "has not improved in this many evaluations (0: never); best/ keeps the "
    "best checkpoint.")
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
flags.DEFINE_bool(
    "fused_kernels", False,
    "Compute the encoder's GELU, softmax, dropout + residual + LayerNorm and "
    "the optimizer's update as XLA-compiled kernels (fused_kernels.py): the "
    "same maths in fewer passes over memory. Off TPU.")
flags.DEFINE_bool(
    "fast", False,
    "The fastest setting that keeps accuracy: --precision=bf16 plus, off TPU, "
    "--dynamic_padding, --bucket_by_length and --fused_kernels. Flags given "
    "explicitly win.")
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
flags.DEFINE_enum(
    "runtime", "auto", list(RUNTIMES),
    "What drives the model: estimator = TPUEstimator (TensorFlow 2.15, the "
    "reference's runtime); session = tf.compat.v1 sessions (any TensorFlow 2; "
    "the only one on 2.16+, which has no Estimator); auto = estimator where "
    "TensorFlow has it. Same checkpoints, logs and result files.")

for _required in ("data_dir", "task_name", "vocab_file", "bert_config_file",
                  "output_dir"):
    flags.mark_flag_as_required(_required)


def main(_):
    logs.configure(verbosity_given=FLAGS["verbosity"].present)
    with reported_errors("run_classifier", TrainingDivergedError):
        runner.run(RunConfig.from_flags(FLAGS))


if __name__ == "__main__":
    app.run(main)
