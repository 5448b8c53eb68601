"""Adam with decoupled weight decay and the warm-up + linear-decay schedule.

The optimizer plugs into tf.compat.v1.train.Optimizer through its per-variable
hooks, so the base class handles gradient aggregation under tf.distribute.
"""

import re

import tensorflow as tf

tf1 = tf.compat.v1

CLIP_NORM = 1.0
WEIGHT_DECAY_RATE = 0.01
EXCLUDE_FROM_WEIGHT_DECAY = ["LayerNorm", "layer_norm", "bias"]


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
                     gradient_accumulation_steps=1):
    """Returns the train op: clipped gradients applied by AdamWeightDecayOptimizer.

    With gradient_accumulation_steps k > 1 each run adds the gradient of one
    micro-batch to an accumulator and every k-th run applies their mean: the
    same update as one batch k times larger. The global step counts updates.
    """
    global_step = tf1.train.get_or_create_global_step()
    learning_rate = learning_rate_schedule(
        init_lr, global_step, num_train_steps, num_warmup_steps)
    optimizer = AdamWeightDecayOptimizer(
        learning_rate=learning_rate,
        weight_decay_rate=WEIGHT_DECAY_RATE,
        exclude_from_weight_decay=EXCLUDE_FROM_WEIGHT_DECAY)
    if use_tpu:
        optimizer = tf1.tpu.CrossShardOptimizer(optimizer)
    tvars = tf1.trainable_variables()
    grads = tf.gradients(loss, tvars)
    if gradient_accumulation_steps > 1:
        return _accumulating_train_op(optimizer, grads, tvars, global_step,
                                      gradient_accumulation_steps)
    grads, _ = tf.clip_by_global_norm(grads, clip_norm=CLIP_NORM)
    return optimizer.apply_gradients(zip(grads, tvars), global_step=global_step)


def _accumulating_train_op(optimizer, grads, tvars, global_step, steps):
    """Adds grads/steps to accumulators; every steps-th run clips and applies them."""
    accumulators = [
        tf1.get_variable(var.op.name + "/grad_accumulator", var.shape, tf.float32,
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
        clipped, _ = tf.clip_by_global_norm(
            [accumulator.read_value() for accumulator in accumulators],
            clip_norm=CLIP_NORM)
        update = optimizer.apply_gradients(zip(clipped, tvars),
                                           global_step=global_step)
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
    so every row of an embedding table is updated every step.
    """

    def __init__(self,
                 learning_rate,
                 weight_decay_rate=0.0,
                 beta_1=0.9,
                 beta_2=0.999,
                 epsilon=1e-6,
                 exclude_from_weight_decay=None,
                 name="AdamWeightDecayOptimizer"):
        super(AdamWeightDecayOptimizer, self).__init__(False, name)
        self.learning_rate = learning_rate
        self.weight_decay_rate = weight_decay_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.exclude_from_weight_decay = exclude_from_weight_decay

    def _create_slots(self, var_list):
        for var in var_list:
            self._zeros_slot(var, "m", "adam_m")
            self._zeros_slot(var, "v", "adam_v")

    def _apply_weight_decay_adam(self, grad, var):
        m = self.get_slot(var, "m")
        v = self.get_slot(var, "v")
        dtype = var.dtype.base_dtype
        learning_rate = tf.cast(self.learning_rate, dtype)
        next_m = self.beta_1 * m + (1.0 - self.beta_1) * grad
        next_v = self.beta_2 * v + (1.0 - self.beta_2) * tf.square(grad)
        update = next_m / (tf.sqrt(next_v) + self.epsilon)
        if self._do_use_weight_decay(var.op.name):
            update += self.weight_decay_rate * var
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
