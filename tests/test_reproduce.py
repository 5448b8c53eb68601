"""reproduce.py end to end: tiny random BERT on small copies of real GLUE
tasks and the XNLI sample; selection, tables, zip, resume after SIGKILL."""

import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from bert.classifier import results
from helpers import GLUE, REPO, SHARED_DATA, small_glue_copy

pytestmark = pytest.mark.shared_data


def reproduce_command(*args):
    return [sys.executable, os.path.join(REPO, "reproduce.py")] + list(args)


def reproduce(*args, check=True):
    process = subprocess.run(reproduce_command(*args), cwd=REPO,
                             capture_output=True, text=True, timeout=1200)
    if check and process.returncode != 0:
        raise AssertionError(process.stderr[-4000:])
    return process


@pytest.fixture(scope="module")
def glue_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("data") / "glue"
    small_glue_copy(root, "MRPC", 40)
    small_glue_copy(root, "STS-B", 40)
    small_glue_copy(root, "WNLI", 1000)  # WNLI whole: 635 / 71 / 146 rows
    return str(root)


def sweep_args(glue_root, tiny_bert_dir, output_dir, *extra):
    return ["--data_dir=" + glue_root, "--bert_dir=" + tiny_bert_dir,
            "--output_dir=" + output_dir, "--learning_rates=1e-3,1e-4",
            "--num_train_epochs=2", "--train_batch_size=8", "--max_seq_length=32",
            "--random_seed=1"] + list(extra)


def tsv_rows(path):
    with open(path) as reader:
        lines = [line.split("\t") for line in reader.read().splitlines()]
    return [dict(zip(lines[0], line)) for line in lines[1:]]


@pytest.fixture(scope="module")
def glue_sweep(tmp_path_factory, glue_root, tiny_bert_dir):
    """(output folder, stderr) of a sweep of MRPC and STS-B, two learning
    rates each, and WNLI's majority class."""
    output_dir = str(tmp_path_factory.mktemp("glue_sweep") / "sweep")
    process = reproduce(*sweep_args(glue_root, tiny_bert_dir, output_dir))
    return output_dir, process.stderr


@pytest.mark.slow
def test_glue_sweep_tables_zip_and_selection(glue_sweep):
    output_dir, log = glue_sweep
    assert "MRPC lr0.001_r1: starting: " in log
    rows = tsv_rows(os.path.join(output_dir, "results.tsv"))
    assert [(row["group"], row["trial"]) for row in rows] == [
        ("MRPC", "lr0.001_r1"), ("MRPC", "lr0.0001_r1"),
        ("STS-B", "lr0.001_r1"), ("STS-B", "lr0.0001_r1")]
    for row in rows:
        own = results.read_eval_results(
            os.path.join(output_dir, row["group"], row["trial"]))
        assert own and all(row[key] == value for key, value in own.items())
        assert row["status"] == "done" and float(row["wall_seconds"]) > 0
    for group, metric in (("MRPC", "eval_f1"), ("STS-B", "eval_pearson")):
        members = [row for row in rows if row["group"] == group]
        best = max(members, key=lambda row: float(row[metric]))
        assert [row["chosen"] for row in members].count("yes") == 1
        assert best["chosen"] == "yes"
    with zipfile.ZipFile(os.path.join(output_dir, "glue_submission.zip")) as archive:
        assert sorted(archive.namelist()) == ["MRPC.tsv", "STS-B.tsv", "WNLI.tsv"]
        counts = {name: len(archive.read(name).decode().splitlines()) - 1
                  for name in archive.namelist()}
    assert counts == {"MRPC.tsv": 40, "STS-B.tsv": 40, "WNLI.tsv": 146}
    markdown = open(os.path.join(output_dir, "results.md")).read()
    assert "| WNLI | majority class" in markdown
    assert "**incomplete**" in markdown and "CoLA.tsv" in markdown
    assert "CoLA (no data)" in markdown


