"""Training and prediction speed, side by side in one run: `make bench`.

MiniLM (converted, build/minilm) on real MRPC (../shared/data/glue/MRPC), the
tool's own runtimes (--runtime: one or several of estimator (TensorFlow 2.15),
session and function, measured one after the other in this run), model
function and input pipeline. For each setting and runtime:
training examples/sec (median of per-step times after warm-up, the batches
drawn with a fixed seed), prediction examples/sec on the dev set (after its
first batch: without the graph's building, the session's start and the
checkpoint's restore), the FLOP rate
of the matrix products the step computes (the whole model's, less what a
[CLS]-only last layer skips) as a fraction of this machine's matrix-product
peak measured in the same precision in this run, and where a traced training step's op time goes
(matrix products, optimizer, the rest; traced on the estimator and session
runtimes). With
--peer_python (`make bench-peer`), the peer's rows (bench/peer.py:
HuggingFace transformers + PyTorch on the same weights, data and batch) join
the table, measured in the same run, and the --fast rows are compared with
the peer's best.

    python bench/bench.py [--minilm_dir build/minilm] [--steps 60]
        [--runtime auto|estimator|session|function[,...]] [--only 1,8]
        [--peer_python .venv-peer/bin/python [--peer_only 4,5]]
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bert import modeling  # noqa: E402
from bert import tokenization  # noqa: E402
from bert.classifier.runtime.choice import RUNTIMES, resolve  # noqa: E402
from bert.classifier.runtime.make import make_runtime  # noqa: E402
from bert.classifier.task import resolve_task  # noqa: E402
from bert.classifier.progress import StepListener  # noqa: E402
from bert.classifier.data.features import file_based_convert_examples_to_features  # noqa: E402
from bert.classifier.data import datasets  # noqa: E402
from bert.classifier.data.input_pipeline import (  # noqa: E402
    FUSED_LENGTH_MULTIPLE, length_buckets)
from bert.classifier import hardware  # noqa: E402
from bert.classifier.run_config import (  # noqa: E402
    COMPUTE_DTYPES, RunConfig, fast_preset)
from bert.processors import MrpcProcessor  # noqa: E402

tf1 = tf.compat.v1
BATCH_SIZE = 32
SEQ_LENGTH = 128
PRECISIONS = ("fp32", "bf16")
FAST_NAME = "--fast"
Setting = collections.namedtuple(
    "Setting", "name precision dynamic_padding bucket_by_length fused_kernels "
    "use_xla cls_only_last_layer", defaults=(False,))


def fast_setting():
    """--fast as run_classifier resolves it on this machine (bf16 products
    only where the hardware multiplies bf16)."""
    preset = fast_preset(False, hardware.native_bf16(False)[0])
    return Setting("%s + bucketing + fused kernels + [CLS]-only last layer (%s)"
                   % (preset["precision"], FAST_NAME), preset["precision"],
                   preset["dynamic_padding"], preset["bucket_by_length"],
                   preset["fused_kernels"], False, preset["cls_only_last_layer"])


# The first is the reference's setting; the eighth is --fast off TPU as this
# machine resolves it (10 and 11 are its fp32 and bf16 forms without the
# [CLS]-only last layer).
SETTINGS = [
    Setting("fp32 padded (reference)", "fp32", False, False, False, False),
    Setting("fp32 dynamic padding", "fp32", True, False, False, False),
    Setting("bf16 dynamic padding", "bf16", True, False, False, False),
    Setting("bf16 dynamic padding + bucketing", "bf16", True, True, False, False),
    Setting("fp32 padded + fused kernels", "fp32", False, False, True, False),
    Setting("fp32 dynamic padding + fused kernels", "fp32", True, False, True, False),
    Setting("bf16 dynamic padding + fused kernels", "bf16", True, False, True, False),
    fast_setting(),
    Setting("bf16 + bucketing + fused kernels + XLA", "bf16", True, True, True,
            True),
    Setting("fp32 + bucketing + fused kernels", "fp32", True, True, True, False),
    Setting("bf16 + bucketing + fused kernels", "bf16", True, True, True, False),
]
TRACED_STEPS = 3
# Warm-up steps: bucketed MRPC batches come in about 13 shapes, which the
# fused kernels meet (and compile for) within the first 20 steps or so.
WARMUP_STEPS = 24
# Measured steps: bucketed batches vary in length, so the median step time
# depends on the lengths drawn; 60 steps sample the bucket mix better than a
# dozen.
MEASURED_STEPS = 60
# The training runs' --random_seed: each run of a setting draws the same
# batches (as the peer's seeded order does), so runs repeat: unseeded,
# repeated runs of one --fast setting gave 73 to 91 examples/sec, seeded 88-91.
RANDOM_SEED = 1
MATRIX_OPS = re.compile(r"MatMul|Einsum|Conv")
LABEL = re.compile(r"^[^=]*= ([A-Za-z0-9_]+)\(")


class StepTracer(tf1.train.SessionRunHook):
    """Full traces of the steps after warm-up: op time per op type, per node,
    per part of the step (matrix products, optimizer, other), and wall time."""

    def __init__(self, warmup):
        self._warmup = warmup
        self._runs = 0
        self.op_micros = collections.Counter()
        self.part_micros = collections.Counter()
        self.node_micros = collections.Counter()
        self.wall_micros = []

    def before_run(self, run_context):
        self._runs += 1
        if self._runs <= self._warmup:
            return None
        return tf1.train.SessionRunArgs(None, options=tf1.RunOptions(
            trace_level=tf1.RunOptions.FULL_TRACE))

    def after_run(self, run_context, run_values):
        metadata = run_values.run_metadata
        if metadata is None or not metadata.step_stats.dev_stats:
            return
        start, end = float("inf"), 0
        for device in metadata.step_stats.dev_stats:
            for node in device.node_stats:
                match = LABEL.match(node.timeline_label)
                op_type = match.group(1) if match else node.node_name
                micros = node.all_end_rel_micros
                self.op_micros[op_type] += micros
                self.node_micros["%s %s" % (op_type, re.sub(
                    r"layer_\d+", "layer_N", node.node_name))] += micros
                self.part_micros[part_of(op_type, node.node_name)] += micros
                start = min(start, node.all_start_micros)
                end = max(end, node.all_start_micros + micros)
        self.wall_micros.append(end - start)

    def split(self):
        """{part: share of the op time}."""
        total = float(sum(self.part_micros.values())) or 1.0
        return {part: micros / total for part, micros in self.part_micros.items()}


def part_of(op_type, node_name):
    """The part of a training step an op belongs to."""
    if "AdamWeightDecay" in node_name or "clip_by_global_norm" in node_name:
        return "optimizer"
    if MATRIX_OPS.search(op_type):
        return "matrix products"
    return "other"


class StepTimer(StepListener):
    """Wall time of every training step (from one step's end to the next's)."""

    def __init__(self):
        self.times = []

    def start(self, step):
        self._last = time.perf_counter()

    def record(self, step, loss, learning_rate):
        now = time.perf_counter()
        self.times.append(now - self._last)
        self._last = now


def matmul_peak(dtype, size=2048, repeats=20):
    """Measured GFLOP/s of a size^3 matrix product in dtype (median)."""
    a = tf.cast(tf.random.normal((size, size)), dtype)
    b = tf.cast(tf.random.normal((size, size)), dtype)
    product = tf.function(lambda: tf.matmul(a, b))
    for _ in range(3):
        product().numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        product().numpy()
        times.append(time.perf_counter() - start)
    return 2.0 * size ** 3 / np.median(times) / 1e9


def flops_per_example(config, length, cls_only_last_layer=False):
    """Forward-pass FLOPs of the encoder's matrix products for one sequence
    (with cls_only_last_layer, as computed: the last layer's keys and values
    for every token, the rest of it for [CLS] alone)."""
    hidden, inner = config.hidden_size, config.intermediate_size
    keys_and_values = 2 * 2 * hidden * hidden
    # Q, attention output, FFN; then scores and context.
    per_query = 2 * (2 * hidden * hidden + 2 * hidden * inner) + 2 * 2 * length * hidden
    layers = config.num_hidden_layers
    if not cls_only_last_layer:
        return layers * (keys_and_values + per_query) * length
    return ((layers - 1) * (keys_and_values + per_query) * length
            + keys_and_values * length + per_query)


def mean_batch_length(lengths, setting, rng, samples=2000):
    """The average length a batch is computed at (its longest sequence, or
    padded); bucketed batches are drawn from one length bucket, and with fused
    kernels the length is rounded up to a multiple of FUSED_LENGTH_MULTIPLE."""
    if not setting.dynamic_padding:
        return float(SEQ_LENGTH)
    pools = [lengths]
    if setting.bucket_by_length:
        bucket_of = np.digitize(lengths, length_buckets(SEQ_LENGTH))
        pools = [[length for length, bucket in zip(lengths, bucket_of)
                  if bucket == index] for index in sorted(set(bucket_of))]
    weights = np.array([len(pool) for pool in pools], float)
    batches = []
    for _ in range(samples):
        pool = pools[rng.choice(len(pools), p=weights / weights.sum())]
        batches.append(max(rng.choice(pool, BATCH_SIZE)))
    if setting.fused_kernels:
        multiple = FUSED_LENGTH_MULTIPLE
        batches = [min(SEQ_LENGTH, -(-length // multiple) * multiple)
                   for length in batches]
    return float(np.mean(batches))


def run_config_for(setting, minilm_dir, model_dir, runtime):
    """run_classifier's settings for MRPC at lr 2e-5 in this setting."""
    return RunConfig(
        data_dir="", task_name="mrpc", output_dir=model_dir,
        vocab_file=os.path.join(minilm_dir, "vocab.txt"),
        bert_config_file=os.path.join(minilm_dir, "bert_config.json"),
        init_checkpoint=os.path.join(minilm_dir, "bert_model.ckpt"),
        max_seq_length=SEQ_LENGTH, learning_rate=2e-5,
        train_batch_size=BATCH_SIZE, eval_batch_size=BATCH_SIZE,
        predict_batch_size=BATCH_SIZE, save_checkpoints_steps=10 ** 6,
        precision=setting.precision, dynamic_padding=setting.dynamic_padding,
        bucket_by_length=setting.bucket_by_length, use_xla=setting.use_xla,
        fused_kernels=setting.fused_kernels,
        cls_only_last_layer=setting.cls_only_last_layer, runtime=runtime,
        random_seed=RANDOM_SEED)


