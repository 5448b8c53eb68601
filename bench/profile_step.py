"""Where one training step's time goes, by op type: `make profile`.

Traces a few training steps of MiniLM on real MRPC (as bench.py) with
TensorFlow's step stats and prints, for the chosen setting, the op types that
take the most op time (summed over threads, so it can exceed the wall time),
grouped into matrix products, the optimizer, and the rest.

    python bench/profile_step.py [--precision bf16] [--dynamic_padding]
"""

import collections
import os
import re
import sys
import tempfile

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench  # noqa: E402
from classifier.features import file_based_convert_examples_to_features  # noqa: E402
from classifier.input_pipeline import file_based_input_fn_builder  # noqa: E402
from processors import MrpcProcessor  # noqa: E402

tf1 = tf.compat.v1
TRACED_STEPS = 3
MATRIX_OPS = re.compile(r"MatMul|Einsum|Conv")
LABEL = re.compile(r"^[^=]*= ([A-Za-z0-9_]+)\(")


class StepTracer(tf1.train.SessionRunHook):
    """Full traces of the steps after warm-up; op time per op type and wall time."""

    def __init__(self, warmup):
        self._warmup = warmup
        self._runs = 0
        self.op_micros = collections.Counter()
        self.op_scope_micros = collections.Counter()
        self.node_micros = collections.Counter()
        self.wall_micros = []

    def before_run(self, run_context):
        self._runs += 1
        if self._runs <= self._warmup:
            return None
        return tf1.train.SessionRunArgs(None, options=tf1.RunOptions(
            trace_level=tf1.RunOptions.FULL_TRACE))

    def after_run(self, run_context, run_values):
        if run_values.run_metadata is None or not run_values.run_metadata.step_stats.dev_stats:
            return
        start, end = float("inf"), 0
        for device in run_values.run_metadata.step_stats.dev_stats:
            for node in device.node_stats:
                match = LABEL.match(node.timeline_label)
                op_type = match.group(1) if match else node.node_name
                micros = node.all_end_rel_micros
                self.op_micros[op_type] += micros
                self.node_micros["%s %s" % (op_type, re.sub(
                    r"layer_\d+", "layer_N", node.node_name))] += micros
                scope = "optimizer" if "AdamWeightDecay" in node.node_name or \
                    "clip_by_global_norm" in node.node_name else (
                        "matrix products" if MATRIX_OPS.search(op_type) else "other")
                self.op_scope_micros[scope] += micros
                start = min(start, node.all_start_micros)
                end = max(end, node.all_start_micros + micros)
        self.wall_micros.append(end - start)


def main():
    parser = bench.argument_parser(__doc__)
    parser.add_argument("--precision", default="bf16", choices=bench.PRECISIONS)
    parser.add_argument("--dynamic_padding", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--nodes", action="store_true",
                        help="also list the costliest nodes (layers merged)")
    args = parser.parse_args()
    tf1.logging.set_verbosity(tf1.logging.ERROR)

    config, checkpoint, tokenizer = bench.load_minilm(args.minilm_dir)
    examples = MrpcProcessor().get_train_examples(os.path.join(args.glue_dir, "MRPC"))
    with tempfile.TemporaryDirectory() as work:
        train_file = os.path.join(work, "train.tf_record")
        file_based_convert_examples_to_features(
            examples[:bench.BATCH_SIZE * 8], ["0", "1"], bench.SEQ_LENGTH, tokenizer,
            train_file)
        estimator = bench.estimator_for(config, checkpoint, args.precision, False,
                                        os.path.join(work, "model"))
        tracer = StepTracer(bench.WARMUP_STEPS)
        estimator.train(
            file_based_input_fn_builder(train_file, bench.SEQ_LENGTH, True, True,
                                        dynamic_padding=args.dynamic_padding),
            max_steps=bench.WARMUP_STEPS + TRACED_STEPS, hooks=[tracer])

    steps = float(len(tracer.wall_micros))
    total = sum(tracer.op_micros.values()) / steps
    print("%s, %s: traced step wall time %.0f ms (median), op time %.0f ms"
          % (args.precision, "dynamic padding" if args.dynamic_padding else "padded",
             np.median(tracer.wall_micros) / 1e3, total / 1e3))
    for scope, micros in tracer.op_scope_micros.most_common():
        print("  %-16s %7.0f ms  %4.1f%%" % (scope, micros / steps / 1e3,
                                             100.0 * micros / steps / total))
    print("\n| op type | ms per step | share |\n|---|---|---|")
    for op_type, micros in tracer.op_micros.most_common(args.top):
        print("| %s | %.1f | %.1f%% |" % (op_type, micros / steps / 1e3,
                                          100.0 * micros / steps / total))
    if args.nodes:
        print("\n| op type and node | ms per step |\n|---|---|")
        for node, micros in tracer.node_micros.most_common(args.top * 2):
            print("| %s | %.1f |" % (node, micros / steps / 1e3))


if __name__ == "__main__":
    main()
