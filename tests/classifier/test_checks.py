"""classifier/checks.py: every bad setting stops with one line, before any
output is written."""

import dataclasses
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from bert import modeling
from bert.classifier import checks, run_config
from bert.classifier.run_config import RunConfig
from helpers import tiny_config_dict
from bert.errors import InputError

tf1 = tf.compat.v1


@pytest.fixture
def config(tmp_path):
    """A valid training RunConfig over tiny files in tmp_path."""
    (tmp_path / "data").mkdir()
    (tmp_path / "vocab.txt").write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat"]) + "\n")
    (tmp_path / "bert_config.json").write_text(json.dumps(tiny_config_dict()))
    return RunConfig(
        data_dir=str(tmp_path / "data"),
        bert_config_file=str(tmp_path / "bert_config.json"),
        task_name="mrpc", vocab_file=str(tmp_path / "vocab.txt"),
        output_dir=str(tmp_path / "out"), do_train=True, max_seq_length=32)


def test_a_valid_config_gives_the_bert_config(config):
    bert_config = checks.check_run_config(config)
    assert isinstance(bert_config, modeling.BertConfig)
    assert bert_config.hidden_size == 32


@pytest.mark.parametrize("changes,message", [
    ({"do_train": False}, "nothing to do"),
    ({"train_batch_size": 0}, "--train_batch_size=0 must be greater than 0"),
    ({"eval_batch_size": -1}, "--eval_batch_size=-1"),
    ({"learning_rate": -1e-5}, "--learning_rate=-1e-05 must not be negative"),
    ({"num_train_epochs": -1.0}, "--num_train_epochs"),
    ({"max_seq_length": 65}, "max_position_embeddings=64"),
    ({"max_seq_length": 2}, "at least 3"),
    ({"gradient_accumulation_steps": 3}, "not a multiple of"),
    pytest.param({"use_tpu": True, "precision": "fp16"},
                 "use --precision=bf16"),
    pytest.param({"use_tpu": True, "distribution_strategy": "mirrored"},
                 "training spreads over the TPU's cores"),
    ({"distribution_strategy": "mirrored", "gradient_accumulation_steps": 2},
     "--distribution_strategy=none"),
    pytest.param({"use_tpu": True, "gradient_accumulation_steps": 2},
                 "CPU/GPU only"),
    pytest.param({"use_tpu": True, "fused_kernels": True},
                 "--fused_kernels works on CPU/GPU"),
    ({"do_export": True}, "--do_export needs --export_dir"),
    ({"init_checkpoint": "/no/such/model.ckpt"}, ".index is missing"),
    ({"bert_config_file": "/no/such/bert_config.json"}, "does not exist"),
    ({"data_dir": "/no/such/dir"}, "is not a directory"),
    ({"label_list": ("a", "b"), "labels_file": "/x"}, "pass one of them"),
    ({"labels_file": "/no/such/labels.txt"}, "--labels_file=/no/such/labels.txt "
                                             "does not exist"),
    ({"label_separator": ""}, "--label_separator must not be empty"),
    ({"multi_label_threshold": 1.0}, "--multi_label_threshold=1.0 must be between"),
    ({"tune_threshold": True}, "--tune_threshold chooses the threshold on the dev "
                               "set: add --do_eval"),
    ({"tune_threshold": True, "do_eval": True, "multi_label_threshold": 0.3},
     "drop --multi_label_threshold=0.3"),
    ({"per_label_thresholds": True, "do_eval": True}, "add --tune_threshold"),
])
def test_bad_settings_stop_before_anything_is_written(config, changes, message):
    bad = dataclasses.replace(config, **changes)
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        checks.check_run_config(bad)
    assert not os.path.exists(config.output_dir)


def test_an_existing_export_dir_is_refused(config, tmp_path):
    with pytest.raises(InputError, match="exists already"):
        checks.check_run_config(dataclasses.replace(
            config, do_export=True, export_dir=str(tmp_path)))


