"""Feature cache: reuse when nothing changed, rebuild when anything did."""

import json
import os

import pytest

from bert import tokenization
from bert.classifier.data.feature_cache import convert_with_cache
from helpers import UNCASED_VOCAB, run_in_process, small_mrpc
from bert.processors import InputExample

pytestmark = pytest.mark.shared_data

EXAMPLES = [InputExample("g%d" % i, "hello world %d" % i, "bye", str(i % 2))
            for i in range(6)]


def convert(path, examples=EXAMPLES, max_seq_length=16, do_lower_case=True,
            vocab_file=UNCASED_VOCAB, labels=("0", "1")):
    tokenizer = tokenization.FullTokenizer(vocab_file, do_lower_case)
    return convert_with_cache(examples, list(labels), max_seq_length, tokenizer,
                              path, vocab_file, do_lower_case, "mrpc")


def test_reuse_and_rebuild(tmp_path):
    path = str(tmp_path / "train.tf_record")
    assert convert(path) is True
    stamp = os.stat(path).st_mtime_ns
    assert convert(path) is False
    assert os.stat(path).st_mtime_ns == stamp
    changed = list(EXAMPLES)
    changed[3] = InputExample("g3", "another text", "bye", "1")
    assert convert(path, examples=changed) is True
    assert convert(path, examples=changed, max_seq_length=20) is True
    assert convert(path, examples=changed, max_seq_length=20,
                   do_lower_case=False) is True
    assert convert(path, examples=changed, max_seq_length=20, do_lower_case=False,
                   labels=("1", "0")) is True
    vocab = tmp_path / "vocab.txt"
    with open(UNCASED_VOCAB, "rb") as reader:
        vocab.write_bytes(reader.read() + b"extra\n")
    assert convert(path, examples=changed, max_seq_length=20, do_lower_case=False,
                   labels=("1", "0"), vocab_file=str(vocab)) is True


def test_a_record_without_its_key_is_rebuilt(tmp_path):
    path = str(tmp_path / "train.tf_record")
    convert(path)
    os.remove(path + ".key")  # as if killed between the record and its key
    assert convert(path) is True


@pytest.mark.parametrize("damage", ["cut the records", "add a record",
                                    "key not JSON", "key a list", "key of old"])
def test_a_damaged_record_or_key_file_is_rebuilt(tmp_path, damage):
    path = str(tmp_path / "train.tf_record")
    convert(path)
    with open(path, "rb") as reader:
        records = reader.read()
    if damage == "cut the records":
        with open(path, "wb") as writer:
            writer.write(records[:len(records) // 2])
    elif damage == "add a record":
        with open(path, "ab") as writer:
            writer.write(records[:len(records) // 6])
    else:
        with open(path + ".key") as reader:
            key = json.load(reader)
        text = {"key not JSON": "{\"key\": ", "key a list": "[1, 2]",
                "key of old": json.dumps({"key": key["key"], "examples": 6})}[damage]
        with open(path + ".key", "w") as writer:
            writer.write(text)
    assert convert(path) is True
    with open(path, "rb") as reader:
        assert reader.read() == records
    assert convert(path) is False


def test_second_run_uses_the_cache_and_a_changed_input_rebuilds(tmp_path,
                                                                tiny_config_file):
    data_dir = small_mrpc(tmp_path, 16)
    args = ["--task_name=MRPC", "--do_eval=true", "--data_dir=" + data_dir,
            "--vocab_file=" + UNCASED_VOCAB, "--bert_config_file=" + tiny_config_file,
            "--output_dir=" + str(tmp_path / "out"), "--max_seq_length=32"]
    first = run_in_process(*args)
    assert "feature cache: building" in first
    assert "Writing example 0 of" in first
    second = run_in_process(*args)
    assert "feature cache: reusing" in second
    assert "Writing example 0 of" not in second
    with open(os.path.join(data_dir, "dev.tsv"), "a") as writer:
        writer.write("1\t1\t2\tA new row.\tAnother new row.\n")
    third = run_in_process(*args)
    assert "feature cache: inputs changed, rebuilding" in third
