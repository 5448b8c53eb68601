"""RunConfig: the flags as one frozen value, with the flags' defaults."""

import copy
import dataclasses

import pytest
import tensorflow as tf
from absl import flags

from bert import run_classifier
from bert.classifier import hardware, run_config
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
    accumulating = parsed("--train_batch_size=32", "--gradient_accumulation_steps=4")
    assert accumulating.micro_batch_size == 8


def test_fast_preset_per_device_and_explicit_flags_win():
    native, _ = hardware.native_bf16(False)
    cpu = parsed("--fast")
    assert (cpu.precision, cpu.dynamic_padding, cpu.bucket_by_length,
            cpu.sort_by_length, cpu.fused_kernels, cpu.cls_only_last_layer) == (
                "bf16" if native else "fp32", True, True, True, True, True)
    tpu = parsed("--fast", "--use_tpu")
    assert (tpu.precision, tpu.bucket_by_length, tpu.sorts_by_length,
            tpu.fused_kernels, tpu.cls_only_last_layer) == (
                "bf16", False, False, False, True)
    assert not parsed("--sort_by_length", "--use_tpu").sorts_by_length
    assert parsed("--fast", "--precision=fp32").precision == "fp32"
    assert parsed("--fast", "--precision=bf16").precision == "bf16"
    assert not parsed("--fast", "--nofused_kernels").fused_kernels
    assert not parsed("--fast", "--nocls_only_last_layer").cls_only_last_layer
    assert (parsed().precision, parsed().fused_kernels,
            parsed().cls_only_last_layer) == ("fp32", False, False)


def test_fast_takes_bf16_only_where_the_hardware_multiplies_it():
    assert run_config.fast_preset(False, True)["precision"] == "bf16"
    assert run_config.fast_preset(False, False) == {
        "precision": "fp32", "cls_only_last_layer": True, "dynamic_padding": True,
        "bucket_by_length": True, "sort_by_length": True, "fused_kernels": True}
    assert hardware.native_bf16(True) == (True, "a TPU")
    assert hardware.native_bf16(False, gpus=[(8, 0), (9, 0)], flags=set())[0]
    assert not hardware.native_bf16(False, gpus=[(7, 0)], flags={"amx_bf16"})[0]
    assert hardware.native_bf16(False, gpus=[], flags={"avx2", "amx_bf16"}) == (
        True, "a CPU with amx_bf16")
    assert hardware.native_bf16(False, gpus=[], flags={"avx512f", "avx512_bf16"})[0]
    assert hardware.native_bf16(False, gpus=[], flags={"avx2", "avx512f"}) == (
        False, "a CPU without avx512_bf16 or amx_bf16")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 amx_bf16\n"
                       "processor\t: 1\nflags\t\t: fpu avx2 amx_bf16\n")
    assert hardware.cpu_flags(str(cpuinfo)) == {"fpu", "avx2", "amx_bf16"}
    assert hardware.cpu_flags(str(tmp_path / "missing")) == set()


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
