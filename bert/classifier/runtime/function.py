"""The function runtime: train, evaluate and predict with tf.function under a
tf.distribute strategy (TensorFlow 2's own way, and the only one on today's
Cloud TPUs and for several hosts on TensorFlow 2.16+).

It drives the same model function as the other runtimes (a ModelSpec per
mode, its variables made by tf.compat.v1.get_variable: variable_store.py keeps
one of each across traces) and leaves the same output folder: model.ckpt-N
and `checkpoint` in the release's variable names, event files (`loss`,
`learning_rate`, `examples_per_sec`, `global_step/sec`, `examples/sec`; eval/
with the metrics) and the same log lines.

Training runs iterations_per_loop steps per call of one tf.function, each
step a strategy.run of the model function's train op; with jit_compile the
step is compiled by XLA whole, as a TPU compiles it. Evaluation computes the
model's outputs on the device(s) and the metrics on the host: the model
function's metric_fn, as TPUEstimator's host call runs it.
"""

import contextlib
import time

import numpy as np
import tensorflow as tf

from bert.optimization import LEARNING_RATE_COLLECTION
from bert.classifier.model_fn import (EVAL, INIT_CHECKPOINT_LOADED_BY_RUNTIME,
                                      PREDICT, TRAIN, load_init_checkpoint)
from bert.classifier.runtime import distribution
from bert.classifier.runtime.common import (HostMetrics, SharedRuntime,
                                            call_input_fn, checkpoint_step,
                                            eval_outputs, examples_of,
                                            speed_every_steps, training_done)
from bert.classifier.progress import SpeedLines, speed_scalars, write_scalars
from bert.classifier.runtime.variable_store import VariableStore, fresh_variable_scopes

tf1 = tf.compat.v1


@contextlib.contextmanager
def _quiet(quiet):
    """Holds back INFO lines (a retrace's repeat of the first trace's)."""
    if not quiet:
        yield
        return
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("WARNING")
    try:
        yield
    finally:
        logger.setLevel(level)


class _Tracer(object):
    """Calls spec_fn in a trace: the first trace's log lines are shown, a
    retrace's (the same lines again) are not."""

    def __init__(self, spec_fn, mode, params):
        self._spec_fn = spec_fn
        self._mode = mode
        self._params = dict(params, **{INIT_CHECKPOINT_LOADED_BY_RUNTIME: True})
        self._traces = 0

    def __call__(self, features):
        fresh_variable_scopes()
        with _quiet(self._traces > 0):
            spec = self._spec_fn(features, None, self._mode, self._params)
        return spec

    def done(self):
        self._traces += 1


