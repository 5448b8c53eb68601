"""Input functions: TFRecord and in-memory give the same int32 batches."""

import numpy as np

from bert.classifier.data import features
from bert.classifier.data.input_pipeline import file_based_input_fn_builder, input_fn_builder
from bert.processors import InputExample


class CharTokenizer(object):
    def tokenize(self, text):
        return list(text)

    def convert_tokens_to_ids(self, tokens):
        return [ord(token[0]) % 50 for token in tokens]


def test_file_based_and_in_memory_batches_agree(tmp_path):
    examples = [InputExample("g%d" % i, "abcdefg"[:i + 1], "xy", str(i % 2))
                for i in range(7)]
    label_list = ["0", "1"]
    path = str(tmp_path / "eval.tf_record")
    features.file_based_convert_examples_to_features(
        examples, label_list, 12, CharTokenizer(), path)
    in_memory = features.convert_examples_to_features(
        examples, label_list, 12, CharTokenizer())
    params = {"batch_size": 3}
    from_file = list(file_based_input_fn_builder(path, 12, False, False)(params)
                     .as_numpy_iterator())
    from_memory = list(input_fn_builder(in_memory, 12, False, False)(params)
                       .as_numpy_iterator())
    assert [len(b["label_ids"]) for b in from_file] == [3, 3, 1]
    for a, b in zip(from_file, from_memory):
        assert sorted(a) == sorted(b)
        for name in a:
            assert a[name].dtype == np.int32 == b[name].dtype
            np.testing.assert_array_equal(a[name], b[name])


def test_training_input_repeats_shuffles_and_drops_remainder(tmp_path):
    examples = [InputExample("g%d" % i, "a" * (i + 1), None, "0") for i in range(5)]
    path = str(tmp_path / "train.tf_record")
    features.file_based_convert_examples_to_features(
        examples, ["0", "1"], 8, CharTokenizer(), path)
    dataset = file_based_input_fn_builder(path, 8, True, True)({"batch_size": 4})
    batches = list(dataset.take(10).as_numpy_iterator())
    assert len(batches) == 10 and all(len(b["label_ids"]) == 4 for b in batches)
    lengths = np.concatenate([b["input_mask"].sum(axis=1) for b in batches])
    assert set(lengths.tolist()) == {3, 4, 5, 6, 7}
    assert lengths[:5].tolist() != [3, 4, 5, 6, 7] or lengths[5:10].tolist() != [
        3, 4, 5, 6, 7]


def test_bucketing_groups_similar_lengths(tmp_path):
    rng = np.random.RandomState(4)
    examples = [InputExample("g%d" % i, "a" * int(n), None, "0")
                for i, n in enumerate(rng.randint(1, 60, 300))]
    path = str(tmp_path / "train.tf_record")
    features.file_based_convert_examples_to_features(
        examples, ["0", "1"], 64, CharTokenizer(), path)
    input_fn = file_based_input_fn_builder(path, 64, True, True,
                                           dynamic_padding=True,
                                           bucket_by_length=True)
    batches = list(input_fn({"batch_size": 8}).take(30).as_numpy_iterator())
    for batch in batches:
        lengths = batch["input_mask"].sum(axis=1)
        assert len(lengths) == 8
        assert lengths.max() - lengths.min() < 16
        assert batch["input_ids"].shape[1] == lengths.max()
    plain = file_based_input_fn_builder(path, 64, True, True, dynamic_padding=True)
    spreads = [np.ptp(b["input_mask"].sum(axis=1))
               for b in plain({"batch_size": 8}).take(30).as_numpy_iterator()]
    assert max(spreads) >= 16  # without bucketing, batches mix lengths


def test_dynamic_padding_rounds_up_to_a_length_multiple(tmp_path):
    examples = [InputExample("g%d" % i, "a" * n, None, "0")
                for i, n in enumerate([1, 3, 10, 12, 13, 14, 20, 21])]
    path = str(tmp_path / "train.tf_record")
    features.file_based_convert_examples_to_features(
        examples, ["0", "1"], 22, CharTokenizer(), path)
    for bucket_by_length in (False, True):
        input_fn = file_based_input_fn_builder(
            path, 22, True, True, dynamic_padding=True,
            bucket_by_length=bucket_by_length, length_multiple=8)
        for batch in input_fn({"batch_size": 2}).take(20).as_numpy_iterator():
            longest = batch["input_mask"].sum(axis=1).max()
            # [CLS] text [SEP]: 3 to 23 tokens, rounded up to 8, 16, or 22 (all)
            assert batch["input_ids"].shape[1] == min(22, -(-longest // 8) * 8)
            assert np.all(batch["input_mask"].sum(axis=1) <= batch["input_ids"].shape[1])


def test_multi_hot_labels_read_back_from_file_and_memory(tmp_path):
    examples = [InputExample("g%d" % i, "abc"[:i + 1], label=labels)
                for i, labels in enumerate([("b",), ("a", "c"), ()])]
    path = str(tmp_path / "train.tf_record")
    features.file_based_convert_examples_to_features(
        examples, ["a", "b", "c"], 8, CharTokenizer(), path, multi_label=True)
    in_memory = features.convert_examples_to_features(
        examples, ["a", "b", "c"], 8, CharTokenizer(), multi_label=True)
    expected = [[0, 1, 0], [1, 0, 1], [0, 0, 0]]
    for input_fn in (file_based_input_fn_builder(path, 8, False, False,
                                                 dynamic_padding=True,
                                                 multi_hot_size=3),
                     input_fn_builder(in_memory, 8, False, False)):
        batch = next(input_fn({"batch_size": 3}).as_numpy_iterator())
        assert batch["label_ids"].dtype == np.int32
        np.testing.assert_array_equal(batch["label_ids"], expected)
