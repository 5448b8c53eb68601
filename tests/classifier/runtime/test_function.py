"""classifier/runtime/function.py, called directly on a tiny BERT (training
to max_steps and resuming, checkpoints kept, evaluation and prediction, the
XLA-compiled multi-step form); its checkpoints against the other runtimes'
through run_classifier on real MRPC; and how a run picks it."""

import dataclasses
import gc
import glob
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from bert.classifier.data.input_pipeline import input_fn_builder
from bert.classifier.run_config import RunConfig
from bert.classifier.runtime import choice, distribution, make
from bert.classifier.runtime.function import FunctionRuntime
from bert.classifier.runtime.session import SessionRuntime
from bert.classifier.task import resolve_task
from helpers import (UNCASED_VOCAB, classify, goemotions_slice, run_classifier,
                     run_in_process, small_glue_copy, small_mrpc, tiny_config_dict)
from runtime_helpers import (BATCH_SIZE, SEQ_LENGTH, Steps,
                             check_evaluate_and_predict, make_session_runtime,
                             steps_of, tiny_features, tiny_spec_fn)
from bert import modeling
from bert.processors import get_processor


def make_runtime(model_dir, **options):
    return FunctionRuntime(tiny_spec_fn(), str(model_dir), BATCH_SIZE, BATCH_SIZE,
                           BATCH_SIZE, random_seed=3, **options)


def event_tags(folder):
    return {value.tag for path in glob.glob(str(folder / "events.out.tfevents.*"))
            for event in tf.compat.v1.train.summary_iterator(path)
            for value in event.summary.value}


def test_trains_to_max_steps_resumes_and_keeps_the_newest_checkpoints(tmp_path):
    runtime = make_runtime(tmp_path, save_checkpoints_steps=1,
                           keep_checkpoint_max=2)
    train = input_fn_builder(tiny_features(12), SEQ_LENGTH, True, True)
    assert runtime.latest_checkpoint() is None
    steps = Steps()
    loss = runtime.train(train, max_steps=3, listeners=[steps])
    assert 0.0 < loss < 2.0
    assert steps.calls == [("start", 0), ("record", 1), ("record", 2),
                           ("record", 3), ("finish", 3)]
    assert runtime.latest_checkpoint().endswith("model.ckpt-3")
    runtime.train(train, max_steps=5)
    assert runtime.latest_checkpoint().endswith("model.ckpt-5")
    # The Saver of the second call knew the first call's checkpoints.
    assert steps_of(tmp_path) == [4, 5]
    assert runtime.train(train, max_steps=5) is None  # nothing left to do
    assert {"global_step/sec", "examples/sec"} <= event_tags(tmp_path)


def test_checkpoints_hold_the_release_names_and_the_same_seed_same_values(tmp_path):
    train = input_fn_builder(tiny_features(12), SEQ_LENGTH, True, True)
    for name in ("a", "b"):
        make_runtime(tmp_path / name).train(train, max_steps=2)
    first = tf.train.load_checkpoint(str(tmp_path / "a" / "model.ckpt-2"))
    second = tf.train.load_checkpoint(str(tmp_path / "b" / "model.ckpt-2"))
    names = sorted(first.get_variable_to_shape_map())
    # The names and shapes of the session runtime's checkpoint: the release's.
    make_session_runtime(tmp_path / "session").train(train, max_steps=2)
    session = tf.train.load_checkpoint(str(tmp_path / "session" / "model.ckpt-2"))
    assert first.get_variable_to_shape_map() == session.get_variable_to_shape_map()
    assert "bert/embeddings/word_embeddings/adam_m" in names
    for name in names:
        np.testing.assert_array_equal(first.get_tensor(name),
                                      second.get_tensor(name), err_msg=name)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_evaluate_and_predict_on_the_newest_checkpoint(tmp_path, jit_compile):
    # jit_compile with 3 steps per call: the TPU's form of the step, on CPU.
    runtime = make_runtime(tmp_path, jit_compile=jit_compile,
                           steps_per_call=3 if jit_compile else 1)
    features = tiny_features(10)
    runtime.train(input_fn_builder(features, SEQ_LENGTH, True, True), max_steps=4)
    assert runtime.latest_checkpoint().endswith("model.ckpt-4")
    check_evaluate_and_predict(runtime, features, tmp_path, 4)


def test_without_a_checkpoint_it_evaluates_the_initial_weights(tmp_path):
    runtime = make_runtime(tmp_path)
    evaluation = input_fn_builder(tiny_features(8), SEQ_LENGTH, False, False)
    assert runtime.evaluate(evaluation)["global_step"] == 0
    assert len(list(runtime.predict(evaluation))) == 8


