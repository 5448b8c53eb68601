"""Where one training step's time goes, by op type: `make profile`.

Traces a few training steps of MiniLM on real MRPC (as bench.py) with
TensorFlow's step stats and prints, for the chosen setting, the op types that
take the most op time (summed over threads, so it can exceed the wall time),
grouped into matrix products, the optimizer, and the rest.

    python bench/profile_step.py [--fast | [--precision bf16]
        [--dynamic_padding] [--bucket_by_length] [--fused_kernels]
        [--cls_only_last_layer]]
"""

import os
import sys
import tempfile

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench  # noqa: E402
from bert.classifier.data import datasets  # noqa: E402
from bert.processors import MrpcProcessor  # noqa: E402

tf1 = tf.compat.v1


def main():
    parser = bench.argument_parser(__doc__)
    parser.add_argument("--precision", default="bf16", choices=bench.PRECISIONS)
    parser.add_argument("--dynamic_padding", action="store_true")
    parser.add_argument("--bucket_by_length", action="store_true")
    parser.add_argument("--fused_kernels", action="store_true")
    parser.add_argument("--cls_only_last_layer", action="store_true")
    parser.add_argument("--fast", action="store_true",
                        help="--fast as run_classifier resolves it on this "
                        "machine (instead of the flags above)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--nodes", action="store_true",
                        help="also list the costliest nodes (layers merged)")
    args = parser.parse_args()
    tf1.logging.set_verbosity(tf1.logging.ERROR)

    config, tokenizer = bench.load_minilm(args.minilm_dir)
    examples = MrpcProcessor().get_train_examples(os.path.join(args.glue_dir, "MRPC"))
    with tempfile.TemporaryDirectory() as work:
        setting = bench.Setting("profiled", args.precision, args.dynamic_padding,
                                args.bucket_by_length, args.fused_kernels, False,
                                args.cls_only_last_layer)
        if args.fast:
            setting = bench.fast_setting()
        run_config = bench.run_config_for(setting, args.minilm_dir,
                                          os.path.join(work, "model"), "auto")
        tracer = bench.StepTracer(bench.WARMUP_STEPS)
        bench.runtime_for(run_config, config).train(
            datasets.training_input(run_config, MrpcProcessor(), tokenizer,
                                    examples[:bench.BATCH_SIZE * 8], work),
            max_steps=bench.WARMUP_STEPS + bench.TRACED_STEPS,
            session_hooks=[tracer])

    steps = float(len(tracer.wall_micros))
    total = sum(tracer.op_micros.values()) / steps
    print("%s: traced step wall time %.0f ms (median), op time %.0f ms"
          % (", ".join([setting.precision] + [name for name in (
              "dynamic_padding", "bucket_by_length", "fused_kernels",
              "cls_only_last_layer") if getattr(setting, name)]),
             np.median(tracer.wall_micros) / 1e3, total / 1e3))
    for scope, micros in tracer.part_micros.most_common():
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
