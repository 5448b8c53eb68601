"""Adam with decoupled weight decay and the warm-up + linear-decay schedule.

The optimizer plugs into tf.compat.v1.train.Optimizer through its per-variable
hooks, so the base class handles gradient aggregation under tf.distribute.
Float16 training adds dynamic loss scaling (DynamicLossScale).
"""

import re

import tensorflow as tf

from bert import fused_kernels

tf1 = tf.compat.v1

CLIP_NORM = 1.0
WEIGHT_DECAY_RATE = 0.01
EXCLUDE_FROM_WEIGHT_DECAY = ["LayerNorm", "layer_norm", "bias"]
# With fused kernels, variables this small are updated op by op: a compiled
# kernel's launch costs more than the few microseconds of their ten ops.
FUSED_UPDATE_MIN_SIZE = 16384
# create_optimizer adds each step's learning rate here, for progress logs.
LEARNING_RATE_COLLECTION = "learning_rate"


def learning_rate_schedule(init_lr, global_step, num_train_steps, num_warmup_steps):
    """Linear warm-up to init_lr over num_warmup_steps, then linear decay to 0."""
    learning_rate = tf1.train.polynomial_decay(
        tf.constant(init_lr, dtype=tf.float32), global_step, num_train_steps,
        end_learning_rate=0.0, power=1.0, cycle=False)
    if not num_warmup_steps:
        return learning_rate
    step = tf.cast(global_step, tf.float32)
    warmup_steps = tf.constant(float(num_warmup_steps))
    warmup_lr = init_lr * step / warmup_steps
    return tf1.where(step < warmup_steps, warmup_lr, learning_rate)


def create_optimizer(loss, init_lr, num_train_steps, num_warmup_steps, use_tpu,
                     gradient_accumulation_steps=1, loss_scaling=False,
                     fused_kernels=False):
    """Returns the train op: clipped gradients applied by AdamWeightDecayOptimizer.

    With gradient_accumulation_steps k > 1 each run adds the gradient of one
    micro-batch to an accumulator and every k-th run applies their mean: the
    same update as one batch k times larger. The global step counts updates.

    With loss_scaling (float16) the gradients come from a dynamically scaled
    loss; a step whose gradients hold inf or nan updates no weight and halves
    the scale, but still advances the global step.

    Under a tf.distribute strategy with several replicas the gradients are
    averaged across replicas before clipping, so one step equals the
    single-device step on the whole global batch.

    fused_kernels updates each variable in one compiled kernel (not on TPU).
    """
    global_step = tf1.train.get_or_create_global_step()
    learning_rate = learning_rate_schedule(
        init_lr, global_step, num_train_steps, num_warmup_steps)
    tf1.add_to_collection(LEARNING_RATE_COLLECTION, learning_rate)
    optimizer = AdamWeightDecayOptimizer(
        learning_rate=learning_rate,
        weight_decay_rate=WEIGHT_DECAY_RATE,
        exclude_from_weight_decay=EXCLUDE_FROM_WEIGHT_DECAY,
        fused_kernels=fused_kernels)
    if use_tpu:
        optimizer = tf1.tpu.CrossShardOptimizer(optimizer)
    tvars = tf1.trainable_variables()
    loss_scale = DynamicLossScale() if loss_scaling else None
    if loss_scale is None:
        grads = tf.gradients(loss, tvars)
    else:
        grads = loss_scale.unscale(tf.gradients(loss_scale.scale(loss), tvars))
    if gradient_accumulation_steps > 1:
        return _accumulating_train_op(optimizer, grads, tvars, global_step,
                                      gradient_accumulation_steps, loss_scale)
    grads, replica_share = _mean_across_replicas(grads)
    return _clip_and_apply(optimizer, grads, tvars, global_step, loss_scale,
                           replica_share)


def _mean_across_replicas(grads):
    """(grads averaged over all replicas, the share each replica must apply).

    The v1 Optimizer sums what every replica passes to apply_gradients, so
    each replica passes its share (1 / replicas) of the clipped mean.
    """
    replica_context = tf.distribute.get_replica_context()
    replicas = replica_context.num_replicas_in_sync if replica_context else 1
    if replicas == 1:
        return grads, 1.0
    present = [index for index, grad in enumerate(grads) if grad is not None]
    reduced = replica_context.all_reduce(
        tf.distribute.ReduceOp.SUM,
        [tf.convert_to_tensor(grads[index]) / replicas for index in present])
    averaged = list(grads)
    for index, grad in zip(present, reduced):
        averaged[index] = grad
    return averaged, 1.0 / replicas


