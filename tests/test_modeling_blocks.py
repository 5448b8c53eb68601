"""The reference's API: modeling's building blocks with the reference's parameters,
defaults and behaviour, as pre-training, SQuAD and forks call them."""

import math

import numpy as np
import pytest
import tensorflow as tf

from bert import modeling
from helpers import tiny_config_dict

tf1 = tf.compat.v1


def tiny_config():
    return modeling.BertConfig.from_dict(tiny_config_dict(vocab_size=99))


def random_ids(batch, seq, seed=0):
    return np.random.RandomState(seed).randint(1, 99, (batch, seq)).astype(np.int32)


def test_encoder_built_from_the_blocks_equals_bert_model():
    """Code that assembles BERT from the public blocks, as the release's
    scripts do, computes BertModel's outputs on the same variables."""
    config = tiny_config()
    ids = random_ids(2, 7)
    mask = np.ones_like(ids)
    mask[1, 4:] = 0
    segments = np.zeros_like(ids)
    segments[:, 3:] = 1
    with tf.Graph().as_default():
        input_ids, input_mask, token_type_ids = (
            tf.constant(ids), tf.constant(mask), tf.constant(segments))
        model = modeling.BertModel(config, False, input_ids, input_mask,
                                   token_type_ids)
        with tf1.variable_scope("bert", reuse=True):
            with tf1.variable_scope("embeddings"):
                word_output, _ = modeling.embedding_lookup(
                    input_ids, config.vocab_size, config.hidden_size)
                embeddings = modeling.embedding_postprocessor(
                    word_output, use_token_type=True,
                    token_type_ids=token_type_ids,
                    token_type_vocab_size=config.type_vocab_size,
                    max_position_embeddings=config.max_position_embeddings,
                    dropout_prob=0.0)
            with tf1.variable_scope("encoder"):
                attention_mask = modeling.create_attention_mask_from_input_mask(
                    input_ids, input_mask)
                last_layer = modeling.transformer_model(
                    embeddings, attention_mask,
                    hidden_size=config.hidden_size,
                    num_hidden_layers=config.num_hidden_layers,
                    num_attention_heads=config.num_attention_heads,
                    intermediate_size=config.intermediate_size,
                    hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
        assert last_layer.shape.as_list() == [2, 7, config.hidden_size]
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            ours, expected = session.run([last_layer, model.get_sequence_output()])
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-6)


def test_transformer_model_returns_the_last_layer_unless_asked_for_all():
    with tf.Graph().as_default():
        tf1.set_random_seed(1)
        inputs = tf.random.normal([2, 5, 32], seed=3)
        last = modeling.transformer_model(
            inputs, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=64, hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0)
        with tf1.variable_scope(tf1.get_variable_scope(), reuse=True):
            layers = modeling.transformer_model(
                inputs, hidden_size=32, num_hidden_layers=2,
                num_attention_heads=4, intermediate_size=64,
                hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                do_return_all_layers=True)
        assert isinstance(last, tf.Tensor)
        assert isinstance(layers, list) and len(layers) == 2
        assert [layer.shape.as_list() for layer in layers] == [[2, 5, 32]] * 2
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            last_value, layer_values = session.run([last, layers])
    np.testing.assert_array_equal(last_value, layer_values[-1])


