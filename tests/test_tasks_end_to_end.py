"""Every task end to end on the real files, with a tiny random model (short runs).

Checks the examples read, the task's eval keys, and the three prediction files.
Training reads the first TRAIN_ROWS rows of a GLUE task's train file (the
whole files' example counts are test_processors.py's); dev and test are whole.
"""

import os

import numpy as np
import pytest

from helpers import GLUE, SHARED_DATA, UNCASED_VOCAB, run_in_process

pytestmark = pytest.mark.shared_data

MNLI = os.path.join(SHARED_DATA, "mnli_sample_fastnlp", "MNLI")
REFERENCE_KEYS = {"eval_loss", "global_step", "loss"}


def qnli_dir(tmp_path):
    """QNLI's real dev/test files with the 5-row train sample beside them."""
    data_dir = tmp_path / "QNLI"
    data_dir.mkdir()
    os.symlink(os.path.join(SHARED_DATA, "qnli_train_sample_fastnlp", "QNLI",
                            "train.tsv"), str(data_dir / "train.tsv"))
    for name in ("dev.tsv", "test.tsv"):
        os.symlink(os.path.join(GLUE, "QNLI", name), str(data_dir / name))
    return str(data_dir)


TRAIN_ROWS = 40


def short_train(folder):
    """A function of tmp_path: GLUE's folder with the first TRAIN_ROWS rows of
    its train file, dev and test whole."""
    def data_dir(tmp_path):
        target = tmp_path / folder
        target.mkdir()
        with open(os.path.join(GLUE, folder, "train.tsv"), encoding="utf-8",
                  newline="") as reader:
            lines = reader.read().split("\n")
        header = 0 if folder == "CoLA" else 1
        (target / "train.tsv").write_text(
            "\n".join(lines[:header + TRAIN_ROWS]) + "\n", encoding="utf-8",
            newline="")
        for name in ("dev.tsv", "test.tsv"):
            os.symlink(os.path.join(GLUE, folder, name), str(target / name))
        return str(target)
    return data_dir


# task, data dir (or a function of tmp_path), epochs, train/dev/test examples,
# eval keys beyond REFERENCE_KEYS, GLUE file name.
TASKS = [
    ("CoLA", short_train("CoLA"), 1.0, (TRAIN_ROWS, 1043, 1063),
     {"eval_accuracy", "eval_mcc"}, "CoLA.tsv"),
    ("SST-2", short_train("SST-2"), 1.0, (TRAIN_ROWS, 872, 1821),
     {"eval_accuracy"}, "SST-2.tsv"),
    ("STS-B", short_train("STS-B"), 1.0, (TRAIN_ROWS, 1500, 1379),
     {"eval_pearson", "eval_spearman"}, "STS-B.tsv"),
    ("QNLI", qnli_dir, 6.0, (5, 5463, 5463), {"eval_accuracy"}, "QNLI.tsv"),
    ("RTE", short_train("RTE"), 1.0, (TRAIN_ROWS, 277, 3000),
     {"eval_accuracy"}, "RTE.tsv"),
    ("WNLI", short_train("WNLI"), 1.0, (TRAIN_ROWS, 71, 146),
     {"eval_accuracy"}, "WNLI.tsv"),
    ("MNLI", MNLI, 6.0, (6, 5, 5),
     {"eval_accuracy", "eval_mismatched_accuracy", "eval_mismatched_loss"},
     "MNLI-m.tsv"),
    ("MNLI-MM", MNLI, 6.0, (6, 5, 5), {"eval_accuracy"}, "MNLI-mm.tsv"),
    ("XNLI", os.path.join(SHARED_DATA, "xnli_sample"), 4.0, (8, 6, 6),
     {"eval_accuracy"}, None),
]


def read_lines(path):
    with open(path, encoding="utf-8") as reader:
        return reader.read().splitlines()


@pytest.mark.parametrize("task,data_dir,epochs,counts,keys,glue_file", TASKS,
                         ids=[t[0] for t in TASKS])
