"""BERT's elementwise work as XLA-compiled kernels, one forward and one backward.

Op by op, a training step reads and writes the activations once per
elementwise op: about ten passes for a dense layer's bias and tanh GELU, ten
for its bias, dropout, the residual sum and LayerNorm, six for the attention
softmax with its mask and dropout, and ten per variable in the Adam update.
Each function here computes the same formula as modeling.py or
optimization.py, but as one compiled kernel forward and one backward (the
gradient written out, recomputing cheap intermediates from the inputs), so a
pass or two instead. Arithmetic is float32
inside, whatever the input type; results differ from the op-by-op graph only
by rounding.

Dropout's random bits are made where they are used: each kernel hashes
every element's index with a seed (an int32 drawn per call and step by a
stateful op, so the graph's seed makes runs repeatable), and the backward
kernel remakes the same bits from the same seed instead of reading a tensor
of random numbers back. An element is kept where its 32 bits are >= the
drop rate times 2^32, and kept ones are scaled by 1 / (1 - rate), as
tf.nn.dropout keeps and scales them (its random stream is another). The
kernels compile once per input shape.

XLA:CPU in TensorFlow 2.21 hands reductions to YNNPACK fusions whose
executables are built on first use by a builder that two threads can run at
once, appending to one shared list of constants with no lock: two runs of one
compiled kernel at the same time (two dropouts a graph runs side by side, a
new session's first step) then corrupt the heap and the process dies with a
segmentation fault. Importing this module turns those fusions off (XLA's own
loops compute the same reductions), before XLA reads its flags at its first
compile; see xla_flags_without_ynn_fusions.
"""

import os

import tensorflow as tf

_FLOAT = tf.float32

# The XLA flag that lists the kinds of YNNPACK fusion XLA:CPU makes, and the
# first TensorFlow release whose XLA has it (2.20 and 2.15 have none).
YNN_FUSION_FLAG = "--xla_cpu_experimental_ynn_fusion_type"
FIRST_VERSION_WITH_YNN_FUSIONS = (2, 21)


def xla_flags_without_ynn_fusions(xla_flags, tensorflow_version):
    """XLA_FLAGS' value with XLA:CPU's YNNPACK fusions turned off (an empty
    list of fusion kinds), for a TensorFlow whose XLA makes them; unchanged
    where it makes none or the flags already choose the kinds themselves."""
    version = tuple(int(part) for part in tensorflow_version.split(".")[:2])
    if version < FIRST_VERSION_WITH_YNN_FUSIONS or YNN_FUSION_FLAG in xla_flags:
        return xla_flags
    return (xla_flags + " " + YNN_FUSION_FLAG + "=").strip()


def _turn_off_ynn_fusions():
    xla_flags = os.environ.get("XLA_FLAGS", "")
    without = xla_flags_without_ynn_fusions(xla_flags, tf.__version__)
    if without != xla_flags:
        os.environ["XLA_FLAGS"] = without


_turn_off_ynn_fusions()


def _compiled(function):
    return tf.function(function, jit_compile=True, autograph=False)


def _dropout_seed(dropout_prob):
    """A random int32 scalar, new at every run of the graph, that seeds one
    dropout's bits; None without dropout."""
    if not dropout_prob:
        return None
    return tf.random.uniform([], maxval=2 ** 31 - 1, dtype=tf.int32)


def _mix(bits):
    """A bijective 32-bit integer hash (two multiply-xorshift rounds)."""
    for shift, multiplier in ((16, 0x7FEB352D), (15, 0x846CA68B)):
        bits = tf.bitwise.bitwise_xor(bits, tf.bitwise.right_shift(
            bits, tf.constant(shift, tf.uint32))) * tf.constant(multiplier, tf.uint32)
    return tf.bitwise.bitwise_xor(bits, tf.bitwise.right_shift(
        bits, tf.constant(16, tf.uint32)))


def _kept(shape, seed, dropout_prob):
    """Where dropout keeps an element of a tensor shaped `shape` (fewer than
    2^31 elements): the hash of its index and the seed is >= rate * 2^32."""
    index = tf.cast(tf.reshape(tf.range(tf.reduce_prod(shape)), shape), tf.uint32)
    bits = _mix(_mix(index) + _mix(tf.cast(seed, tf.uint32)))
    threshold = min(int(round(dropout_prob * 2 ** 32)), 2 ** 32 - 1)
    return bits >= tf.constant(threshold, tf.uint32)


