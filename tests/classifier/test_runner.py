"""classifier/runner.py: reruns into an output_dir, --init_checkpoint folders,
early stopping, inference in order of length (tiny random model on real
MRPC rows)."""

import json
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from bert.classifier.results import read_eval_results, read_test_results
from bert.classifier.runtime import choice
from bert.errors import InputError
from helpers import (UNCASED_VOCAB, run_classifier, run_in_process, small_mrpc,
                     tiny_config_dict)

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """Arguments of a 10-step training job on 40 MRPC rows."""
    root = tmp_path_factory.mktemp("job")
    config_file = root / "bert_config.json"
    config_file.write_text(json.dumps(tiny_config_dict()))
    return ["--task_name=MRPC", "--data_dir=" + small_mrpc(root, 40),
            "--vocab_file=" + UNCASED_VOCAB, "--bert_config_file=" + str(config_file),
            "--max_seq_length=32", "--train_batch_size=8", "--num_train_epochs=2",
            "--do_train=true"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, job):
    """The job's output_dir, trained once; tests that write there copy it."""
    output_dir = str(tmp_path_factory.mktemp("trained") / "out")
    run_classifier(*job, "--output_dir=" + output_dir)
    return output_dir


def copy_of(trained, tmp_path):
    output_dir = str(tmp_path / "out")
    shutil.copytree(trained, output_dir)
    return output_dir


def last_line(process):
    return process.stderr.strip().splitlines()[-1]


def test_rerun_of_a_finished_training_says_so_and_goes_on(tmp_path, job, trained):
    output_dir = copy_of(trained, tmp_path)
    checkpoint = os.path.join(output_dir, "model.ckpt-10.index")
    modified = os.path.getmtime(checkpoint)
    rerun = run_classifier(*job, "--output_dir=" + output_dir, "--do_eval=true")
    warnings = [line for line in rerun.stderr.splitlines()
                if "training already finished" in line]
    assert len(warnings) == 1
    assert "found step 10 of 10 planned" in warnings[0]
    assert os.path.getmtime(checkpoint) == modified
    assert os.path.exists(os.path.join(output_dir, "eval_results.txt"))


def test_rerun_with_other_training_settings_stops_naming_them(tmp_path, job, trained):
    output_dir = copy_of(trained, tmp_path)
    process = run_classifier(*job, "--output_dir=" + output_dir,
                             "--learning_rate=1e-4", "--max_seq_length=16",
                             check=False)
    assert process.returncode == 2
    line = last_line(process)
    assert line.startswith("run_classifier: error: --output_dir=" + output_dir)
    assert "--max_seq_length was 32, now 16" in line
    assert "--learning_rate was 5e-05, now 0.0001" in line
    assert "Traceback" not in process.stderr
    # Eval alone may use other settings: it trains nothing.
    run_classifier(*job[:-1], "--output_dir=" + output_dir, "--do_eval=true",
                   "--eval_batch_size=3")


def test_init_checkpoint_may_be_a_folder(tmp_path, job, trained):
    process = run_classifier(*job[:-1], "--do_eval=true",
                             "--init_checkpoint=" + trained,
                             "--output_dir=" + str(tmp_path / "eval"))
    assert "from %s/model.ckpt-10;" % trained in process.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="without a `checkpoint` file"):
        run_in_process(*job[:-1], "--do_eval=true", "--init_checkpoint=" + str(empty),
                       "--output_dir=" + str(tmp_path / "eval2"))
    assert not (tmp_path / "eval2").exists()


@pytest.mark.parametrize("runtime", (["estimator"] if choice.has_estimator()
                                     else []) + ["session", "function"])
def test_sort_by_length_gives_the_same_results_in_input_order(
        tmp_path, job, trained, runtime):
    """Evaluation and prediction shortest first: the same probabilities, row
    by row, and the same metrics (the loss, a mean over batches, aside)."""
    results = {}
    for flags in ((), ("--sort_by_length",)):
        output_dir = copy_of(trained, tmp_path / ("sorted" if flags else "plain"))
        log = run_in_process(*job[:-1], "--do_eval=true", "--do_predict=true",
                             "--predict_batch_size=4", "--eval_batch_size=4",
                             "--runtime=" + runtime, "--output_dir=" + output_dir,
                             *flags)
        assert "prediction: 40 rows in " in log
        results[bool(flags)] = (np.array(read_test_results(output_dir)),
                                read_eval_results(output_dir))
    (plain, plain_metrics), (by_length, by_length_metrics) = results[False], results[True]
    assert plain.shape == (40, 2)
    np.testing.assert_allclose(by_length, plain, atol=1e-6)
    assert by_length_metrics["eval_accuracy"] == plain_metrics["eval_accuracy"]
    assert float(by_length_metrics["eval_loss"]) == pytest.approx(
        float(plain_metrics["eval_loss"]), rel=0.05)


def test_early_stopping_after_evaluations_without_improvement(tmp_path, job):
    output_dir = str(tmp_path / "out")
    # A learning rate of 0 never improves the dev F1 after the first evaluation.
    process = run_classifier(*job, "--output_dir=" + output_dir,
                             "--eval_every_steps=2", "--early_stopping_evals=2",
                             "--learning_rate=0")
    with open(os.path.join(output_dir, "eval_history.tsv")) as reader:
        steps = [line.split("\t")[0] for line in reader.read().splitlines()[1:]]
    assert steps == ["2", "4", "6"]
    assert tf.train.latest_checkpoint(output_dir).endswith("model.ckpt-6")
    assert "early stopping: eval_f1 has not improved in 2 evaluations" in (
        process.stderr)
    assert tf.train.latest_checkpoint(
        os.path.join(output_dir, "best")).endswith("model.ckpt-2")


def test_early_stopping_needs_evaluations(tmp_path, job):
    with pytest.raises(InputError, match="--early_stopping_evals=2 needs --do_train "
                       "and --eval_every_steps"):
        run_in_process(*job, "--output_dir=" + str(tmp_path / "out"),
                       "--early_stopping_evals=2")


def test_undeclared_header_stops_in_one_line(tmp_path, tiny_config_file):
    data_dir = tmp_path / "own"
    data_dir.mkdir()
    rows = ["sentence,label"] + ["text %d,%s" % (i, "yes" if i % 2 else "no")
                                 for i in range(12)]
    (data_dir / "train.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError) as error:
        run_in_process(
            "--task_name=csv", "--text_a_column=0", "--label_column=1",
            "--data_dir=" + str(data_dir), "--vocab_file=" + UNCASED_VOCAB,
            "--bert_config_file=" + tiny_config_file, "--do_train=true",
            "--max_seq_length=32", "--output_dir=" + str(tmp_path / "out"))
    assert "train.csv:1: the label 'label' of the first row appears in no other " \
        "row: if line 1 is a header, pass --has_header" in str(error.value)
    assert not os.path.exists(str(tmp_path / "out"))
