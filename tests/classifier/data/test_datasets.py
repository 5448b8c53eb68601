"""classifier/data/datasets.py: a phase's feature file and the input function
over it, with the run's padding, bucketing and length rounding."""

import os

import tensorflow as tf

from bert import tokenization
from bert.classifier.data import datasets
from bert.classifier.run_config import RunConfig
from bert.processors import InputExample, MrpcProcessor

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "sat", "on", "mat"]


def setup(tmp_path, **values):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(VOCAB) + "\n")
    config = RunConfig(data_dir="", bert_config_file="", task_name="mrpc",
                       vocab_file=str(vocab), output_dir=str(tmp_path),
                       max_seq_length=16, **values)
    examples = [InputExample("train-%d" % i, " ".join(["the cat"] * (i + 1)),
                             "sat on the mat", str(i % 2)) for i in range(10)]
    return config, tokenization.FullTokenizer(str(vocab)), examples


def batches(input_fn, batch_size, count):
    with tf.Graph().as_default():
        batch = tf.compat.v1.data.make_one_shot_iterator(
            input_fn({"batch_size": batch_size})).get_next()
        with tf.compat.v1.Session() as session:
            return [session.run(batch) for _ in range(count)]


def test_training_input_pads_each_batch_to_its_longest_rounded(tmp_path):
    config, tokenizer, examples = setup(tmp_path, fused_kernels=True)
    input_fn = datasets.training_input(config, MrpcProcessor(), tokenizer,
                                       examples, str(tmp_path))
    assert os.path.exists(tmp_path / "train.tf_record")
    for batch in batches(input_fn, 4, 5):  # repeats and shuffles
        length = batch["input_ids"].shape[1]
        assert length % 8 == 0 and length <= 16  # the fused kernels' multiple
        assert batch["input_ids"].shape[0] == 4
        assert batch["label_ids"].dtype == "int32"


def test_inference_input_keeps_every_example_once_in_order(tmp_path):
    config, tokenizer, examples = setup(tmp_path)
    input_fn, steps, order, record_file = datasets.inference_input(
        config, MrpcProcessor(), tokenizer, examples, 4, "eval.tf_record", "evaluation")
    assert steps is None and order is None  # off TPU: until the data ends
    assert record_file == str(tmp_path / "eval.tf_record")
    assert os.path.exists(record_file)
    got = batches(input_fn, 4, 3)
    assert [len(batch["label_ids"]) for batch in got] == [4, 4, 2]
    labels = [int(label) for batch in got for label in batch["label_ids"]]
    assert labels == [i % 2 for i in range(10)]


def test_on_tpu_the_set_is_padded_to_whole_batches(tmp_path):
    config, tokenizer, examples = setup(tmp_path, use_tpu=True)
    input_fn, steps, order, record_file = datasets.inference_input(
        config, MrpcProcessor(), tokenizer, examples, 4, "eval.tf_record", "evaluation")
    assert steps == 3 and order is None and record_file.endswith("/eval.tf_record")
    got = batches(input_fn, 4, 3)
    assert all(batch["input_ids"].shape == (4, 16) for batch in got)  # fixed shapes
    real = [int(flag) for batch in got for flag in batch["is_real_example"]]
    assert real == [1] * 10 + [0] * 2


def test_sort_by_length_runs_shortest_first_and_keeps_the_order(tmp_path):
    config, tokenizer, examples = setup(tmp_path, sort_by_length=True)
    examples = examples[3::-1]  # 15, 13, 11 and 9 tokens
    input_fn, steps, order, record_file = datasets.inference_input(
        config, MrpcProcessor(), tokenizer, examples, 2, "eval.tf_record", "evaluation")
    assert steps is None and record_file == str(tmp_path / "eval.by_length.tf_record")
    assert list(order) == [3, 2, 1, 0]
    got = batches(input_fn, 2, 2)
    assert [batch["input_ids"].shape for batch in got] == [(2, 11), (2, 15)]
    labels = [int(label) for batch in got for label in batch["label_ids"]]
    assert labels == [int(examples[index].label) for index in order]


def test_sort_by_length_is_off_on_tpu(tmp_path):
    config, tokenizer, examples = setup(tmp_path, sort_by_length=True, use_tpu=True)
    _, steps, order, _ = datasets.inference_input(
        config, MrpcProcessor(), tokenizer, examples, 4, "eval.tf_record", "evaluation")
    assert steps == 3 and order is None
