"""fused_kernels.py: each kernel against the op-by-op formula it replaces,
values and gradients, in float32 (to rounding) and bfloat16 (types)."""

import collections
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from bert import fused_kernels
from bert import modeling
from helpers import SCRIPTS, tiny_config_dict

tf1 = tf.compat.v1


def run(fetches):
    with tf1.Session() as session:
        session.run(tf1.global_variables_initializer())
        return session.run(fetches)


def values_and_gradients(function, inputs, upstream):
    """(function(*inputs), d<function, upstream>/d inputs) as NumPy arrays."""
    output = function(*inputs)
    return output, tf.gradients(output, inputs, grad_ys=upstream)


def test_bias_gelu_matches_the_formula_and_its_gradient():
    rng = np.random.RandomState(0)
    with tf.Graph().as_default():
        product = tf.constant(rng.randn(64, 48).astype(np.float32) * 3)
        bias = tf.constant(rng.randn(48).astype(np.float32))
        upstream = tf.constant(rng.randn(64, 48).astype(np.float32))
        fused = values_and_gradients(
            lambda product, bias: fused_kernels.bias_gelu(
                product, bias, modeling.GELU_SCALE, modeling.GELU_CUBIC),
            [product, bias], upstream)
        formula = values_and_gradients(
            lambda product, bias: modeling.gelu(tf.nn.bias_add(product, bias)),
            [product, bias], upstream)
        (fused_y, fused_grads), (y, grads) = run([fused, formula])
    np.testing.assert_allclose(fused_y, y, rtol=1e-6, atol=1e-5)
    for fused_grad, grad in zip(fused_grads, grads):
        np.testing.assert_allclose(fused_grad, grad, rtol=1e-5, atol=1e-5)


def test_bias_gelu_keeps_bfloat16():
    with tf.Graph().as_default():
        product = tf.cast(tf.constant([[-1.0, 1.0, 2.0]]), tf.bfloat16)
        bias = tf.constant([-0.5, -1.0, 0.0])
        y = fused_kernels.bias_gelu(product, bias, modeling.GELU_SCALE,
                                    modeling.GELU_CUBIC)
        dproduct, dbias = tf.gradients(y, [product, bias])
        assert (y.dtype, dproduct.dtype, dbias.dtype) == (
            tf.bfloat16, tf.bfloat16, tf.float32)
        got = run(tf.cast(y, tf.float32))
    np.testing.assert_allclose(got, [[-0.1004, 0.0, 1.9546]], atol=0.01)


def reference_add_norm(product, bias, residual, gamma, beta):
    """modeling.layer_norm's arithmetic on product + bias + residual, op by op."""
    summed = tf.nn.bias_add(product, bias) + residual
    mean, variance = tf.nn.moments(summed, axes=[-1], keepdims=True)
    scale = tf.math.rsqrt(variance + modeling.LAYER_NORM_EPSILON) * gamma
    return summed * scale + (beta - mean * scale)


def add_norm_inputs(rng, rows=40, width=32):
    """product, bias, residual, gamma, beta."""
    return [tf.constant(rng.randn(rows, width).astype(np.float32)),
            tf.constant(rng.randn(width).astype(np.float32)),
            tf.constant(rng.randn(rows, width).astype(np.float32) * 2 + 1),
            tf.constant(1 + 0.1 * rng.randn(width).astype(np.float32)),
            tf.constant(0.1 * rng.randn(width).astype(np.float32))]


def test_add_layer_norm_without_dropout_matches_the_formula():
    rng = np.random.RandomState(1)
    with tf.Graph().as_default():
        inputs = add_norm_inputs(rng)
        upstream = tf.constant(rng.randn(40, 32).astype(np.float32))
        fused = values_and_gradients(
            lambda *inputs: fused_kernels.bias_dropout_add_layer_norm(
                *inputs[:3], 0.0, *inputs[3:], modeling.LAYER_NORM_EPSILON),
            inputs, upstream)
        formula = values_and_gradients(reference_add_norm, inputs, upstream)
        (fused_y, fused_grads), (y, grads) = run([fused, formula])
    np.testing.assert_allclose(fused_y, y, rtol=1e-5, atol=1e-5)
    for fused_grad, grad in zip(fused_grads, grads):
        np.testing.assert_allclose(fused_grad, grad, rtol=1e-4, atol=1e-5)


