"""run_classifier.py end to end (tiny random model) and its one-line input errors."""

import json
import os
import re
import shutil
import time

from google.protobuf import text_format
import numpy as np
import pytest
import tensorflow as tf

from bert.classifier.runtime import choice
from bert.errors import InputError
from helpers import (FIXTURE_CKPT_DIR, UNCASED_VOCAB, run_classifier, run_in_process,
                     small_mrpc, tiny_config_dict)

pytestmark = pytest.mark.shared_data

REFERENCE_FLAGS = [
    "data_dir", "bert_config_file", "task_name", "vocab_file", "output_dir",
    "init_checkpoint", "do_lower_case", "max_seq_length", "do_train", "do_eval",
    "do_predict", "train_batch_size", "eval_batch_size", "predict_batch_size",
    "learning_rate", "num_train_epochs", "warmup_proportion",
    "save_checkpoints_steps", "iterations_per_loop", "use_tpu", "tpu_name",
    "tpu_zone", "gcp_project", "master", "num_tpu_cores"]


def base_args(tmp_path, config_file, data_dir, output_dir):
    return ["--task_name=MRPC", "--data_dir=" + data_dir,
            "--vocab_file=" + UNCASED_VOCAB, "--bert_config_file=" + config_file,
            "--output_dir=" + output_dir, "--max_seq_length=32"]


def test_train_eval_predict_with_a_tiny_random_model(tmp_path, tiny_config_file):
    data_dir = small_mrpc(tmp_path, 40)
    output_dir = str(tmp_path / "out")
    log = run_in_process(
        *base_args(tmp_path, tiny_config_file, data_dir, output_dir),
        "--do_train=true", "--do_eval=true", "--do_predict=true",
        "--train_batch_size=8", "--eval_batch_size=8", "--predict_batch_size=16",
        "--num_train_epochs=2", "--learning_rate=1e-3")
    assert "Num steps = 10" in log
    assert "examples/sec" in log and "global_step/sec" in log
    assert "*** Example ***" in log and "guid: train-1" in log

    for name in ("train.tf_record", "eval.tf_record", "predict.tf_record",
                 "model.ckpt-10.index", "checkpoint"):
        assert os.path.exists(os.path.join(output_dir, name)), name
    assert not [n for n in os.listdir(output_dir) if ".tmp-" in n]

    with open(os.path.join(output_dir, "eval_results.txt")) as reader:
        lines = reader.read().splitlines()
    keys = [line.split(" = ")[0] for line in lines]
    # The reference's keys, sorted, plus MRPC's own eval_f1.
    assert keys == ["eval_accuracy", "eval_f1", "eval_loss", "global_step", "loss"]
    values = dict(line.split(" = ") for line in lines)
    assert values["global_step"] == "10"
    assert 0.0 <= float(values["eval_accuracy"]) <= 1.0

    with open(os.path.join(output_dir, "test_results.tsv")) as reader:
        rows = reader.read().splitlines()
    assert len(rows) == 40
    for row in rows:
        probabilities = [float(cell) for cell in row.split("\t")]
        assert len(probabilities) == 2
        assert sum(probabilities) == pytest.approx(1.0, abs=1e-5)

    # A second run evaluates the saved checkpoint again: same numbers.
    run_in_process(*base_args(tmp_path, tiny_config_file, data_dir, output_dir),
                   "--do_eval=true", "--eval_batch_size=8")
    with open(os.path.join(output_dir, "eval_results.txt")) as reader:
        assert reader.read().splitlines() == lines


