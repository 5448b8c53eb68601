"""The classifier head on BERT and the model function every runtime drives.

The model function keeps TPUEstimator's shape, (features, labels, mode,
params), and builds a ModelSpec: the parts of a TPUEstimatorSpec a run uses.
What differs between runtimes comes in (params, use_tpu); the model function
asks nothing of them. The session and function runtimes read the ModelSpec
itself; the estimator runtime and model_fn_builder, the reference's API
(runtime/estimator_runtime.py), wrap it in a TPUEstimatorSpec.
"""

import collections
import dataclasses

import tensorflow as tf

from bert import modeling
from bert import optimization
from bert.classifier import metrics
from bert.classifier.data.features import LABEL_FEATURE, REAL_EXAMPLE_FEATURE
from bert.classifier.divergence import guard_loss
from bert.classifier.progress import TRAINING_LOSS_COLLECTION

tf1 = tf.compat.v1

# The modes, with tf.estimator.ModeKeys' values (TensorFlow 2.16+ has no
# tf.estimator).
TRAIN, EVAL, PREDICT = "train", "eval", "infer"

# A params key: true when the runtime loads --init_checkpoint itself
# (load_init_checkpoint) and the model function must leave it alone.
INIT_CHECKPOINT_LOADED_BY_RUNTIME = "init_checkpoint_loaded_by_runtime"

# What the model function builds for one mode: the TPUEstimatorSpec fields a
# run uses. eval_metrics is (metric_fn, tensors).
ModelSpec = collections.namedtuple(
    "ModelSpec", "mode loss train_op eval_metrics predictions scaffold_fn",
    defaults=(None,) * 5)


@dataclasses.dataclass(frozen=True)
class ModelOptions(object):
    """How the classifier computes, beyond the reference's arguments: one
    value that travels from the run's settings to create_model.

    regression: one output, a score, trained on the squared error.
    multi_label: one sigmoid per label, binary cross-entropy (labels
    multi-hot). compute_dtype: the encoder's matrix products (float16 trains
    with dynamic loss scaling). fused_kernels: in training, the encoder's
    elementwise work and the optimizer's update as compiled kernels
    (fused_kernels.py); in evaluation and prediction, whose batches come in
    many shapes, GELU and LayerNorm in the forms oneDNN fuses (BertModel's).
    cls_only_last_layer: BertModel's.
    gradient_accumulation_steps: micro-batches whose summed gradients make
    one update. classifier_dropout: the dropout rate on the pooled output in
    training.
    """

    regression: bool = False
    multi_label: bool = False
    compute_dtype: tf.DType = tf.float32
    fused_kernels: bool = False
    cls_only_last_layer: bool = False
    gradient_accumulation_steps: int = 1
    classifier_dropout: float = 0.1

    @classmethod
    def of_run(cls, run_config, regression, multi_label):
        """A run's options: the task's head, and every other field from the
        run_config attribute of its name."""
        return cls(regression=regression, multi_label=multi_label, **{
            field.name: getattr(run_config, field.name)
            for field in dataclasses.fields(cls)
            if field.name not in ("regression", "multi_label")})


def create_model(bert_config, is_training, input_ids, input_mask, segment_ids,
                 labels, num_labels, use_one_hot_embeddings,
                 options=ModelOptions()):
    """BERT's pooled output -> dropout -> linear layer -> softmax.

    Returns (loss, per_example_loss, logits, probabilities). With
    options.regression (num_labels 1) the loss is the squared error and the
    last element holds the predicted scores. With options.multi_label
    (labels multi-hot) each label has its own sigmoid probability and the
    loss is binary cross-entropy, averaged over labels and examples.
    """
    model = modeling.BertModel(
        config=bert_config,
        is_training=is_training,
        input_ids=input_ids,
        input_mask=input_mask,
        token_type_ids=segment_ids,
        use_one_hot_embeddings=use_one_hot_embeddings,
        compute_dtype=options.compute_dtype,
        fused_kernels=options.fused_kernels,
        cls_only_last_layer=options.cls_only_last_layer)
    output_layer = model.get_pooled_output()
    hidden_size = output_layer.shape[-1]

    output_weights = tf1.get_variable(
        "output_weights", [num_labels, hidden_size],
        initializer=tf1.truncated_normal_initializer(stddev=0.02))
    output_bias = tf1.get_variable(
        "output_bias", [num_labels], initializer=tf1.zeros_initializer())

    with tf1.variable_scope("loss"):
        if is_training:
            output_layer = tf.nn.dropout(output_layer,
                                         rate=options.classifier_dropout)
        logits = tf.matmul(output_layer, output_weights, transpose_b=True)
        logits = tf.nn.bias_add(logits, output_bias)
        if options.regression:
            scores = tf.squeeze(logits, axis=-1)
            per_example_loss = tf.square(scores - tf.cast(labels, tf.float32))
            return tf.reduce_mean(per_example_loss), per_example_loss, logits, scores
        if options.multi_label:
            per_example_loss = tf.reduce_mean(
                tf.nn.sigmoid_cross_entropy_with_logits(
                    labels=tf.cast(labels, tf.float32), logits=logits), axis=-1)
            return (tf.reduce_mean(per_example_loss), per_example_loss, logits,
                    tf.sigmoid(logits))
        probabilities = tf.nn.softmax(logits, axis=-1)
        log_probs = tf.nn.log_softmax(logits, axis=-1)
        one_hot_labels = tf.one_hot(labels, depth=num_labels, dtype=tf.float32)
        per_example_loss = -tf.reduce_sum(one_hot_labels * log_probs, axis=-1)
        loss = tf.reduce_mean(per_example_loss)
    return loss, per_example_loss, logits, probabilities


