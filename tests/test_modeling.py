"""BertModel: shapes, variable names, checkpoint loading, dropout, masking."""

import inspect
import json
import math
import os

import numpy as np
import pytest
import tensorflow as tf

from bert import modeling
from helpers import FIXTURE_CKPT_DIR, tiny_config_dict

tf1 = tf.compat.v1

LAYER_VARIABLES = [
    "attention/self/query/kernel", "attention/self/query/bias",
    "attention/self/key/kernel", "attention/self/key/bias",
    "attention/self/value/kernel", "attention/self/value/bias",
    "attention/output/dense/kernel", "attention/output/dense/bias",
    "attention/output/LayerNorm/beta", "attention/output/LayerNorm/gamma",
    "intermediate/dense/kernel", "intermediate/dense/bias",
    "output/dense/kernel", "output/dense/bias",
    "output/LayerNorm/beta", "output/LayerNorm/gamma",
]


def expected_names(num_layers):
    names = ["bert/embeddings/word_embeddings",
             "bert/embeddings/token_type_embeddings",
             "bert/embeddings/position_embeddings",
             "bert/embeddings/LayerNorm/beta", "bert/embeddings/LayerNorm/gamma",
             "bert/pooler/dense/kernel", "bert/pooler/dense/bias"]
    for layer in range(num_layers):
        names += ["bert/encoder/layer_%d/%s" % (layer, v) for v in LAYER_VARIABLES]
    return sorted(names)


def tiny_config(**overrides):
    values = tiny_config_dict(vocab_size=99)
    values.update(overrides)
    return modeling.BertConfig.from_dict(values)


def random_ids(batch, seq, vocab, seed=0):
    return np.random.RandomState(seed).randint(1, vocab, (batch, seq)).astype(np.int32)


def test_output_shapes_and_variable_names():
    config = tiny_config()
    with tf.Graph().as_default():
        model = modeling.BertModel(
            config, is_training=True, input_ids=tf.constant(random_ids(3, 7, 99)))
        assert model.get_sequence_output().shape.as_list() == [3, 7, 32]
        assert model.get_pooled_output().shape.as_list() == [3, 32]
        assert model.get_embedding_output().shape.as_list() == [3, 7, 32]
        assert model.get_embedding_table().shape.as_list() == [99, 32]
        assert len(model.get_all_encoder_layers()) == 2
        names = sorted(v.op.name for v in tf1.global_variables())
        assert names == expected_names(2)
        shapes = {v.op.name: v.shape.as_list() for v in tf1.global_variables()}
        assert shapes["bert/encoder/layer_1/intermediate/dense/kernel"] == [32, 64]
        assert shapes["bert/encoder/layer_1/output/dense/kernel"] == [64, 32]
        assert shapes["bert/embeddings/position_embeddings"] == [64, 32]


def run_pooled(config, is_training, ids, mask=None, seed=0):
    with tf.Graph().as_default():
        tf1.set_random_seed(seed)
        model = modeling.BertModel(config, is_training, tf.constant(ids),
                                   input_mask=None if mask is None else tf.constant(mask))
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            return session.run([model.get_pooled_output(),
                                model.get_sequence_output()])


def test_without_dropout_runs_are_identical_with_dropout_they_differ():
    config = tiny_config()
    ids = random_ids(2, 6, 99)
    with tf.Graph().as_default():
        tf1.set_random_seed(1)
        train_model = modeling.BertModel(config, True, tf.constant(ids))
        tf1.get_variable_scope().reuse_variables()
        eval_model = modeling.BertModel(config, False, tf.constant(ids), scope="bert")
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            eval_1, eval_2 = (session.run(eval_model.get_pooled_output())
                              for _ in range(2))
            train_1, train_2 = (session.run(train_model.get_pooled_output())
                                for _ in range(2))
    np.testing.assert_array_equal(eval_1, eval_2)
    assert np.abs(train_1 - train_2).max() > 1e-4