def test_a_second_training_in_one_process_with_fused_kernels(tmp_path):
    """The compiled Adam kernel, cached per input signature, holds no
    variable of the training before (a notebook or bench.py trains twice in
    one process): the word-embedding table is large enough for it."""
    train = input_fn_builder(tiny_features(8), SEQ_LENGTH, True, True)
    for run in ("first", "second"):
        runtime = FunctionRuntime(
            tiny_spec_fn(vocab_size=30522, fused_kernels=True),
            str(tmp_path / run), BATCH_SIZE, BATCH_SIZE, BATCH_SIZE, random_seed=3)
        assert 0.0 < runtime.train(train, max_steps=2) < 2.0
        del runtime
        gc.collect()  # the first training's variables are gone


def test_cls_only_last_layer_trains_and_predicts_as_the_whole_layer(tmp_path):
    """--fast's [CLS]-only last layer in the function runtime's tf.function
    (which runs only what its outputs need) and the session runtime's graph:
    trained with it, a checkpoint predicts the same probabilities with the
    whole last layer, in either runtime."""
    features = tiny_features(10)
    FunctionRuntime(tiny_spec_fn(fused_kernels=True, cls_only_last_layer=True),
                    str(tmp_path), BATCH_SIZE, BATCH_SIZE, BATCH_SIZE,
                    random_seed=3).train(
        input_fn_builder(features, SEQ_LENGTH, True, True), max_steps=2)
    evaluation = input_fn_builder(features, SEQ_LENGTH, False, False)
    probabilities = {}
    for runtime_class in (FunctionRuntime, SessionRuntime):
        for cls_only in (True, False):
            runtime = runtime_class(
                tiny_spec_fn(cls_only_last_layer=cls_only), str(tmp_path),
                BATCH_SIZE, BATCH_SIZE, BATCH_SIZE)
            probabilities[runtime_class, cls_only] = np.array(
                [p["probabilities"] for p in runtime.predict(evaluation)])
    whole = probabilities[FunctionRuntime, False]
    assert whole.shape == (10, 2)
    for key, values in probabilities.items():
        np.testing.assert_allclose(values, whole, atol=1e-5, err_msg=str(key))


def test_which_runtime_runs():
    estimator = choice.has_estimator()
    assert choice.resolve("auto") == ("estimator" if estimator else "session")
    for options in ({"multi_worker": True}, {"use_tpu": True}):
        assert choice.resolve("auto", **options) == (
            "estimator" if estimator else "function")
    assert choice.resolve("function") == "function"
    assert choice.resolve("session", use_tpu=True) == "session"


def test_the_tpu_form_of_the_step():
    """What a TPU needs that a CPU does not: one-hot lookups, fixed shapes,
    the step compiled whole, iterations_per_loop steps per call, inference on
    the TPU too; and the resolver's arguments."""
    config = RunConfig(task_name="MRPC", data_dir=".", vocab_file="v",
                       bert_config_file="c", output_dir="o", runtime="function",
                       use_tpu=True, iterations_per_loop=50)
    assert not config.pads_dynamically
    arguments = make.model_arguments(
        config, modeling.BertConfig(vocab_size=99),
        resolve_task(config, get_processor("MRPC")), 10, 1)
    assert arguments["use_tpu"] and arguments["use_one_hot_embeddings"]
    runtime = make.make_function_runtime(config, arguments, strategy=None)
    assert runtime._jit_compile and runtime._steps_per_call == 50
    assert runtime._infer_on_strategy
    cpu = make.make_function_runtime(
        dataclasses.replace(config, use_tpu=False), arguments, strategy=None)
    assert not cpu._jit_compile and cpu._steps_per_call == 1
    assert distribution.tpu_resolver_arguments(None, None, None) == {
        "tpu": "local", "zone": None, "project": None}
    assert distribution.tpu_resolver_arguments("my-tpu", "us-central2-b", "p") == {
        "tpu": "my-tpu", "zone": "us-central2-b", "project": "p"}


def task_args(tmp_path, task, output_dir, runtime, *extra):
    """run_classifier's flags for a tiny model on a few real rows of task."""
    config_file = tmp_path / "bert_config.json"
    if not config_file.exists():
        config_file.write_text(json.dumps(tiny_config_dict()))
    folder = {"goemotions": "goemotions"}.get(task, task)
    data_dir = tmp_path / folder
    if not data_dir.exists():
        if task == "MRPC":
            small_mrpc(tmp_path, 40)
        elif task == "goemotions":
            goemotions_slice(tmp_path)
        else:
            small_glue_copy(tmp_path, folder, 40)
    return ["--task_name=" + task, "--data_dir=" + str(data_dir),
            "--vocab_file=" + UNCASED_VOCAB, "--bert_config_file=" + str(config_file),
            "--output_dir=" + str(output_dir), "--max_seq_length=32",
            "--train_batch_size=8", "--eval_batch_size=8", "--predict_batch_size=8",
            "--num_train_epochs=1", "--save_checkpoints_steps=5",
            "--random_seed=1", "--runtime=" + runtime] + list(extra)


def mrpc_args(tmp_path, output_dir, runtime, *extra):
    return task_args(tmp_path, "MRPC", output_dir, runtime, *extra)


RESULT_FILES = ("eval_results.txt", "test_results.tsv", "test_predictions.tsv",
                "multi_label_threshold.txt")


