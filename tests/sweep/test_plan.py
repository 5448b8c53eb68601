"""sweep/plan.py: the grid, shards, the saved protocol, bad flags."""

import json
import os

import pytest

from bert.errors import InputError
from bert.sweep import plan


def test_learning_rates_and_shard_flags():
    assert plan.parse_learning_rates("5e-5,2e-5") == [5e-5, 2e-5]
    with pytest.raises(InputError, match="'2e-5x' is not a number"):
        plan.parse_learning_rates("5e-5,2e-5x")
    with pytest.raises(InputError, match="must be greater than 0"):
        plan.parse_learning_rates("0")
    assert plan.parse_shard("2/3") == (2, 3)
    for bad in ("3/2", "0/2", "1-2", "a/b"):
        with pytest.raises(InputError, match="--shard=" + bad):
            plan.parse_shard(bad)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 11])
def test_shards_cover_every_trial_exactly_once(count):
    trials = (plan.grid("MRPC", "mrpc", "d", [5e-5, 4e-5, 3e-5, 2e-5], 2, 7)
              + plan.grid("RTE", "rte", "d", [5e-5, 2e-5], 3, None))
    shards = [plan.shard_of(trials, (index, count))
              for index in range(1, count + 1)]
    every = [trial for shard in shards for trial in shard]
    assert len(every) == len(set(every)) == len(trials) == 14
    assert set(every) == set(trials)
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


def test_grid_names_seeds_and_folders():
    trials = plan.grid("STS-B", "sts-b", "glue/STS-B", [5e-5, 2e-5], 2, 10,
                       ["--x=1"])
    assert [(t.name, t.random_seed) for t in trials] == [
        ("lr5e-05_r1", 10), ("lr5e-05_r2", 11), ("lr2e-05_r1", 10),
        ("lr2e-05_r2", 11)]
    assert trials[0].output_dir("out") == os.path.join("out", "STS-B", "lr5e-05_r1")
    assert trials[0].flags == ("--x=1",)
    assert plan.grid("RTE", "rte", "d", [1e-5], 1, None)[0].random_seed is None


def test_tasks_present_and_requested(tmp_path):
    for folder in ("MRPC", "RTE", "QNLI"):
        (tmp_path / folder).mkdir()
    (tmp_path / "MRPC" / "train.tsv").write_text("x\n")
    (tmp_path / "RTE" / "train.tsv").write_text("x\n")
    chosen, skipped = plan.choose_glue_tasks(str(tmp_path), None)
    assert chosen == ["MRPC", "RTE"]
    assert "QNLI (no data)" in skipped and "CoLA (no data)" in skipped
    chosen, skipped = plan.choose_glue_tasks(str(tmp_path), ["rte"])
    assert chosen == ["RTE"] and "MRPC (not in --tasks)" in skipped
    with pytest.raises(InputError, match="unknown GLUE task 'SQuAD'"):
        plan.choose_glue_tasks(str(tmp_path), ["SQuAD"])
    with pytest.raises(InputError, match="QNLI has no QNLI/train.tsv"):
        plan.choose_glue_tasks(str(tmp_path), ["QNLI"])
    with pytest.raises(InputError, match="holds no GLUE task"):
        plan.choose_glue_tasks(str(tmp_path / "QNLI"), None)


def test_saved_protocol_must_match(tmp_path):
    protocol = {"learning_rates": "5e-05", "seeds": 1}
    plan.check_or_save(str(tmp_path), protocol)
    assert json.loads((tmp_path / "sweep.json").read_text()) == protocol
    plan.check_or_save(str(tmp_path), dict(protocol))
    with pytest.raises(InputError, match="--seeds=1, now 3"):
        plan.check_or_save(str(tmp_path), {"learning_rates": "5e-05", "seeds": 3})