def event_steps(folder, tag):
    """The steps at which folder's TensorBoard events hold tag."""
    steps = []
    for path in tf.io.gfile.glob(os.path.join(folder, "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            steps += [event.step for value in event.summary.value
                      if value.tag == tag]
    return steps


@pytest.mark.parametrize("runtime", (["estimator"] if choice.has_estimator()
                                     else []) + ["session", "function"])
def test_a_demo_length_run_logs_the_speed_at_the_progress_pace(
        tmp_path, tiny_config_file, runtime):
    """The speed lines come with the progress lines (the first, then every
    30 s), not with each measurement, and TensorBoard gets every step's.
    20 steps: a runtime that logged each measurement would log 19 pairs
    (test_progress.py holds the 30 s rule itself, on a clock it sets)."""
    data_dir = small_mrpc(tmp_path, 40)
    output_dir = str(tmp_path / "out")
    start = time.time()
    process = run_classifier(
        *base_args(tmp_path, tiny_config_file, data_dir, output_dir),
        "--do_train=true", "--train_batch_size=8", "--num_train_epochs=4",
        "--runtime=" + runtime)
    seconds = time.time() - start
    assert "Num steps = 20" in process.stderr
    lines = process.stderr.splitlines()
    for name in ("global_step/sec", "examples/sec"):
        logged = [line for line in lines if "] %s: " % name in line]
        assert 1 <= len(logged) <= 2 + seconds / 30, (name, len(logged), seconds)
        # Every step's, from the second on (the function runtime times the
        # first too).
        assert set(event_steps(output_dir, name)) >= set(range(2, 21)), name


def test_init_from_released_layout_checkpoint_is_logged(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "dev.tsv").write_text(
        "Quality\ta\tb\tc\td\n1\t1\t2\tall work\tno play\n0\t3\t4\tjack\ta dull boy\n")
    process = run_classifier(
        "--task_name=mrpc", "--do_eval=true", "--data_dir=" + str(data_dir),
        "--vocab_file=" + os.path.join(FIXTURE_CKPT_DIR, "vocab.txt"),
        "--bert_config_file=" + os.path.join(FIXTURE_CKPT_DIR, "bert_config.json"),
        "--init_checkpoint=" + os.path.join(FIXTURE_CKPT_DIR, "bert_model.ckpt"),
        "--max_seq_length=16", "--output_dir=" + str(tmp_path / "out"),
        "--verbosity=1")
    initialized = set(re.findall(
        r"name = (bert/\S+):0, shape = .*\*INIT_FROM_CKPT\*", process.stderr))
    assert len(initialized) == 5 + 2 + 2 * 16
    assert "name = output_weights:0" in process.stderr
    assert os.path.exists(str(tmp_path / "out" / "eval_results.txt"))
    summary = re.findall(r"initialised (\d+) of (\d+) trainable variables from "
                         r"\S+; new: (.*)", process.stderr)
    assert summary == [("39", "41", "output_weights, output_bias")]


def test_helpfull_documents_every_reference_flag():
    process = run_classifier("--helpfull", check=False)
    for flag in REFERENCE_FLAGS:
        assert re.search(r"--(\[no\])?%s:" % flag, process.stdout), flag
    help_text = " ".join(process.stdout.split())
    task_help = help_text[help_text.index("--task_name:"):]
    for task in ("cola, goemotions, mnli, mnli-mm, mrpc, qnli, qqp, rte, sst-2, sst2, "
                 "sts-b, stsb, wnli, xnli", "tsv, csv, jsonl"):
        assert task in task_help[:400], task


def expect_error(tmp_path, args, message):
    """The run, in this process, stops with message before writing anything
    (test_faults.py runs the command to see the one line and exit status)."""
    with pytest.raises(InputError) as error:
        run_in_process(*args)
    assert message in str(error.value)
    assert not os.path.exists(str(tmp_path / "out"))


@pytest.fixture
def valid_args(tmp_path, tiny_config_file):
    return base_args(tmp_path, tiny_config_file, small_mrpc(tmp_path, 8),
                     str(tmp_path / "out"))


def replace_arg(args, name, value):
    return [a for a in args if not a.startswith("--%s=" % name)] + [
        "--%s=%s" % (name, value)]


def test_error_nothing_to_do(tmp_path, valid_args):
    expect_error(tmp_path, valid_args,
                 "pass at least one of --do_train, --do_eval, --do_predict")


def test_error_missing_required_flag(tmp_path, valid_args):
    args = [a for a in valid_args if not a.startswith("--vocab_file")]
    process = run_classifier(*args, "--do_eval", check=False)
    assert process.returncode != 0
    assert "--vocab_file" in process.stderr


@pytest.mark.parametrize("flag,value,message", [
    ("task_name", "nope", "--task_name=nope is not a known task"),
    ("max_seq_length", "65", "--max_seq_length=65 is larger than the model's "
                             "max_position_embeddings=64"),
    ("vocab_file", "/no/vocab.txt", "vocab file /no/vocab.txt does not exist"),
    ("bert_config_file", "/no/config.json", "--bert_config_file=/no/config.json "
                                            "does not exist"),
    ("train_batch_size", "0", "--train_batch_size=0 must be greater than 0"),
    ("learning_rate", "-1", "--learning_rate=-1.0 must not be negative"),
    ("init_checkpoint", "/no/bert_model.ckpt", "--init_checkpoint=/no/bert_model"
                                               ".ckpt: no checkpoint there"),
    ("init_checkpoint", "/m/cased_L-12_H-768_A-12/bert_model.ckpt",
     "pass --do_lower_case=False"),
])
def test_error_bad_flag_values(tmp_path, valid_args, flag, value, message):
    expect_error(tmp_path, replace_arg(valid_args, flag, value) + ["--do_train"],
                 message)


def test_error_config_missing_key(tmp_path, valid_args):
    values = tiny_config_dict()
    del values["num_attention_heads"]
    path = tmp_path / "broken_config.json"
    path.write_text(json.dumps(values))
    expect_error(tmp_path,
                 replace_arg(valid_args, "bert_config_file", str(path)) + ["--do_train"],
                 "missing key 'num_attention_heads'")


def test_error_missing_data_file(tmp_path, valid_args):
    data_dir = [a for a in valid_args if a.startswith("--data_dir=")][0].split("=")[1]
    os.remove(os.path.join(data_dir, "dev.tsv"))
    expect_error(tmp_path, valid_args + ["--do_eval"], "dev.tsv does not exist")


def test_error_short_row_and_unknown_label_name_the_line(tmp_path, valid_args):
    data_dir = [a for a in valid_args if a.startswith("--data_dir=")][0].split("=")[1]
    train = os.path.join(data_dir, "train.tsv")
    shutil.copy(train, train + ".orig")
    with open(train, "a") as writer:
        writer.write("1\tonly\tthree\n")
    expect_error(tmp_path, valid_args + ["--do_train"],
                 "train.tsv:10: row has 3 column(s), column 3 is needed")
    shutil.copy(train + ".orig", train)
    with open(train, "a") as writer:
        writer.write("2\t1\t2\ta\tb\n")
    expect_error(tmp_path, valid_args + ["--do_train"],
                 "train.tsv:10: label '2' in column 0 is not one of the task's "
                 "labels 0, 1")


def test_dynamic_padding_gives_the_padded_predictions(tmp_path, tiny_config_file):
    data_dir = small_mrpc(tmp_path, 24)
    output_dir = str(tmp_path / "out")
    args = base_args(tmp_path, tiny_config_file, data_dir, output_dir) + [
        "--max_seq_length=64", "--train_batch_size=8", "--predict_batch_size=8"]
    run_in_process(*args, "--do_train=true", "--num_train_epochs=1")
    probabilities = {}
    for dynamic in ("true", "false"):
        run_in_process(*args, "--do_predict=true", "--dynamic_padding=" + dynamic)
        with open(os.path.join(output_dir, "test_results.tsv")) as reader:
            probabilities[dynamic] = [[float(v) for v in line.split("\t")]
                                      for line in reader.read().splitlines()]
    assert len(probabilities["true"]) == 24
    difference = max(abs(a - b) for row_a, row_b in zip(probabilities["true"],
                                                        probabilities["false"])
                     for a, b in zip(row_a, row_b))
    assert difference <= 1e-5


def test_own_csv_data_saves_and_reuses_the_label_list(tmp_path, tiny_config_file):
    data_dir = tmp_path / "reviews"
    data_dir.mkdir()
    rows = ["text,label", '"Great, really great",positive', "awful,negative",
            '"so\nso",neutral', "fine,positive"]
    (data_dir / "train.csv").write_text("\n".join(rows) + "\n")
    (data_dir / "dev.csv").write_text("\n".join(rows[:3]) + "\n")
    (data_dir / "test.csv").write_text("text\nnice\nbad\n")
    output_dir = str(tmp_path / "out")
    common = ["--task_name=csv", "--data_dir=" + str(data_dir),
              "--text_a_column=0", "--label_column=1", "--has_header=true",
              "--vocab_file=" + UNCASED_VOCAB, "--bert_config_file=" + tiny_config_file,
              "--output_dir=" + output_dir, "--max_seq_length=16"]
    run_in_process(*common, "--do_train=true", "--do_eval=true",
                   "--train_batch_size=2")
    with open(os.path.join(output_dir, "label_list.txt")) as reader:
        assert reader.read().splitlines() == ["negative", "neutral", "positive"]
    run_in_process(*common, "--do_predict=true")
    with open(os.path.join(output_dir, "test_predictions.tsv")) as reader:
        lines = reader.read().splitlines()
    assert lines[0] == "guid\tprediction\tnegative\tneutral\tpositive"
    assert len(lines) == 3


def test_eval_every_steps_keeps_history_and_best(tmp_path, tiny_config_file):
    data_dir = small_mrpc(tmp_path, 40)
    output_dir = str(tmp_path / "out")
    run_in_process(*base_args(tmp_path, tiny_config_file, data_dir, output_dir),
                   "--do_train=true", "--train_batch_size=8", "--num_train_epochs=2",
                   "--eval_every_steps=4", "--learning_rate=1e-3")
    with open(os.path.join(output_dir, "eval_history.tsv")) as reader:
        history = [line.split("\t") for line in reader.read().splitlines()]
    assert history[0] == ["global_step", "eval_accuracy", "eval_f1", "eval_loss",
                          "loss"]
    assert [row[0] for row in history[1:]] == ["4", "8", "10"]
    best_f1 = max(float(row[2]) for row in history[1:])
    best_dir = os.path.join(output_dir, "best")
    with open(os.path.join(best_dir, "eval_results.txt")) as reader:
        best = dict(line.split(" = ") for line in reader.read().splitlines())
    assert float(best["eval_f1"]) == pytest.approx(best_f1)
    step = best["global_step"]
    assert os.path.exists(os.path.join(best_dir, "model.ckpt-%s.index" % step))
    with open(os.path.join(best_dir, "checkpoint")) as reader:
        assert 'model_checkpoint_path: "model.ckpt-%s"' % step in reader.read()


def training_graph(output_dir):
    """The GraphDef of the training graph a run saved (graph.pbtxt)."""
    with open(os.path.join(output_dir, "graph.pbtxt")) as reader:
        return text_format.Parse(reader.read(), tf.compat.v1.GraphDef())


def matrix_product_types(graph_def):
    """The number types of the graph's matrix products."""
    return {tf.dtypes.as_dtype(node.attr["T"].type) for node in graph_def.node
            if node.op in ("MatMul", "BatchMatMulV2")}


def compiled_kernels(graph_def):
    """The fused kernels the graph calls, without their numbers."""
    return {re.sub(r"^__inference__|_\d+$", "", node.attr["f"].func.name)
            for node in graph_def.node
            if node.op in ("PartitionedCall", "StatefulPartitionedCall")}


def test_bf16_with_xla_trains_and_saves_fp32_checkpoints(tmp_path, tiny_config_file):
    data_dir = small_mrpc(tmp_path, 16)
    output_dir = str(tmp_path / "out")
    run_in_process(*base_args(tmp_path, tiny_config_file, data_dir, output_dir),
                   "--do_train=true", "--do_eval=true", "--train_batch_size=8",
                   "--precision=bf16", "--use_xla=true")
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(output_dir))
    dtypes = set(reader.get_variable_to_dtype_map().values())
    assert dtypes == {tf.float32, tf.int64}  # int64: the global step
    assert os.path.exists(os.path.join(output_dir, "eval_results.txt"))
    # The encoder's products ran in bf16; the classifier's one stays fp32.
    assert matrix_product_types(training_graph(output_dir)) == {
        tf.bfloat16, tf.float32}
    with open(os.path.join(output_dir, "run_config.json")) as config:
        assert json.load(config)["use_xla"] is True


