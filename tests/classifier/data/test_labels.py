"""classifier/data/labels.py: the label list of your own data."""

import pytest

from bert.classifier.data import labels
from bert.classifier.run_config import RunConfig
from bert.errors import InputError
from bert.processors import CustomDataProcessor


def own_data(tmp_path, rows="a\tpos\nb\tneg\nc\tpos\n"):
    (tmp_path / "train.tsv").write_text(rows)
    return CustomDataProcessor("tsv", text_a_column="0", label_column="1")


def config(tmp_path, **values):
    return RunConfig(data_dir=str(tmp_path), bert_config_file="", task_name="tsv",
                     vocab_file="", output_dir=str(tmp_path / "out"), **values)


def test_the_training_files_labels_sorted_then_the_saved_list(tmp_path):
    processor = own_data(tmp_path)
    assert labels.settle_label_list(processor, config(tmp_path, do_train=True)) == [
        "neg", "pos"]
    assert processor.get_labels() == ["neg", "pos"]
    (tmp_path / "out").mkdir()
    labels.save_label_list(str(tmp_path / "out"), ["pos", "neg"])
    assert (tmp_path / "out" / labels.LABEL_LIST_FILE).read_text() == "pos\nneg\n"
    # A later eval run reuses the saved order.
    assert labels.settle_label_list(own_data(tmp_path),
                                    config(tmp_path, do_eval=True)) == ["pos", "neg"]


def test_label_list_flag_wins(tmp_path):
    assert labels.settle_label_list(own_data(tmp_path), config(
        tmp_path, do_train=True, label_list=("pos", "neg", "mixed"))) == [
            "pos", "neg", "mixed"]


@pytest.mark.parametrize("values,message", [
    ({"do_eval": True}, "no label list for --task_name=tsv: pass --label_list"),
    ({"do_train": True, "label_list": ("only",)}, "fewer than two labels"),
])
def test_no_usable_label_list(tmp_path, values, message):
    with pytest.raises(InputError, match=message):
        labels.settle_label_list(own_data(tmp_path), config(tmp_path, **values))


def test_a_saved_list_that_is_not_text_stops_naming_it(tmp_path):
    (tmp_path / "out").mkdir()
    saved = tmp_path / "out" / labels.LABEL_LIST_FILE
    saved.write_bytes(b"pos\n\xff\xfeneg\n")
    with pytest.raises(InputError) as error:
        labels.settle_label_list(own_data(tmp_path), config(tmp_path, do_eval=True))
    assert str(error.value).startswith("%s is not UTF-8 text (" % saved)