def test_add_layer_norm_copy_is_the_cast_output_and_both_gradients_count():
    """With copy_dtype the kernel also gives its output in bfloat16 (what the
    next products read); a loss on the output and on the copy differentiates
    as the same loss on the output and on tf.cast(output)."""
    rng = np.random.RandomState(8)
    with tf.Graph().as_default():
        inputs = add_norm_inputs(rng)
        upstream, copy_upstream = [
            tf.constant(rng.randn(40, 32).astype(np.float32)) for _ in range(2)]

        def loss(output, copy):
            return tf.reduce_sum(output * upstream) + tf.reduce_sum(
                tf.cast(copy, tf.float32) * copy_upstream)

        output, copy = fused_kernels.bias_dropout_add_layer_norm(
            *inputs[:3], 0.0, *inputs[3:], modeling.LAYER_NORM_EPSILON,
            copy_dtype=tf.bfloat16)
        assert copy.dtype == tf.bfloat16
        fused_loss = loss(output, copy)
        single = fused_kernels.bias_dropout_add_layer_norm(
            *inputs[:3], 0.0, *inputs[3:], modeling.LAYER_NORM_EPSILON)
        single_loss = loss(single, tf.cast(single, tf.bfloat16))
        got = run([output, copy, tf.gradients(fused_loss, inputs)])
        expected = run([single, tf.gradients(single_loss, inputs)])
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(
        got[1], expected[0].astype(tf.bfloat16.as_numpy_dtype))
    for fused_grad, grad in zip(got[2], expected[1]):
        np.testing.assert_allclose(fused_grad, grad, rtol=1e-5, atol=1e-6)


def test_add_layer_norm_drops_scales_and_differentiates_like_dropout():
    """With dropout the kept elements of product + bias are scaled by
    1 / (1 - rate); the product's gradient is zero exactly where an element
    was dropped, which shows the mask used."""
    rng = np.random.RandomState(2)
    rate = 0.25
    with tf.Graph().as_default():
        tf1.set_random_seed(3)
        product, bias, residual, gamma, beta = add_norm_inputs(rng, 200, 64)
        upstream = tf.constant(rng.randn(200, 64).astype(np.float32))
        y, [dproduct, dbias, dresidual] = values_and_gradients(
            lambda product, bias, residual:
                fused_kernels.bias_dropout_add_layer_norm(
                    product, bias, residual, rate, gamma, beta,
                    modeling.LAYER_NORM_EPSILON),
            [product, bias, residual], upstream)
        y, dproduct, dbias, dresidual, product, bias, residual, gamma, beta, \
            upstream = run([y, dproduct, dbias, dresidual, product, bias,
                            residual, gamma, beta, upstream])
    kept = dproduct != 0
    assert abs(kept.mean() - (1 - rate)) < 0.02
    np.testing.assert_allclose(dproduct[kept], dresidual[kept] / (1 - rate),
                               rtol=1e-5)
    np.testing.assert_allclose(dbias, dproduct.sum(axis=0), rtol=1e-4, atol=1e-5)
    dropped_in = np.where(kept, (product + bias) / (1 - rate), 0)
    with tf.Graph().as_default():
        expected, [expected_dresidual] = values_and_gradients(
            lambda residual: reference_add_norm(
                tf.constant(dropped_in), tf.zeros(64), residual, gamma, beta),
            [tf.constant(residual)], upstream)
        expected, expected_dresidual = run([expected, expected_dresidual])
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dresidual, expected_dresidual, rtol=1e-4, atol=1e-5)