def test_fast_trains_with_fused_kernels_into_the_same_checkpoint_names(
        tmp_path, tiny_config_file):
    data_dir = small_mrpc(tmp_path, 16)
    names, graphs = {}, {}
    # bf16 named: --fast takes it only where the hardware multiplies it.
    frozen = ("evaluating from a frozen copy of the graph",
              "predicting from a frozen copy of the graph")
    for mode in ("--fast", "--precision=fp32"):
        output_dir = str(tmp_path / mode.strip("-").split("=")[0])
        log = run_in_process(
            *base_args(tmp_path, tiny_config_file, data_dir, output_dir),
            "--do_train=true", "--do_eval=true", "--do_predict=true",
            "--train_batch_size=8", mode,
            "--precision=bf16" if mode == "--fast" else mode)
        # A bf16 graph evaluates and predicts with its weights frozen (on the
        # session runtime).
        for line in frozen:
            assert (line in log) == (mode == "--fast" and not choice.has_estimator())
        with open(os.path.join(output_dir, "test_results.tsv")) as reader:
            assert len(reader.readlines()) == 16
        reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(output_dir))
        names[mode] = reader.get_variable_to_dtype_map()
        graphs[mode] = training_graph(output_dir)
        assert os.path.exists(os.path.join(output_dir, "eval_results.txt"))
    assert names["--fast"] == names["--precision=fp32"]
    with open(str(tmp_path / "fast" / "run_config.json")) as reader:
        saved = json.load(reader)
    assert saved["fused_kernels"] and saved["cls_only_last_layer"]
    # --fast ran the kernels, bf16 products and length-bucketed input (grouped
    # by window); fp32 ran none of these.
    kernels = {"attention_forward", "attention_backward", "bias_gelu_forward",
               "bias_gelu_backward", "add_norm_forward", "add_norm_backward",
               "adam_weight_decay_update"}
    assert compiled_kernels(graphs["--fast"]) == kernels
    assert compiled_kernels(graphs["--precision=fp32"]) == set()
    assert tf.bfloat16 in matrix_product_types(graphs["--fast"])
    assert matrix_product_types(graphs["--precision=fp32"]) == {tf.float32}
    for mode, fast in (("--fast", True), ("--precision=fp32", False)):
        ops = {node.op for node in graphs[mode].node}
        assert ("GroupByWindowDataset" in ops) == fast, mode
        # The last layer (layer_1) again for [CLS] alone, under its own name.
        assert any(node.name.startswith("bert/encoder/layer_1_1/")
                   for node in graphs[mode].node) == fast, mode


