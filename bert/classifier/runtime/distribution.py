"""--distribution_strategy and --use_tpu: training on several devices or hosts.

Training runs under a tf.distribute strategy, in a plain Estimator
(TPUEstimator takes no strategy), the session runtime or the function runtime
(the one that also runs on several hosts on TensorFlow 2.16+ and on a TPU
through TPUStrategy); eval and predict stay on one device but on a TPU. The
global batch is
--train_batch_size, split evenly over the replicas, and the optimizer averages
the gradients across them (optimization.create_optimizer).
"""

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys

import tensorflow as tf

from bert.errors import BAD_INPUT_EXIT_STATUS, InputError

tf1 = tf.compat.v1

STRATEGIES = ["none", "mirrored", "multi_worker_mirrored"]

# Cross-device reductions block inter-op threads; a 2-core host running two
# CPU replicas deadlocks with the default pool of one thread per core.
CPU_REPLICA_INTER_OP_THREADS = 8


class ClusterError(RuntimeError):
    """A task of a multi-worker cluster stopped answering (or never came)."""


# What a collective raises when a peer is gone or late.
PEER_LOST_ERRORS = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError,
                    tf.errors.CancelledError, tf.errors.AbortedError)


def peer_lost(error, step, checkpoint):
    """The ClusterError for a collective's error at step (a one-line message
    naming the newest checkpoint, which a rerun resumes from)."""
    return ClusterError(
        "training stopped at step %d: another task of the cluster stopped "
        "answering (%s); the newest checkpoint is %s: start every task again "
        "to resume from it" % (step, type(error).__name__, checkpoint or "none"))


def replica_devices():
    """The local devices `mirrored` uses: every GPU, else every logical CPU."""
    gpus = tf.config.list_logical_devices("GPU")
    return [device.name for device in gpus or tf.config.list_logical_devices("CPU")]


def make_strategy(name, runtime="estimator", cluster_timeout_secs=600):
    """The tf.distribute strategy for --distribution_strategy, or None; for
    the session runtime, in its tf.compat.v1 form (graph-mode input). A
    multi-worker task waits cluster_timeout_secs for the others at the start
    (on the function runtime in each collective too)."""
    if name == "none":
        return None
    if name == "mirrored":
        if runtime == "session":
            return tf1.distribute.MirroredStrategy(devices=replica_devices())
        return tf.distribute.MirroredStrategy(devices=replica_devices())
    lead_with_worker_zero()
    with _exit_unless_done_within(cluster_timeout_secs, (
            "--distribution_strategy=multi_worker_mirrored: not every task "
            "of TF_CONFIG's cluster came within --cluster_timeout_secs=%d: "
            "start each of them (%s)" % (cluster_timeout_secs,
                                         _cluster_addresses()))):
        try:
            if runtime == "function":
                return tf.distribute.MultiWorkerMirroredStrategy(
                    communication_options=tf.distribute.experimental.
                    CommunicationOptions(timeout_seconds=cluster_timeout_secs))
            return tf1.distribute.experimental.MultiWorkerMirroredStrategy()
        except tf.errors.UnknownError as error:
            if "Could not start gRPC server" not in str(error):
                raise
            raise InputError(
                "--distribution_strategy=multi_worker_mirrored: this task could "
                "not listen at its address in TF_CONFIG, %s: another process "
                "holds that port; end it, or give this task a free port"
                % _own_address())


def _own_address():
    tf_config = json.loads(os.environ["TF_CONFIG"])
    task = tf_config["task"]
    return tf_config["cluster"][task["type"]][int(task.get("index", 0))]


def _cluster_addresses():
    cluster = json.loads(os.environ.get("TF_CONFIG") or "{}").get("cluster", {})
    return ", ".join("%s %s" % (task, address)
                     for task, addresses in sorted(cluster.items())
                     for address in addresses)


# Run as a separate process: TensorFlow holds Python's lock while it waits for
# a cluster's tasks, so no thread of the waiting process could end it. It
# ends the process with SIGINT, which the block has handed to C's _exit. It
# ends itself, sending nothing, once that process is gone (killed before the
# block's end): its number may then be another process's.
_WATCHDOG = """
import os, signal, sys, time
guarded, deadline = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    if os.getppid() != guarded:
        sys.exit(0)
    time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
if os.getppid() == guarded:
    sys.stderr.write("run_classifier: error: %s\\n" % sys.argv[3])
    sys.stderr.flush()
    os.kill(guarded, signal.SIGINT)
"""


@contextlib.contextmanager
def _exit_unless_done_within(seconds, message):
    """Ends the program with `run_classifier: error: message` and exit status
    2 if the block has not finished within seconds (TensorFlow waits for a
    cluster's tasks without a limit). Nothing is written before the cluster
    is up. While the block runs, SIGINT calls _exit(SIGINT) in C, without
    Python's lock: SIGINT's number is the exit status of bad input (2)."""
    assert signal.SIGINT == BAD_INPUT_EXIT_STATUS
    libc = ctypes.CDLL(None)
    libc.signal.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.signal(signal.SIGINT, ctypes.cast(libc._exit, ctypes.c_void_p))
    watchdog = subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(seconds),
         message])
    try:
        yield
    finally:
        watchdog.kill()
        watchdog.wait()
        signal.signal(signal.SIGINT, signal.getsignal(signal.SIGINT))