def _clip_and_apply(optimizer, grads, tvars, global_step, loss_scale=None,
                    replica_share=1.0):
    """Clips grads to CLIP_NORM and applies them; the op the step runs."""
    updates = []
    if (isinstance(optimizer, AdamWeightDecayOptimizer)
            and optimizer.fused_kernels and replica_share == 1.0):
        # The compiled update multiplies each gradient by the clipping factor
        # as it reads it: one pass over the gradients fewer.
        global_norm = tf.linalg.global_norm(grads)
        optimizer.gradient_scale = clipping_factor(global_norm)
    else:
        grads, global_norm = tf.clip_by_global_norm(grads, clip_norm=CLIP_NORM)
    if loss_scale is not None:
        # The clipping's norm is inf or nan when a gradient element is (or
        # when they are too large to sum their squares in float32): no extra
        # pass over the gradients to find out.
        all_finite = tf.math.is_finite(global_norm)
        optimizer.apply_only_if = all_finite
        updates.append(loss_scale.adjust(all_finite))
    if replica_share != 1.0:
        grads = [None if grad is None else grad * replica_share for grad in grads]
    updates.append(
        optimizer.apply_gradients(zip(grads, tvars), global_step=global_step))
    # The optimizer leaves the global step alone (as the reference's does):
    # it goes up here, after the update that read it for the learning rate.
    with tf.control_dependencies(updates):
        return global_step.assign_add(1).op


def clipping_factor(global_norm, clip_norm=CLIP_NORM):
    """What tf.clip_by_global_norm multiplies the gradients by: min(1,
    clip_norm / global_norm), and nan when the norm is not finite."""
    finite_factor = clip_norm * tf.minimum(1.0 / global_norm, 1.0 / clip_norm)
    return finite_factor + (global_norm - global_norm)


class DynamicLossScale(object):
    """Dynamic loss scaling for float16 gradients.

    The loss is multiplied by `scale` before differentiation and the gradients
    divided by it after. A step with inf/nan gradients halves the scale (to no
    less than 1); growth_interval finite steps in a row double it. The scale
    and the count live in the non-trainable variables `loss_scale` and
    `loss_scale_good_steps` (saved in checkpoints, ignored by the BERT ones).
    """

    def __init__(self, initial_scale=2.0 ** 15, growth_interval=2000):
        self.growth_interval = growth_interval
        same_on_every_replica = tf.VariableAggregation.ONLY_FIRST_REPLICA
        self.value = tf1.get_variable(
            "loss_scale", [], tf.float32,
            initializer=tf1.constant_initializer(initial_scale),
            trainable=False, aggregation=same_on_every_replica)
        self.good_steps = tf1.get_variable(
            "loss_scale_good_steps", [], tf.int64,
            initializer=tf1.zeros_initializer(),
            trainable=False, aggregation=same_on_every_replica)

    def scale(self, loss):
        return loss * self.value

    def unscale(self, grads):
        inverse = 1.0 / self.value
        unscaled = []
        for grad in grads:
            if isinstance(grad, tf.IndexedSlices):
                grad = tf.IndexedSlices(grad.values * inverse, grad.indices,
                                        grad.dense_shape)
            elif grad is not None:
                grad = grad * inverse
            unscaled.append(grad)
        return unscaled

    def adjust(self, all_finite):
        """The op updating scale and count after a step whose gradients were
        all finite (a boolean tensor) or not."""
        good_steps = self.good_steps + 1
        grow = tf.logical_and(all_finite, good_steps >= self.growth_interval)
        new_value = tf1.where(
            all_finite,
            tf1.where(grow, self.value * 2.0, self.value),
            tf.maximum(self.value / 2.0, 1.0))
        new_good_steps = tf1.where(
            tf.logical_and(all_finite, tf.logical_not(grow)),
            good_steps, tf.constant(0, tf.int64))
        return tf.group(self.value.assign(new_value),
                        self.good_steps.assign(new_good_steps))


def _accumulating_train_op(optimizer, grads, tvars, global_step, steps,
                           loss_scale=None):
    """Adds grads/steps to accumulators; every steps-th run clips and applies them."""
    accumulators = [
        tf1.get_variable(_variable_name(var) + "/grad_accumulator", var.shape, tf.float32,
                         initializer=tf1.zeros_initializer(), trainable=False)
        for var in tvars]
    micro_step = tf1.get_variable(
        "gradient_accumulation_step", [], tf.int64,
        initializer=tf1.zeros_initializer(), trainable=False)
    added = [accumulator.assign_add(tf.convert_to_tensor(grad) / steps)
             for accumulator, grad in zip(accumulators, grads) if grad is not None]
    with tf.control_dependencies(added):
        count = micro_step.assign_add(1)

    def apply_and_reset():
        update = _clip_and_apply(
            optimizer, [accumulator.read_value() for accumulator in accumulators],
            tvars, global_step, loss_scale)
        with tf.control_dependencies([update]):
            resets = [accumulator.assign(tf.zeros_like(accumulator))
                      for accumulator in accumulators]
            resets.append(micro_step.assign(0))
            with tf.control_dependencies(resets):
                return tf.constant(True)

    return tf.cond(tf.equal(count % steps, 0), apply_and_reset,
                   lambda: tf.constant(False))


