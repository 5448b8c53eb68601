"""The estimators a run uses, built from its RunConfig."""

import tensorflow as tf

from classifier import distribution, metrics
from classifier.model_fn import model_fn_builder

tf1 = tf.compat.v1


def session_config(use_xla):
    """The session ConfigProto for --use_xla (None: TensorFlow's default)."""
    if not use_xla:
        return None
    config = tf1.ConfigProto()
    config.graph_options.optimizer_options.global_jit_level = (
        tf1.OptimizerOptions.ON_1)
    return config


def make_estimators(config, bert_config, processor, num_train_steps,
                    num_warmup_steps, strategy=None):
    """(estimator, trainer): a TPUEstimator (on the TPU with use_tpu, on
    CPU/GPU otherwise) that evaluates and predicts, and the Estimator that
    trains: the same one, or with a tf.distribute strategy an Estimator
    running it."""
    cluster_resolver = None
    if config.use_tpu and config.tpu_name:
        cluster_resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
            config.tpu_name, zone=config.tpu_zone, project=config.gcp_project)
    xla_config = session_config(config.use_xla)
    run_config_args = dict(
        save_checkpoints_steps=config.save_checkpoints_steps,
        keep_checkpoint_max=config.keep_checkpoint_max,
        tf_random_seed=config.random_seed)
    # On a multi-worker cluster the chief evaluates and predicts by itself.
    local_only = config.multi_worker
    tpu_run_config = tf1.estimator.tpu.RunConfig(
        cluster=cluster_resolver,
        session_config=xla_config,
        master="" if local_only else config.master,
        evaluation_master="" if local_only else None,
        model_dir=config.output_dir,
        tpu_config=tf1.estimator.tpu.TPUConfig(
            iterations_per_loop=config.iterations_per_loop,
            num_shards=config.num_tpu_cores,
            per_host_input_for_training=(
                tf1.estimator.tpu.InputPipelineConfig.PER_HOST_V2)),
        **run_config_args)
    label_list = processor.get_labels()
    model_fn = model_fn_builder(
        bert_config=bert_config,
        num_labels=1 if label_list is None else len(label_list),
        init_checkpoint=config.init_checkpoint,
        learning_rate=config.learning_rate,
        num_train_steps=num_train_steps,
        num_warmup_steps=num_warmup_steps,
        use_tpu=config.use_tpu,
        use_one_hot_embeddings=config.use_tpu,
        metric_fn=metrics.metric_fn_builder(
            processor.metrics, processor.is_regression),
        regression=processor.is_regression,
        compute_dtype=config.compute_dtype,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        fused_kernels=config.fused_kernels)
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
    trainer = distribution.distributed_estimator(
        model_fn, strategy, config.train_batch_size, config.output_dir,
        xla_config, **run_config_args)
    return estimator, trainer
