"""The runtime a run uses, built from its RunConfig: the model function's
arguments are set here once, for every runtime (choice.py says which runs)."""

import tensorflow as tf

from bert.classifier.model_fn import spec_fn_builder
from bert.classifier.runtime import choice, distribution
from bert.classifier.runtime.estimator_runtime import (make_estimator_runtime,
                                                       tpu_estimator_model_fn)
from bert.classifier.runtime.function import FunctionRuntime
from bert.classifier.runtime.session import SessionRuntime, default_session_config

tf1 = tf.compat.v1


def session_config(use_xla):
    """The session ConfigProto for --use_xla (None: the runtime's default)."""
    if not use_xla:
        return None
    config = tf1.ConfigProto()
    config.graph_options.optimizer_options.global_jit_level = (
        tf1.OptimizerOptions.ON_1)
    return config


def model_arguments(config, bert_config, task, num_train_steps,
                    num_warmup_steps):
    """The arguments of spec_fn_builder for a run of task
    (a task.Task) with config."""
    return dict(
        bert_config=bert_config,
        num_labels=task.num_labels,
        init_checkpoint=config.init_checkpoint,
        learning_rate=config.learning_rate,
        num_train_steps=num_train_steps,
        num_warmup_steps=num_warmup_steps,
        use_tpu=config.use_tpu,
        use_one_hot_embeddings=config.use_tpu,
        metric_fn=task.metric_fn,
        options=task.model_options(config))


def make_strategy(config):
    """The tf.distribute strategy of config's runtime (None: one device)."""
    runtime = resolve_runtime(config)
    if runtime == "function" and config.use_tpu:
        return distribution.make_tpu_strategy(config.tpu_name, config.tpu_zone,
                                              config.gcp_project)
    return distribution.make_strategy(config.distribution_strategy, runtime,
                                      config.cluster_timeout_secs)


def resolve_runtime(config):
    return choice.resolve(config.runtime, config.multi_worker, config.use_tpu)


def make_runtime(config, bert_config, task, num_train_steps,
                 num_warmup_steps, strategy=None):
    """config's runtime (choice.py), an interface.Runtime, for task (a
    task.Task). strategy comes from make_strategy."""
    runtime = resolve_runtime(config)
    tf1.logging.info("runtime: %s (TensorFlow %s)", runtime, tf.version.VERSION)
    arguments = model_arguments(config, bert_config, task, num_train_steps,
                                num_warmup_steps)
    proto = session_config(config.use_xla)
    if runtime == "estimator":
        return make_estimator_runtime(
            config, tpu_estimator_model_fn(spec_fn_builder(**arguments)), proto,
            strategy)
    if strategy is not None:
        distribution.log_replicas(strategy.num_replicas_in_sync,
                                  config.train_batch_size)
    if runtime == "function":
        return make_function_runtime(config, arguments, strategy)
    if strategy is not None:
        proto = distribution.session_config(proto or default_session_config())
    return SessionRuntime(
        spec_fn_builder(**arguments), session_config=proto, strategy=strategy,
        frozen_inference=arguments["options"].compute_dtype != tf.float32,
        **runtime_arguments(config))


def runtime_arguments(config):
    """The session and function runtimes' common arguments (common.SharedRuntime's,
    and the pace of the speed lines)."""
    return dict(
        model_dir=config.output_dir,
        train_batch_size=config.micro_batch_size,
        eval_batch_size=config.eval_batch_size,
        predict_batch_size=config.predict_batch_size,
        random_seed=config.random_seed,
        save_checkpoints_steps=config.save_checkpoints_steps,
        keep_checkpoint_max=config.keep_checkpoint_max,
        iterations_per_loop=config.iterations_per_loop)


def make_function_runtime(config, arguments, strategy):
    """The function runtime. On TPU the model runs as TPUEstimator has it
    (one-hot embedding lookups, iterations_per_loop steps per call) but
    TPUStrategy, not CrossShardOptimizer, averages the gradients. --use_xla
    compiles each step whole and runs iterations_per_loop of them per call,
    the TPU's form of the step on any device."""
    arguments = dict(arguments, use_tpu=False)
    return FunctionRuntime(
        spec_fn_builder(**arguments), init_checkpoint=config.init_checkpoint,
        steps_per_call=(config.iterations_per_loop
                        if config.use_xla or config.use_tpu else 1),
        strategy=strategy, jit_compile=config.use_xla or config.use_tpu,
        is_chief=distribution.is_chief() if config.multi_worker else True,
        infer_on_strategy=config.use_tpu, **runtime_arguments(config))
