"""What the runtimes share: how the session and function runtimes call an
input function, compute evaluation metrics on the host and where their
evaluations' events go; how often every runtime measures the speed."""

import inspect
import math
import os
import time

import tensorflow as tf

from bert.classifier.model_fn import EVAL, PREDICT, TRAIN
from bert.classifier.runtime.interface import Runtime
from bert.classifier.progress import write_scalars

tf1 = tf.compat.v1

# Estimator's defaults (RunConfig, TPUEstimator) for what a run does not set.
SAVE_SUMMARY_STEPS = 100
LOG_STEP_COUNT_STEPS = 100


class SharedRuntime(Runtime):
    """What the session and function runtimes keep alike: the model function
    (spec_fn(features, labels, mode, params) -> ModelSpec), the model folder,
    each phase's batch size and the checkpointing settings."""

    def __init__(self, spec_fn, model_dir, train_batch_size, eval_batch_size,
                 predict_batch_size, random_seed=None, save_checkpoints_steps=1000,
                 keep_checkpoint_max=5):
        self._spec_fn = spec_fn
        self.model_dir = model_dir
        self._batch_sizes = {TRAIN: train_batch_size, EVAL: eval_batch_size,
                             PREDICT: predict_batch_size}
        self._random_seed = random_seed
        self._save_checkpoints_steps = save_checkpoints_steps
        self._keep_checkpoint_max = keep_checkpoint_max

    def latest_checkpoint(self):
        return tf.train.latest_checkpoint(self.model_dir)

    def _report_evaluation(self, result, checkpoint, batches, start, name):
        """Logs an evaluation and writes its metrics to model_dir/eval
        (eval_<name> for a named set) as TensorBoard scalars."""
        tf1.logging.info("evaluated %s: %d batches in %.1fs", checkpoint,
                         batches, time.time() - start)
        write_scalars(eval_dir(self.model_dir, name), int(result["global_step"]), {
            key: value for key, value in result.items() if key != "global_step"})


def examples_of(batch):
    """One {name: value} per example of a batch of {name: array}."""
    size = len(next(iter(batch.values())))
    for index in range(size):
        yield {key: value[index] for key, value in batch.items()}


def call_input_fn(input_fn, params, input_context=None):
    """input_fn(params), with input_context where it takes one (as Estimator
    calls it: the reference's input functions take params alone)."""
    if "input_context" in inspect.signature(input_fn).parameters:
        return input_fn(params, input_context=input_context)
    return input_fn(params)


def checkpoint_step(checkpoint):
    """The global step a checkpoint was saved at (0 for None)."""
    if checkpoint is None:
        return 0
    return int(tf.train.load_variable(checkpoint, "global_step"))


def training_done(checkpoint, max_steps):
    """Whether checkpoint has reached max_steps; logs Estimator's line if so."""
    if checkpoint_step(checkpoint) < max_steps:
        return False
    tf1.logging.info("Skipping training since max_steps has already saved.")
    return True


def eval_dir(model_dir, name):
    """Where an evaluation's TensorBoard events go: eval/, or eval_<name>/."""
    return os.path.join(model_dir, "eval_" + name if name else "eval")


def speed_every_steps(iterations_per_loop, distributed):
    """How often the speed is measured (the `global_step/sec` /
    `examples/sec` events; the lines come at the progress pace, SpeedLines):
    every ceil(100 / iterations_per_loop) steps, as TPUEstimator does, or
    every iterations_per_loop steps under a strategy."""
    if distributed:
        return iterations_per_loop
    return int(math.ceil(float(LOG_STEP_COUNT_STEPS) / iterations_per_loop))


def eval_outputs(spec):
    """(metric_fn, {"tensor_<i>": its i-th tensor, "loss": the batch loss})
    of an EVAL ModelSpec: what HostMetrics reads batch by batch."""
    metric_fn, tensors = spec.eval_metrics
    outputs = {"tensor_%d" % index: tensor for index, tensor in enumerate(tensors)}
    outputs["loss"] = spec.loss
    return metric_fn, outputs


def _batch_shape(value):
    """A batch's shape with any batch size (a scalar's: a scalar)."""
    return value.shape if not value.shape else (None,) + value.shape[1:]


class HostMetrics(object):
    """The model function's metric_fn on the host, over the batches of its
    tensors (eval_outputs'): its streaming metrics in a graph of their own,
    fed batch by batch, read at the end (as TPUEstimator's host call runs
    them)."""

    def __init__(self, metric_fn, first_batch):
        self._names = sorted(first_batch)
        self._graph = tf.Graph()
        with self._graph.as_default():
            self._inputs = {
                name: tf1.placeholder(
                    tf.as_dtype(first_batch[name].dtype),
                    _batch_shape(first_batch[name]), name=name)
                for name in self._names}
            tensors = [self._inputs["tensor_%d" % index]
                       for index in range(len(self._names) - 1)]
            metrics = dict(metric_fn(*tensors))
            metrics["loss"] = tf1.metrics.mean(self._inputs["loss"])
            self._update = tf.group(*[update for _, update in metrics.values()])
            self._values = {key: value for key, (value, _) in metrics.items()}
            initialise = tf1.local_variables_initializer()
        self._session = tf1.Session(graph=self._graph)
        self._session.run(initialise)

    def update(self, batch):
        self._session.run(self._update, {
            self._inputs[name]: batch[name] for name in self._names})

    def result(self):
        values = self._session.run(self._values)
        self._session.close()
        return values