def test_an_output_dir_that_is_a_file_is_refused(config, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        checks.check_run_config(dataclasses.replace(
            config, output_dir=str(tmp_path / "file")))


def test_cased_flag_against_an_uncased_checkpoint_name(config):
    with pytest.raises(InputError, match="do_lower_case"):
        checks.check_run_config(dataclasses.replace(
            config, do_lower_case=False,
            init_checkpoint="/x/uncased_L-12_H-768_A-12/bert_model.ckpt"))


def save_checkpoint(path, variables):
    with tf.Graph().as_default():
        created = [tf1.get_variable(name, initializer=value)
                   for name, value in variables.items()]
        with tf1.Session() as session:
            session.run(tf1.variables_initializer(created))
            tf1.train.Saver(created).save(session, path)


def test_checkpoint_shapes_must_fit_the_config(config, tmp_path):
    checkpoint = str(tmp_path / "ckpt" / "model.ckpt")
    save_checkpoint(checkpoint, {
        "bert/pooler/dense/bias": np.zeros([31], np.float32),
        "output_bias": np.zeros([2], np.float32)})
    with pytest.raises(InputError, match="bert/pooler/dense/bias has shape"):
        checks.check_run_config(dataclasses.replace(
            config, init_checkpoint=checkpoint))


def test_a_damaged_init_checkpoint_stops_naming_its_file(config, tmp_path):
    checkpoint = str(tmp_path / "ckpt" / "bert_model.ckpt")
    save_checkpoint(checkpoint, {"output_bias": np.zeros([200], np.float32)})
    data_file = checkpoint + ".data-00000-of-00001"
    with open(data_file, "r+b") as file:
        file.truncate(100)
    with pytest.raises(InputError) as error:
        checks.check_run_config(dataclasses.replace(
            config, init_checkpoint=checkpoint))
    assert str(error.value) == (
        "--init_checkpoint=%s is damaged: %s is cut short: 100 bytes, but "
        "output_bias ends at byte 800: copy or download it again"
        % (checkpoint, data_file))
    assert not os.path.exists(config.output_dir)


@pytest.mark.parametrize("text", ["{\"learning_rate\": ", "[1, 2]", "\xff\xfe"])
def test_a_damaged_run_config_json_stops_naming_it(config, text):
    os.makedirs(config.output_dir)
    saved = os.path.join(config.output_dir, "run_config.json")
    with open(saved, "w", encoding="latin-1") as writer:
        writer.write(text)
    with pytest.raises(InputError) as error:
        checks.check_same_training(config)
    assert str(error.value).startswith("%s does not read as JSON settings" % saved)


def test_resuming_needs_the_variables_of_the_flag(tmp_path):
    save_checkpoint(str(tmp_path / "model.ckpt-3"), {"w": np.zeros([2], np.float32)})
    checks.check_resumable(str(tmp_path), ["w"], "--anything")
    with pytest.raises(InputError, match="without --precision=fp16.*loss_scale"):
        checks.check_resumable(str(tmp_path), ["loss_scale"], "--precision=fp16")
    checks.check_resumable(str(tmp_path / "empty"), ["loss_scale"], "--x")


def test_vocab_without_special_tokens(tmp_path):
    (tmp_path / "vocab.txt").write_text("the\ncat\n[UNK]\n")
    with pytest.raises(InputError, match=r"lacks the token\(s\) \[CLS\] \[SEP\]"):
        checks.load_tokenizer(str(tmp_path / "vocab.txt"), True)


def test_every_field_with_a_range_is_held_to_it(config):
    """Each RunConfig field marked with a valid_range stops the run just
    outside it, at its edge's value, and passes just inside."""
    outside = {"positive": (0, 1), "not_negative": (-1, 0), "fraction": (1, 0)}
    held = [field for field in dataclasses.fields(config)
            if field.metadata.get("valid_range")]
    assert len(held) == 13
    for field in held:
        bad, good = outside[field.metadata["valid_range"]]
        with pytest.raises(InputError, match="^--%s=%s must " % (field.name, bad)):
            checks.check_ranges(dataclasses.replace(config, **{field.name: bad}),
                                list(run_config.RANGES))
        checks.check_ranges(dataclasses.replace(config, **{field.name: good}),
                            list(run_config.RANGES))


def test_replica_split_and_task_options(config):
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    checks.check_replica_split(7, strategy, "mirrored")  # one replica takes any
    checks.check_replica_split(7, None, "none")

    class CustomTask(object):
        glue_name = None
    with pytest.raises(InputError, match="not a GLUE task"):
        checks.check_task_options(dataclasses.replace(
            config, glue_submission_dir="/tmp/glue", task_name="csv"),
            CustomTask())


def test_multi_label_flags_need_a_multi_label_task(config):
    from bert import processors
    mrpc = processors.get_processor("mrpc")
    for changes, message in (
            ({"multi_label": True}, "--multi_label: task mrpc has one label per "
                                    "example; for your own multi-label data use"),
            ({"tune_threshold": True, "do_eval": True},
             "--tune_threshold is for multi-label tasks"),
            ({"multi_label_threshold": 0.3},
             "--multi_label_threshold is for multi-label tasks")):
        with pytest.raises(InputError, match=message):
            checks.check_task_options(dataclasses.replace(config, **changes), mrpc)
    goemotions = dataclasses.replace(config, multi_label=True, do_eval=True)
    checks.check_task_options(goemotions, processors.get_processor("goemotions"))


def test_runtime_against_this_tensorflow(config):
    version = tf.version.VERSION
    session = dataclasses.replace(config, runtime="session")
    checks.check_run_config(session)
    for changes, message in [
            ({"use_tpu": True}, "--use_tpu does not run on --runtime=session: "
             "use --runtime=function"),
            ({"distribution_strategy": "multi_worker_mirrored"},
             "--distribution_strategy=multi_worker_mirrored does not run on "
             "--runtime=session: use --runtime=function")]:
        with pytest.raises(InputError) as raised:
            checks.check_run_config(dataclasses.replace(session, **changes))
        assert str(raised.value).startswith(message)
    function = dataclasses.replace(config, runtime="function")
    checks.check_run_config(dataclasses.replace(function, use_tpu=True))
    # Without --runtime, TPU and several hosts run where they can.
    checks.check_run_config(dataclasses.replace(config, use_tpu=True))
    estimator = dataclasses.replace(config, runtime="estimator")
    if hasattr(tf1, "estimator"):
        checks.check_run_config(estimator)
    else:
        with pytest.raises(InputError, match="--runtime=estimator needs "
                           "TensorFlow 2.15 .*; this is TensorFlow " + version):
            checks.check_run_config(estimator)
