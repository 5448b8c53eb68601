"""classify.py on an exported tiny model: same probabilities as --do_predict,
bad lines reported by number without stopping the others."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from bert.errors import InputError
from helpers import (GLUE, UNCASED_VOCAB, classify, run_in_process, small_mrpc,
                     tiny_config_dict)

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny MRPC model trained on 40 real rows, predicted and exported."""
    root = tmp_path_factory.mktemp("classify")
    config = root / "bert_config.json"
    config.write_text(json.dumps(tiny_config_dict()))
    data_dir = small_mrpc(root, 40)
    output_dir = str(root / "out")
    export_dir = str(root / "export" / "1")
    run_in_process("--task_name=MRPC", "--data_dir=" + data_dir,
                   "--vocab_file=" + UNCASED_VOCAB, "--bert_config_file=" + str(config),
                   "--output_dir=" + output_dir, "--max_seq_length=64",
                   "--do_train=true", "--do_predict=true", "--do_export=true",
                   "--export_dir=" + export_dir, "--train_batch_size=8",
                   "--learning_rate=1e-3")
    return {"root": root, "data_dir": data_dir, "output_dir": output_dir,
            "export_dir": export_dir}


def test_same_probabilities_as_do_predict(exported):
    with open(os.path.join(exported["data_dir"], "test.tsv"), encoding="utf-8") as f:
        rows = [line.split("\t") for line in f.read().splitlines()[1:]]
    pairs = "".join("%s\t%s\n" % (row[3], row[4]) for row in rows).encode("utf-8")
    process = classify(exported["export_dir"], pairs, "--batch_size=7")
    assert process.returncode == 0, process.stderr.decode()[-2000:]
    lines = process.stdout.decode("utf-8").splitlines()
    assert lines[0] == "text_a\ttext_b\tprediction\t0\t1"
    got = np.array([[float(v) for v in line.split("\t")[3:]] for line in lines[1:]])
    with open(os.path.join(exported["output_dir"], "test_results.tsv")) as reader:
        expected = np.array([[float(v) for v in line.split("\t")]
                             for line in reader.read().splitlines()])
    assert got.shape == expected.shape == (40, 2)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    labels = [line.split("\t")[2] for line in lines[1:]]
    assert labels == [str(i) for i in np.argmax(expected, axis=1)]
    assert lines[1].split("\t")[:2] == rows[0][3:5]


def test_the_text_goes_to_the_text_signature(exported):
    """classify.py tokenizes in the graph (the ids signature is not needed),
    with the ids signature's probabilities; an export without a text
    signature still classifies, through the ids."""
    from bert.classify import ExportedClassifier
    classifier = ExportedClassifier(exported["export_dir"])
    pairs = [("The cat sat on the mat.", "A cat was sitting."),
             ("One sentence, alone.", None)]
    ids_signature, classifier.ids_signature = classifier.ids_signature, None
    by_text = classifier.outputs(pairs)["probabilities"].numpy()
    classifier.ids_signature, classifier.text_signature = ids_signature, None
    by_ids = classifier.outputs(pairs)["probabilities"].numpy()
    np.testing.assert_allclose(by_text, by_ids, atol=1e-6)


def test_bad_lines_are_reported_and_skipped(exported, tmp_path):
    data = (b"a fine sentence\n"
            b"one\ttwo\tthree\n"
            b"caf\xff bad bytes\n"
            b"\n"
            b"first\tsecond\n")
    output = str(tmp_path / "out.tsv")
    input_file = tmp_path / "in.txt"
    input_file.write_bytes(data)
    process = classify(exported["export_dir"], None, "--input", str(input_file),
                       "--output", output)
    assert process.returncode == 1
    stderr = process.stderr.decode()
    assert "in.txt:2: 2 tabs" in stderr
    assert "in.txt:3: not UTF-8 at byte 3" in stderr
    assert "in.txt:4: empty text" in stderr
    assert "3 bad line(s)" in stderr
    with open(output) as reader:
        lines = reader.read().splitlines()
    assert [line.split("\t")[:2] for line in lines[1:]] == [
        ["a fine sentence", ""], ["first", "second"]]


