"""Faults: killed runs, concurrent runs, stale locks, divergence, bad inputs.

Each case here is a row of docs/errors.md's "What happens when ..." table.
"""

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from bert.classifier import checkpoint_check
from bert.classifier.runtime import choice
from bert.errors import InputError
from helpers import (FIXTURE_CKPT_DIR, GLUE, REPO, UNCASED_VOCAB, fill_disk,
                     run_classifier, run_in_process, small_mrpc, tiny_config_dict)

pytestmark = pytest.mark.shared_data


def job_args(data_dir, config_file):
    """Arguments of a small training job (40 examples, batch 4, 6 epochs = 60
    steps, a checkpoint every 5 steps) minus --output_dir."""
    return ["--task_name=MRPC", "--data_dir=" + data_dir,
            "--vocab_file=" + UNCASED_VOCAB, "--bert_config_file=" + config_file,
            "--max_seq_length=32", "--train_batch_size=4", "--num_train_epochs=6",
            "--save_checkpoints_steps=5", "--do_train=true", "--do_eval=true",
            "--do_predict=true"]


@pytest.fixture
def job(tmp_path, tiny_config_file):
    """job_args on the test's own copy of the data, which it may change."""
    return job_args(small_mrpc(tmp_path, 40), tiny_config_file)


@pytest.fixture(scope="module")
def shared_job(tmp_path_factory):
    """job_args on data that no test changes, for trained_copy."""
    root = tmp_path_factory.mktemp("shared_job")
    config_file = root / "bert_config.json"
    config_file.write_text(json.dumps(tiny_config_dict()))
    return job_args(small_mrpc(root, 40), str(config_file))


@pytest.fixture(scope="module")
def trained_copy(tmp_path_factory, shared_job):
    """A function (runtime, target folder) that copies there the output folder
    of shared_job's ten_steps on that runtime, trained once in the module."""
    trained = {}

    def copy(runtime, target):
        if runtime not in trained:
            trained[runtime] = tmp_path_factory.mktemp("trained_" + runtime) / "out"
            run_in_process(*ten_steps(shared_job, runtime),
                           "--output_dir=%s" % trained[runtime])
        shutil.copytree(str(trained[runtime]), str(target))
    return copy


def start(args):
    return subprocess.Popen([sys.executable, os.path.join(REPO, "run_classifier.py")]
                            + args, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def read_results(output_dir):
    with open(os.path.join(output_dir, "eval_results.txt")) as reader:
        return dict(line.split(" = ") for line in reader.read().splitlines())


@pytest.mark.slow
def test_killed_three_times_then_rerun_finishes_the_plan(tmp_path, job):
    reference_dir = str(tmp_path / "never_killed")
    run_in_process(*job, "--output_dir=" + reference_dir)
    reference = read_results(reference_dir)

    output_dir = str(tmp_path / "killed")
    seed = random.randrange(10 ** 6)
    rng = random.Random(seed)
    kill_times = [rng.uniform(3.0, 14.0) for _ in range(3)]
    for delay in kill_times:
        process = start(job + ["--output_dir=" + output_dir])
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
    run_classifier(*job, "--output_dir=" + output_dir)

    message = "seed %d, kills after %s s" % (seed, ["%.1f" % t for t in kill_times])
    assert tf.train.latest_checkpoint(output_dir).endswith("model.ckpt-60"), message
    results = read_results(output_dir)
    assert sorted(results) == sorted(reference), message
    assert results["global_step"] == reference["global_step"] == "60", message
    with open(os.path.join(output_dir, "test_results.tsv")) as reader:
        assert len(reader.read().splitlines()) == 40, message


def test_second_run_on_the_same_output_dir_stops(tmp_path, job):
    output_dir = str(tmp_path / "out")
    long_job = [a for a in job if not a.startswith("--num_train_epochs")]
    first = start(long_job + ["--num_train_epochs=500", "--output_dir=" + output_dir])
    try:
        lock = os.path.join(output_dir, "run_classifier.lock")
        deadline = time.time() + 120
        while not os.path.exists(lock) and time.time() < deadline:
            time.sleep(0.2)
        assert os.path.exists(lock), first.stderr.read().decode()[-2000:]
        second = run_classifier(*job, "--output_dir=" + output_dir, check=False)
        assert second.returncode != 0
        last = second.stderr.strip().splitlines()[-1]
        assert "--output_dir is in use by process %d on " % first.pid in last
    finally:
        first.kill()
        first.wait()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path, job):
    output_dir = tmp_path / "out"
    output_dir.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (output_dir / "run_classifier.lock").write_text(
        "%d %s 2026-01-01T00:00:00\n" % (dead.pid, socket.gethostname()))
    process = run_classifier(*[a for a in job if a != "--do_predict=true"],
                             "--num_train_epochs=1", "--output_dir=" + str(output_dir))
    assert "taking over" in process.stderr
    assert not (output_dir / "run_classifier.lock").exists()