def _drop(values, seed, dropout_prob):
    """Dropout of float32 values with the bits that seed gives (none without
    a seed)."""
    if seed is None:
        return values
    kept = values * tf.constant(1.0 / (1.0 - dropout_prob), _FLOAT)
    return tf.where(_kept(tf.shape(values), seed, dropout_prob), kept,
                    tf.zeros_like(kept))


# The tanh GELU of product + bias: y * 0.5 * (1 + tanh(scale * (y + cubic * y^3))).

def _rows(tensor):
    """The axes a bias is broadcast over: all but the last."""
    return list(range(len(tensor.shape) - 1))


@_compiled
def _bias_gelu_forward(product, bias, scale, cubic):
    x = tf.cast(product, _FLOAT) + bias
    cdf = 0.5 * (1.0 + tf.tanh(scale * (x + cubic * tf.pow(x, 3))))
    return tf.cast(x * cdf, product.dtype)


@_compiled
def _bias_gelu_backward(product, bias, upstream, scale, cubic):
    x = tf.cast(product, _FLOAT) + bias
    tanh = tf.tanh(scale * (x + cubic * tf.pow(x, 3)))
    slope = 0.5 * (1.0 + tanh) + 0.5 * x * (1.0 - tf.square(tanh)) * scale * (
        1.0 + 3.0 * cubic * tf.square(x))
    gradient = tf.cast(upstream, _FLOAT) * slope
    return (tf.cast(gradient, product.dtype),
            tf.reduce_sum(gradient, axis=_rows(gradient)))


def bias_gelu(product, bias, scale, cubic):
    """The tanh-form GELU (constants scale = sqrt(2/pi), cubic = 0.044715) of
    product + bias: a dense layer's activation after its matrix product.
    product in any float type (the result's), bias float32."""

    @tf.custom_gradient
    def fused(product, bias):
        return _bias_gelu_forward(product, bias, scale, cubic), (
            lambda upstream: _bias_gelu_backward(product, bias, upstream, scale,
                                                 cubic))

    return fused(product, tf.convert_to_tensor(bias))


# LayerNorm over the last axis of dropout(product + bias) + residual.

def _normalized(product, bias, residual, seed, dropout_prob, epsilon):
    """(summed input, its mean, 1 / its standard deviation) per row."""
    summed = _drop(tf.cast(product, _FLOAT) + bias, seed, dropout_prob) + residual
    mean = tf.reduce_mean(summed, axis=-1, keepdims=True)
    variance = tf.reduce_mean(tf.math.squared_difference(summed, mean),
                              axis=-1, keepdims=True)
    return summed, mean, tf.math.rsqrt(variance + epsilon)


@_compiled
def _add_norm_forward(product, bias, residual, seed, gamma, beta,
                      dropout_prob, epsilon, copy_dtype):
    summed, mean, inverse_std = _normalized(product, bias, residual, seed,
                                            dropout_prob, epsilon)
    scale = inverse_std * gamma
    output = summed * scale + (beta - mean * scale)
    if copy_dtype is None:
        return output
    return output, tf.cast(output, copy_dtype)


@_compiled
def _add_norm_backward(product, bias, residual, seed, gamma, upstream,
                       copy_upstream, dropout_prob, epsilon):
    if copy_upstream is not None:
        upstream = upstream + tf.cast(copy_upstream, _FLOAT)
    summed, mean, inverse_std = _normalized(product, bias, residual, seed,
                                            dropout_prob, epsilon)
    normalized = (summed - mean) * inverse_std
    rows = _rows(upstream)
    gamma_gradient = tf.reduce_sum(upstream * normalized, axis=rows)
    beta_gradient = tf.reduce_sum(upstream, axis=rows)
    scaled = upstream * gamma
    summed_gradient = inverse_std * (
        scaled - tf.reduce_mean(scaled, axis=-1, keepdims=True)
        - normalized * tf.reduce_mean(scaled * normalized, axis=-1, keepdims=True))
    biased_gradient = _drop(summed_gradient, seed, dropout_prob)
    return (tf.cast(biased_gradient, product.dtype),
            tf.reduce_sum(biased_gradient, axis=rows),
            summed_gradient, gamma_gradient, beta_gradient)