def test_attention_probabilities_match_masked_softmax():
    rng = np.random.RandomState(4)
    scale = 0.125
    with tf.Graph().as_default():
        scores = tf.constant(rng.randn(2, 3, 5, 5).astype(np.float32) * 4)
        mask = rng.rand(2, 1, 5, 5) > 0.3
        adder = tf.constant((1.0 - mask) * modeling.ATTENTION_MASK_ADDER, tf.float32)
        upstream = tf.constant(rng.randn(2, 3, 5, 5).astype(np.float32))
        fused = values_and_gradients(
            lambda scores: fused_kernels.attention_probabilities(
                scores, scale, adder, 0.0), [scores], upstream)
        formula = values_and_gradients(
            lambda scores: tf.nn.softmax(scores * scale + adder), [scores], upstream)
        (fused_p, [fused_ds]), (p, [ds]) = run([fused, formula])
    np.testing.assert_allclose(fused_p, p, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(fused_ds, ds, rtol=1e-4, atol=1e-6)


def test_attention_dropout_keeps_scaled_probabilities():
    rate = 0.5
    with tf.Graph().as_default():
        tf1.set_random_seed(5)
        scores = tf.zeros([4, 2, 10, 10], tf.bfloat16)
        dropped = fused_kernels.attention_probabilities(scores, 1.0, None, rate)
        assert dropped.dtype == tf.bfloat16
        got = run(tf.cast(dropped, tf.float32))
    # softmax gives 0.1 over 10 positions; kept ones are 0.1 / 0.5 (in bfloat16)
    kept = got[got > 0]
    np.testing.assert_allclose(kept, 0.2, rtol=2 ** -8)
    assert abs((got > 0).mean() - (1 - rate)) < 0.05


def dropout_masks(seed, steps):
    """Where two attention dropouts (rate 0.1) in one graph kept elements, at
    each of `steps` runs of the graph: [(first, second)] boolean arrays."""
    with tf.Graph().as_default():
        tf1.set_random_seed(seed)
        scores = tf.zeros([8, 4, 32, 32], tf.float32)
        dropped = [fused_kernels.attention_probabilities(scores, 1.0, None, 0.1) > 0
                   for _ in range(2)]
        with tf1.Session() as session:
            return [session.run(dropped) for _ in range(steps)]


def test_dropout_bits_are_new_per_call_and_step_and_repeat_with_the_seed():
    """The in-kernel bits keep 1 - rate of the elements with no pattern along
    a row, differ between two dropouts and between steps, and the graph's
    seed gives the same bits again."""
    runs = dropout_masks(seed=11, steps=2)
    (first, second), (first_next, _) = runs
    for mask in (first, second, first_next):
        assert abs(mask.mean() - 0.9) < 0.005
    flat = first.reshape(-1).astype(float)
    assert abs(np.corrcoef(flat[:-1], flat[1:])[0, 1]) < 0.02
    assert abs(np.corrcoef(flat, second.reshape(-1))[0, 1]) < 0.02
    assert abs(np.corrcoef(flat, first_next.reshape(-1))[0, 1]) < 0.02
    again = dropout_masks(seed=11, steps=2)
    for step, masks in enumerate(runs):
        for mask, repeated in zip(masks, again[step]):
            np.testing.assert_array_equal(mask, repeated)
    assert not np.array_equal(dropout_masks(seed=12, steps=1)[0][0], first)


def compiled_kernels(graph):
    """{kernel name: calls} of the compiled kernels a graph calls, e.g.
    {"bias_gelu_forward": 2, "bias_gelu_backward": 2, ...}."""
    calls = collections.Counter()
    for op in graph.get_operations():
        if op.type in ("PartitionedCall", "StatefulPartitionedCall"):
            name = op.get_attr("f").name  # __inference__<kernel>_<number>
            calls[re.sub(r"^__inference__|_\d+$", "", name)] += 1
    return calls


def tiny_bert_inputs(tiny_config):
    """(input_ids, input_mask) of three examples, one of them padded."""
    rng = np.random.RandomState(6)
    ids = rng.randint(0, tiny_config.vocab_size, (3, 9)).astype(np.int32)
    mask = np.ones_like(ids)
    mask[1, 5:] = 0
    return ids, mask


def tiny_bert_outputs_and_gradients(tiny_config, fused, compute_dtype=tf.float32):
    """A tiny BertModel's sequence output and the gradients of a loss on it;
    checks the graph calls the compiled kernels exactly when fused."""
    ids, mask = tiny_bert_inputs(tiny_config)
    with tf.Graph().as_default() as graph:
        tf1.set_random_seed(7)
        model = modeling.BertModel(tiny_config, True, tf.constant(ids),
                                   tf.constant(mask), compute_dtype=compute_dtype,
                                   fused_kernels=fused)
        output = model.get_sequence_output()
        loss = tf.reduce_sum(output * tf.cos(output)) + tf.reduce_sum(
            model.get_pooled_output())
        variables = tf1.trainable_variables()
        gradients = [tf.convert_to_tensor(gradient)
                     for gradient in tf.gradients(loss, variables)]
        layers = tiny_config.num_hidden_layers
        expected = {}
        if fused:
            for kernel, per_layer in (("attention", 1), ("bias_gelu", 1),
                                      ("add_norm", 2)):
                for direction in ("forward", "backward"):
                    expected["%s_%s" % (kernel, direction)] = per_layer * layers
        assert compiled_kernels(graph) == expected
        return run([output, dict(zip([v.op.name for v in variables], gradients))])


@pytest.fixture
def tiny_config_without_dropout():
    config = modeling.BertConfig.from_dict(tiny_config_dict(vocab_size=100))
    config.hidden_dropout_prob = config.attention_probs_dropout_prob = 0.0
    return config


def test_fused_bert_is_the_op_by_op_bert_in_float32(tiny_config_without_dropout):
    output, gradients = tiny_bert_outputs_and_gradients(
        tiny_config_without_dropout, fused=False)
    fused_output, fused_gradients = tiny_bert_outputs_and_gradients(
        tiny_config_without_dropout, fused=True)
    np.testing.assert_allclose(fused_output, output, atol=1e-5)
    assert sorted(fused_gradients) == sorted(gradients)
    for name, gradient in gradients.items():
        np.testing.assert_allclose(fused_gradients[name], gradient, atol=1e-5,
                                   rtol=1e-4, err_msg=name)


def test_fused_bert_in_bfloat16_is_as_close_to_float32(tiny_config_without_dropout):
    exact, _ = tiny_bert_outputs_and_gradients(tiny_config_without_dropout, False)
    op_by_op, _ = tiny_bert_outputs_and_gradients(
        tiny_config_without_dropout, False, tf.bfloat16)
    fused, _ = tiny_bert_outputs_and_gradients(
        tiny_config_without_dropout, True, tf.bfloat16)
    assert np.abs(fused - exact).max() <= 1.5 * np.abs(op_by_op - exact).max()


def tiny_bert_inference(tiny_config, fused, compute_dtype=tf.float32):
    """A tiny BertModel that does not train: (its sequence and pooled
    outputs, {op type: how many ran} in the run, as TensorFlow rewrote it)."""
    ids, mask = tiny_bert_inputs(tiny_config)
    with tf.Graph().as_default() as graph:
        tf1.set_random_seed(7)
        # Of unknown shape, as inference's batches are.
        inputs = [tf1.placeholder(tf.int32, [None, None]) for _ in range(2)]
        model = modeling.BertModel(tiny_config, False, *inputs,
                                   compute_dtype=compute_dtype,
                                   fused_kernels=fused)
        assert compiled_kernels(graph) == {}
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            metadata = tf1.RunMetadata()
            outputs = session.run(
                [model.get_sequence_output(), model.get_pooled_output()],
                dict(zip(inputs, [ids, mask])),
                options=tf1.RunOptions(trace_level=tf1.RunOptions.FULL_TRACE),
                run_metadata=metadata)
    ran = collections.Counter(
        node.timeline_label.split(" = ")[1].split("(")[0]
        for device in metadata.step_stats.dev_stats
        for node in device.node_stats if " = " in node.timeline_label)
    return outputs, ran


def test_fused_inference_is_the_op_by_op_bert_in_forms_onednn_fuses(
        tiny_config_without_dropout):
    """Not training, fused_kernels builds GELU and LayerNorm so that oneDNN
    fuses them (the product, bias and GELU in one kernel; LayerNorm in one):
    the same outputs, no compiled kernel; in bf16 as close to fp32."""
    config = tiny_config_without_dropout
    (sequence, pooled), ran = tiny_bert_inference(config, False)
    (fused_sequence, fused_pooled), fused_ran = tiny_bert_inference(config, True)
    np.testing.assert_allclose(fused_sequence, sequence, atol=1e-5)
    np.testing.assert_allclose(fused_pooled, pooled, atol=1e-5)
    if any(op.startswith("_Mkl") for op in ran):  # TensorFlow's oneDNN build
        layers = config.num_hidden_layers
        assert ran["Tanh"] == layers  # each GELU's
        assert ran["_MklLayerNorm"] == 0
        assert fused_ran["Tanh"] == 0
        assert fused_ran["_MklLayerNorm"] == 2 * layers
    (bf16_sequence, _), _ = tiny_bert_inference(config, False, tf.bfloat16)
    (fused_bf16_sequence, _), _ = tiny_bert_inference(config, True, tf.bfloat16)
    assert (np.abs(fused_bf16_sequence - sequence).max()
            <= 1.5 * np.abs(bf16_sequence - sequence).max())


@pytest.mark.parametrize("xla_flags, version, expected", [
    ("", "2.21.0", "--xla_cpu_experimental_ynn_fusion_type="),
    ("--xla_dump_to=/tmp/hlo", "2.21.1",
     "--xla_dump_to=/tmp/hlo --xla_cpu_experimental_ynn_fusion_type="),
    ("", "2.20.0", ""),
    ("", "2.15.1", ""),
    ("--xla_cpu_experimental_ynn_fusion_type=reduce", "2.21.0",
     "--xla_cpu_experimental_ynn_fusion_type=reduce"),
])
def test_ynn_fusions_are_turned_off_where_xla_makes_them(xla_flags, version,
                                                         expected):
    """An empty list of YNNPACK fusion kinds on TensorFlow 2.21+, nothing on
    releases whose XLA would refuse the flag, and a user's own list kept."""
    assert fused_kernels.xla_flags_without_ynn_fusions(
        xla_flags, version) == expected


def test_importing_the_kernels_sets_the_flag_in_this_process():
    version = tuple(int(part) for part in tf.__version__.split(".")[:2])
    assert (fused_kernels.YNN_FUSION_FLAG in os.environ.get("XLA_FLAGS", "")) == (
        version >= fused_kernels.FIRST_VERSION_WITH_YNN_FUSIONS)


def test_copies_of_a_kernel_run_side_by_side_in_new_sessions():
    """32 copies of the attention kernel run at once in each of 16 new
    sessions. On TensorFlow 2.21 with XLA's YNNPACK fusions on (before the
    flag, or with XLA_FLAGS=--xla_cpu_experimental_ynn_fusion_type=reduce)
    this died with a segmentation fault or an abort in 5 of 6 runs; the
    child sets its own XLA_FLAGS as it imports the kernels."""
    env = dict(os.environ)
    env.pop("XLA_FLAGS", None)
    process = subprocess.run(
        [sys.executable, os.path.join(SCRIPTS, "concurrent_kernels.py"),
         "16", "32"], env=env, capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, (process.returncode, process.stderr[-3000:])
    assert "ran 16 sessions" in process.stdout
