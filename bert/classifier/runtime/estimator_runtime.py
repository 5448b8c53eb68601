"""The estimator runtime (TensorFlow 2.15), the reference's: a TPUEstimator
that trains, evaluates and predicts, and under a tf.distribute strategy an
Estimator that trains; and model_fn_builder, the reference's API for
Estimator code."""

import tensorflow as tf

from bert.classifier.model_fn import ModelOptions, spec_fn_builder
from bert.classifier.runtime import distribution
from bert.classifier.runtime.common import speed_every_steps
from bert.classifier.runtime.interface import Runtime
from bert.classifier.runtime.listener_hook import ListenerHook
from bert.classifier.progress import ExamplesPerSecondHook, RowProgressHook
from bert.classifier.tf_version import has_estimator

tf1 = tf.compat.v1


def tpu_estimator_model_fn(spec_fn):
    """A TPUEstimator model_fn of spec_fn (model_fn.py's): its ModelSpecs as
    TPUEstimatorSpecs."""
    def model_fn(features, labels, mode, params):
        spec = spec_fn(features, labels, mode, params)
        return tf1.estimator.tpu.TPUEstimatorSpec(**spec._asdict())
    return model_fn


def model_fn_builder(bert_config, num_labels, init_checkpoint, learning_rate,
                     num_train_steps, num_warmup_steps, use_tpu,
                     use_one_hot_embeddings, metric_fn=None,
                     options=ModelOptions()):
    """The reference's: a model_fn(features, labels, mode, params) for
    TPUEstimator, returning TPUEstimatorSpecs; on TensorFlow without
    Estimator (2.16+) the spec_fn that bert.estimator.Estimator takes. The
    arguments are model_fn.spec_fn_builder's."""
    spec_fn = spec_fn_builder(
        bert_config, num_labels, init_checkpoint, learning_rate,
        num_train_steps, num_warmup_steps, use_tpu, use_one_hot_embeddings,
        metric_fn, options)
    return tpu_estimator_model_fn(spec_fn) if has_estimator() else spec_fn


class EstimatorRuntime(Runtime):
    """train / evaluate / predict / latest_checkpoint on Estimators.

    estimator (a TPUEstimator) evaluates and predicts; trainer trains: the
    same one, or an Estimator under a strategy, which joins a TF_CONFIG
    cluster through train_on_cluster when multi_worker. Off TPU the speed
    lines and events come from the hook added here (the Estimators' own are
    off: they log at every step on CPU), every speed_every_steps steps.
    """

    def __init__(self, estimator, trainer, multi_worker=False, batch_size=None,
                 speed_every_steps=None):
        self.estimator = estimator
        self._trainer = trainer
        self._multi_worker = multi_worker
        self._speed_hooks = []
        if speed_every_steps is not None:
            self._speed_hooks = [ExamplesPerSecondHook(
                batch_size, speed_every_steps, output_dir=estimator.model_dir)]
        self.model_dir = estimator.model_dir

    def latest_checkpoint(self):
        return self.estimator.latest_checkpoint()

    def train(self, input_fn, max_steps, listeners=(), session_hooks=()):
        """Runtime.train; session_hooks: more tf.compat.v1 SessionRunHooks
        (a profiler's)."""
        hooks = [ListenerHook(listeners)] + list(session_hooks) + self._speed_hooks
        if self._multi_worker:
            train_on_cluster(self._trainer, input_fn, max_steps, hooks)
        else:
            self._trainer.train(input_fn=input_fn, max_steps=max_steps,
                                hooks=hooks)

    def evaluate(self, input_fn, steps=None, name=None, progress=None):
        hooks = [] if progress is None else [RowProgressHook(progress)]
        return self.estimator.evaluate(input_fn=input_fn, steps=steps, name=name,
                                       hooks=hooks)

    def predict(self, input_fn):
        return self.estimator.predict(input_fn=input_fn)