def test_masked_padding_does_not_change_real_positions():
    config = tiny_config()
    ids = random_ids(2, 5, 99)
    padded_ids = np.concatenate([ids, np.zeros((2, 4), np.int32)], axis=1)
    mask = np.concatenate([np.ones((2, 5)), np.zeros((2, 4))], 1).astype(np.int32)
    pooled, sequence = run_pooled(config, False, ids)
    padded_pooled, padded_sequence = run_pooled(config, False, padded_ids, mask)
    np.testing.assert_allclose(pooled, padded_pooled, atol=1e-5)
    np.testing.assert_allclose(sequence, padded_sequence[:, :5], atol=1e-5)


def test_dynamic_sequence_length():
    config = tiny_config()
    with tf.Graph().as_default():
        ids = tf1.placeholder(tf.int32, [None, None])
        model = modeling.BertModel(config, False, ids)
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            for seq in (3, 11):
                out = session.run(model.get_sequence_output(),
                                  {ids: random_ids(2, seq, 99)})
                assert out.shape == (2, seq, 32)


@pytest.mark.shared_data
def test_fixture_checkpoint_initialises_every_bert_variable():
    config = modeling.BertConfig.from_json_file(
        os.path.join(FIXTURE_CKPT_DIR, "bert_config.json"))
    checkpoint = os.path.join(FIXTURE_CKPT_DIR, "bert_model.ckpt")
    with tf.Graph().as_default():
        modeling.BertModel(config, False, tf.constant([[2, 5, 6, 3]], tf.int32))
        tvars = tf1.trainable_variables()
        assignment_map, initialized = modeling.get_assignment_map_from_checkpoint(
            tvars, checkpoint)
        assert sorted(assignment_map) == expected_names(config.num_hidden_layers)
        for var in tvars:
            assert var.name in initialized and var.op.name in initialized
        tf1.train.init_from_checkpoint(checkpoint, assignment_map)
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            for var in tvars:
                np.testing.assert_array_equal(
                    session.run(var), tf.train.load_variable(checkpoint, var.op.name))


@pytest.mark.shared_data
def test_config_json_round_trip_keeps_extra_keys(tmp_path):
    path = os.path.join(FIXTURE_CKPT_DIR, "bert_config.json")
    config = modeling.BertConfig.from_json_file(path)
    assert config.hidden_size == 4 and config.directionality == "bidi"
    again = modeling.BertConfig.from_dict(json.loads(config.to_json_string()))
    assert again.to_dict() == config.to_dict()


@pytest.mark.parametrize("key,value,message", [
    ("hidden_size", None, "missing key 'hidden_size'"),
    ("num_hidden_layers", "12", "key 'num_hidden_layers' is '12', expected a int"),
    ("hidden_dropout_prob", True, "expected a float"),
])
def test_bad_config_is_a_clear_error(tmp_path, key, value, message):
    values = tiny_config_dict()
    if value is None:
        del values[key]
    else:
        values[key] = value
    path = tmp_path / "bert_config.json"
    path.write_text(json.dumps(values))
    with pytest.raises(ValueError, match=message):
        modeling.BertConfig.from_json_file(str(path))


def test_gelu_is_the_tanh_form():
    x = np.linspace(-4, 4, 17).astype(np.float32)
    expected = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(modeling.gelu(tf.constant(x)).numpy(), expected,
                               rtol=1e-5, atol=1e-6)


def test_activation_names():
    assert modeling.get_activation("linear") is None
    assert modeling.get_activation("relu") is tf.nn.relu
    assert modeling.get_activation("GELU") is modeling.gelu
    with pytest.raises(ValueError, match="Unsupported activation"):
        modeling.get_activation("swish")


def test_hidden_size_must_divide_into_heads():
    with tf.Graph().as_default(), pytest.raises(ValueError, match="multiple"):
        modeling.BertModel(tiny_config(num_attention_heads=5), False,
                           tf.constant(random_ids(1, 3, 99)))


@pytest.mark.parametrize("low_precision,tolerance", [(tf.bfloat16, 0.05),
                                                     (tf.float16, 0.01)])
