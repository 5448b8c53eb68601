"""sweep/config.py, sweep/glue.py and sweep/xnli.py, called directly on
small real data: the model check, the plans of both benchmarks and WNLI's
majority file."""

import os
import shutil

import pytest

from helpers import SHARED_DATA, small_glue_copy
from bert.errors import InputError
from bert.sweep import config as sweep_config
from bert.sweep import glue, xnli
from bert.sweep.config import SweepConfig

pytestmark = pytest.mark.shared_data


def model_dir(tmp_path, name="uncased_L-12_H-768_A-12"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n")
    (folder / "bert_config.json").write_text("{}")
    (folder / "bert_model.ckpt.index").write_text("")
    return folder


def sweep(tmp_path, folder, **values):
    values.setdefault("data_dir", str(tmp_path / "glue"))
    return SweepConfig(
        benchmark="glue", output_dir=str(tmp_path / "out"),
        vocab_file=str(folder / "vocab.txt"),
        bert_config_file=str(folder / "bert_config.json"),
        init_checkpoint=str(folder / "bert_model.ckpt"), **values)


def test_the_model_check(tmp_path):
    folder = model_dir(tmp_path)
    sweep_config.check_model(sweep(tmp_path, folder))
    with pytest.raises(InputError, match="do_lower_case"):  # one case check
        sweep_config.check_model(sweep(tmp_path, folder, do_lower_case=False))
    os.remove(folder / "bert_model.ckpt.index")
    with pytest.raises(InputError, match="bert_model.ckpt.index does not exist"):
        sweep_config.check_model(sweep(tmp_path, folder))


def test_the_glue_plan_and_wnlis_majority_file(tmp_path):
    small_glue_copy(tmp_path / "glue", "MRPC", 10)
    small_glue_copy(tmp_path / "glue", "WNLI", 1000)
    config = sweep(tmp_path, model_dir(tmp_path), learning_rates=(2e-5, 3e-5),
                   seeds=2, random_seed=5)
    planned, tasks, skipped = glue.plan_trials(config)
    assert [task.name for task in tasks] == ["MRPC", "WNLI"]
    assert "CoLA (no data)" in skipped
    # WNLI is the majority class, as the paper submitted it: no trial.
    assert [(t.group, t.name, t.random_seed) for t in planned] == [
        ("MRPC", "lr2e-05_r1", 5), ("MRPC", "lr2e-05_r2", 6),
        ("MRPC", "lr3e-05_r1", 5), ("MRPC", "lr3e-05_r2", 6)]
    note, metrics, path = glue.wnli_majority(config)
    assert note == "majority class 0"
    assert 0.5 < float(metrics["eval_accuracy"]) < 0.6
    lines = open(path).read().splitlines()
    assert lines[0] == "index\tprediction" and len(lines) == 147
    assert set(line.split("\t")[1] for line in lines[1:]) == {"0"}


def test_the_xnli_plans(tmp_path):
    data = tmp_path / "xnli"
    shutil.copytree(os.path.join(SHARED_DATA, "xnli_sample"), str(data))
    config = sweep(tmp_path, model_dir(tmp_path), data_dir=str(data),
                   learning_rates=(5e-5,))
    planned, languages = xnli.plan_trials(config)
    assert "zh" in languages
    assert [trial.flags for trial in planned if trial.group == "XNLI-zh"] == [
        ("--xnli_language=zh",)]
    zero_shot = SweepConfig(**dict(config.__dict__, xnli_protocol="zero_shot"))
    with pytest.raises(InputError, match="pass --mnli_data_dir"):
        xnli.plan_trials(zero_shot)