def test_bad_input_stops_before_any_trial(tmp_path, glue_root, tiny_bert_dir):
    """As the command ends (exit status 2, one line, no trial, nothing
    written): a bad plan and a bad model folder. The plan's other messages
    are checked in-process in tests/sweep/test_plan.py."""
    output_dir = str(tmp_path / "sweep")
    cases = [
        (["--tasks=MRPC,SQuAD"], "unknown GLUE task 'SQuAD'"),
        (["--bert_dir=" + str(tmp_path)], "vocab.txt does not exist"),
    ]
    for extra, message in cases:
        process = reproduce(*sweep_args(glue_root, tiny_bert_dir, output_dir),
                            *extra, check=False)
        assert process.returncode == 2, process.stderr[-2000:]
        assert message in process.stderr.strip().splitlines()[-1]
        assert "starting:" not in process.stderr
        assert not os.path.exists(output_dir)


@pytest.mark.slow
def test_killed_sweep_resumes_to_the_same_results(tmp_path, glue_root, tiny_bert_dir,
                                                  glue_sweep):
    """MRPC's trials killed in the second, then resumed: the rows that the
    whole sweep (glue_sweep) wrote for MRPC."""
    args = ["--tasks=MRPC"]
    output_dir = str(tmp_path / "killed")
    sweep = subprocess.Popen(
        reproduce_command(*sweep_args(glue_root, tiny_bert_dir, output_dir, *args)),
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    second_log = os.path.join(output_dir, "MRPC", "lr0.0001_r1",
                              "run_classifier.log")
    deadline = time.time() + 300
    while time.time() < deadline and not (
            os.path.exists(second_log) and os.path.getsize(second_log) > 2000):
        time.sleep(0.2)
    os.killpg(sweep.pid, signal.SIGKILL)  # the sweep and its running trial
    sweep.wait()
    assert not os.path.exists(os.path.join(output_dir, "results.tsv"))
    first_checkpoint = os.path.join(output_dir, "MRPC", "lr0.001_r1",
                                    "model.ckpt-10.index")
    modified = os.path.getmtime(first_checkpoint)

    process = reproduce(*sweep_args(glue_root, tiny_bert_dir, output_dir, *args))
    assert "MRPC lr0.001_r1: done already, not run again" in process.stderr
    assert os.path.getmtime(first_checkpoint) == modified
    resumed = tsv_rows(os.path.join(output_dir, "results.tsv"))
    expected = [row for row in tsv_rows(os.path.join(glue_sweep[0], "results.tsv"))
                if row["group"] == "MRPC"]
    assert len(expected) == 2

    def filled(row):  # the whole sweep's table has STS-B's columns too
        return {key: value for key, value in row.items()
                if value and key != "wall_seconds"}
    assert [filled(row) for row in resumed] == [filled(row) for row in expected]


def test_xnli_zero_shot_on_the_sample(tmp_path, tiny_bert_dir):
    output_dir = str(tmp_path / "xnli")
    reproduce("--benchmark=xnli", "--xnli_protocol=zero_shot",
              "--data_dir=" + os.path.join(SHARED_DATA, "xnli_sample"),
              "--mnli_data_dir=" + os.path.join(SHARED_DATA, "mnli_sample_fastnlp",
                                                "MNLI"),
              "--bert_dir=" + tiny_bert_dir, "--output_dir=" + output_dir,
              "--learning_rates=1e-3", "--train_batch_size=2",
              "--max_seq_length=32")
    rows = tsv_rows(os.path.join(output_dir, "xnli_results.tsv"))
    assert [row["language"] for row in rows] == ["zh"]
    assert 0.0 <= float(rows[0]["dev"]) <= 1.0
    assert 0.0 <= float(rows[0]["test"]) <= 1.0
    assert "| zh |" in open(os.path.join(output_dir, "results.md")).read()
    assert GLUE  # the GLUE folder sits beside the sample