def runtime_for(run_config, config):
    """run_classifier's own runtime for run_config."""
    return make_runtime(run_config, config,
                        resolve_task(run_config, MrpcProcessor()),
                        num_train_steps=1000, num_warmup_steps=100)


def measure(setting, config, tokenizer, data, work, steps, warmup, args,
            runtime_name):
    """(train examples/sec, predict examples/sec, op-time split of a step),
    with run_classifier's own input functions (classifier/data/datasets.py); the
    training features are written once to work and reused."""
    with tempfile.TemporaryDirectory() as model_dir:
        run_config = run_config_for(setting, args.minilm_dir, model_dir,
                                    runtime_name)
        runtime = runtime_for(run_config, config)
        timer = StepTimer()
        tracer = StepTracer(warmup=warmup + steps)
        traced = resolve(runtime_name) != "function"
        runtime.train(datasets.training_input(run_config, MrpcProcessor(),
                                              tokenizer, data["train"], work),
                      max_steps=warmup + steps + (TRACED_STEPS if traced else 0),
                      listeners=[timer],
                      **({"session_hooks": [tracer]} if traced else {}))
        train_rate = BATCH_SIZE / np.median(timer.times[warmup:warmup + steps])
        predict_fn = datasets.inference_input(
            run_config, MrpcProcessor(), tokenizer, data["dev"], BATCH_SIZE,
            "dev.tf_record", "prediction").input_fn
        rates = []
        for _ in range(2):  # the first pass builds and warms the graph
            count, rate = steady_rate(runtime.predict(predict_fn), BATCH_SIZE)
            rates.append(rate)
        assert count == len(data["dev"])
    return train_rate, max(rates), tracer.split()