def test_low_precision_products_keep_fp32_variables_and_outputs(low_precision,
                                                                tolerance):
    config = tiny_config()
    ids = random_ids(4, 9, 99)
    outputs = {}
    for dtype in (tf.float32, low_precision):
        with tf.Graph().as_default():
            tf1.set_random_seed(3)
            model = modeling.BertModel(config, False, tf.constant(ids),
                                       compute_dtype=dtype)
            pooled = model.get_pooled_output()
            assert pooled.dtype == tf.float32
            assert model.get_sequence_output().dtype == tf.float32
            assert {v.dtype.base_dtype for v in tf1.global_variables()} == {tf.float32}
            grads = tf.gradients(tf.reduce_sum(pooled), tf1.trainable_variables())
            assert all(g.dtype == tf.float32 for g in grads if g is not None)
            with tf1.Session() as session:
                session.run(tf1.global_variables_initializer())
                outputs[dtype] = session.run(pooled)
    difference = np.abs(outputs[tf.float32] - outputs[low_precision]).max()
    assert 0.0 < difference < tolerance


def test_gelu_is_a_plain_function_and_its_training_form_the_same_values():
    assert inspect.isfunction(modeling.gelu)
    values = np.linspace(-6.0, 6.0, 101).astype(np.float32)
    plain = modeling.gelu(tf.constant(values)).numpy()
    written = modeling.gelu_with_written_gradient(tf.constant(values)).numpy()
    np.testing.assert_array_equal(plain, written)
    assert modeling.training_activation(modeling.gelu) is (
        modeling.gelu_with_written_gradient)
    assert modeling.training_activation(tf.nn.relu) is tf.nn.relu


def ancestors(ops):
    """The names of ops and of the ops they depend on."""
    seen, stack = set(), list(ops)
    while stack:
        op = stack.pop()
        if op.name not in seen:
            seen.add(op.name)
            stack.extend(tensor.op for tensor in op.inputs)
            stack.extend(op.control_inputs)
    return seen


def bert_graph_ops(is_training, compute_dtype=tf.float32, **options):
    """(every op, the ops that none of the outputs nor a variable's
    initialisation depends on, variables' own bookkeeping ops apart) of a
    BertModel graph."""
    graph = tf.Graph()
    with graph.as_default():
        model = modeling.BertModel(
            tiny_config(), is_training, tf.constant(random_ids(2, 5, 99)),
            input_mask=tf.ones([2, 5], tf.int32),
            token_type_ids=tf.zeros([2, 5], tf.int32),
            compute_dtype=compute_dtype, **options)
        outputs = [model.get_pooled_output(), model.get_sequence_output(),
                   model.get_embedding_output(), model.get_embedding_table()]
        outputs += model.get_all_encoder_layers()
        variables = tf1.global_variables()
    needed = ancestors([tensor.op for tensor in outputs]
                       + [v.initializer for v in variables])
    own = tuple(variable.op.name + "/" for variable in variables)
    return graph.get_operations(), [
        op for op in graph.get_operations()
        if op.name not in needed and not op.name.startswith(own)]


def custom_gradients(ops):
    """The intermediate layers' custom-gradient ops (IdentityN) among ops."""
    return [op for op in ops if op.type == "IdentityN" and "intermediate" in op.name]


@pytest.mark.parametrize("is_training", [False, True])
def test_a_float32_graph_holds_no_op_that_no_output_needs(is_training):
    """The reference's API, for training graphs too: GELU's gradient is the formula's,
    as the release's."""
    ops, unneeded = bert_graph_ops(is_training)
    assert unneeded == []
    assert custom_gradients(ops) == []


def test_with_cls_only_last_layer_every_op_still_serves_an_output():
    _, unneeded = bert_graph_ops(is_training=True, cls_only_last_layer=True)
    assert unneeded == []


def pooled_and_gradients(config, is_training, ids, mask, **options):
    """(pooled output, its sum's gradients by variable name, the ops they
    need) of a BertModel with a graph seed."""
    with tf.Graph().as_default():
        tf1.set_random_seed(3)
        model = modeling.BertModel(config, is_training, tf.constant(ids),
                                   input_mask=tf.constant(mask), **options)
        pooled = model.get_pooled_output()
        variables = tf1.trainable_variables()
        gradients = [tf.convert_to_tensor(gradient) for gradient in
                     tf.gradients(tf.reduce_sum(pooled * pooled), variables)]
        needed = ancestors(tensor.op for tensor in [pooled] + gradients)
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            pooled, gradients = session.run([pooled, gradients])
    return pooled, {v.op.name: g for v, g in zip(variables, gradients)}, needed


