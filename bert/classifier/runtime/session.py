"""The session runtime: train, evaluate and predict with tf.compat.v1 sessions.

What a run uses from an Estimator, on public tf.compat.v1 APIs alone
(MonitoredTrainingSession, Saver, session-run hooks, streaming metrics), so
that it runs on TensorFlow 2.16+, which has no Estimator. It drives the same
model function (a ModelSpec per mode) and leaves the same output folder:
model.ckpt-N and `checkpoint`, graph.pbtxt, event files (`loss`,
`global_step/sec`, `examples/sec`; eval/ with the metrics), and the same
`global_step/sec` and `examples/sec` log lines.

The graph of each phase is built in Estimator's order (random seed, global
step and its read, input, model), so that the op-level random seeds, which
TensorFlow derives from the graph's op count, are the Estimator's: with the
same --random_seed the estimator and session runtimes draw the same dropout
masks and shuffles.
"""

import contextlib
import itertools
import time

import tensorflow as tf

from bert.classifier import frozen_graph
from bert.classifier.model_fn import EVAL, PREDICT, TRAIN
from bert.classifier.runtime.common import (SAVE_SUMMARY_STEPS, HostMetrics,
                                            SharedRuntime, call_input_fn,
                                            eval_outputs, examples_of,
                                            speed_every_steps, training_done)
from bert.classifier.progress import ExamplesPerSecondHook
from bert.classifier.runtime.listener_hook import ListenerHook

tf1 = tf.compat.v1


def default_session_config():
    """The ConfigProto an Estimator uses when given none."""
    config = tf1.ConfigProto(allow_soft_placement=True)
    rewrite_options = config.graph_options.rewrite_options
    rewrite_options.meta_optimizer_iterations = rewrite_options.ONE
    return config


class _InitializeInput(tf1.train.SessionRunHook):
    """Runs the input iterator's initializer once the session exists."""

    def __init__(self, initializer):
        self.initializer = initializer

    def after_create_session(self, session, coord):
        session.run(self.initializer)


class _FreezeOnCreation(tf1.train.SessionRunHook):
    """Freezes `fetches` (frozen_graph.py) once the session holds the
    checkpoint's weights: .session and .fetches are the frozen copy's.

    The frozen copy's session has TensorFlow's default config, not the
    runtime's: grappler's second pass over it (the runtime asks for one) is
    what fuses GELU into the product before it (ONEDNN_VERBOSE on a --fast
    prediction of QNLI's test pairs: 1,026 products with GELU fused, none
    with one pass, which then ran at 206 rows/sec against 300)."""

    def __init__(self, fetches):
        self._fetches = fetches
        self.session = self.fetches = None

    def after_create_session(self, session, coord):
        self.session, self.fetches = frozen_graph.freeze(session, self._fetches)


def _scaffold(spec):
    """The model function's Scaffold (its scaffold_fn's, else a new one)."""
    return spec.scaffold_fn() if spec.scaffold_fn else tf1.train.Scaffold()


def _global_step_read(global_step):
    """The global step's read that Estimator creates before the input: the same
    ops, so that the ops after it get the same ids (and random seeds)."""
    with tf1.name_scope(None), tf1.name_scope(global_step.op.name + "/"):
        value = tf1.cond(tf1.is_variable_initialized(global_step),
                         global_step.read_value, lambda: global_step.initial_value)
        return value + 0


