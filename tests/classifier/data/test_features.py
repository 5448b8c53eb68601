"""Feature conversion: truncation, segments, padding, labels, TFRecord contents."""

import numpy as np
import pytest
import tensorflow as tf

from bert import tokenization
from bert.classifier.data import features
from helpers import UNCASED_VOCAB
from bert.errors import InputError
from bert.processors import InputExample


class WordTokenizer(object):
    """Whitespace tokens with ids = len(token): makes truncation easy to see."""

    def tokenize(self, text):
        return text.split()

    def convert_tokens_to_ids(self, tokens):
        return [len(token) for token in tokens]


def test_truncate_pair_pops_from_the_longer_side_b_on_ties():
    a, b = list("abcdef"), list("xyz")
    features.truncate_seq_pair(a, b, 6)
    assert (a, b) == (list("abc"), list("xyz"))
    a, b = list("abc"), list("xyz")
    features.truncate_seq_pair(a, b, 5)
    assert (a, b) == (list("abc"), list("xy"))
    a, b = list("abcd"), list("wxyz")
    features.truncate_seq_pair(a, b, 5)
    assert (a, b) == (list("abc"), list("wx"))


def test_pair_layout_segments_mask_and_padding():
    example = InputExample("g", "aa bbb", "c", "1")
    feature = features.convert_single_example(
        5, example, ["0", "1"], 10, WordTokenizer())
    # [CLS] aa bbb [SEP] c [SEP] -> ids are token lengths.
    assert feature.input_ids == [5, 2, 3, 5, 1, 5, 0, 0, 0, 0]
    assert feature.segment_ids == [0, 0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert feature.input_mask == [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    assert feature.label_id == 1
    assert feature.is_real_example


def test_pair_truncation_to_max_seq_length_minus_3():
    example = InputExample("g", "a1 a2 a3 a4 a5 a6", "b1 b2", "0")
    feature = features.convert_single_example(
        9, example, ["0", "1"], 8, WordTokenizer())
    # 5 tokens for text: a keeps 3, b keeps 2.
    assert feature.input_ids == [5, 2, 2, 2, 5, 2, 2, 5]
    assert feature.segment_ids == [0, 0, 0, 0, 0, 1, 1, 1]


def test_single_sentence_keeps_first_max_seq_length_minus_2():
    example = InputExample("g", "a b c d e f g", None, "0")
    feature = features.convert_single_example(
        9, example, ["0", "1"], 5, WordTokenizer())
    assert feature.input_ids == [5, 1, 1, 1, 5]
    assert feature.segment_ids == [0] * 5
    assert feature.input_mask == [1] * 5


def test_empty_text_b_is_a_single_sentence():
    example = InputExample("g", "a", "", "0")
    feature = features.convert_single_example(
        9, example, ["0", "1"], 6, WordTokenizer())
    assert feature.input_ids == [5, 1, 5, 0, 0, 0]


def test_padding_example_is_all_zero_and_not_real():
    feature = features.convert_single_example(
        0, features.PaddingInputExample(), ["0", "1"], 4, WordTokenizer())
    assert feature.input_ids == feature.input_mask == feature.segment_ids == [0] * 4
    assert feature.label_id == 0
    assert not feature.is_real_example


def test_unknown_label_is_an_input_error():
    with pytest.raises(InputError, match="example g7: label 'x'"):
        features.convert_single_example(
            9, InputExample("g7", "a", None, "x"), ["0", "1"], 4, WordTokenizer())


@pytest.mark.shared_data
def test_real_tokenizer_features():
    tokenizer = tokenization.FullTokenizer(UNCASED_VOCAB)
    feature = features.convert_single_example(
        0, InputExample("g", "Hello, world!", "Bye.", "1"), ["0", "1"], 12,
        tokenizer)
    tokens = tokenizer.convert_ids_to_tokens(feature.input_ids[:8])
    assert tokens == ["[CLS]", "hello", ",", "world", "!", "[SEP]", "bye", "."]
    assert feature.input_ids[8:] == [102, 0, 0, 0]


def test_tfrecord_round_trip(tmp_path):
    examples = [InputExample("g%d" % i, "a " * (i + 1), "bb", str(i % 2))
                for i in range(5)] + [features.PaddingInputExample()]
    path = str(tmp_path / "train.tf_record")
    features.file_based_convert_examples_to_features(
        examples, ["0", "1"], 8, WordTokenizer(), path)
    assert [p.name for p in tmp_path.iterdir()] == ["train.tf_record"]
    expected = features.convert_examples_to_features(
        examples, ["0", "1"], 8, WordTokenizer())
    records = list(tf.data.TFRecordDataset(path).as_numpy_iterator())
    assert len(records) == 6
    for record, feature in zip(records, expected):
        parsed = tf.train.Example.FromString(record).features.feature
        assert sorted(parsed) == ["input_ids", "input_mask", "is_real_example",
                                  "label_ids", "segment_ids"]
        assert list(parsed["input_ids"].int64_list.value) == feature.input_ids
        assert list(parsed["input_mask"].int64_list.value) == feature.input_mask
        assert list(parsed["segment_ids"].int64_list.value) == feature.segment_ids
        assert list(parsed["label_ids"].int64_list.value) == [feature.label_id]
        assert list(parsed["is_real_example"].int64_list.value) == [
            int(feature.is_real_example)]


def test_failed_conversion_leaves_no_file(tmp_path):
    path = str(tmp_path / "eval.tf_record")
    examples = [InputExample("ok", "a", None, "0"),
                InputExample("bad", "a", None, "7")]
    with pytest.raises(InputError):
        features.file_based_convert_examples_to_features(
            examples, ["0", "1"], 8, WordTokenizer(), path)
    assert list(tmp_path.iterdir()) == []


def test_pad_to_batch_multiple():
    examples = list(range(10))
    padded = features.pad_to_batch_multiple(examples, 8)
    assert len(padded) == 16
    assert padded[:10] == examples
    assert all(isinstance(e, features.PaddingInputExample) for e in padded[10:])
    assert features.pad_to_batch_multiple(examples, 5) == examples
    assert np.sum([isinstance(e, int) for e in padded]) == 10


def test_multi_label_features_are_multi_hot():
    labels = ["anger", "joy", "love"]
    examples = [InputExample("a", "so happy", label=("joy", "love")),
                InputExample("b", "meh", label=()),
                features.PaddingInputExample()]
    converted = features.convert_examples_to_features(
        examples, labels, 6, WordTokenizer(), multi_label=True)
    assert [f.label_id for f in converted] == [[0, 1, 1], [0, 0, 0], [0, 0, 0]]
    assert [f.is_real_example for f in converted] == [True, True, False]
    with pytest.raises(InputError, match="example c: label 'fear' is not one of"):
        features.convert_single_example(
            0, InputExample("c", "x", label=("fear",)), labels, 6, WordTokenizer(),
            multi_label=True)
