"""RunConfig: the flags as one frozen value, with the flags' defaults."""

import copy
import dataclasses

import pytest
import tensorflow as tf
from absl import flags

from bert import run_classifier
from bert.classifier.run_config import RunConfig


def parsed(*args):
    """The RunConfig of run_classifier's flags parsed from args (on copies)."""
    values = flags.FlagValues()
    for flag in run_classifier.FLAGS.get_key_flags_for_module(run_classifier):
        values[flag.name] = copy.deepcopy(flag)
    values(["prog", "--data_dir=d", "--bert_config_file=c", "--task_name=t",
            "--vocab_file=v", "--output_dir=o"] + list(args))
    return RunConfig.from_flags(values)


def test_defaults_are_the_flags_defaults():
    config = RunConfig(data_dir="d", bert_config_file="c", task_name="t",
                       vocab_file="v", output_dir="o")
    for field in dataclasses.fields(RunConfig):
        if field.default is dataclasses.MISSING:
            continue
        assert getattr(config, field.name) == run_classifier.FLAGS[
            field.name].default, field.name


def test_every_flag_of_run_classifier_is_a_field():
    own_flags = {flag.name for flag in
                 run_classifier.FLAGS.get_key_flags_for_module(run_classifier)}
    assert own_flags == {field.name for field in dataclasses.fields(RunConfig)}


def test_from_flags_and_frozen():
    config = parsed("--label_list=b,a", "--precision=bf16", "--use_tpu=true")
    assert config.label_list == ("b", "a")
    assert config.compute_dtype == tf.bfloat16
    assert config.pads_dynamically is False  # never on TPU
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.learning_rate = 1.0


def test_fast_preset_per_device_and_explicit_flags_win():
    cpu = parsed("--fast")
    assert (cpu.precision, cpu.dynamic_padding, cpu.bucket_by_length,
            cpu.fused_kernels) == ("bf16", True, True, True)
    tpu = parsed("--fast", "--use_tpu")
    assert (tpu.precision, tpu.bucket_by_length, tpu.fused_kernels) == (
        "bf16", False, False)
    assert parsed("--fast", "--precision=fp32").precision == "fp32"
    assert not parsed("--fast", "--nofused_kernels").fused_kernels
    assert (parsed().precision, parsed().fused_kernels) == ("fp32", False)


def test_a_saved_config_from_before_a_training_field_existed_still_matches():
    """run_config.json of an older version lacks the fields added since:
    they compare as their defaults, so such a folder still resumes."""
    import json
    config = parsed("--max_seq_length=64")
    saved = json.loads(config.to_json())
    for field in ("multi_label", "label_separator", "labels_file"):
        del saved[field]
    assert config.training_differences(json.dumps(saved)) == []
    multi = parsed("--max_seq_length=64", "--multi_label")
    assert multi.training_differences(json.dumps(saved)) == [
        ("multi_label", False, True)]