def test_export_folder_holds_signature_and_assets(exported):
    assets = os.path.join(exported["export_dir"], "assets.extra")
    assert sorted(os.listdir(assets)) == [
        "classifier_config.json", "label_list.txt", "vocab.txt"]
    with open(os.path.join(assets, "classifier_config.json")) as reader:
        config = json.load(reader)
    assert config == {"do_lower_case": True, "label_list": ["0", "1"],
                      "max_seq_length": 64, "regression": False,
                      "task_name": "MRPC", "compute_dtype": "float32",
                      "cls_only_last_layer": False, "fused_kernels": False}
    signature = tf.saved_model.load(exported["export_dir"]).signatures[
        "serving_default"]
    outputs = signature(input_ids=tf.constant([[101, 2000, 102]]),
                        input_mask=tf.constant([[1, 1, 1]]),
                        segment_ids=tf.constant([[0, 0, 0]]))
    assert sorted(outputs) == ["label_ids", "probabilities"]
    assert outputs["probabilities"].shape == (1, 2)
    assert outputs["label_ids"].dtype == tf.int32


def test_export_refuses_an_existing_folder(exported):
    with pytest.raises(InputError, match="exists already"):
        run_in_process(
            "--task_name=MRPC", "--data_dir=" + exported["data_dir"],
            "--vocab_file=" + UNCASED_VOCAB,
            "--bert_config_file=" + str(exported["root"] / "bert_config.json"),
            "--output_dir=" + exported["output_dir"], "--do_export=true",
            "--export_dir=" + exported["export_dir"])


def test_regression_export_gives_scores(tmp_path, tiny_config_file):
    export_dir = str(tmp_path / "stsb_export")
    run_in_process("--task_name=sts-b", "--data_dir=" + os.path.join(GLUE, "STS-B"),
                   "--vocab_file=" + UNCASED_VOCAB,
                   "--bert_config_file=" + tiny_config_file,
                   "--output_dir=" + str(tmp_path / "out"), "--max_seq_length=32",
                   "--do_train=true", "--num_train_epochs=0.01",
                   "--do_export=true", "--export_dir=" + export_dir)
    process = classify(export_dir, b"A man plays.\tA man is playing.\n")
    assert process.returncode == 0, process.stderr.decode()[-2000:]
    lines = process.stdout.decode().splitlines()
    assert lines[0] == "text_a\ttext_b\tprediction"
    float(lines[1].split("\t")[2])


def test_single_sentences_to_a_pair_model_warn_once(exported):
    process = classify(exported["export_dir"], b"one sentence\nanother one\n"
                       b"a pair\tof sentences\n")
    assert process.returncode == 0, process.stderr.decode()[-2000:]
    warnings = [line for line in process.stderr.decode().splitlines()
                if line.startswith("classify: warning:")]
    assert warnings == ["classify: warning: 2 of 3 input line(s) are single "
                        "sentences, but the model was trained on sentence pairs "
                        "(task MRPC): their predictions mean little"]


@pytest.mark.parametrize("problem", ["missing folder", "not an export",
                                     "missing input"])
def test_bad_paths_end_in_one_line_and_status_2(exported, tmp_path, problem):
    export_dir, args = exported["export_dir"], []
    if problem == "missing folder":
        export_dir = str(tmp_path / "no_such_export")
    elif problem == "not an export":
        export_dir = str(tmp_path)
    else:
        args = ["--input=" + str(tmp_path / "no_such_input.txt")]
    process = classify(export_dir, b"", *args)
    stderr = process.stderr.decode()
    assert process.returncode == 2
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("classify: error: ")
    expected = {"missing folder": "is not a folder",
                "not an export": "is not an export of run_classifier.py",
                "missing input": "no_such_input.txt cannot be read"}[problem]
    assert expected in last
