"""run_classifier.py's command-line flags, defined in one place.

run_classifier.py defines them on absl's global FLAGS; reproduce.py defines
them on a FlagValues of its own to learn which it passes through to the
trials. Their names are the fields of classifier/run_config.py's RunConfig.
"""

import functools
import sys
import types

from absl import app
from absl import flags

from bert.classifier.runtime import distribution
from bert.classifier.runtime.choice import RUNTIMES
from bert.processors import TASKS
from bert.processors.nli import XNLI_LANGUAGES

REQUIRED = ("data_dir", "task_name", "vocab_file", "bert_config_file",
            "output_dir")


def run_command(main, module_name, flag_values=flags.FLAGS):
    """app.run(main), with module_name's docstring and flags as the
    program's own: absl's --help shows those of the program run (sys.argv[0]
    and __main__: a console script, a clone's stand-in script), whose code
    is module_name's."""
    sys.modules["__main__"].__doc__ = sys.modules[module_name].__doc__
    for flag in flag_values.flags_by_module_dict().pop(module_name, []):
        flag_values.register_flag_by_module(sys.argv[0], flag)
    app.run(main)


def define_flags(flag_values=flags.FLAGS, module_name=None):
    """Defines every run_classifier flag on flag_values, as flags of
    module_name (absl's --helpshort lists the main module's); returns their
    names."""
    before = set(flag_values)
    define = types.SimpleNamespace(**{
        kind: functools.partial(getattr(flags, "DEFINE_" + kind),
                                flag_values=flag_values, module_name=module_name)
        for kind in ("string", "bool", "integer", "float", "list", "enum")})
    # Required.
    define.string(
        "data_dir", None,
        "Input data dir: the .tsv files (or other data files) of the task.")
    define.string(
        "bert_config_file", None,
        "bert_config.json of the pre-trained model: its architecture.")
    define.string(
        "task_name", None,
        "The task (case-insensitive): one of %s; or tsv, csv, jsonl for your own "
        "data (see --text_a_column)." % ", ".join(sorted(TASKS)))
    define.string("vocab_file", None, "vocab.txt the model was trained with.")
    define.string(
        "output_dir", None,
        "Where checkpoints, feature files and result files are written.")

    # Other parameters.
    define.string(
        "init_checkpoint", None,
        "Checkpoint to start from, usually a released BERT's bert_model.ckpt; a "
        "folder (an output_dir, or its best/) means its latest checkpoint.")
    define.bool(
        "do_lower_case", True,
        "Lower-case and strip accents: True for uncased models, False for cased.")
    define.integer(
        "max_seq_length", 128,
        "Length after WordPiece tokenization, [CLS] and [SEP] included. Longer "
        "sequences are truncated, shorter ones padded.")
    define.bool("do_train", False, "Fine-tune on the train set.")
    define.bool("do_eval", False, "Evaluate on the dev set.")
    define.bool("do_predict", False, "Predict the test set.")
    define.integer("train_batch_size", 32, "Batch size for training.")
    define.integer("eval_batch_size", 8, "Batch size for eval.")
    define.integer("predict_batch_size", 8, "Batch size for predict.")
    define.float("learning_rate", 5e-5, "Peak learning rate of Adam.")
    define.float("num_train_epochs", 3.0, "Number of training epochs.")
    define.float(
        "warmup_proportion", 0.1,
        "Fraction of training steps with a linear learning-rate warm-up.")
    define.integer(
        "save_checkpoints_steps", 1000, "Steps between checkpoint saves.")
    define.integer(
        "iterations_per_loop", 1000, "Steps per TPU host loop (estimator call).")
    define.bool("use_tpu", False, "Run on a Cloud TPU.")
    define.string(
        "tpu_name", None,
        "Cloud TPU name or grpc://ip.address.of.tpu:8470 (used with --use_tpu).")
    define.string(
        "tpu_zone", None,
        "GCE zone of the Cloud TPU; found from metadata when not given.")
    define.string(
        "gcp_project", None,
        "GCP project of the Cloud TPU; found from metadata when not given.")
    define.string("master", None, "TensorFlow master URL.")
    define.integer(
        "num_tpu_cores", 8, "TPU cores to use (with --use_tpu).")

    # Beyond the reference: more tasks, your own data, readable outputs.
    define.string(
        "xnli_language", "zh",
        "XNLI language (%s)." % " ".join(XNLI_LANGUAGES))
    define.string(
        "text_a_column", None,
        "Your own data (--task_name=tsv/csv/jsonl): column of the first text, a "
        "0-based index for tsv/csv, a key for jsonl.")
    define.string(
        "text_b_column", None,
        "Your own data: column of the second text of a pair (optional).")
    define.string(
        "label_column", None, "Your own data: column of the label.")
    define.bool(
        "has_header", False, "Your own data: the first row of each file is a header.")
    define.list(
        "label_list", None,
        "Your own data: the labels, comma-separated, in class-id order. Default: "
        "read from the training file (sorted) and saved as label_list.txt in "
        "output_dir, which later eval/predict runs reuse.")
    define.string(
        "labels_file", None,
        "Your own data: a file with the label names, one per line, in class-id "
        "order (instead of --label_list). Multi-label data may then give labels "
        "as 0-based ids, e.g. GoEmotions' label ids with its emotions.txt.")

    # Multi-label classification.
    define.bool(
        "multi_label", False,
        "Your own data: each label field holds any number of labels, joined by "
        "--label_separator (in jsonl also a list). Sigmoid outputs, binary "
        "cross-entropy, micro/macro F1 metrics (task goemotions is multi-label "
        "already).")
    define.string(
        "label_separator", ",",
        "With --multi_label: what separates the labels in a label field.")
    define.float(
        "multi_label_threshold", None,
        "Multi-label tasks: a label is predicted when its probability is at "
        "least this. Default: the threshold --tune_threshold saved in "
        "--output_dir, else 0.5.")
    define.bool(
        "tune_threshold", False,
        "Multi-label tasks, with --do_eval: choose the threshold (0.01-0.99) with "
        "the best dev macro F1, save it in --output_dir and use it for predict "
        "and export from then on.")
    define.bool(
        "per_label_thresholds", False,
        "With --tune_threshold: one threshold per label, each the one (0.01-0.99) "
        "with that label's best dev F1.")
    define.string(
        "glue_submission_dir", None,
        "With --do_predict on a GLUE task: also write the file the GLUE server "
        "takes (e.g. MRPC.tsv) into this folder.")
    define.integer(
        "eval_every_steps", 0,
        "Evaluate on dev every N training steps (0: off), log the metrics to "
        "eval_history.tsv and keep the best checkpoint in output_dir/best/.")
    define.integer(
        "early_stopping_evals", 0,
        "With --eval_every_steps: stop training when the task's main dev metric "
        "has not improved in this many evaluations (0: never); best/ keeps the "
        "best checkpoint.")
    define.integer(
        "keep_checkpoint_max", 5, "How many recent checkpoints to keep.")
    define.integer(
        "random_seed", None,
        "Seed for initialisation, dropout and shuffling, for repeatable runs. "
        "Default: none, as the reference (every run differs).")

    # Serving.
    define.bool(
        "do_export", False,
        "Export a SavedModel for TensorFlow Serving and classify.py: of the "
        "trained model with --do_train, else of --init_checkpoint (a fine-tuned "
        "checkpoint) or the latest checkpoint in --output_dir.")
    define.string(
        "export_dir", None,
        "Folder to export to (with --do_export); must not exist yet. For "
        "TensorFlow Serving use <model base path>/<version number>.")

    # Speed.
    define.bool(
        "dynamic_padding", True,
        "Cut each batch to its longest real sequence: the same results, less work. "
        "Always off with --use_tpu (TPUs need fixed shapes).")
    define.bool(
        "bucket_by_length", False,
        "Training batches group examples of similar length (8-token buckets): "
        "less padding, but a different batch composition than the reference.")
    define.bool(
        "sort_by_length", False,
        "Evaluation and prediction run their examples shortest first, in "
        "batches of similar length: far less padding. Predictions are written "
        "in input order, as without it; eval_loss, a mean over batches, moves "
        "slightly. Off with --use_tpu.")
    define.enum(
        "precision", "fp32", ["fp32", "bf16", "fp16"],
        "Number format of the encoder's matrix products. bf16: bfloat16 products "
        "(TPUs, CPUs with AVX-512-BF16/AMX, recent GPUs); fp16: float16 products "
        "with dynamic loss scaling that skips steps with inf/nan gradients (GPUs). "
        "Variables, LayerNorm, softmax and the loss stay fp32, checkpoints stay "
        "fp32.")
    define.bool("use_xla", False, "Compile the graph with XLA JIT.")
    define.bool(
        "fused_kernels", False,
        "Compute the encoder's GELU, softmax, dropout + residual + LayerNorm and "
        "the optimizer's update as XLA-compiled kernels (fused_kernels.py): the "
        "same maths in fewer passes over memory. Off TPU.")
    define.bool(
        "cls_only_last_layer", False,
        "The last encoder layer computes its queries, attention output and "
        "feed-forward for [CLS] alone, the one position the classifier reads "
        "(its keys and values still from every token): the same outputs up to "
        "rounding, for about a sixth of that layer's work.")
    define.bool(
        "fast", False,
        "The fastest setting that keeps accuracy: --precision=bf16 where the "
        "hardware multiplies bf16 (TPU, GPU of compute capability 8.0+, CPU with "
        "AVX-512 BF16 or AMX; else fp32) plus, off TPU, --dynamic_padding, "
        "--bucket_by_length, --sort_by_length and --fused_kernels; "
        "--cls_only_last_layer everywhere. Flags given explicitly win.")
    define.integer(
        "gradient_accumulation_steps", 1,
        "Split each training batch into this many micro-batches and apply their "
        "summed gradients once: the update of the full --train_batch_size with the "
        "memory of one micro-batch (not with --use_tpu).")
    define.enum(
        "distribution_strategy", "none", distribution.STRATEGIES,
        "Train on several devices: mirrored = every GPU of this machine (every "
        "logical CPU device when there is none); multi_worker_mirrored = every "
        "GPU of every host listed in the TF_CONFIG environment variable. The "
        "global batch stays --train_batch_size, split evenly over the replicas. "
        "Eval and predict run on one device (on the chief).")
    define.integer(
        "cluster_timeout_secs", 600,
        "multi_worker_mirrored on --runtime=function: how long a task waits for "
        "the others, at the start and in each step's all-reduce, before the "
        "run stops with an error (a task that died or never came).")
    define.enum(
        "runtime", "auto", list(RUNTIMES),
        "What drives the model: estimator = TPUEstimator (TensorFlow 2.15, the "
        "reference's runtime); session = tf.compat.v1 sessions (any TensorFlow 2, "
        "one host); function = tf.function under tf.distribute (any TensorFlow "
        "2; several hosts, today's TPUs); auto = estimator where TensorFlow has "
        "it, else session, or function for multi_worker_mirrored and --use_tpu. "
        "Same checkpoints, logs and result files.")
    return [name for name in flag_values if name not in before]
