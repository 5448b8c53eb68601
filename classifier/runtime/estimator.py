"""The estimator runtime (TensorFlow 2.15): the TPUEstimator a run evaluates
and predicts with, and the Estimator that trains under a tf.distribute
strategy."""

import tensorflow as tf

from classifier.runtime import distribution

tf1 = tf.compat.v1


def make_estimators(config, model_fn, session_config, strategy=None):
    """(estimator, trainer): a TPUEstimator (on the TPU with use_tpu, on
    CPU/GPU otherwise) that evaluates and predicts, and the Estimator that
    trains: the same one, or with a tf.distribute strategy an Estimator
    running it."""
    cluster_resolver = None
    if config.use_tpu and config.tpu_name:
        cluster_resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
            config.tpu_name, zone=config.tpu_zone, project=config.gcp_project)
    run_config_args = dict(
        save_checkpoints_steps=config.save_checkpoints_steps,
        keep_checkpoint_max=config.keep_checkpoint_max,
        tf_random_seed=config.random_seed)
    # On a multi-worker cluster the chief evaluates and predicts by itself.
    local_only = config.multi_worker
    tpu_run_config = tf1.estimator.tpu.RunConfig(
        cluster=cluster_resolver,
        session_config=session_config,
        master="" if local_only else config.master,
        evaluation_master="" if local_only else None,
        model_dir=config.output_dir,
        tpu_config=tf1.estimator.tpu.TPUConfig(
            iterations_per_loop=config.iterations_per_loop,
            num_shards=config.num_tpu_cores,
            per_host_input_for_training=(
                tf1.estimator.tpu.InputPipelineConfig.PER_HOST_V2)),
        **run_config_args)
    estimator = tf1.estimator.tpu.TPUEstimator(
        use_tpu=config.use_tpu,
        model_fn=model_fn,
        config=tpu_run_config,
        train_batch_size=(
            config.train_batch_size // config.gradient_accumulation_steps),
        eval_batch_size=config.eval_batch_size,
        predict_batch_size=config.predict_batch_size)
    if strategy is None:
        return estimator, estimator
    trainer = distributed_estimator(
        model_fn, strategy, config.train_batch_size, config.output_dir,
        session_config, **run_config_args)
    return estimator, trainer


def distributed_estimator(model_fn, strategy, train_batch_size, model_dir,
                          session_config_proto=None, **run_config_args):
    """An Estimator training model_fn (which returns TPUEstimatorSpecs) under strategy.

    Its input_fn gets params["batch_size"] = train_batch_size / replicas
    (train_batch_size must be a multiple of the replicas).
    """
    replicas = strategy.num_replicas_in_sync
    config = tf1.estimator.RunConfig(
        model_dir=model_dir, train_distribute=strategy,
        session_config=distribution.session_config(session_config_proto),
        **run_config_args)

    def estimator_model_fn(features, labels, mode, params):
        return model_fn(features, labels, mode, params).as_estimator_spec()

    distribution.log_replicas(replicas, train_batch_size)
    return tf1.estimator.Estimator(
        model_fn=estimator_model_fn, config=config,
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
