"""AdamWeightDecayOptimizer and the schedule against NumPy computations of
the release's formulas."""

import numpy as np
import pytest
import tensorflow as tf

from bert import optimization

tf1 = tf.compat.v1


@pytest.fixture
def small_variables_fused(monkeypatch):
    """With fused kernels, even these tests' tiny variables use the compiled
    update (normally it starts at optimization.FUSED_UPDATE_MIN_SIZE)."""
    monkeypatch.setattr(optimization, "FUSED_UPDATE_MIN_SIZE", 1)


def numpy_step(w, m, v, g, lr, decay):
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g * g
    update = m / (np.sqrt(v) + 1e-6)
    if decay:
        update = update + 0.01 * w
    return w - lr * update, m, v


@pytest.mark.usefixtures("small_variables_fused")
@pytest.mark.parametrize("fused_kernels", [False, True])
def test_dense_and_sparse_updates_match_numpy(fused_kernels):
    rng = np.random.RandomState(0)
    kernel0 = rng.randn(3, 2).astype(np.float32)
    bias0 = rng.randn(2).astype(np.float32)
    table0 = rng.randn(5, 2).astype(np.float32)
    x = rng.randn(4, 3).astype(np.float32)
    ids = np.array([1, 3, 3, 0], np.int32)
    lr = 0.1
    with tf.Graph().as_default():
        with tf1.variable_scope("dense"):
            kernel = tf1.get_variable("kernel", initializer=kernel0)
            bias = tf1.get_variable("bias", initializer=bias0)
        table = tf1.get_variable("word_embeddings", initializer=table0)
        out = tf.matmul(x, kernel) + bias + tf.gather(table, ids)
        loss = tf.reduce_sum(out ** 2)
        tvars = [kernel, bias, table]
        grads = tf.gradients(loss, tvars)
        assert isinstance(grads[2], tf.IndexedSlices)
        optimizer = optimization.AdamWeightDecayOptimizer(
            lr, weight_decay_rate=0.01,
            exclude_from_weight_decay=["LayerNorm", "layer_norm", "bias"],
            fused_kernels=fused_kernels)
        train_op = optimizer.apply_gradients(zip(grads, tvars))
        slot_names = sorted(v.op.name for v in tf1.global_variables()
                            if "adam" in v.op.name)
        assert slot_names == sorted(
            "%s/adam_%s" % (name, s) for name in
            ("dense/kernel", "dense/bias", "word_embeddings") for s in "mv")
        dense_grads = [tf.convert_to_tensor(g) for g in grads]
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            state = {name: [value, np.zeros_like(value), np.zeros_like(value)]
                     for name, value in (("kernel", kernel0), ("bias", bias0),
                                         ("table", table0))}
            for _ in range(4):
                g_kernel, g_bias, g_table = session.run(dense_grads)
                session.run(train_op)
                for name, g in (("kernel", g_kernel), ("bias", g_bias),
                                ("table", g_table)):
                    state[name] = list(numpy_step(*state[name], g, lr,
                                                  decay=name != "bias"))
            got = dict(zip(("kernel", "bias", "table"), session.run(tvars)))
    for name in got:
        np.testing.assert_allclose(got[name], state[name][0], rtol=1e-5, atol=1e-6)
    # Row 2 and 4 never appear in `ids` and still moved (weight decay, momentum).
    assert not np.allclose(got["table"][[2, 4]], table0[[2, 4]])


@pytest.mark.parametrize("step,expected", [
    (0, 0.0), (5, 0.5), (9, 0.9), (10, 0.9), (50, 0.5), (99, 0.01), (100, 0.0),
    (150, 0.0)])
def test_warmup_then_linear_decay(step, expected):
    with tf.Graph().as_default():
        global_step = tf.constant(step, tf.int64)
        lr = optimization.learning_rate_schedule(1.0, global_step, 100, 10)
        with tf1.Session() as session:
            assert session.run(lr) == pytest.approx(expected, abs=1e-6)


def test_no_warmup_is_pure_decay():
    with tf.Graph().as_default():
        lr = optimization.learning_rate_schedule(2.0, tf.constant(25, tf.int64),
                                                 100, 0)
        with tf1.Session() as session:
            assert session.run(lr) == pytest.approx(1.5)


