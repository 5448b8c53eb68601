"""Processors on the real GLUE and XNLI files: counts, columns, labels, guids."""

import os

import pytest

import processors
from conftest import GLUE, SHARED_DATA
from processors import InputError

MRPC = os.path.join(GLUE, "MRPC")
COLA = os.path.join(GLUE, "CoLA")
MNLI = os.path.join(SHARED_DATA, "mnli_sample_fastnlp", "MNLI")
XNLI = os.path.join(SHARED_DATA, "xnli_sample")


def test_mrpc_counts_columns_and_bom_header():
    processor = processors.MrpcProcessor()
    train = processor.get_train_examples(MRPC)
    dev = processor.get_dev_examples(MRPC)
    test = processor.get_test_examples(MRPC)
    assert (len(train), len(dev), len(test)) == (3668, 408, 1725)
    first = train[0]
    assert first.guid == "train-1"
    assert first.label == "1"
    assert first.text_a.startswith("Amrozi accused his brother")
    assert first.text_b.startswith("Referring to him as only")
    assert {example.label for example in train} == {"0", "1"}
    assert {example.label for example in test} == {"0"}
    assert test[-1].guid == "test-1725"


def test_mrpc_stray_quotes_do_not_merge_rows():
    train = processors.MrpcProcessor().get_train_examples(MRPC)
    with_quotes = [example for example in train if '"' in example.text_a]
    assert with_quotes, "MRPC train has sentences with quote characters"
    assert all("\t" not in example.text_a for example in train)


def test_cola_counts_and_layout():
    processor = processors.ColaProcessor()
    train = processor.get_train_examples(COLA)
    dev = processor.get_dev_examples(COLA)
    test = processor.get_test_examples(COLA)
    assert (len(train), len(dev), len(test)) == (8551, 1043, 1063)
    assert train[0].guid == "train-0"
    assert train[0].text_a == (
        "Our friends won't buy this analysis, let alone the next one we propose.")
    assert train[0].label == "1"
    assert train[0].text_b is None
    assert test[0].guid == "test-1"
    assert test[0].label == "0"
    # The last dev row has no trailing newline and is still read.
    assert dev[-1].guid == "dev-1042"


def test_mnli_guids_from_column_zero_and_labels():
    processor = processors.MnliProcessor()
    train = processor.get_train_examples(MNLI)
    dev = processor.get_dev_examples(MNLI)
    test = processor.get_test_examples(MNLI)
    assert (len(train), len(dev), len(test)) == (6, 5, 5)
    assert dev[0].guid == "dev_matched-0"
    assert dev[0].text_a.startswith("The new rights are nice enough")
    assert {example.label for example in train + dev} <= set(processor.get_labels())
    assert {example.label for example in test} == {"contradiction"}
    assert test[0].guid.startswith("test-")
    assert processor.get_labels() == ["contradiction", "entailment", "neutral"]


def test_xnli_language_filter_and_contradictory_label():
    processor = processors.XnliProcessor()
    assert processor.language == "zh"
    train = processor.get_train_examples(XNLI)
    dev = processor.get_dev_examples(XNLI)
    assert len(train) == 8
    assert train[0].guid == "train-1"
    assert "contradictory" not in {example.label for example in train}
    assert {example.label for example in train} <= set(processor.get_labels())
    assert len(dev) == 6
    assert all(example.guid.startswith("dev-") for example in dev)
    processor.language = "de"
    assert processor.get_dev_examples(XNLI) == []


def test_registry_is_case_insensitive_and_rejects_unknown_tasks():
    assert isinstance(processors.get_processor("MRPC"), processors.MrpcProcessor)
    assert isinstance(processors.get_processor("CoLA"), processors.ColaProcessor)
    with pytest.raises(InputError, match="--task_name=nope is not a known task"):
        processors.get_processor("nope")


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(tmp_path)


def test_row_with_too_few_columns_names_file_and_line(tmp_path):
    data_dir = write(tmp_path, "train.tsv",
                     "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
                     "1\t1\t2\ta\tb\n"
                     "0\t3\t4\tonly four\n")
    with pytest.raises(InputError) as error:
        processors.MrpcProcessor().get_train_examples(data_dir)
    message = str(error.value)
    assert "train.tsv:3:" in message and "column 4" in message
    assert "\n" not in message


def test_label_outside_label_list_names_file_and_line(tmp_path):
    data_dir = write(tmp_path, "dev.tsv", "src\t1\t\tfine\nsrc\t7\t\tbad label\n")
    with pytest.raises(InputError, match=r"dev.tsv:2: label '7'"):
        processors.ColaProcessor().get_dev_examples(data_dir)


def test_missing_data_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="test.tsv does not exist"):
        processors.MrpcProcessor().get_test_examples(str(tmp_path))


def test_non_utf8_file_names_byte_offset(tmp_path):
    data_dir = write(tmp_path, "train.tsv", b"src\t1\t\tok\nsrc\t0\t\tbad \xff\n")
    with pytest.raises(InputError, match=r"train.tsv:2: not UTF-8 at byte offset 21"):
        processors.ColaProcessor().get_train_examples(data_dir)


def test_read_tsv_keeps_empty_cells_and_quotes(tmp_path):
    write(tmp_path, "x.tsv", 'a\t"b\t\n"c"\td\n')
    rows = processors.read_tsv(str(tmp_path / "x.tsv"))
    assert rows == [["a", '"b', ""], ['"c"', "d"]]
    assert [row.line_number for row in rows] == [1, 2]