def make_estimator_runtime(run_config, model_fn, session_config, strategy=None):
    """The EstimatorRuntime of run_config (the tool's RunConfig): a
    TPUEstimator (on the TPU with use_tpu, on CPU/GPU otherwise), training
    through an Estimator running it under a tf.distribute strategy if there
    is one. TensorFlow's settings are tpu_run_config and
    estimator_run_config."""
    cluster_resolver = None
    if run_config.use_tpu and run_config.tpu_name:
        cluster_resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
            run_config.tpu_name, zone=run_config.tpu_zone,
            project=run_config.gcp_project)
    estimator_settings = dict(
        save_checkpoints_steps=run_config.save_checkpoints_steps,
        keep_checkpoint_max=run_config.keep_checkpoint_max,
        tf_random_seed=run_config.random_seed)
    if not run_config.use_tpu:
        # EstimatorRuntime's hook logs the speed instead (on TPU, once per
        # loop of iterations_per_loop steps, TPUEstimator's is readable).
        estimator_settings["log_step_count_steps"] = None
    # On a multi-worker cluster the chief evaluates and predicts by itself.
    local_only = run_config.multi_worker
    tpu_run_config = tf1.estimator.tpu.RunConfig(
        cluster=cluster_resolver,
        session_config=session_config,
        master="" if local_only else run_config.master,
        evaluation_master="" if local_only else None,
        model_dir=run_config.output_dir,
        tpu_config=tf1.estimator.tpu.TPUConfig(
            iterations_per_loop=run_config.iterations_per_loop,
            num_shards=run_config.num_tpu_cores,
            per_host_input_for_training=(
                tf1.estimator.tpu.InputPipelineConfig.PER_HOST_V2)),
        **estimator_settings)
    batch_size = run_config.micro_batch_size
    estimator = tf1.estimator.tpu.TPUEstimator(
        use_tpu=run_config.use_tpu,
        model_fn=model_fn,
        config=tpu_run_config,
        train_batch_size=batch_size,
        eval_batch_size=run_config.eval_batch_size,
        predict_batch_size=run_config.predict_batch_size)
    if strategy is None:
        return EstimatorRuntime(
            estimator, estimator, batch_size=batch_size,
            speed_every_steps=None if run_config.use_tpu else speed_every_steps(
                run_config.iterations_per_loop, distributed=False))
    trainer = distributed_estimator(
        model_fn, strategy, run_config.train_batch_size, run_config.output_dir,
        session_config, **estimator_settings)
    return EstimatorRuntime(
        estimator, trainer, run_config.multi_worker, run_config.train_batch_size,
        speed_every_steps(run_config.iterations_per_loop, distributed=True))


def distributed_estimator(model_fn, strategy, train_batch_size, model_dir,
                          session_config_proto=None, **estimator_settings):
    """An Estimator training model_fn (which returns TPUEstimatorSpecs) under strategy.

    Its input_fn gets params["batch_size"] = train_batch_size / replicas
    (train_batch_size must be a multiple of the replicas).
    """
    replicas = strategy.num_replicas_in_sync
    estimator_run_config = tf1.estimator.RunConfig(
        model_dir=model_dir, train_distribute=strategy,
        session_config=distribution.session_config(session_config_proto),
        **estimator_settings)

    def estimator_model_fn(features, labels, mode, params):
        return model_fn(features, labels, mode, params).as_estimator_spec()

    distribution.log_replicas(replicas, train_batch_size)
    return tf1.estimator.Estimator(
        model_fn=estimator_model_fn, config=estimator_run_config,
        params={"batch_size": train_batch_size // replicas})


def train_on_cluster(estimator, input_fn, max_steps, hooks):
    """estimator.train for a multi_worker_mirrored worker.

    Estimator lets the workers of a TF_CONFIG cluster train only through
    train_and_evaluate; it evaluates on an "evaluator" task alone, which
    run_classifier does not use (the chief evaluates after training), so the
    EvalSpec is never run.
    """
    tf1.estimator.train_and_evaluate(
        estimator,
        tf1.estimator.TrainSpec(input_fn, max_steps=max_steps, hooks=hooks),
        tf1.estimator.EvalSpec(input_fn, steps=1))