def test_diverging_training_stops_naming_the_step(tmp_path, job):
    output_dir = str(tmp_path / "out")
    process = run_classifier(*job, "--learning_rate=1e30", "--output_dir=" + output_dir,
                             check=False)
    assert process.returncode != 0
    last = process.stderr.strip().splitlines()[-1]
    assert "training diverged: the loss is not finite (NaN or inf) at step" in last
    checkpoint = tf.train.latest_checkpoint(output_dir)
    reader = tf.train.load_checkpoint(checkpoint)
    for name in reader.get_variable_to_shape_map():
        assert np.all(np.isfinite(reader.get_tensor(name))), name
    assert not os.path.exists(os.path.join(output_dir, "eval_results.txt"))


def expect_error(args, message):
    """The run, in this process, stops with message (the command's one line,
    test_one_malformed_line_writes_nothing shows, says the same)."""
    with pytest.raises(InputError) as error:
        run_in_process(*args)
    assert message in str(error.value)


def test_one_malformed_line_writes_nothing(tmp_path, job):
    """The command: exit status 2, one line, no traceback, nothing written."""
    data_dir = [a for a in job if a.startswith("--data_dir=")][0].split("=", 1)[1]
    with open(os.path.join(data_dir, "test.tsv"), "a") as writer:
        writer.write("7\t1\t2\tonly four columns\n")
    output_dir = tmp_path / "out"
    process = run_classifier(*job, "--output_dir=" + str(output_dir), check=False)
    assert process.returncode == 2
    assert process.stderr.strip().splitlines()[-1] == (
        "run_classifier: error: %s/test.tsv:42: row has 4 column(s), column 4 is "
        "needed: check that the file is tab-separated and is the task's file"
        % data_dir)
    assert "Traceback" not in process.stderr
    assert not output_dir.exists()


def test_header_where_none_is_expected(tmp_path, tiny_config_file):
    data_dir = tmp_path / "CoLA"
    data_dir.mkdir()
    with open(os.path.join(GLUE, "CoLA", "train.tsv"), encoding="utf-8") as reader:
        rows = reader.read().splitlines()[:20]
    (data_dir / "train.tsv").write_text(
        "source\tlabel\tmark\tsentence\n" + "\n".join(rows) + "\n")
    expect_error(["--task_name=cola", "--do_train", "--data_dir=" + str(data_dir),
                  "--vocab_file=" + UNCASED_VOCAB,
                  "--bert_config_file=" + tiny_config_file, "--max_seq_length=32",
                  "--output_dir=" + str(tmp_path / "out")],
                 "train.tsv:1: label 'label' in column 1 is not one of the task's "
                 "labels 0, 1 (is line 1 a header? this file should have none)")


def test_empty_data_file(tmp_path, job):
    data_dir = [a for a in job if a.startswith("--data_dir=")][0].split("=", 1)[1]
    with open(os.path.join(data_dir, "dev.tsv"), "w") as writer:
        writer.write("Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n")
    expect_error(job + ["--output_dir=" + str(tmp_path / "out")],
                 "dev.tsv: no examples in the file")


def test_vocab_without_special_tokens(tmp_path, job):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n[UNK]\nthe\n")
    expect_error(job + ["--vocab_file=" + str(vocab),
                        "--output_dir=" + str(tmp_path / "out")],
                 "lacks the token(s) [CLS] [SEP]: use the model's vocab.txt")


