"""The TPU-only code paths, checked on CPU: padding, steps, metrics, one-hot lookup."""

import numpy as np
import pytest
import tensorflow as tf

from bert import modeling
from bert.classifier import metrics, results
from bert.classifier.data import features
from bert.classifier.data.input_pipeline import file_based_input_fn_builder
from bert.processors import InputExample

tf1 = tf.compat.v1


class CharTokenizer(object):
    def tokenize(self, text):
        return list(text.replace(" ", ""))

    def convert_tokens_to_ids(self, tokens):
        return [len(token) for token in tokens]


def make_examples(count):
    return [InputExample("g%d" % i, "ab", None, str(i % 2)) for i in range(count)]


def test_plan_pads_to_whole_batches_on_tpu_only():
    examples = make_examples(13)
    padded, steps, drop = features.plan_inference_batches(examples, 8, use_tpu=True)
    assert (len(padded), steps, drop) == (16, 2, True)
    assert padded[:13] == examples
    assert all(isinstance(e, features.PaddingInputExample) for e in padded[13:])
    plain, steps, drop = features.plan_inference_batches(examples, 8, use_tpu=False)
    assert (plain, steps, drop) == (examples, None, False)


def test_drop_remainder_gives_equal_batches(tmp_path):
    path = str(tmp_path / "eval.tf_record")
    padded, steps, drop = features.plan_inference_batches(make_examples(13), 8, True)
    features.file_based_convert_examples_to_features(
        padded, ["0", "1"], 6, CharTokenizer(), path)
    input_fn = file_based_input_fn_builder(path, 6, is_training=False,
                                           drop_remainder=drop)
    batches = list(input_fn({"batch_size": 8}).as_numpy_iterator())
    assert len(batches) == steps == 2
    assert all(b["input_ids"].shape == (8, 6) for b in batches)
    assert all(b["input_ids"].dtype == np.int32 for b in batches)
    real = np.concatenate([b["is_real_example"] for b in batches])
    assert real.tolist() == [1] * 13 + [0] * 3
    # Off TPU the last batch is short and nothing is padded.
    plain_fn = file_based_input_fn_builder(path, 6, False, drop_remainder=False)
    sizes = [len(b["label_ids"]) for b in plain_fn({"batch_size": 5}).as_numpy_iterator()]
    assert sizes == [5, 5, 5, 1]


def test_fake_examples_count_in_no_metric():
    labels = np.array([1, 0, 1, 0, 0, 0], np.int32)
    # Real examples 0-3: three right, one wrong. Fakes 4-5: wrong, huge loss.
    logits = np.array([[0, 1], [1, 0], [1, 0], [1, 0], [0, 9], [0, 9]], np.float32)
    losses = np.array([0.5, 0.5, 1.0, 0.5, 50.0, 50.0], np.float32)
    weights = np.array([1, 1, 1, 1, 0, 0], np.float32)
    with tf.Graph().as_default():
        ops = metrics.accuracy_and_loss(tf.constant(losses), tf.constant(labels),
                                        tf.constant(logits), tf.constant(weights))
        with tf1.Session() as session:
            session.run(tf1.local_variables_initializer())
            session.run({k: update for k, (_, update) in ops.items()})
            values = session.run({k: value for k, (value, _) in ops.items()})
    assert values["eval_accuracy"] == np.float32(0.75)
    assert values["eval_loss"] == np.float32(0.625)


def test_fake_examples_never_reach_the_result_file():
    predictions = [{"probabilities": np.array([0.25, 0.75], np.float32)}] * 13
    real = results.real_predictions(iter(predictions), num_real_examples=10)
    text = results.format_test_results(real)
    assert text.count("\n") == 10
    assert text.splitlines()[0] == "0.25\t0.75"
    with pytest.raises(RuntimeError, match="got 13 predictions for 14 examples"):
        results.real_predictions(iter(predictions), num_real_examples=14)


def test_one_hot_lookup_equals_gather():
    ids = np.random.RandomState(0).randint(0, 50, (3, 7)).astype(np.int32)
    outputs = []
    for one_hot in (False, True):
        with tf.Graph().as_default():
            tf1.set_random_seed(0)
            output, _ = modeling.embedding_lookup(
                tf.constant(ids), vocab_size=50, embedding_size=8,
                use_one_hot_embeddings=one_hot)
            with tf1.Session() as session:
                session.run(tf1.global_variables_initializer())
                outputs.append(session.run(output))
    assert outputs[0].shape == (3, 7, 8)
    np.testing.assert_allclose(outputs[0], outputs[1], atol=1e-6)
