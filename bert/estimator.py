"""tf.estimator's train / evaluate / predict face on TensorFlow 2.16+, which
has no Estimator: code written for the release (its notebook's last step)
runs on the session runtime with one line added after its imports,

    tf.estimator = bert.estimator

Estimator, EstimatorSpec, RunConfig and ModeKeys take the arguments of
tf.estimator's that such code passes; an argument this runtime cannot honour
is refused with a ValueError that names it, never ignored. The model
function may return an EstimatorSpec of this module (or of tf.estimator on
2.15), a TPUEstimatorSpec, or the ModelSpec of run_classifier.model_fn_builder.
"""

import collections
import inspect
import tempfile

import tensorflow as tf

from bert.classifier.model_fn import EVAL, PREDICT, TRAIN, ModelSpec
from bert.classifier.runtime.common import SAVE_SUMMARY_STEPS, checkpoint_step
from bert.classifier.runtime.session import SessionRuntime

tf1 = tf.compat.v1

# A step count no training reaches: where Estimator has no limit (no
# max_steps; no save_checkpoints_steps, saving at the end alone). Far below
# int64's end, since TensorFlow's step timers add to it.
_NO_LIMIT = 10 ** 15

# The key under which a model function's predictions travel when they are one
# tensor rather than a dict (predict yields the bare values then).
_SINGLE_PREDICTION = "__single_prediction__"


class ModeKeys(object):
    """The modes a model function is called in (tf.estimator.ModeKeys)."""
    TRAIN = TRAIN
    EVAL = EVAL
    PREDICT = PREDICT


EstimatorSpec = collections.namedtuple(
    "EstimatorSpec",
    "mode predictions loss train_op eval_metric_ops export_outputs "
    "training_chief_hooks training_hooks scaffold evaluation_hooks "
    "prediction_hooks",
    defaults=(None,) * 5 + ((),) * 2 + (None,) + ((),) * 2)
EstimatorSpec.__doc__ = """What a model function returns (tf.estimator.EstimatorSpec).
Hooks and export_outputs are refused; the rest is used as Estimator uses it."""

RunConfig = collections.namedtuple(
    "RunConfig",
    "model_dir tf_random_seed save_summary_steps save_checkpoints_steps "
    "session_config keep_checkpoint_max",
    defaults=(None, None, SAVE_SUMMARY_STEPS, None, None, 5))
RunConfig.__doc__ = """The run settings tf.estimator.RunConfig takes that this
runtime honours. save_checkpoints_steps=None saves at the end of training
(tf.estimator's default also saves every 10 minutes)."""


def _refuse(where, **given):
    """ValueError naming the first argument given that this runtime lacks."""
    for name, value in sorted(given.items()):
        if value:
            raise ValueError(
                "%s: %s is not supported by bert.estimator (the session runtime); "
                "leave it out" % (where, name))


def as_model_spec(spec):
    """The ModelSpec the session runtime runs, from what a model function
    returned: an EstimatorSpec, a TPUEstimatorSpec or a ModelSpec."""
    if isinstance(spec, ModelSpec):
        return spec
    fields = spec._asdict()
    _refuse("the model function's EstimatorSpec", **{
        name: fields.get(name) for name in (
            "export_outputs", "training_chief_hooks", "training_hooks",
            "evaluation_hooks", "prediction_hooks", "host_call")})
    eval_metrics = fields.get("eval_metrics")
    if eval_metrics is None and fields.get("eval_metric_ops") is not None:
        eval_metric_ops = dict(fields["eval_metric_ops"])
        eval_metrics = (lambda: eval_metric_ops, [])
    predictions = fields.get("predictions")
    if predictions is not None and not isinstance(predictions, dict):
        predictions = {_SINGLE_PREDICTION: predictions}
    scaffold_fn = fields.get("scaffold_fn")
    if scaffold_fn is None and fields.get("scaffold") is not None:
        scaffold_fn = lambda: fields["scaffold"]  # noqa: E731
    return ModelSpec(mode=fields["mode"], loss=fields.get("loss"),
                     train_op=fields.get("train_op"), eval_metrics=eval_metrics,
                     predictions=predictions, scaffold_fn=scaffold_fn)