@pytest.mark.usefixtures("small_variables_fused")
@pytest.mark.parametrize("fused_kernels", [False, True])
def test_create_optimizer_clips_and_counts_steps(fused_kernels):
    with tf.Graph().as_default():
        w = tf1.get_variable("w", initializer=np.array([3.0, 4.0], np.float32))
        loss = 100.0 * tf.reduce_sum(w)  # gradient norm 141 -> clipped to 1
        train_op = optimization.create_optimizer(loss, 0.5, 10, 0, use_tpu=False,
                                                 fused_kernels=fused_kernels)
        global_step = tf1.train.get_global_step()
        m = [v for v in tf1.global_variables() if v.op.name == "w/adam_m"][0]
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            session.run(train_op)
            assert session.run(global_step) == 1
            clipped = np.array([100.0, 100.0]) / np.sqrt(2 * 100.0 ** 2)
            np.testing.assert_allclose(session.run(m), 0.1 * clipped, rtol=1e-5)
            session.run(train_op)
            assert session.run(global_step) == 2


def train_variables_after(batches, accumulation_steps, loss_scaling=False,
                          fused_kernels=False, shape=(3, 2)):
    """Runs create_optimizer over the given (x, y) batches; returns the weights
    of the dense layer (kernel of `shape`, bias)."""
    rng = np.random.RandomState(1)
    kernel0 = rng.randn(*shape).astype(np.float32)
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, shape[0]])
        y = tf1.placeholder(tf.float32, [None, shape[1]])
        with tf1.variable_scope("dense"):
            kernel = tf1.get_variable("kernel", initializer=kernel0)
            bias = tf1.get_variable("bias", initializer=np.zeros(shape[1], np.float32))
        loss = tf.reduce_mean(tf.reduce_sum((tf.matmul(x, kernel) + bias - y) ** 2, 1))
        train_op = optimization.create_optimizer(
            loss, 0.1, 10, 0, use_tpu=False,
            gradient_accumulation_steps=accumulation_steps,
            loss_scaling=loss_scaling, fused_kernels=fused_kernels)
        global_step = tf1.train.get_global_step()
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            steps = []
            for batch_x, batch_y in batches:
                session.run(train_op, {x: batch_x, y: batch_y})
                steps.append(session.run(global_step))
            return session.run([kernel, bias]), steps


@pytest.mark.usefixtures("small_variables_fused")
@pytest.mark.parametrize("fused_kernels", [False, True])
def test_gradient_accumulation_equals_the_large_batch(fused_kernels):
    rng = np.random.RandomState(2)
    data_x = rng.randn(16, 3).astype(np.float32)
    data_y = rng.randn(16, 2).astype(np.float32)
    large = [(data_x[:8], data_y[:8]), (data_x[8:], data_y[8:])]
    small = [(data_x[i:i + 2], data_y[i:i + 2]) for i in range(0, 16, 2)]
    (kernel_large, bias_large), steps_large = train_variables_after(
        large, 1, fused_kernels=fused_kernels)
    (kernel_small, bias_small), steps_small = train_variables_after(
        small, 4, fused_kernels=fused_kernels)
    assert steps_large == [1, 2]
    assert steps_small == [0, 0, 0, 1, 1, 1, 1, 2]
    np.testing.assert_allclose(kernel_small, kernel_large, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bias_small, bias_large, rtol=1e-5, atol=1e-6)
    # And it did move: the update is not trivially zero.
    (kernel_one, _), _ = train_variables_after(large[:1], 1)
    assert not np.allclose(kernel_one, kernel_large)


@pytest.mark.usefixtures("small_variables_fused")
@pytest.mark.parametrize("accumulation_steps,batch,fused_kernels",
                         [(1, 8, False), (4, 2, False), (1, 8, True)])
