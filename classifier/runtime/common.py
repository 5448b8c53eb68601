"""What the session and function runtimes share: how they call an input
function, where evaluations' events go, how often the speed lines come."""

import inspect
import math
import os

import tensorflow as tf

tf1 = tf.compat.v1

# Estimator's defaults (RunConfig, TPUEstimator) for what a run does not set.
SAVE_SUMMARY_STEPS = 100
LOG_STEP_COUNT_STEPS = 100


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
    """How often the `global_step/sec` / `examples/sec` lines come: every
    ceil(100 / iterations_per_loop) steps (TPUEstimator), or every
    iterations_per_loop steps under a strategy (phases' hook for an
    Estimator)."""
    if distributed:
        return iterations_per_loop
    return int(math.ceil(float(LOG_STEP_COUNT_STEPS) / iterations_per_loop))
