"""The runtime a run uses, built from its RunConfig: the model function's
arguments are set here once, for either runtime."""

import tensorflow as tf

from classifier import metrics
from classifier.model_fn import model_fn_builder, spec_fn_builder
from classifier.multi_label import resolve_threshold
from classifier.runtime import choice, distribution
from classifier.runtime.estimator import make_estimators
from classifier.runtime.progress import ExamplesPerSecondHook
from classifier.runtime.session import SessionRuntime, default_session_config

tf1 = tf.compat.v1


def session_config(use_xla):
    """The session ConfigProto for --use_xla (None: the runtime's default)."""
    if not use_xla:
        return None
    config = tf1.ConfigProto()
    config.graph_options.optimizer_options.global_jit_level = (
        tf1.OptimizerOptions.ON_1)
    return config


def model_arguments(config, bert_config, processor, num_train_steps,
                    num_warmup_steps):
    """The arguments of model_fn_builder / spec_fn_builder for this run."""
    label_list = processor.get_labels()
    if processor.multi_label:
        metric_fn = metrics.multi_label_metric_fn_builder(
            label_list, resolve_threshold(config.multi_label_threshold,
                                          config.output_dir, label_list),
            config.tune_threshold, config.per_label_thresholds)
    else:
        metric_fn = metrics.metric_fn_builder(processor.metrics,
                                              processor.is_regression)
    return dict(
        bert_config=bert_config,
        num_labels=1 if label_list is None else len(label_list),
        init_checkpoint=config.init_checkpoint,
        learning_rate=config.learning_rate,
        num_train_steps=num_train_steps,
        num_warmup_steps=num_warmup_steps,
        use_tpu=config.use_tpu,
        use_one_hot_embeddings=config.use_tpu,
        metric_fn=metric_fn,
        regression=processor.is_regression,
        compute_dtype=config.compute_dtype,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        fused_kernels=config.fused_kernels,
        multi_label=processor.multi_label)


def make_runtimes(config, bert_config, processor, num_train_steps,
                  num_warmup_steps, strategy=None):
    """(evaluator, trainer) for config's runtime: objects with train(input_fn,
    max_steps, hooks), evaluate(input_fn, steps, name), predict(input_fn) and
    latest_checkpoint(), as Estimator has them. strategy comes from
    distribution.make_strategy for the same runtime."""
    runtime = choice.resolve(config.runtime)
    tf1.logging.info("runtime: %s (TensorFlow %s)", runtime, tf.version.VERSION)
    arguments = model_arguments(config, bert_config, processor,
                                num_train_steps, num_warmup_steps)
    proto = session_config(config.use_xla)
    if runtime == "estimator":
        return make_estimators(config, model_fn_builder(**arguments), proto,
                               strategy)
    if strategy is not None:
        distribution.log_replicas(strategy.num_replicas_in_sync,
                                  config.train_batch_size)
        proto = distribution.session_config(
            proto or default_session_config())
    session = SessionRuntime(
        spec_fn_builder(**arguments), config.output_dir,
        train_batch_size=config.train_batch_size // config.gradient_accumulation_steps,
        eval_batch_size=config.eval_batch_size,
        predict_batch_size=config.predict_batch_size,
        random_seed=config.random_seed,
        save_checkpoints_steps=config.save_checkpoints_steps,
        keep_checkpoint_max=config.keep_checkpoint_max,
        iterations_per_loop=config.iterations_per_loop,
        session_config=proto, strategy=strategy)
    return session, session


def speed_hooks(trainer, config):
    """The hooks that make trainer log `examples/sec`: none for TPUEstimator
    and the session runtime, which log it; one for an Estimator under a
    strategy, which logs only `global_step/sec`."""
    if isinstance(trainer, SessionRuntime) or isinstance(
            trainer, tf1.estimator.tpu.TPUEstimator):
        return []
    return [ExamplesPerSecondHook(config.train_batch_size,
                                  config.iterations_per_loop)]