@pytest.mark.parametrize("options, tolerance", [
    ({}, 1e-5),
    ({"fused_kernels": True}, 1e-5),
    ({"fused_kernels": True, "compute_dtype": tf.bfloat16}, 2e-2),
])
def test_cls_only_last_layer_same_pooled_output_and_gradients_less_work(
        options, tolerance):
    """Without dropout, the pooled output and every gradient equal the whole
    last layer's; the last layer's feed-forward then runs on [CLS] rows only:
    the pooled output no longer needs the whole layer's products."""
    config = tiny_config(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    ids = random_ids(3, 7, 99)
    mask = np.array([[1] * 7, [1] * 4 + [0] * 3, [1] * 2 + [0] * 5], np.int32)
    whole, whole_gradients, whole_ops = pooled_and_gradients(
        config, True, ids, mask, **options)
    cls_only, cls_only_gradients, cls_only_ops = pooled_and_gradients(
        config, True, ids, mask, cls_only_last_layer=True, **options)
    np.testing.assert_allclose(cls_only, whole, rtol=tolerance, atol=tolerance)
    assert sorted(cls_only_gradients) == sorted(whole_gradients)
    for name, gradient in whole_gradients.items():
        np.testing.assert_allclose(cls_only_gradients[name], gradient,
                                   rtol=tolerance, atol=tolerance, err_msg=name)
    last_feed_forward = "bert/encoder/layer_1/intermediate/dense/MatMul"
    assert last_feed_forward in whole_ops
    assert last_feed_forward not in cls_only_ops
    assert last_feed_forward.replace("layer_1", "layer_1_1") in cls_only_ops


def test_cls_only_last_layer_keeps_the_whole_sequence_output():
    config = tiny_config()
    with tf.Graph().as_default():
        ids = tf.constant(random_ids(2, 5, 99))
        model = modeling.BertModel(config, False, ids, cls_only_last_layer=True)
        tf1.get_variable_scope().reuse_variables()
        whole = modeling.BertModel(config, False, ids, scope="bert")
        assert len(tf1.global_variables()) == len(expected_names(2))
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            sequence, whole_sequence, pooled, whole_pooled = session.run([
                model.get_sequence_output(), whole.get_sequence_output(),
                model.get_pooled_output(), whole.get_pooled_output()])
    assert sequence.shape == (2, 5, 32)
    np.testing.assert_array_equal(sequence, whole_sequence)
    np.testing.assert_allclose(pooled, whole_pooled, atol=1e-5)


def test_a_bfloat16_training_graph_has_the_written_gelu_gradient():
    ops, _ = bert_graph_ops(is_training=True, compute_dtype=tf.bfloat16)
    assert len(custom_gradients(ops)) == tiny_config().num_hidden_layers


def test_gelu_gradient_is_the_formulas_derivative():
    """The written-out gradient equals differentiating the formula op by op
    (float32 rounding apart) and the exact derivative."""
    values = np.linspace(-6.0, 6.0, 2001).astype(np.float32)
    with tf.Graph().as_default():
        x = tf.constant(values)
        formula = 0.5 * x * (1.0 + tf.tanh(
            math.sqrt(2.0 / math.pi) * (x + 0.044715 * tf.pow(x, 3))))
        ours = tf.gradients(
            tf.reduce_sum(modeling.gelu_with_written_gradient(x)), x)[0]
        op_by_op = tf.gradients(tf.reduce_sum(formula), x)[0]
        with tf1.Session() as session:
            ours, op_by_op = session.run([ours, op_by_op])
    x = values.astype(np.float64)
    t = np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))
    exact = 0.5 * (1 + t) + 0.5 * x * (1 - t ** 2) * math.sqrt(2.0 / math.pi) * (
        1 + 3 * 0.044715 * x ** 2)
    # Either way float32 lands up to about 4e-6 from the exact value.
    np.testing.assert_allclose(ours, op_by_op, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours, exact, rtol=1e-5, atol=1e-5)
    assert np.abs(ours - exact).mean() < 2 * np.abs(op_by_op - exact).mean()