def numpy_attention(session, from_value, to_value, mask, heads, size, query_act):
    """Attention in NumPy from the variables the layer created."""
    variables = {v.op.name: session.run(v) for v in tf1.global_variables()}

    def project(x, name):
        return x @ variables[name + "/kernel"] + variables[name + "/bias"]

    def split(x):
        batch, seq, _ = x.shape
        return x.reshape(batch, seq, heads, size).transpose(0, 2, 1, 3)

    query = split(query_act(project(from_value, "query")))
    key = split(project(to_value, "key"))
    value = split(project(to_value, "value"))
    scores = query @ key.transpose(0, 1, 3, 2) / math.sqrt(size)
    scores = scores + (1.0 - mask[:, None].astype(np.float32)) * -10000.0
    probs = np.exp(scores - scores.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    context = (probs @ value).transpose(0, 2, 1, 3)
    return context.reshape(from_value.shape[0], from_value.shape[1], heads * size)


def test_attention_layer_defaults_activations_and_output_rank():
    rng = np.random.RandomState(0)
    from_value = rng.randn(2, 3, 8).astype(np.float32)
    to_value = rng.randn(2, 5, 8).astype(np.float32)
    mask = np.ones((2, 3, 5), np.int32)
    mask[0, :, 3:] = 0
    with tf.Graph().as_default():
        context = modeling.attention_layer(
            tf.constant(from_value), tf.constant(to_value),
            attention_mask=tf.constant(mask), num_attention_heads=2,
            size_per_head=4, query_act=tf.nn.relu)
        assert context.shape.as_list() == [2, 3, 8]
        with tf1.variable_scope(tf1.get_variable_scope(), reuse=True):
            flat = modeling.attention_layer(
                tf.constant(from_value.reshape(6, 8)),
                tf.constant(to_value.reshape(10, 8)),
                attention_mask=tf.constant(mask), num_attention_heads=2,
                size_per_head=4, query_act=tf.nn.relu, do_return_2d_tensor=True,
                batch_size=2, from_seq_length=3, to_seq_length=5)
        assert flat.shape.as_list() == [6, 8]
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            context_value, flat_value = session.run([context, flat])
            expected = numpy_attention(session, from_value, to_value, mask, 2, 4,
                                       lambda x: np.maximum(x, 0))
    np.testing.assert_allclose(context_value, expected, atol=1e-5)
    np.testing.assert_allclose(flat_value, expected.reshape(6, 8), atol=1e-5)


def test_attention_layer_default_head_size_and_2d_input_needs_lengths():
    with tf.Graph().as_default():
        context = modeling.attention_layer(tf.zeros([1, 2, 8]), tf.zeros([1, 2, 8]))
        assert context.shape.as_list() == [1, 2, 512]  # 1 head of 512
        with pytest.raises(ValueError, match="batch_size"):
            modeling.attention_layer(tf.zeros([4, 8]), tf.zeros([4, 8]))


def test_embedding_postprocessor_adds_only_what_it_is_asked_to():
    with tf.Graph().as_default():
        words = tf.zeros([2, 3, 8])
        with tf1.variable_scope("defaults"):
            modeling.embedding_postprocessor(words)
        with tf1.variable_scope("named"):
            modeling.embedding_postprocessor(
                words, use_token_type=True, token_type_ids=tf.zeros([2, 3], tf.int32),
                token_type_embedding_name="segments", use_position_embeddings=False)
        names = sorted(v.op.name for v in tf1.global_variables())
        assert names == [
            "defaults/LayerNorm/beta", "defaults/LayerNorm/gamma",
            "defaults/position_embeddings",
            "named/LayerNorm/beta", "named/LayerNorm/gamma", "named/segments"]
        shapes = {v.op.name: v.shape.as_list() for v in tf1.global_variables()}
        assert shapes["defaults/position_embeddings"] == [512, 8]
        assert shapes["named/segments"] == [16, 8]
        with pytest.raises(ValueError, match="token_type_ids"):
            modeling.embedding_postprocessor(words, use_token_type=True)


def test_embedding_postprocessor_without_additions_is_layer_norm():
    value = np.random.RandomState(2).randn(2, 3, 8).astype(np.float32)
    with tf.Graph().as_default():
        output = modeling.embedding_postprocessor(
            tf.constant(value), use_position_embeddings=False, dropout_prob=0.0)
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            result = session.run(output)
    normalised = (value - value.mean(-1, keepdims=True)) / np.sqrt(
        value.var(-1, keepdims=True) + 1e-12)
    np.testing.assert_allclose(result, normalised, atol=1e-5)


def test_embedding_lookup_ranks_and_defaults():
    with tf.Graph().as_default():
        output, table = modeling.embedding_lookup(tf.zeros([2, 3], tf.int32), 10)
        assert output.shape.as_list() == [2, 3, 128]
        assert table.op.name == "word_embeddings"
        with tf1.variable_scope("rank3"):
            output, _ = modeling.embedding_lookup(
                tf.zeros([2, 3, 2], tf.int32), 10, embedding_size=4,
                word_embedding_name="table", use_one_hot_embeddings=True)
        assert output.shape.as_list() == [2, 3, 8]


def test_get_shape_list_adds_no_op_for_a_static_shape():
    with tf.Graph().as_default() as graph:
        static = tf.zeros([2, 3])
        before = len(graph.get_operations())
        assert modeling.get_shape_list(static) == [2, 3]
        assert len(graph.get_operations()) == before
        dynamic = tf1.placeholder(tf.float32, [None, 3])
        batch, width = modeling.get_shape_list(dynamic, expected_rank=2)
        assert isinstance(batch, tf.Tensor) and width == 3
        with pytest.raises(ValueError, match="my_tensor"):
            modeling.get_shape_list(static, expected_rank=3, name="my_tensor")


def test_reshape_to_and_from_matrix():
    with tf.Graph().as_default():
        tensor = tf.reshape(tf.range(24.0), [2, 3, 4])
        matrix = modeling.reshape_to_matrix(tensor)
        assert matrix.shape.as_list() == [6, 4]
        assert modeling.reshape_to_matrix(matrix) is matrix
        back = modeling.reshape_from_matrix(matrix, [2, 3, 4])
        assert back.shape.as_list() == [2, 3, 4]
        assert modeling.reshape_from_matrix(matrix, [6, 4]) is matrix
        with pytest.raises(ValueError, match="rank"):
            modeling.reshape_to_matrix(tf.zeros([3]))
        with tf1.Session() as session:
            np.testing.assert_array_equal(*session.run([back, tensor]))


def test_small_helpers_behave_as_the_reference():
    assert modeling.get_activation("") is None
    assert modeling.get_activation("linear") is None
    assert modeling.get_activation("ReLU") is tf.nn.relu
    assert modeling.get_activation(tf.tanh) is tf.tanh
    with tf.Graph().as_default():
        tensor = tf.ones([2, 4])
        assert modeling.dropout(tensor, None) is tensor
        assert modeling.dropout(tensor, 0.0) is tensor
        normed = modeling.layer_norm_and_dropout(tensor, 0.0, name="norm")
        assert normed.shape.as_list() == [2, 4]
        assert sorted(v.op.name for v in tf1.global_variables()) == [
            "norm/beta", "norm/gamma"]
        initializer = modeling.create_initializer()
        assert isinstance(initializer, tf1.truncated_normal_initializer)
        assert initializer.stddev == 0.02