def test_checkpoint_that_does_not_fit_the_config(tmp_path, job):
    expect_error(job + ["--init_checkpoint=" + os.path.join(
        FIXTURE_CKPT_DIR, "bert_model.ckpt"), "--output_dir=" + str(tmp_path / "o")],
        "bert/embeddings/LayerNorm/beta has shape [4] in the checkpoint, [32] by "
        "the config")


@pytest.mark.parametrize("change,message", [
    ({"num_attention_heads": 5}, "hidden_size 32 is not a multiple of "
                                 "num_attention_heads 5"),
    ({"hidden_size": "32"}, "key 'hidden_size' is '32', expected a int"),
])
def test_bad_config_values(tmp_path, job, change, message):
    values = tiny_config_dict()
    values.update(change)
    config = tmp_path / "config.json"
    config.write_text(json.dumps(values))
    expect_error(job + ["--bert_config_file=" + str(config),
                        "--output_dir=" + str(tmp_path / "o")], message)


def test_output_dir_that_is_a_file(tmp_path, job):
    path = tmp_path / "a_file"
    path.write_text("x")
    expect_error(job + ["--output_dir=" + str(path)],
                 "is a file, not a directory")


def test_negative_epochs(tmp_path, job):
    expect_error(job + ["--num_train_epochs=-1", "--output_dir=" + str(tmp_path)],
                 "--num_train_epochs=-1.0 must not be negative")


# Each TensorFlow line's default runtime (estimator on 2.15, session on 2.16+)
# and the function runtime.
RUNTIMES = [choice.resolve("auto"), "function"]


def ten_steps(job, runtime):
    """job cut to one epoch: 10 steps, checkpoints 0, 5 and 10."""
    return [a for a in job if not a.startswith("--num_train_epochs")] + [
        "--num_train_epochs=1", "--runtime=" + runtime]


def cut(path, size):
    with open(path, "r+b") as file:
        file.truncate(size)


DATA = ".data-00000-of-00001"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_damaged_init_checkpoint_stops_before_anything_is_written(
        tmp_path, job, tiny_bert_dir, runtime):
    checkpoint = tmp_path / "model" / "bert_model.ckpt"
    shutil.copytree(tiny_bert_dir, str(checkpoint.parent))
    cut(str(checkpoint) + DATA, 4096)
    output_dir = tmp_path / "out"
    process = run_classifier(*job, "--init_checkpoint=%s" % checkpoint,
                             "--runtime=" + runtime, "--output_dir=%s" % output_dir,
                             check=False)
    assert process.returncode == 2
    assert process.stderr.splitlines()[-1].startswith(
        "run_classifier: error: --init_checkpoint=%s is damaged: %s%s is cut "
        "short: 4096 bytes, but " % (checkpoint, checkpoint, DATA))
    assert "Traceback" not in process.stderr
    assert not output_dir.exists()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_damaged_newest_checkpoint_is_set_aside(tmp_path, shared_job, trained_copy,
                                                  runtime):
    """Training resumes from the checkpoint before it and finishes the plan;
    once training is done, evaluation takes that one."""
    output_dir = tmp_path / "out"
    args = ten_steps(shared_job, runtime) + ["--output_dir=%s" % output_dir]
    trained_copy(runtime, output_dir)
    newest = str(output_dir / "model.ckpt-10")
    cut(newest + DATA, 1000)
    log = run_in_process(*args)
    assert "checkpoint model.ckpt-10 is damaged (%s%s is cut short: 1000 bytes" % (
        newest, DATA) in log
    assert "resuming training at step 5 of 10" in log
    assert tf.train.latest_checkpoint(str(output_dir)) == newest
    assert checkpoint_check.damage(newest) is None
    assert os.path.getsize(str(output_dir / "damaged" / ("model.ckpt-10" + DATA))) == 1000

    cut(newest + DATA, 1000)
    run_in_process(*[a for a in args if a != "--do_train=true"])
    assert read_results(str(output_dir))["global_step"] == "5"