def test_loss_scaling_gives_the_unscaled_update(accumulation_steps, batch,
                                                fused_kernels):
    rng = np.random.RandomState(3)
    data_x = rng.randn(16, 3).astype(np.float32)
    data_y = rng.randn(16, 2).astype(np.float32)
    batches = [(data_x[i:i + batch], data_y[i:i + batch])
               for i in range(0, 16, batch)]
    (kernel, bias), steps = train_variables_after(batches, accumulation_steps)
    (kernel_scaled, bias_scaled), steps_scaled = train_variables_after(
        batches, accumulation_steps, loss_scaling=True,
        fused_kernels=fused_kernels)
    assert steps_scaled == steps
    np.testing.assert_allclose(kernel_scaled, kernel, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(bias_scaled, bias, rtol=1e-6, atol=1e-7)


@pytest.mark.usefixtures("small_variables_fused")
@pytest.mark.parametrize("fused_kernels", [False, True])
def test_step_with_overflowing_gradients_is_skipped(fused_kernels):
    with tf.Graph().as_default():
        w = tf1.get_variable("w", initializer=np.array([0.5, -2.0], np.float32))
        factor = tf1.placeholder(tf.float32, [])
        loss = factor * tf.reduce_sum(w * w)
        train_op = optimization.create_optimizer(
            loss, 0.1, 10, 0, use_tpu=False, loss_scaling=True,
            fused_kernels=fused_kernels)
        by_name = {v.op.name: v for v in tf1.global_variables()}
        watched = [by_name[name] for name in
                   ("w", "w/adam_m", "w/adam_v", "loss_scale",
                    "loss_scale_good_steps", "global_step")]
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            before = session.run(watched)
            assert before[3] == 2.0 ** 15
            # 1e35 * 2^15 overflows float32: the scaled gradients are inf.
            session.run(train_op, {factor: 1e35})
            w_, m, v, scale, good, step = session.run(watched)
            np.testing.assert_array_equal(w_, before[0])
            np.testing.assert_array_equal(m, before[1])
            np.testing.assert_array_equal(v, before[2])
            assert (scale, good, step) == (2.0 ** 14, 0, 1)
            session.run(train_op, {factor: 1.0})
            w_, m, v, scale, good, step = session.run(watched)
            assert np.all(np.isfinite(w_)) and not np.allclose(w_, before[0])
            assert (scale, good, step) == (2.0 ** 14, 1, 2)


def relative_difference(got, expected):
    """The norm of the difference relative to the norm of expected."""
    return np.linalg.norm(got - expected) / np.linalg.norm(expected)


@pytest.mark.parametrize("steps", [1, 3])
def test_fused_update_is_the_op_by_op_update(steps):
    """Clipped, weight-decayed steps on a 1000 x 64 kernel and its bias: the
    compiled kernel's step (the change of each variable) is the op-by-op one
    to 1e-6, relative. (Element by element they differ by rounding: XLA
    contracts b1 * m + (1 - b1) * g into one fused multiply-add.)"""
    rng = np.random.RandomState(5)
    batches = [(x, x[:, :64] * 0.5) for x in rng.randn(steps, 32, 1000).astype(
        np.float32)]
    start, _ = train_variables_after([], 1, shape=(1000, 64))
    changes = []
    for fused in (False, True):
        after, _ = train_variables_after(batches, 1, fused_kernels=fused,
                                         shape=(1000, 64))
        changes.append([new - old for new, old in zip(after, start)])
    (kernel, bias), (fused_kernel, fused_bias) = changes
    assert np.abs(kernel).max() > 0.05
    assert relative_difference(fused_kernel, kernel) < 1e-6
    assert relative_difference(fused_bias, bias) < 1e-6


def test_loss_scale_grows_after_good_steps_and_never_drops_below_one():
    with tf.Graph().as_default():
        grad = tf1.placeholder(tf.float32, [2])
        loss_scale = optimization.DynamicLossScale(initial_scale=2.0,
                                                   growth_interval=2)
        update = loss_scale.adjust(tf.reduce_all(tf.math.is_finite(grad)))
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            scales = []
            for value in [1.0, 1.0, 1.0, np.inf, np.nan, np.inf, 1.0, 1.0]:
                session.run(update, {grad: [value, 0.0]})
                scales.append(session.run(loss_scale.value))
    assert scales == [2.0, 4.0, 4.0, 2.0, 1.0, 1.0, 1.0, 2.0]


def test_apply_gradients_leaves_the_global_step_to_its_caller():
    """Code copied from the reference drives the optimizer by hand and
    increments the global step itself: each step must count once."""
    with tf.Graph().as_default():
        w = tf1.get_variable("w", initializer=np.array([3.0, 4.0], np.float32))
        loss = tf.reduce_sum(w * w)
        global_step = tf1.train.get_or_create_global_step()
        optimizer = optimization.AdamWeightDecayOptimizer(learning_rate=0.1)
        grads = tf.gradients(loss, [w])
        apply_op = optimizer.apply_gradients(zip(grads, [w]),
                                             global_step=global_step)
        train_op = tf.group(apply_op, [global_step.assign(global_step + 1)])
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            session.run(apply_op)
            assert session.run(global_step) == 0
            for _ in range(3):
                session.run(train_op)
            assert session.run(global_step) == 3
            expected = np.array([3.0, 4.0], np.float32)
            m = v = np.zeros(2, np.float32)
            for _ in range(4):
                expected, m, v = numpy_step(expected, m, v, 2 * expected, 0.1,
                                            decay=False)
            np.testing.assert_allclose(session.run(w), expected, rtol=1e-5)


def test_create_optimizer_builds_the_tpu_train_op():
    """With use_tpu the optimizer is wrapped in CrossShardOptimizer; building
    the train op (outside a TPU, one shard assumed) must not need anything
    only AdamWeightDecayOptimizer has."""
    with tf.Graph().as_default():
        w = tf1.get_variable("w", initializer=np.array([3.0, 4.0], np.float32))
        train_op = optimization.create_optimizer(tf.reduce_sum(w * w), 0.1, 10, 0,
                                                 use_tpu=True)
        assert train_op.type == "AssignAddVariableOp"  # the global step's