class SessionRuntime(SharedRuntime):
    """train / evaluate / predict / latest_checkpoint over a spec_fn.

    spec_fn(features, labels, mode, params) returns a ModelSpec (see
    classifier/model_fn.py). params["batch_size"] is the phase's batch size
    (per replica when training under a strategy). A strategy (a
    tf.compat.v1.distribute strategy) trains on its replicas; evaluation and
    prediction run on one device. frozen_inference: evaluate and predict
    from a copy of the graph whose weights are constants cast once
    (frozen_graph.py), for a graph that computes in bf16 or fp16.
    """

    def __init__(self, spec_fn, model_dir, train_batch_size, eval_batch_size,
                 predict_batch_size, random_seed=None, save_checkpoints_steps=1000,
                 keep_checkpoint_max=5, iterations_per_loop=1000,
                 session_config=None, strategy=None,
                 save_summary_steps=SAVE_SUMMARY_STEPS, frozen_inference=False):
        super(SessionRuntime, self).__init__(
            spec_fn, model_dir, train_batch_size, eval_batch_size,
            predict_batch_size, random_seed, save_checkpoints_steps,
            keep_checkpoint_max)
        self._speed_every_steps = speed_every_steps(iterations_per_loop,
                                                    strategy is not None)
        self._session_config = session_config or default_session_config()
        self._strategy = strategy
        self._save_summary_steps = save_summary_steps
        self._frozen_inference = frozen_inference

    def _start_graph(self):
        """Seeds the default graph and creates its global step."""
        tf1.set_random_seed(self._random_seed)
        return tf1.train.get_or_create_global_step()

    def _input(self, input_fn, batch_size):
        """(features, iterator-initialising hook) of input_fn on the host CPU."""
        with tf1.device("/device:CPU:0"):
            dataset = input_fn({"batch_size": batch_size})
        iterator = tf1.data.make_initializable_iterator(dataset)
        return iterator.get_next(), _InitializeInput(iterator.initializer)

    def _build_training(self, input_fn):
        """(loss, train_op, scaffold, hooks) of the training graph."""
        global_step = self._start_graph()
        _global_step_read(global_step)
        if self._strategy is None:
            features, initialize = self._input(input_fn, self._batch_sizes[TRAIN])
            spec = self._spec_fn(features, None, TRAIN,
                                 {"batch_size": self._batch_sizes[TRAIN]})
            loss, train_op = spec.loss, spec.train_op
            scaffold = _scaffold(spec)
        else:
            loss, train_op, initialize = self._build_replicated_training(input_fn)
            scaffold = tf1.train.Scaffold()
        return loss, train_op, scaffold, [initialize]

    def _build_replicated_training(self, input_fn):
        """(loss, train_op, iterator hook) of one step over the replicas; the
        model function returns each replica's loss / replicas, so their sum
        is the batch's mean loss."""
        strategy = self._strategy
        replicas = strategy.num_replicas_in_sync
        params = {"batch_size": self._batch_sizes[TRAIN] // replicas}
        iterator = strategy.make_input_fn_iterator(
            lambda input_context: call_input_fn(input_fn, params, input_context))
        features = iterator.get_next()

        def replica_step(replica_features):
            spec = self._spec_fn(replica_features, None, TRAIN, params)
            return spec.loss, spec.train_op

        losses, train_ops = strategy.extended.call_for_each_replica(
            replica_step, args=(features,))
        loss = strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)
        return (loss, strategy.group(train_ops),
                _InitializeInput(iterator.initialize()))

    def train(self, input_fn, max_steps, listeners=(), session_hooks=()):
        """Trains until the global step reaches max_steps, resuming from the
        newest checkpoint in model_dir, saving every save_checkpoints_steps
        and at the end, telling listeners (progress.StepListener) of the
        steps. session_hooks: more tf.compat.v1 SessionRunHooks (the
        Estimator stand-in's, a profiler's). Returns the last step's loss."""
        if training_done(self.latest_checkpoint(), max_steps):
            return None
        with tf.Graph().as_default():
            scope = (self._strategy.scope() if self._strategy is not None
                     else contextlib.nullcontext())
            with scope:
                loss, train_op, scaffold, input_hooks = self._build_training(
                    input_fn)
            tf1.summary.scalar("loss", loss)
            tf1.add_to_collection(tf1.GraphKeys.SAVERS, tf1.train.Saver(
                sharded=True, max_to_keep=self._keep_checkpoint_max,
                defer_build=True, save_relative_paths=True))
            saver_hook = tf1.train.CheckpointSaverHook(
                self.model_dir, save_steps=self._save_checkpoints_steps,
                scaffold=scaffold)
            all_hooks = input_hooks + [
                tf1.train.StopAtStepHook(last_step=max_steps),
                ExamplesPerSecondHook(self._batch_sizes[TRAIN],
                                      self._speed_every_steps,
                                      output_dir=self.model_dir),
                ListenerHook(listeners)] + list(session_hooks)
            last_loss = None
            with tf1.train.MonitoredTrainingSession(
                    checkpoint_dir=self.model_dir, scaffold=scaffold,
                    hooks=all_hooks, chief_only_hooks=[saver_hook],
                    save_checkpoint_secs=0,
                    save_summaries_steps=self._save_summary_steps,
                    log_step_count_steps=None,
                    config=self._session_config) as session:
                while not session.should_stop():
                    _, last_loss = session.run([train_op, loss])
        tf1.logging.info("Loss for final step: %s.", last_loss)
        return last_loss

    def _build_inference(self, input_fn, mode):
        """(spec, global step, iterator hook) of an eval or predict graph."""
        global_step = self._start_graph()
        features, initialize = self._input(input_fn, self._batch_sizes[mode])
        spec = self._spec_fn(features, None, mode,
                             {"batch_size": self._batch_sizes[mode]})
        return spec, global_step, initialize

    def _session(self, checkpoint, scaffold, hooks):
        """A MonitoredSession restoring checkpoint (None: initialised, the
        model function's --init_checkpoint mapping included)."""
        if checkpoint is None:
            tf1.logging.info("no checkpoint in %s: running on the initial "
                             "weights", self.model_dir)
        return tf1.train.MonitoredSession(
            session_creator=tf1.train.ChiefSessionCreator(
                scaffold=scaffold, checkpoint_filename_with_path=checkpoint,
                config=self._session_config),
            hooks=hooks)

    def _frozen_graph_of(self, checkpoint, input_fn, mode, fetches_of):
        """(spec, session, fetches, global step) of a frozen copy
        (frozen_graph.py) of mode's graph on checkpoint, its input
        initialised: fetches_of(spec) gives the nest of tensors to fetch."""
        with tf.Graph().as_default():
            spec, global_step, initialize = self._build_inference(input_fn, mode)
            freeze = _FreezeOnCreation((fetches_of(spec), tf.identity(global_step),
                                        initialize.initializer))
            with self._session(checkpoint, _scaffold(spec), [freeze]):
                pass
        fetches, global_step, initializer = freeze.fetches
        freeze.session.run(initializer)
        tf1.logging.info("%s from a frozen copy of the graph (its weights "
                         "constants, cast once)",
                         "evaluating" if mode == EVAL else "predicting")
        return spec, freeze.session, fetches, freeze.session.run(global_step)

    def evaluate(self, input_fn, steps=None, name=None, progress=None):
        """The eval metrics over input_fn's batches (at most steps of them) on
        the newest checkpoint, with `loss` (the mean batch loss) and
        `global_step`, as Estimator.evaluate returns them; also written to
        model_dir/eval (eval_<name> for a named set) as TensorBoard scalars.
        progress (a RowProgress) is told of each batch."""
        if self._frozen_inference:
            return self._evaluate_frozen(input_fn, steps, name, progress)
        checkpoint = self.latest_checkpoint()
        with tf.Graph().as_default():
            spec, global_step, initialize = self._build_inference(input_fn, EVAL)
            metric_fn, tensors = spec.eval_metrics
            metrics = dict(metric_fn(*tensors))
            metrics["loss"] = tf1.metrics.mean(spec.loss)
            update = tf.group(*[update for _, update in metrics.values()])
            finals = {key: value for key, (value, _) in metrics.items()}
            finals["global_step"] = global_step
            read_finals = tf1.train.FinalOpsHook(finals)
            scaffold = _scaffold(spec)
            start = time.time()
            batches = 0
            with self._session(checkpoint, scaffold, [initialize, read_finals]) as session:
                while not session.should_stop() and (steps is None or batches < steps):
                    session.run(update)
                    batches += 1
                    if progress is not None:
                        progress.batch_done()
        result = read_finals.final_ops_values
        self._report_evaluation(result, checkpoint, batches, start, name)
        return result

    def _evaluate_frozen(self, input_fn, steps, name, progress):
        """evaluate's result from a frozen graph: its metric tensors and loss
        batch by batch into HostMetrics (the function runtime's way)."""
        checkpoint = self.latest_checkpoint()
        start = time.time()
        spec, session, outputs, global_step = self._frozen_graph_of(
            checkpoint, input_fn, EVAL, lambda spec: eval_outputs(spec)[1])
        metrics = None
        batches = 0
        for batch in _batches(session, outputs, steps):
            if metrics is None:
                metrics = HostMetrics(spec.eval_metrics[0], batch)
            metrics.update(batch)
            batches += 1
            if progress is not None:
                progress.batch_done()
        result = metrics.result() if metrics is not None else {}
        result["global_step"] = global_step
        self._report_evaluation(result, checkpoint, batches, start, name)
        return result

    def predict(self, input_fn):
        """Yields one {name: value} per example, on the newest checkpoint."""
        if self._frozen_inference:
            _, session, predictions, _ = self._frozen_graph_of(
                self.latest_checkpoint(), input_fn, PREDICT,
                lambda spec: spec.predictions)
            for batch in _batches(session, predictions):
                yield from examples_of(batch)
            return
        checkpoint = self.latest_checkpoint()
        with tf.Graph().as_default():
            spec, _, initialize = self._build_inference(input_fn, PREDICT)
            scaffold = _scaffold(spec)
            with self._session(checkpoint, scaffold, [initialize]) as session:
                while not session.should_stop():
                    yield from examples_of(session.run(spec.predictions))


def _batches(session, fetches, steps=None):
    """Yields session.run(fetches) until the input ends (or steps times),
    then closes the session."""
    with session:
        for _ in itertools.repeat(None) if steps is None else range(steps):
            try:
                yield session.run(fetches)
            except tf.errors.OutOfRangeError:
                return