def result_files(output_dir):
    return {name: (output_dir / name).read_bytes() for name in RESULT_FILES
            if (output_dir / name).exists()}


def the_other_runtimes():
    return ["session"] + (["estimator"] if choice.has_estimator() else [])


# Each task's metrics: accuracy and F1, MCC, Pearson/Spearman (regression),
# multi-label F1s with tuned per-label thresholds.
@pytest.mark.shared_data
@pytest.mark.parametrize("task,extra", [
    ("MRPC", ()), ("CoLA", ()), ("STS-B", ()),
    ("goemotions", ("--tune_threshold", "--per_label_thresholds"))])
def test_a_checkpoint_of_any_runtime_evaluates_the_same_in_any_other(
        tmp_path, task, extra):
    """Trained by one runtime, evaluated and predicted by each: the same
    result files; for MRPC both ways."""
    trainers = ["function"] + (the_other_runtimes() if task == "MRPC" else [])
    for trainer in trainers:
        trained = tmp_path / ("trained_" + trainer)
        run_in_process(*task_args(tmp_path, task, trained, trainer, "--do_train",
                                  "--do_eval", "--do_predict", *extra))
        expected = result_files(trained)
        assert "eval_results.txt" in expected
        readers = the_other_runtimes() if trainer == "function" else ["function"]
        for reader in readers:
            again = tmp_path / ("%s_by_%s" % (trainer, reader))
            again.mkdir()
            for path in glob.glob(str(trained / "model.ckpt-*")) + [
                    str(trained / "checkpoint")]:
                os.link(path, again / os.path.basename(path))
            run_in_process(*task_args(tmp_path, task, again, reader, "--do_eval",
                                      "--do_predict", *extra))
            assert result_files(again) == expected, (trainer, reader)


@pytest.mark.shared_data
def test_run_classifier_on_the_function_runtime(tmp_path):
    """The output folder and log of a run: checkpoints, events, result
    files, the runtime named once; the TPU form of the step (--use_xla,
    fixed shapes) trains, evaluates and predicts on CPU."""
    output_dir = tmp_path / "out"
    export_dir = tmp_path / "export"
    log = run_in_process(*mrpc_args(
        tmp_path, output_dir, "function", "--do_train", "--do_eval",
        "--do_predict", "--eval_every_steps=3", "--do_export",
        "--export_dir=" + str(export_dir)))
    assert log.count("runtime: function (TensorFlow ") == 1
    # Once per phase, as on the session runtime: training to step 3 and to
    # 5, the evaluations at 3 and 5 and --do_eval's, the prediction.
    assert log.count("*** Features ***") == 6
    assert "Saving checkpoints for 5 into" in log
    assert "examples/sec: " in log and "progress: step 5/5 (100%)" in log
    for name in ("eval_results.txt", "test_results.tsv", "test_predictions.tsv",
                 "eval_history.tsv", "checkpoint", "model.ckpt-5.index"):
        assert (output_dir / name).exists(), name
    assert (output_dir / "best").is_dir()
    assert {"loss", "learning_rate", "examples_per_sec", "global_step/sec",
            "examples/sec", "eval/accuracy"} <= event_tags(output_dir)
    assert "eval_accuracy" in event_tags(output_dir / "eval")
    # The export classifies as --do_predict predicted.
    with open(tmp_path / "MRPC" / "test.tsv", encoding="utf-8") as reader:
        rows = [line.split("\t") for line in reader.read().splitlines()[1:]]
    classified = classify(
        str(export_dir), "".join("%s\t%s\n" % (row[3], row[4])
                                 for row in rows).encode("utf-8"))
    assert classified.returncode == 0, classified.stderr.decode()[-2000:]
    got = [[float(value) for value in line.split("\t")[3:]]
           for line in classified.stdout.decode("utf-8").splitlines()[1:]]
    expected = [[float(value) for value in line.split("\t")] for line in
                (output_dir / "test_results.tsv").read_text().splitlines()]
    np.testing.assert_allclose(got, expected, atol=1e-5)

    tpu_form = tmp_path / "xla"
    run_in_process(*mrpc_args(tmp_path, tpu_form, "function", "--do_train",
                              "--do_eval", "--do_predict", "--use_xla",
                              "--dynamic_padding=false", "--iterations_per_loop=2"))
    assert (tpu_form / "eval_results.txt").read_text().count("eval_accuracy") == 1
    assert len((tpu_form / "test_results.tsv").read_text().splitlines()) == 40


@pytest.mark.shared_data
def test_use_tpu_without_a_tpu_stops_with_one_line(tmp_path):
    output_dir = tmp_path / "out"
    process = run_classifier(*mrpc_args(tmp_path, output_dir, "function",
                                        "--do_train", "--use_tpu"), check=False)
    assert process.returncode == 2
    last = process.stderr.splitlines()[-1]
    assert last.startswith("run_classifier: error: --use_tpu: no TPU could be "
                           "reached at --tpu_name=local (")
    assert "Traceback" not in process.stderr
    assert not output_dir.exists()