class AdamWeightDecayOptimizer(tf1.train.Optimizer):
    """Adam without bias correction, plus decoupled L2 weight decay.

    m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2
    w -= lr * (m / (sqrt(v) + eps) + weight_decay_rate * w)
    Slots are `<var>/adam_m` and `<var>/adam_v`. Sparse gradients are made dense,
    so every row of an embedding table is updated every step. When
    `apply_only_if` is set to a boolean tensor, variables and slots change
    only where it is true (loss scaling skips steps with inf/nan gradients).
    With fused_kernels each resource variable's update (of all but the
    smallest) is one compiled kernel (fused_kernels.py) instead of about ten
    elementwise ops.
    """

    def __init__(self,
                 learning_rate,
                 weight_decay_rate=0.0,
                 beta_1=0.9,
                 beta_2=0.999,
                 epsilon=1e-6,
                 exclude_from_weight_decay=None,
                 name="AdamWeightDecayOptimizer",
                 fused_kernels=False):
        super(AdamWeightDecayOptimizer, self).__init__(False, name)
        self.learning_rate = learning_rate
        self.weight_decay_rate = weight_decay_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.exclude_from_weight_decay = exclude_from_weight_decay
        self.apply_only_if = None
        self.fused_kernels = fused_kernels
        # With fused_kernels: the clipping factor, applied as gradients are read.
        self.gradient_scale = None

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Updates the variables and their adam_m/adam_v slots.

        global_step is accepted and left unchanged, as the reference's
        optimizer does: callers increment it themselves.
        """
        del global_step
        return super(AdamWeightDecayOptimizer, self).apply_gradients(
            grads_and_vars, global_step=None, name=name)

    def _create_slots(self, var_list):
        for var in var_list:
            self._zeros_slot(var, "m", "adam_m")
            self._zeros_slot(var, "v", "adam_v")

    def _apply_weight_decay_adam(self, grad, var):
        if self.apply_only_if is None:
            return self._adam_update(grad, var)
        return tf.cond(self.apply_only_if,
                       lambda: self._adam_update(grad, var), tf.no_op)

    def _adam_update(self, grad, var):
        m = self.get_slot(var, "m")
        v = self.get_slot(var, "v")
        dtype = var.dtype.base_dtype
        learning_rate = tf.cast(self.learning_rate, dtype)
        decay_rate = (self.weight_decay_rate
                      if self._do_use_weight_decay(_variable_name(var)) else 0.0)
        if (self.fused_kernels and _is_resource_variable(var)
                and var.shape.num_elements() >= FUSED_UPDATE_MIN_SIZE):
            return fused_kernels.adam_weight_decay_update(
                grad, var, m, v, learning_rate, self.beta_1, self.beta_2,
                self.epsilon, decay_rate, self.gradient_scale)
        if self.gradient_scale is not None:
            grad = grad * self.gradient_scale
        update, next_m, next_v = fused_kernels.adam_weight_decay_step(
            grad, var, m, v, self.beta_1, self.beta_2, self.epsilon, decay_rate)
        return tf.group(
            var.assign_sub(learning_rate * update),
            m.assign(next_m),
            v.assign(next_v))

    def _apply_dense(self, grad, var):
        return self._apply_weight_decay_adam(grad, var)

    def _resource_apply_dense(self, grad, handle):
        return self._apply_weight_decay_adam(grad, handle)

    def _apply_sparse(self, grad, var):
        return self._apply_weight_decay_adam(tf.convert_to_tensor(grad), var)

    def _resource_apply_sparse(self, grad, handle, indices):
        dense_grad = tf.math.unsorted_segment_sum(
            grad, indices, tf.shape(handle, out_type=indices.dtype)[0])
        return self._apply_weight_decay_adam(dense_grad, handle)

    def _do_use_weight_decay(self, param_name):
        """Whether to apply L2 weight decay to the variable named param_name."""
        if not self.weight_decay_rate:
            return False
        for pattern in self.exclude_from_weight_decay or []:
            if re.search(pattern, param_name) is not None:
                return False
        return True


def _variable_name(var):
    """var's name without the output index ("bert/pooler/dense/kernel"), in
    graph and in eager mode (where a variable has no op)."""
    return var.name.split(":")[0]


def _is_resource_variable(var):
    """Whether var is a variable that compiled kernels can update (a resource
    variable, not a TF1 reference variable)."""
    return isinstance(var, tf.Variable) and var.dtype == var.dtype.base_dtype