def tpu_resolver_arguments(tpu_name, tpu_zone, gcp_project):
    """TPUClusterResolver's arguments for --tpu_name/--tpu_zone/--gcp_project:
    on a TPU VM the TPU is "local" (the default); a TPU node is named."""
    return dict(tpu=tpu_name or "local", zone=tpu_zone, project=gcp_project)


def make_tpu_strategy(tpu_name, tpu_zone, gcp_project):
    """TPUStrategy on the TPU (TPU VMs of every generation, through PJRT where
    the TensorFlow build has it); a clear error when there is none."""
    arguments = tpu_resolver_arguments(tpu_name, tpu_zone, gcp_project)
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(**arguments)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        raise InputError(
            "--use_tpu: no TPU could be reached at --tpu_name=%s (%s): run on a "
            "Cloud TPU VM, or name the TPU with --tpu_name, --tpu_zone and "
            "--gcp_project" % (arguments["tpu"],
                               str(error).strip().split(". ")[0]))
    return tf.distribute.TPUStrategy(resolver)


def is_chief():
    """False on the workers of a TF_CONFIG cluster other than the chief.

    The chief is task "chief", or worker 0 when the cluster names no chief.
    """
    tf_config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    task = tf_config.get("task") or {}
    cluster = tf_config.get("cluster") or {}
    task_type, index = task.get("type"), int(task.get("index", 0))
    if task_type in (None, "chief"):
        return True
    return task_type == "worker" and index == 0 and "chief" not in cluster


def check_cluster():
    """multi_worker_mirrored needs TF_CONFIG naming a cluster (one "chief"
    and any "worker"s, or "worker"s only: worker 0 leads) and this host's
    task in it."""
    try:
        tf_config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    except ValueError as error:
        raise InputError("TF_CONFIG is not valid JSON (%s): see "
                         "docs/runtimes-and-hardware.md, Multi-GPU and "
                         "multi-host" % error)
    cluster = tf_config.get("cluster") if isinstance(tf_config, dict) else None
    task = tf_config.get("task") if isinstance(tf_config, dict) else None
    if not isinstance(cluster, dict) or not isinstance(task, dict):
        cluster, task = {}, {}
    chiefs = len(cluster.get("chief") or [])
    leads = chiefs == 1 or (chiefs == 0 and cluster.get("worker"))
    try:
        in_cluster = 0 <= int(task.get("index", 0)) < len(
            cluster.get(task.get("type")) or [])
    except (TypeError, ValueError):
        in_cluster = False
    if not (leads and in_cluster):
        raise InputError(
            "--distribution_strategy=multi_worker_mirrored needs TF_CONFIG with a "
            "cluster of one \"chief\" and any \"worker\"s (or \"worker\"s "
            "only: worker 0 leads) and this host's task in it; TF_CONFIG is %r: "
            "see docs/runtimes-and-hardware.md, Multi-GPU and multi-host"
            % (os.environ.get("TF_CONFIG") or ""))


def lead_with_worker_zero():
    """A TF_CONFIG cluster of workers only becomes, in this process, one whose
    chief is worker 0 (Estimator wants a chief; every task renames alike)."""
    tf_config = json.loads(os.environ["TF_CONFIG"])
    cluster, task = tf_config["cluster"], tf_config["task"]
    if "chief" in cluster:
        return
    workers = cluster["worker"]
    cluster["chief"], cluster["worker"] = workers[:1], workers[1:]
    if not cluster["worker"]:
        del cluster["worker"]
    index = int(task.get("index", 0))
    tf_config["task"] = ({"type": "chief", "index": 0} if index == 0 else
                         {"type": "worker", "index": index - 1})
    os.environ["TF_CONFIG"] = json.dumps(tf_config)
    tf1.logging.info("TF_CONFIG names no chief: worker 0 (%s) leads", workers[0])


def session_config(base=None):
    """base (or a new ConfigProto) made able to run one replica per CPU."""
    config = tf1.ConfigProto()
    if base is not None:
        config.CopyFrom(base)
    cpus = len(tf.config.list_logical_devices("CPU"))
    if not tf.config.list_logical_devices("GPU") and cpus > 1:
        config.device_count["CPU"] = cpus
        config.inter_op_parallelism_threads = max(
            config.inter_op_parallelism_threads, CPU_REPLICA_INTER_OP_THREADS)
    return config


def log_replicas(replicas, train_batch_size):
    tf1.logging.info("training on %d replicas, %d examples each per step",
                     replicas, train_batch_size // replicas)