def init_from_checkpoint(init_checkpoint, use_tpu):
    """Maps trainable variables found in init_checkpoint onto it.

    Returns the scaffold_fn TPUEstimator wants (None off TPU, where the
    variables are mapped at once). Logs what log_initialisation logs.
    """
    tvars = tf1.trainable_variables()
    initialized_variable_names = {}
    scaffold_fn = None
    if init_checkpoint:
        assignment_map, initialized_variable_names = (
            modeling.get_assignment_map_from_checkpoint(tvars, init_checkpoint))
        if use_tpu:
            def tpu_scaffold():
                tf1.train.init_from_checkpoint(init_checkpoint, assignment_map)
                return tf1.train.Scaffold()
            scaffold_fn = tpu_scaffold
        else:
            tf1.train.init_from_checkpoint(init_checkpoint, assignment_map)
    log_initialisation(tvars, initialized_variable_names, init_checkpoint)
    return scaffold_fn


def load_init_checkpoint(tvars, init_checkpoint):
    """Assigns init_checkpoint's values to the variables of tvars (made
    already, in eager mode) found in it by name; logs as init_from_checkpoint.
    For a runtime that makes the variables itself (params
    INIT_CHECKPOINT_LOADED_BY_RUNTIME)."""
    initialized_variable_names = {}
    if init_checkpoint:
        assignment_map, initialized_variable_names = (
            modeling.get_assignment_map_from_checkpoint(tvars, init_checkpoint))
        reader = tf.train.load_checkpoint(init_checkpoint)
        for var in tvars:
            name = var.name.split(":")[0]
            if name in assignment_map:
                var.assign(reader.get_tensor(assignment_map[name]))
    log_initialisation(tvars, initialized_variable_names, init_checkpoint)


def log_initialisation(tvars, initialized_variable_names, init_checkpoint):
    """One line: how many variables come from the checkpoint and which are
    new; the reference's line per variable is logged at DEBUG
    (--verbosity=1)."""
    tf1.logging.debug("**** Trainable Variables ****")
    for var in tvars:
        init_string = (", *INIT_FROM_CKPT*"
                       if var.name in initialized_variable_names else "")
        tf1.logging.debug("  name = %s, shape = %s%s", var.name, var.shape,
                          init_string)
    new = [var.name.split(":")[0] for var in tvars
           if var.name not in initialized_variable_names]
    if init_checkpoint:
        tf1.logging.info(
            "initialised %d of %d trainable variables from %s; new: %s",
            len(tvars) - len(new), len(tvars), init_checkpoint,
            ", ".join(new) or "none")
    else:
        tf1.logging.info("%d trainable variables, all newly initialised "
                         "(no --init_checkpoint)", len(tvars))


def _replicas():
    """Replicas in sync: an Estimator sums their losses, so each logs loss / N."""
    replica_context = tf.distribute.get_replica_context()
    return replica_context.num_replicas_in_sync if replica_context else 1


def spec_fn_builder(bert_config, num_labels, init_checkpoint, learning_rate,
                    num_train_steps, num_warmup_steps, use_tpu,
                    use_one_hot_embeddings, metric_fn=None,
                    options=ModelOptions()):
    """Returns a spec_fn(features, labels, mode, params) -> ModelSpec.

    metric_fn (default: eval_accuracy and eval_loss) receives per_example_loss,
    label_ids, logits and is_real_example; with options.multi_label give a
    multi-label one. options: a ModelOptions (fused_kernels: compiled
    kernels in training, oneDNN-fusable forms in evaluation and prediction;
    see modeling.BertModel). Predictions are "probabilities", or "scores"
    for regression.
    """
    metric_fn = metric_fn or metrics.accuracy_and_loss

    def spec_fn(features, labels, mode, params):
        del labels
        tf1.logging.info("*** Features ***")
        for name in sorted(features):
            tf1.logging.info("  name = %s, shape = %s", name, features[name].shape)

        input_ids = features["input_ids"]
        label_ids = features[LABEL_FEATURE]
        if REAL_EXAMPLE_FEATURE in features:
            is_real_example = tf.cast(features[REAL_EXAMPLE_FEATURE], tf.float32)
        else:
            is_real_example = tf.ones(tf.shape(label_ids)[:1], dtype=tf.float32)

        is_training = mode == TRAIN
        total_loss, per_example_loss, logits, probabilities = create_model(
            bert_config, is_training, input_ids, features["input_mask"],
            features["segment_ids"], label_ids, num_labels,
            use_one_hot_embeddings, options)
        scaffold_fn = None
        if not (params or {}).get(INIT_CHECKPOINT_LOADED_BY_RUNTIME):
            scaffold_fn = init_from_checkpoint(init_checkpoint, use_tpu)

        if mode == TRAIN:
            if not use_tpu:
                total_loss = guard_loss(total_loss)
                tf1.add_to_collection(TRAINING_LOSS_COLLECTION, total_loss)
            train_op = optimization.create_optimizer(
                total_loss, learning_rate, num_train_steps, num_warmup_steps,
                use_tpu, options.gradient_accumulation_steps,
                loss_scaling=options.compute_dtype == tf.float16,
                fused_kernels=options.fused_kernels)
            return ModelSpec(
                mode=mode, loss=total_loss / _replicas(), train_op=train_op,
                scaffold_fn=scaffold_fn)
        if mode == EVAL:
            eval_metrics = (metric_fn,
                            [per_example_loss, label_ids, logits, is_real_example])
            return ModelSpec(
                mode=mode, loss=total_loss, eval_metrics=eval_metrics,
                scaffold_fn=scaffold_fn)
        output_name = "scores" if options.regression else "probabilities"
        return ModelSpec(
            mode=mode, predictions={output_name: probabilities},
            scaffold_fn=scaffold_fn)

    return spec_fn