class FunctionRuntime(SharedRuntime):
    """train / evaluate / predict / latest_checkpoint over a spec_fn, with
    tf.function under strategy (a tf.distribute strategy; None: one device).

    Training runs steps_per_call steps per call of its tf.function
    (iterations_per_loop on TPU; the speed lines' pace is iterations_per_loop's
    as on the other runtimes) on the strategy's replicas, each on
    train_batch_size / replicas examples; evaluation and prediction too under
    a TPU strategy, and on one device otherwise. Only the chief (is_chief)
    writes checkpoints. init_checkpoint initialises the variables found in it
    when model_dir has no checkpoint yet.
    """

    def __init__(self, spec_fn, model_dir, train_batch_size, eval_batch_size,
                 predict_batch_size, init_checkpoint=None, random_seed=None,
                 save_checkpoints_steps=1000, keep_checkpoint_max=5,
                 iterations_per_loop=1000, steps_per_call=1, strategy=None,
                 jit_compile=False, is_chief=True, infer_on_strategy=False):
        super(FunctionRuntime, self).__init__(
            spec_fn, model_dir, train_batch_size, eval_batch_size,
            predict_batch_size, random_seed, save_checkpoints_steps,
            keep_checkpoint_max)
        self._init_checkpoint = init_checkpoint
        self._steps_per_call = steps_per_call
        self._strategy = strategy or tf.distribute.get_strategy()
        self._distributed = strategy is not None
        self._multi_worker = isinstance(
            strategy, tf.distribute.MultiWorkerMirroredStrategy)
        self._speed_every_steps = speed_every_steps(iterations_per_loop,
                                                    self._distributed)
        self._jit_compile = jit_compile
        self._is_chief = is_chief
        self._infer_on_strategy = infer_on_strategy

    def _dataset(self, input_fn, mode, strategy):
        """input_fn's dataset for mode, split over strategy's replicas (each
        input pipeline, a worker's, reads its shard)."""
        replicas = strategy.num_replicas_in_sync
        params = {"batch_size": self._batch_sizes[mode] // replicas}
        if replicas == 1:
            return call_input_fn(input_fn, params)
        return strategy.distribute_datasets_from_function(
            lambda input_context: call_input_fn(input_fn, params, input_context))

    def _restore(self, store, checkpoint):
        """Restores checkpoint into store's variables or, with none,
        initialises the trainable ones from init_checkpoint. Returns the
        global step."""
        if checkpoint is None:
            load_init_checkpoint(store.trainable_variables(),
                                 self._init_checkpoint)
            return 0
        reader = tf.train.load_checkpoint(checkpoint)
        for name, variable in store.saved_variables().items():
            variable.assign(reader.get_tensor(name))
        tf1.logging.info("Restoring parameters from %s", checkpoint)
        return checkpoint_step(checkpoint)

    # Training.

    def _training_loop(self, tracer):
        """A tf.function(iterator, steps) running steps training steps; it
        returns their mean loss and the last learning rate."""
        strategy = self._strategy

        def replica_step(features):
            spec = tracer(features)
            learning_rate = tf1.get_collection(LEARNING_RATE_COLLECTION)[-1]
            with tf.control_dependencies([spec.train_op]):
                return tf.identity(spec.loss), tf.identity(learning_rate)

        if self._jit_compile:
            replica_step = tf.function(replica_step, jit_compile=True,
                                       autograph=False)

        def loop(iterator, steps):
            def body(index, loss_sum, _):
                loss, learning_rate = strategy.run(replica_step,
                                                   args=(next(iterator),))
                loss = strategy.reduce(tf.distribute.ReduceOp.SUM, loss, axis=None)
                learning_rate = strategy.experimental_local_results(
                    learning_rate)[0]
                return index + 1, loss_sum + loss, learning_rate

            _, loss_sum, learning_rate = tf.while_loop(
                lambda index, *_: index < steps, body,
                (tf.constant(0), tf.constant(0.0), tf.constant(0.0)))
            tracer.done()
            return loss_sum / tf.cast(tf.maximum(steps, 1), tf.float32), learning_rate

        return tf.function(loop, autograph=False)

    def train(self, input_fn, max_steps, listeners=()):
        """Trains until the global step reaches max_steps, resuming from the
        newest checkpoint in model_dir, saving every save_checkpoints_steps
        and at the end, telling listeners (progress.StepListener) of the
        steps. Returns the
        last step's loss."""
        checkpoint = self.latest_checkpoint()
        if training_done(checkpoint, max_steps):
            return None
        if self._random_seed is not None:
            tf.random.set_seed(self._random_seed)
        store = VariableStore()
        batch_size = self._batch_sizes[TRAIN]
        tracer = _Tracer(self._spec_fn, TRAIN, {
            "batch_size": batch_size // self._strategy.num_replicas_in_sync})
        with self._strategy.scope(), store.scope():
            iterator = iter(self._dataset(input_fn, TRAIN, self._strategy))
            loop = self._training_loop(tracer)
            # Tracing makes and initialises the variables without a step.
            loop.get_concrete_function(iterator, tf.constant(0))
            step = self._restore(store, checkpoint)
            saver = self._saver(store)
            last_loss = self._run_loop(loop, iterator, step, max_steps, saver,
                                       store.get("global_step"), listeners)
        tf1.logging.info("Loss for final step: %s.", last_loss)
        return last_loss

    def _saver(self, store):
        """The Saver of the chief (None on other workers), which knows the
        checkpoints already in model_dir so that it keeps the newest."""
        if not self._is_chief:
            return None
        # A distributed variable is saved as its first local copy.
        saver = tf1.train.Saver(var_list={
            name: self._strategy.experimental_local_results(variable)[0]
            for name, variable in store.saved_variables().items()},
                                max_to_keep=self._keep_checkpoint_max,
                                save_relative_paths=True)
        state = tf.train.get_checkpoint_state(self.model_dir)
        if state is not None:
            saver.recover_last_checkpoints(state.all_model_checkpoint_paths)
        return saver

    def _save(self, saver, step):
        if saver is None:
            return
        path = saver.save(None, self.model_dir + "/model.ckpt", global_step=step)
        tf1.logging.info("Saving checkpoints for %d into %s.", step, path)

    def _run_loop(self, loop, iterator, step, max_steps, saver, global_step,
                  listeners):
        """Calls loop until max_steps, saving, logging and telling listeners."""
        batch_size = self._batch_sizes[TRAIN]
        for listener in listeners:
            listener.start(step)
        speed_step, speed_time = step, time.time()
        speed_lines = SpeedLines(batch_size)
        last_loss = None
        while step < max_steps:
            next_save = (step // self._save_checkpoints_steps + 1) * (
                self._save_checkpoints_steps)
            steps = min(self._steps_per_call, max_steps - step,
                        next_save - step)
            try:
                mean_loss, learning_rate = loop(iterator, tf.constant(steps))
                step = int(global_step.numpy())
                last_loss = float(mean_loss)
            except distribution.PEER_LOST_ERRORS as error:
                if not self._multi_worker:
                    raise
                raise distribution.peer_lost(error, step, self.latest_checkpoint())
            for listener in listeners:
                listener.record(step, last_loss, float(learning_rate))
            if step - speed_step >= self._speed_every_steps:
                now = time.time()
                self._record_speed(step, step - speed_step, now - speed_time,
                                   speed_lines)
                speed_step, speed_time = step, now
            if step % self._save_checkpoints_steps == 0 or step >= max_steps:
                self._save(saver, step)
        speed_lines.flush()
        for listener in listeners:
            listener.finish(step)
        return last_loss

    def _record_speed(self, step, steps, seconds, speed_lines):
        """The `global_step/sec` and `examples/sec` events of steps run in
        seconds up to step, and their lines at the progress lines' pace."""
        seconds = max(seconds, 1e-9)
        if self._is_chief:
            write_scalars(self.model_dir, step, speed_scalars(
                steps / seconds, self._batch_sizes[TRAIN]))
        speed_lines.add(steps, seconds)

    # Evaluation and prediction.

    def _inference_strategy(self):
        if self._infer_on_strategy:
            return self._strategy
        return tf.distribute.get_strategy()

    def _inference_outputs(self, input_fn, mode, outputs_of, steps=None):
        """Yields outputs_of(spec) (a dict of tensors) as NumPy arrays, one
        dict per batch of input_fn, on the newest checkpoint."""
        checkpoint = self.latest_checkpoint()
        if checkpoint is None:
            tf1.logging.info("no checkpoint in %s: running on the initial "
                             "weights", self.model_dir)
        strategy = self._inference_strategy()
        store = VariableStore()
        tracer = _Tracer(self._spec_fn, mode, {
            "batch_size": self._batch_sizes[mode] // strategy.num_replicas_in_sync})

        def replica_outputs(features):
            return outputs_of(tracer(features))

        if self._jit_compile:
            replica_outputs = tf.function(replica_outputs, jit_compile=True,
                                          autograph=False)

        def batch_outputs(iterator):
            outputs = strategy.run(replica_outputs, args=(next(iterator),))
            tracer.done()
            if strategy.num_replicas_in_sync == 1:
                return strategy.experimental_local_results(outputs)[0]
            return tf.nest.map_structure(
                lambda value: strategy.gather(value, axis=0), outputs)

        with strategy.scope(), store.scope():
            iterator = iter(self._dataset(input_fn, mode, strategy))
            batch_outputs = tf.function(batch_outputs, autograph=False)
            batch_outputs.get_concrete_function(iterator)
            self._restore(store, checkpoint)
            batches = 0
            while steps is None or batches < steps:
                try:
                    outputs = batch_outputs(iterator)
                except tf.errors.OutOfRangeError:
                    break
                batches += 1
                yield {key: value.numpy() for key, value in outputs.items()}

    def evaluate(self, input_fn, steps=None, name=None, progress=None):
        """The eval metrics over input_fn's batches (at most steps of them) on
        the newest checkpoint, with `loss` (the mean batch loss) and
        `global_step`, as Estimator.evaluate returns them; also written to
        model_dir/eval (eval_<name> for a named set) as TensorBoard scalars.
        progress (a RowProgress) is told of each batch."""
        checkpoint = self.latest_checkpoint()
        metrics = None
        start = time.time()
        batches = 0

        def outputs_of(spec):
            outputs_of.metric_fn, outputs = eval_outputs(spec)
            return outputs

        for batch in self._inference_outputs(input_fn, EVAL, outputs_of, steps):
            if metrics is None:
                metrics = HostMetrics(outputs_of.metric_fn, batch)
            metrics.update(batch)
            batches += 1
            if progress is not None:
                progress.batch_done()
        result = metrics.result() if metrics is not None else {}
        result["global_step"] = np.int64(checkpoint_step(checkpoint))
        self._report_evaluation(result, checkpoint, batches, start, name)
        return result

    def predict(self, input_fn):
        """Yields one {name: value} per example, on the newest checkpoint."""
        for batch in self._inference_outputs(
                input_fn, PREDICT, lambda spec: dict(spec.predictions)):
            yield from examples_of(batch)