def bias_dropout_add_layer_norm(product, bias, residual, dropout_prob, gamma,
                                beta, epsilon, copy_dtype=None):
    """gamma * normalize(dropout(product + bias) + residual) + beta, normalized
    over the last axis: a dense layer's output, its dropout, the residual
    connection and LayerNorm. product in any float type; bias, residual,
    gamma, beta and the result float32. With copy_dtype, (the result, the
    result cast to copy_dtype): the input of the next matrix products, made in
    the same pass (and its gradient summed into the result's in the backward
    one) instead of by a cast of its own."""
    seed = _dropout_seed(dropout_prob)

    @tf.custom_gradient
    def fused(product, bias, residual, gamma, beta):
        def gradient(upstream, copy_upstream=None):
            return _add_norm_backward(product, bias, residual, seed, gamma,
                                      upstream, copy_upstream, dropout_prob,
                                      epsilon)

        return _add_norm_forward(product, bias, residual, seed, gamma, beta,
                                 dropout_prob, epsilon, copy_dtype), gradient

    return fused(product, *[tf.convert_to_tensor(tensor)
                            for tensor in (bias, residual, gamma, beta)])


# Attention probabilities: dropout(softmax(scores * scale + mask term)).

def _probabilities(scores, adder, scale):
    logits = tf.cast(scores, _FLOAT) * scale
    if adder is not None:
        logits += adder
    return tf.nn.softmax(logits)


@_compiled
def _attention_forward(scores, adder, seed, scale, dropout_prob):
    probabilities = _probabilities(scores, adder, scale)
    return (tf.cast(_drop(probabilities, seed, dropout_prob), scores.dtype),
            probabilities)


@_compiled
def _attention_backward(probabilities, seed, upstream, scale, dropout_prob,
                        dtype):
    dropped_gradient = _drop(tf.cast(upstream, _FLOAT), seed, dropout_prob)
    logits_gradient = probabilities * (dropped_gradient - tf.reduce_sum(
        dropped_gradient * probabilities, axis=-1, keepdims=True))
    return tf.cast(logits_gradient * scale, dtype)


def attention_probabilities(scores, scale, mask_adder, dropout_prob):
    """dropout(softmax(scores * scale + mask_adder)) in scores' type, the
    softmax in float32. mask_adder (float32, broadcast to scores, or None)
    holds 0 where attending and a large negative number elsewhere. The float32
    probabilities are kept for the gradient (recomputing the softmax costs
    more than reading them back)."""
    seed = _dropout_seed(dropout_prob)

    @tf.custom_gradient
    def fused(scores):
        dropped, probabilities = _attention_forward(
            scores, mask_adder, seed, scale, dropout_prob)
        return dropped, (lambda upstream: _attention_backward(
            probabilities, seed, upstream, scale, dropout_prob, scores.dtype))

    return fused(scores)


# The optimizer's update of one variable and its two moments.

def adam_weight_decay_step(grad, var, m, v, beta_1, beta_2, epsilon,
                           weight_decay_rate):
    """AdamW without bias correction: (update, next m, next v), where the
    variable moves by -learning_rate * update. The op-by-op update of
    optimization.py and the compiled one below both compute it."""
    next_m = beta_1 * m + (1.0 - beta_1) * grad
    next_v = beta_2 * v + (1.0 - beta_2) * tf.square(grad)
    update = next_m / (tf.sqrt(next_v) + epsilon)
    if weight_decay_rate:
        update += weight_decay_rate * var
    return update, next_m, next_v


@_compiled
def _adam_weight_decay_update(grad, var, m, v, learning_rate, beta_1, beta_2,
                              epsilon, weight_decay_rate, gradient_scale):
    # var, m and v are the variables' resource handles (tensors): a variable
    # passed to a compiled function would be captured by it, and the cached
    # function would then refer to the first training's variables.
    values = [tf.raw_ops.ReadVariableOp(resource=handle, dtype=_FLOAT)
              for handle in (var, m, v)]
    if gradient_scale is not None:
        grad = grad * gradient_scale
    update, next_m, next_v = adam_weight_decay_step(
        grad, *values, beta_1, beta_2, epsilon, weight_decay_rate)
    tf.raw_ops.AssignSubVariableOp(resource=var, value=learning_rate * update)
    tf.raw_ops.AssignVariableOp(resource=m, value=next_m)
    tf.raw_ops.AssignVariableOp(resource=v, value=next_v)
    return tf.constant(True)


def adam_weight_decay_update(grad, var, m, v, learning_rate, beta_1, beta_2,
                             epsilon, weight_decay_rate, gradient_scale=None):
    """optimization.AdamWeightDecayOptimizer's update of float32 resource
    variable var and its slots m and v from grad (times gradient_scale, a
    scalar tensor, if given), in one pass: the op that runs it."""
    return _adam_weight_decay_update(
        grad, var.handle, m.handle, v.handle, learning_rate, beta_1, beta_2,
        epsilon, weight_decay_rate, gradient_scale).op
