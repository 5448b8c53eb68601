"""Multi-label classification end to end on real GoEmotions rows with a tiny
model: train, evaluate, tune the threshold, predict, export, classify.py."""

import os

import numpy as np
import pytest

from bert.errors import InputError
from helpers import (GOEMOTIONS, GOEMOTIONS_SLICE_ROWS, UNCASED_VOCAB, classify,
                     goemotions_slice, run_in_process, tiny_config_dict)

pytestmark = pytest.mark.shared_data


def train_args(root, data_dir, output_dir, *task_args):
    import json
    config = root / "bert_config.json"
    config.write_text(json.dumps(tiny_config_dict()))
    return list(task_args) + [
        "--data_dir=" + data_dir, "--vocab_file=" + UNCASED_VOCAB,
        "--bert_config_file=" + str(config), "--output_dir=" + output_dir,
        "--max_seq_length=32", "--train_batch_size=16", "--learning_rate=3e-3",
        "--num_train_epochs=3", "--random_seed=5", "--do_train", "--do_eval",
        "--tune_threshold"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("goemotions")
    data_dir = goemotions_slice(root)
    output_dir = str(root / "out")
    export_dir = str(root / "export")
    run_in_process(*train_args(root, data_dir, output_dir, "--task_name=goemotions")
                   + ["--do_predict", "--do_export", "--export_dir=" + export_dir,
                      "--eval_every_steps=20"])
    return {"root": root, "data_dir": data_dir, "output_dir": output_dir,
            "export_dir": export_dir}


def read_rows(path):
    with open(path, encoding="utf-8") as reader:
        return [line.split("\t") for line in reader.read().splitlines()]


def eval_results(output_dir):
    return dict(line.split(" = ") for line in open(
        os.path.join(output_dir, "eval_results.txt")).read().splitlines())


def test_eval_results_tuned_threshold_and_history(trained):
    results = eval_results(trained["output_dir"])
    from bert.processors.multi_label import GOEMOTIONS_LABELS
    expected = {"eval_%s_%s" % (average, name) for average in ("micro", "macro")
                for name in ("precision", "recall", "f1")}
    expected |= {"eval_f1_" + label for label in GOEMOTIONS_LABELS}
    expected |= {"eval_exact_match", "eval_hamming_loss", "eval_loss",
                 "eval_threshold", "eval_tuned_threshold", "eval_tuned_macro_f1",
                 "global_step", "loss"}
    assert set(results) == expected
    assert float(results["eval_threshold"]) == 0.5
    tuned = float(results["eval_tuned_threshold"])
    saved = open(os.path.join(trained["output_dir"],
                              "multi_label_threshold.txt")).read()
    assert float(saved) == tuned and 0 < tuned < 1
    assert float(results["eval_tuned_macro_f1"]) >= float(results["eval_macro_f1"])
    assert float(results["eval_tuned_macro_f1"]) > 0.02  # it learned something
    history = read_rows(os.path.join(trained["output_dir"], "eval_history.tsv"))
    assert "eval_macro_f1" in history[0] and len(history) == 4  # steps 20, 40, 45
    best = eval_results(os.path.join(trained["output_dir"], "best"))
    column = history[0].index("eval_macro_f1")
    assert float(best["eval_macro_f1"]) == max(
        float(row[column]) for row in history[1:])


def test_predictions_are_the_labels_at_the_tuned_threshold(trained):
    output_dir = trained["output_dir"]
    tuned = np.float32(open(os.path.join(output_dir,
                                         "multi_label_threshold.txt")).read())
    probabilities = np.array(read_rows(os.path.join(output_dir, "test_results.tsv")),
                             dtype=np.float32)
    assert probabilities.shape == (GOEMOTIONS_SLICE_ROWS["test.tsv"], 28)
    rows = read_rows(os.path.join(output_dir, "test_predictions.tsv"))
    names = rows[0][2:]
    assert rows[0][:2] == ["guid", "prediction"] and len(names) == 28
    expected = [",".join(name for name, p in zip(names, row) if p >= tuned)
                for row in probabilities]
    assert [row[1] for row in rows[1:]] == expected
    assert all(0 < len(labels.split(",")) < 28 for labels in expected)


def test_classify_gives_the_label_sets_of_do_predict(trained):
    texts = [row[0] for row in read_rows(os.path.join(trained["data_dir"],
                                                      "test.tsv"))]
    process = classify(trained["export_dir"], "\n".join(texts).encode("utf-8"),
                       "--batch_size=7")
    assert process.returncode == 0, process.stderr.decode()[-2000:]
    lines = [line.split("\t") for line in process.stdout.decode().splitlines()]
    predicted = read_rows(os.path.join(trained["output_dir"], "test_predictions.tsv"))
    assert lines[0][:3] == ["text_a", "text_b", "prediction"]
    assert lines[0][3:] == predicted[0][2:]
    assert [line[2] for line in lines[1:]] == [row[1] for row in predicted[1:]]
    config = open(os.path.join(trained["export_dir"], "assets.extra",
                               "classifier_config.json")).read()
    assert '"multi_label": true' in config and '"threshold": ' in config


def test_a_later_predict_uses_the_saved_threshold_unless_given(trained):
    output_dir = trained["output_dir"]
    before = open(os.path.join(output_dir, "test_predictions.tsv")).read()
    common = ["--task_name=goemotions", "--data_dir=" + trained["data_dir"],
              "--vocab_file=" + UNCASED_VOCAB,
              "--bert_config_file=" + str(trained["root"] / "bert_config.json"),
              "--output_dir=" + output_dir, "--max_seq_length=32", "--do_predict"]
    run_in_process(*common)
    assert open(os.path.join(output_dir, "test_predictions.tsv")).read() == before
    run_in_process(*common + ["--multi_label_threshold=0.99"])
    rows = read_rows(os.path.join(output_dir, "test_predictions.tsv"))
    assert all(row[1] == "" for row in rows[1:])  # nothing is that sure


def test_per_label_thresholds_from_dev_to_predictions_and_export(trained, tmp_path):
    output_dir = str(tmp_path / "per_label")
    export_dir = str(tmp_path / "export")
    common = ["--task_name=goemotions", "--data_dir=" + trained["data_dir"],
              "--vocab_file=" + UNCASED_VOCAB,
              "--bert_config_file=" + str(trained["root"] / "bert_config.json"),
              "--output_dir=" + output_dir, "--max_seq_length=32"]
    run_in_process(*common + [
        "--init_checkpoint=" + trained["output_dir"], "--do_eval", "--do_predict",
        "--tune_threshold", "--per_label_thresholds", "--do_export",
        "--export_dir=" + export_dir])
    tuned = eval_results(output_dir)
    lines = read_rows(os.path.join(output_dir, "multi_label_threshold.txt"))
    from bert.processors.multi_label import GOEMOTIONS_LABELS
    assert [line[0] for line in lines] == list(GOEMOTIONS_LABELS)
    thresholds = np.array([line[1] for line in lines], np.float32)
    assert [float(tuned["eval_per_label_threshold_" + name])
            for name in GOEMOTIONS_LABELS] == pytest.approx(thresholds.tolist())
    assert len(set(thresholds.tolist())) > 1
    probabilities = np.array(read_rows(os.path.join(output_dir, "test_results.tsv")),
                             dtype=np.float32)
    predicted = read_rows(os.path.join(output_dir, "test_predictions.tsv"))
    assert [row[1] for row in predicted[1:]] == [
        ",".join(name for name, p, cut in zip(GOEMOTIONS_LABELS, row, thresholds)
                 if p >= cut) for row in probabilities]
    texts = [row[0] for row in read_rows(os.path.join(trained["data_dir"],
                                                      "test.tsv"))]
    process = classify(export_dir, "\n".join(texts).encode("utf-8"))
    assert process.returncode == 0, process.stderr.decode()[-2000:]
    assert [line.split("\t")[2] for line in process.stdout.decode().splitlines()[1:]
            ] == [row[1] for row in predicted[1:]]
    # A later evaluation in the folder uses the per-label thresholds.
    run_in_process(*common + ["--init_checkpoint=" + trained["output_dir"],
                              "--do_eval"])
    later = eval_results(output_dir)
    assert "eval_threshold" not in later
    assert float(later["eval_macro_f1"]) == pytest.approx(
        float(tuned["eval_per_label_macro_f1"]), abs=1e-6)


def test_own_tsv_with_the_labels_file_trains_the_same_model(trained, tmp_path):
    """--task_name=tsv --multi_label --labels_file=emotions.txt on the same
    files: the same features and seed, so the same eval_results.txt."""
    output_dir = str(tmp_path / "own")
    run_in_process(*train_args(
        trained["root"], trained["data_dir"], str(tmp_path / "named"),
        "--task_name=goemotions"))
    run_in_process(*train_args(
        trained["root"], trained["data_dir"], output_dir, "--task_name=tsv",
        "--multi_label", "--text_a_column=0", "--label_column=1",
        "--labels_file=" + os.path.join(GOEMOTIONS, "emotions.txt")))
    assert eval_results(output_dir) == eval_results(str(tmp_path / "named"))


def test_bad_multi_label_input_ends_in_one_line(trained, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "train.tsv").write_text("good text\t2\nno label here\t\n")
    with pytest.raises(InputError) as error:
        run_in_process(
            "--task_name=tsv", "--multi_label", "--text_a_column=0", "--label_column=1",
            "--label_list=a,b,c", "--data_dir=" + str(data_dir),
            "--vocab_file=" + UNCASED_VOCAB,
            "--bert_config_file=" + str(trained["root"] / "bert_config.json"),
            "--output_dir=" + str(tmp_path / "out"), "--max_seq_length=32",
            "--do_train")
    assert str(error.value).startswith(
        "%s:2: the label field is empty" % (data_dir / "train.tsv"))
    assert not (tmp_path / "out").exists()