def test_fp16_trains_with_a_loss_scale_and_saves_fp32_checkpoints(
        tmp_path, tiny_config_file):
    data_dir = small_mrpc(tmp_path, 16)
    output_dir = str(tmp_path / "out")
    run_in_process(*base_args(tmp_path, tiny_config_file, data_dir, output_dir),
                   "--do_train=true", "--do_eval=true", "--train_batch_size=8",
                   "--precision=fp16")
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(output_dir))
    dtypes = reader.get_variable_to_dtype_map()
    assert set(dtypes.values()) == {tf.float32, tf.int64}
    assert dtypes["loss_scale"] == tf.float32
    assert 1.0 <= reader.get_tensor("loss_scale") <= 2.0 ** 15
    kernel = reader.get_tensor("bert/encoder/layer_0/attention/self/query/kernel")
    assert np.all(np.isfinite(kernel))
    with open(os.path.join(output_dir, "eval_results.txt")) as reader:
        assert "eval_accuracy" in reader.read()
    # An fp32 run's checkpoints have no loss scale to resume fp16 training from.
    fp32_dir = str(tmp_path / "fp32")
    run_in_process(*base_args(tmp_path, tiny_config_file, data_dir, fp32_dir),
                   "--do_train=true", "--train_batch_size=8")
    before = sorted(os.listdir(fp32_dir))
    with pytest.raises(InputError) as bad:
        run_in_process(*base_args(tmp_path, tiny_config_file, data_dir, fp32_dir),
                       "--do_train=true", "--train_batch_size=8",
                       "--num_train_epochs=6", "--precision=fp16")
    assert "holds checkpoints of a run without --precision=fp16" in str(bad.value)
    assert "lacks loss_scale" in str(bad.value)
    assert sorted(os.listdir(fp32_dir)) == before


def test_accumulation_with_bucketing_runs_the_planned_updates(tmp_path, tiny_config_file):
    data_dir = small_mrpc(tmp_path, 32)
    output_dir = str(tmp_path / "out")
    log = run_in_process(
        *base_args(tmp_path, tiny_config_file, data_dir, output_dir),
        "--do_train=true", "--train_batch_size=8", "--gradient_accumulation_steps=4",
        "--num_train_epochs=2", "--bucket_by_length=true")
    assert "Num steps = 8" in log
    assert tf.train.latest_checkpoint(output_dir).endswith("model.ckpt-8")
    with pytest.raises(InputError,
                       match="is not a multiple of --gradient_accumulation_steps=3"):
        run_in_process(*base_args(tmp_path, tiny_config_file, data_dir, output_dir),
                       "--do_train=true", "--train_batch_size=8",
                       "--gradient_accumulation_steps=3")