def _call_taking(function, **arguments):
    """function called with those of arguments its signature names, as
    Estimator calls model and input functions."""
    accepted = inspect.signature(function).parameters
    return function(**{name: value for name, value in arguments.items()
                       if name in accepted})


class Estimator(object):
    """tf.estimator.Estimator(model_fn, model_dir, config, params) on the
    session runtime: train, evaluate and predict as Estimator's do, with
    checkpoints, events and logs in model_dir as Estimator leaves them.

    params (given to model_fn and input_fn as Estimator gives them) holds
    the batch size in params["batch_size"] where the input functions need
    one (run_classifier.input_fn_builder's do)."""

    def __init__(self, model_fn, model_dir=None, config=None, params=None,
                 warm_start_from=None):
        _refuse("Estimator", warm_start_from=warm_start_from)
        run_config = config or RunConfig()  # this module's RunConfig
        self.config = run_config
        self.params = dict(params or {})
        self.model_dir = model_dir or run_config.model_dir
        if self.model_dir is None:
            self.model_dir = tempfile.mkdtemp()
            tf1.logging.warning("Using temporary folder as model directory: %s",
                                self.model_dir)
        self._model_fn = model_fn
        batch_size = self.params.get("batch_size")
        self._runtime = SessionRuntime(
            self._spec_fn, self.model_dir, batch_size, batch_size, batch_size,
            random_seed=run_config.tf_random_seed,
            save_checkpoints_steps=run_config.save_checkpoints_steps or _NO_LIMIT,
            keep_checkpoint_max=run_config.keep_checkpoint_max,
            session_config=run_config.session_config,
            save_summary_steps=run_config.save_summary_steps)

    def _spec_fn(self, features, labels, mode, params):
        if isinstance(features, tuple) and len(features) == 2:
            features, labels = features
        return as_model_spec(_call_taking(
            self._model_fn, features=features, labels=labels, mode=mode,
            params=self.params, config=self.config))

    def _input_fn(self, input_fn, mode):
        return lambda params: _call_taking(input_fn, params=self.params,
                                           mode=mode, config=self.config)

    def latest_checkpoint(self):
        return self._runtime.latest_checkpoint()

    def train(self, input_fn, hooks=None, steps=None, max_steps=None,
              saving_listeners=None):
        """Trains for steps more steps, or up to max_steps, or (neither
        given) until input_fn's data ends; returns self."""
        _refuse("Estimator.train", saving_listeners=saving_listeners)
        if steps is not None and max_steps is not None:
            raise ValueError("Estimator.train: give steps or max_steps, not both")
        if steps is not None:
            max_steps = checkpoint_step(self.latest_checkpoint()) + steps
        self._runtime.train(self._input_fn(input_fn, TRAIN),
                            max_steps if max_steps is not None else _NO_LIMIT,
                            session_hooks=list(hooks or []))
        return self

    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None,
                 name=None):
        """The metrics ({name: value}, with loss and global_step) over
        input_fn's batches, at most steps of them, on the newest checkpoint."""
        _refuse("Estimator.evaluate", hooks=hooks, checkpoint_path=checkpoint_path)
        return self._runtime.evaluate(self._input_fn(input_fn, EVAL), steps, name)

    def predict(self, input_fn, predict_keys=None, hooks=None,
                checkpoint_path=None, yield_single_examples=True):
        """Yields each example's predictions: a {key: value} (only
        predict_keys' where given), or the value where the model function
        returned one tensor."""
        _refuse("Estimator.predict", hooks=hooks, checkpoint_path=checkpoint_path,
                yield_single_examples=not yield_single_examples)
        for example in self._runtime.predict(self._input_fn(input_fn, PREDICT)):
            if set(example) == {_SINGLE_PREDICTION}:
                yield example[_SINGLE_PREDICTION]
            elif predict_keys is not None:
                yield {key: example[key] for key in predict_keys}
            else:
                yield example
