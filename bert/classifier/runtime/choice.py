"""Which runtime drives the model function: --runtime and what TensorFlow has.

estimator (estimator_runtime.py): TPUEstimator (an Estimator under
--distribution_strategy), the reference's runtime; TensorFlow 2.15 is the
last release that has it.
session (session.py): tf.compat.v1 sessions; any TensorFlow 2, one host.
function (function.py): tf.function under a tf.distribute strategy; any
TensorFlow 2, several hosts (multi_worker_mirrored) and today's TPUs.
auto: estimator where TensorFlow has it; else session on one host, and
function for multi_worker_mirrored or --use_tpu.

Each runtime implements interface.Runtime (train, evaluate, predict,
latest_checkpoint, as Estimator has them) and is built by make.py.
"""

from bert.classifier.tf_version import has_estimator

RUNTIMES = ("auto", "estimator", "session", "function")


def resolve(name, multi_worker=False, use_tpu=False):
    """The runtime --runtime=name runs: "estimator", "session" or "function"."""
    if name != "auto":
        return name
    if has_estimator():
        return "estimator"
    return "function" if multi_worker or use_tpu else "session"