def test_task(tmp_path, tiny_config_file, task, data_dir, epochs, counts, keys,
              glue_file):
    if callable(data_dir):
        data_dir = data_dir(tmp_path)
    output_dir = str(tmp_path / "out")
    glue_dir = str(tmp_path / "glue")
    args = ["--task_name=" + task, "--data_dir=" + data_dir,
            "--vocab_file=" + UNCASED_VOCAB, "--bert_config_file=" + tiny_config_file,
            "--output_dir=" + output_dir, "--max_seq_length=32",
            "--do_train=true", "--do_eval=true", "--do_predict=true",
            "--train_batch_size=4", "--eval_batch_size=64",
            "--predict_batch_size=64", "--num_train_epochs=%s" % epochs]
    if glue_file:
        args.append("--glue_submission_dir=" + glue_dir)
    log = run_in_process(*args)

    train, dev, test = counts
    assert "Num examples = %d\n" % train in log
    assert "Num examples = %d (%d actual, 0 padding)" % (dev, dev) in log
    assert "Num examples = %d (%d actual, 0 padding)" % (test, test) in log

    results = dict(line.split(" = ") for line in
                   read_lines(os.path.join(output_dir, "eval_results.txt")))
    assert set(results) == REFERENCE_KEYS | keys

    regression = task == "STS-B"
    test_results = read_lines(os.path.join(output_dir, "test_results.tsv"))
    assert len(test_results) == test
    assert all(len(line.split("\t")) == (1 if regression else
                                         3 if "NLI" in task and task not in (
                                             "QNLI", "WNLI") else 2)
               for line in test_results)

    predictions = read_lines(os.path.join(output_dir, "test_predictions.tsv"))
    assert len(predictions) == test + 1
    header = predictions[0].split("\t")
    assert header[:2] == ["guid", "prediction"]
    first = predictions[1].split("\t")
    assert first[0].startswith("test-")
    if regression:
        assert header == ["guid", "prediction"]
        assert float(first[1]) == pytest.approx(float(test_results[0]), abs=1e-5)
    else:
        labels = header[2:]
        probabilities = [float(p) for p in first[2:]]
        assert first[1] == labels[int(np.argmax(probabilities))]
        np.testing.assert_allclose(
            probabilities, [float(p) for p in test_results[0].split("\t")],
            atol=1e-5)

    if glue_file:
        submission = read_lines(os.path.join(glue_dir, glue_file))
        assert submission[0] == "index\tprediction"
        assert len(submission) == test + 1
        assert submission[1].split("\t")[0] == "0"
        assert submission[-1].split("\t")[0] == str(test - 1)
        if regression:
            assert all(0.0 <= float(row.split("\t")[1]) <= 5.0
                       for row in submission[1:])
        else:
            assert {row.split("\t")[1] for row in submission[1:]} <= set(header[2:])


def test_ax_predicts_with_an_mnli_model(tmp_path, tiny_config_file):
    common = ["--vocab_file=" + UNCASED_VOCAB, "--bert_config_file=" + tiny_config_file,
              "--max_seq_length=32", "--predict_batch_size=64"]
    mnli_out = str(tmp_path / "mnli")
    run_in_process("--task_name=mnli", "--data_dir=" + MNLI, "--do_train=true",
                   "--train_batch_size=2", "--output_dir=" + mnli_out, *common)
    glue_dir = str(tmp_path / "glue")
    run_in_process("--task_name=AX", "--do_predict=true",
                   "--data_dir=" + os.path.join(GLUE, "diagnostic"),
                   "--init_checkpoint=" + os.path.join(mnli_out, "model.ckpt-9"),
                   "--output_dir=" + str(tmp_path / "ax"),
                   "--glue_submission_dir=" + glue_dir, *common)
    submission = read_lines(os.path.join(glue_dir, "AX.tsv"))
    assert len(submission) == 1104 + 1
    assert {row.split("\t")[1] for row in submission[1:]} <= {
        "contradiction", "entailment", "neutral"}