def assert_one_line(process, start):
    """The run stopped with exit status 2 and one line that starts so."""
    assert process.returncode == 2, process.stderr[-3000:]
    assert "Traceback" not in process.stderr
    errors = [line for line in process.stderr.splitlines()
              if line.startswith("run_classifier: error: ")]
    assert len(errors) == 1 and process.stderr.splitlines()[-1] == errors[0]
    assert errors[0].startswith("run_classifier: error: " + start), errors[0]
    return errors[0]


def assert_nothing_half_written(output_dir):
    """No temporary file is left; the `checkpoint` file, if any, names a
    whole checkpoint."""
    names = os.listdir(str(output_dir))
    assert not [name for name in names
                if re.search(r"\.tmp|_temp|tempstate", name)], names
    if "checkpoint" in names:
        newest = tf.train.latest_checkpoint(str(output_dir))
        assert newest and checkpoint_check.damage(newest) is None


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_full_disk_while_a_checkpoint_is_written(small_disk, job, runtime):
    """22 MB: the first checkpoint (12 to 13 MB, and the graph's files) fits,
    the second or the third does not."""
    output_dir = small_disk / "out"
    fill_disk(small_disk, 22 * 2 ** 20)
    process = run_classifier(*ten_steps(job, runtime),
                             "--output_dir=%s" % output_dir, check=False)
    line = assert_one_line(process, "could not write model.ckpt-")
    assert " in %s: the disk is full (" % output_dir in line
    newest = re.search(r"; the newest whole checkpoint is (model.ckpt-[05]) "
                       r"\(1[23]\.\d MB\)$", line)
    assert newest, line
    assert tf.train.latest_checkpoint(str(output_dir)) == str(
        output_dir / newest.group(1))
    assert_nothing_half_written(output_dir)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_full_disk_while_features_are_written(small_disk, job, runtime):
    """Two pages: for the lock and run_config.json, not for the features."""
    output_dir = small_disk / "out"
    fill_disk(small_disk, 8192)
    process = run_classifier(*ten_steps(job, runtime),
                             "--output_dir=%s" % output_dir, check=False)
    assert_one_line(process, "could not write eval.tf_record in %s: the disk is "
                    "full (0 bytes free)" % output_dir)
    assert sorted(os.listdir(str(output_dir))) == ["run_config.json"]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_full_disk_while_results_are_written(tmp_path, small_disk, shared_job,
                                               trained_copy, runtime):
    """A trained folder with its prediction features, and a page for the lock."""
    trained = tmp_path / "trained"
    trained_copy(runtime, trained)
    output_dir = small_disk / "out"
    output_dir.mkdir()
    for name in os.listdir(str(trained)):
        if name.startswith(("checkpoint", "model.ckpt-10", "predict.tf_record",
                            "run_config")):
            shutil.copy(str(trained / name), str(output_dir / name))
    before = sorted(os.listdir(str(output_dir)))
    fill_disk(small_disk, 4096)
    process = run_classifier(
        *[a for a in ten_steps(shared_job, runtime)
          if a not in ("--do_train=true", "--do_eval=true")],
        "--output_dir=%s" % output_dir, check=False)
    assert_one_line(process, "could not write test_results.tsv in %s: the disk is "
                    "full (about " % output_dir)
    assert sorted(os.listdir(str(output_dir))) == before


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_tensorflow_error_in_the_graph_ends_in_one_line(tmp_path, shared_job,
                                                          trained_copy, runtime):
    """A feature file damaged inside (its size kept, so the cache reuses it):
    the graph's DataLossError, the file named, the traceback in a file."""
    output_dir = tmp_path / "out"
    args = ten_steps(shared_job, runtime) + ["--output_dir=%s" % output_dir]
    trained_copy(runtime, output_dir)
    record_file = output_dir / "eval.tf_record"
    records = bytearray(record_file.read_bytes())
    records[100:200] = bytes(255 - byte for byte in records[100:200])
    record_file.write_bytes(bytes(records))
    process = run_classifier(*[a for a in args if a not in (
        "--do_train=true", "--do_predict=true")], check=False)
    traceback_file = output_dir / "run_classifier_traceback.txt"
    assert_one_line(process, "while evaluating with %s: DataLossError: corrupted "
                    "record at 12 (the traceback is in %s)" % (record_file,
                                                               traceback_file))
    assert "DataLossError" in traceback_file.read_text()