def steady_rate(predictions, batch_size):
    """(how many predictions, examples/sec from the end of the first batch to
    the last): the rate without building the graph, starting the session and
    restoring the checkpoint, which come before the first batch."""
    count, first_batch_done = 0, None
    for _ in predictions:
        count += 1
        if count == batch_size:
            first_batch_done = time.perf_counter()
    return count, (count - batch_size) / (time.perf_counter() - first_batch_done)


def peer_rows(peer_python, args):
    """[(setting, train examples/sec, predict examples/sec, mean length,
    precision)] of bench/peer.py (HuggingFace + PyTorch) run by peer_python
    on the same data, after this script's own settings."""
    command = [peer_python, os.path.join(os.path.dirname(__file__), "peer.py"),
               "--json", "--glue_dir", args.glue_dir, "--steps", str(args.steps),
               "--warmup", str(args.warmup)]
    if args.peer_only:
        command += ["--only", args.peer_only]
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE,
                            universal_newlines=True).stdout
    rows = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [(row["setting"], row["train"], row["predict"], row["mean_length"],
             row["precision"]) for row in rows]


def argument_parser(doc):
    """A parser with --minilm_dir and --glue_dir, described by doc's first line."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--minilm_dir", default=os.path.join(here, "build", "minilm"))
    parser.add_argument("--glue_dir", default=os.path.join(
        os.path.dirname(here), "shared", "data", "glue"))
    return parser


def load_minilm(minilm_dir):
    """(config, tokenizer) of the converted MiniLM."""
    config = modeling.BertConfig.from_json_file(
        os.path.join(minilm_dir, "bert_config.json"))
    tokenizer = tokenization.FullTokenizer(os.path.join(minilm_dir, "vocab.txt"))
    return config, tokenizer


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--steps", type=int, default=MEASURED_STEPS,
                        help="measured training steps per setting")
    parser.add_argument("--warmup", type=int, default=WARMUP_STEPS,
                        help="training steps before the measured ones (the "
                        "fused kernels compile once per batch shape)")
    parser.add_argument("--runtime", default="auto",
                        help="what drives the model (run_classifier's --runtime): "
                        "one of %s, or several comma-separated, measured one "
                        "after the other" % ", ".join(RUNTIMES))
    parser.add_argument("--only", default=None,
                        help="comma-separated setting numbers (1-based) to run")
    parser.add_argument("--peer_python", default=None,
                        help="a Python with PyTorch and transformers (make "
                        "bench-peer's virtualenv): also measure bench/peer.py, "
                        "the peer, in this run and table")
    parser.add_argument("--peer_only", default=None,
                        help="comma-separated peer setting numbers to run")
    args = parser.parse_args()
    tf1.logging.set_verbosity(tf1.logging.ERROR)

    config, tokenizer = load_minilm(args.minilm_dir)
    processor = MrpcProcessor()
    mrpc = os.path.join(args.glue_dir, "MRPC")
    data = {"train": processor.get_train_examples(mrpc),
            "dev": processor.get_dev_examples(mrpc)}
    train_examples = data["train"]
    work = tempfile.mkdtemp(prefix="bench-")
    start = time.perf_counter()
    file_based_convert_examples_to_features(
        train_examples, ["0", "1"], SEQ_LENGTH, tokenizer,
        os.path.join(work, "conversion.tf_record"))
    conversion_rate = len(train_examples) / (time.perf_counter() - start)
    lengths = [min(SEQ_LENGTH, 3 + len(tokenizer.tokenize(e.text_a)) +
                   len(tokenizer.tokenize(e.text_b))) for e in train_examples]

    peaks = {precision: matmul_peak(COMPUTE_DTYPES[precision])
             for precision in PRECISIONS}
    rng = np.random.RandomState(0)
    chosen = SETTINGS
    if args.only:
        chosen = [SETTINGS[int(i) - 1] for i in args.only.split(",")]
    runtimes = args.runtime.split(",")
    unknown = [name for name in runtimes if name not in RUNTIMES]
    if unknown:
        parser.error("--runtime: unknown %s (choose from %s)"
                     % (", ".join(unknown), ", ".join(RUNTIMES)))
    rows = []
    for setting in chosen:
        for runtime_name in runtimes:
            train_rate, predict_rate, split = measure(
                setting, config, tokenizer, data, work, args.steps, args.warmup,
                args, runtime_name)
            length = mean_batch_length(lengths, setting, rng)
            train_gflops = 3 * flops_per_example(
                config, length, setting.cls_only_last_layer) * train_rate / 1e9
            name = setting.name
            if len(runtimes) > 1:
                name += ", " + resolve(runtime_name)
            rows.append((name, train_rate, predict_rate, length, train_gflops,
                         train_gflops / peaks[setting.precision], split))
            print("done: %s" % name, file=sys.stderr)
    peer = []
    if args.peer_python:
        for name, train_rate, predict_rate, length, precision in peer_rows(
                args.peer_python, args):
            train_gflops = 3 * flops_per_example(config, length) * train_rate / 1e9
            peer.append((name, train_rate, predict_rate, length, train_gflops,
                         train_gflops / peaks[precision], None))

    base = rows[0][1] if chosen[0] is SETTINGS[0] else None
    print("\nMiniLM (L6, H384) on MRPC, batch %d, max_seq_length %d, %d cores; "
          "runtime %s, TensorFlow %s, Python %d.%d"
          % (BATCH_SIZE, SEQ_LENGTH, os.cpu_count(),
             ", ".join(resolve(name) for name in runtimes),
             tf.version.VERSION, *sys.version_info[:2]))
    print("matrix-product peak: fp32 %.0f GFLOP/s, bf16 %.0f GFLOP/s; feature "
          "conversion %.0f examples/sec\n" % (peaks["fp32"], peaks["bf16"],
                                              conversion_rate))
    header = ("setting", "train ex/s", "vs reference", "predict ex/s",
              "mean length", "train GFLOP/s", "of peak",
              "op time: matrix / optimizer / other")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, train_rate, predict_rate, length, gflops, fraction, split in rows + peer:
        ratio = "%.2fx" % (train_rate / base) if base else "-"
        shares = "-"
        if split:
            shares = "%.0f%% / %.0f%% / %.0f%%" % tuple(
                100 * split.get(part, 0)
                for part in ("matrix products", "optimizer", "other"))
        print("| %s | %.1f | %s | %.1f | %.0f | %.0f | %.0f%% | %s |"
              % (name, train_rate, ratio, predict_rate, length, gflops,
                 100 * fraction, shares))
    print_fast_vs_peer(rows, peer)


def print_fast_vs_peer(rows, peer):
    """The --fast row(s) against the peer's fastest training row, if both ran."""
    fast = [row for row in rows if FAST_NAME in row[0]]
    if not (peer and fast):
        return
    best = max(peer, key=lambda row: row[1])
    print()
    for row in fast:
        print("%s: %.2fx the peer's best (%s, %.1f examples/sec)"
              % (row[0], row[1] / best[1], best[0], best[1]))


if __name__ == "__main__":
    main()
