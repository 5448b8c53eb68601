"""sweep/trials.py: a run's command line, and why a run failed, read as data."""

import json
import os
import sys

from bert.sweep import trials
from helpers import REPO


def test_the_command_runs_run_classifier_into_the_jobs_folder():
    job = trials.Job("MRPC lr2e-05_r1", "/out/MRPC/lr2e-05_r1",
                     ["--task_name=MRPC"], "eval_results.txt")
    command = trials.command(job)
    assert command[1] == os.path.join(REPO, "run_classifier.py")
    assert command[2:] == ["--task_name=MRPC", "--output_dir=/out/MRPC/lr2e-05_r1"]


def test_an_installed_package_runs_run_classifier_as_its_module(
        tmp_path, monkeypatch):
    monkeypatch.setattr(trials, "_PACKAGE_PARENT", str(tmp_path))
    assert trials.run_classifier_command() == [
        sys.executable, "-m", "bert.run_classifier"]


def test_a_bad_input_failure_is_its_message(tmp_path):
    (tmp_path / trials.LOG_FILE).write_text(
        "I1201 phases.py] training\nrun_classifier: error: --data_dir=x is not "
        "a directory\n")
    (tmp_path / trials.ERROR_FILE).write_text(json.dumps(
        {"program": "run_classifier", "error": "--data_dir=x is not a directory"}))
    assert trials.failure(str(tmp_path)) == "--data_dir=x is not a directory"


def test_a_crash_is_the_last_line_of_its_log(tmp_path):
    (tmp_path / trials.LOG_FILE).write_text(
        "Traceback (most recent call last):\n  ...\nMemoryError\n\n")
    assert trials.failure(str(tmp_path)) == "MemoryError"
    (tmp_path / trials.LOG_FILE).write_text("")
    assert trials.failure(str(tmp_path)) == "no output"


def test_read_status(tmp_path):
    assert trials.read_status(str(tmp_path)) is None
    (tmp_path / trials.STATUS_FILE).write_text('{"status": "done"}')
    assert trials.read_status(str(tmp_path)) == {"status": "done"}
