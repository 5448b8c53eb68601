"""sweep/jobs.py and sweep/config.py, called directly: the run_classifier
command lines of a sweep, and which run_classifier flags it passes on."""

import os
import subprocess
import sys

from absl import flags

from bert.classifier import cli
from helpers import REPO
from bert.sweep import jobs, trials
from bert.sweep.config import SweepConfig
from bert.sweep.plan import Trial

CONFIG = SweepConfig(
    benchmark="glue", data_dir="/data", output_dir="/out", vocab_file="/m/vocab.txt",
    bert_config_file="/m/bert_config.json", init_checkpoint="/m/bert_model.ckpt",
    random_seed=3, pass_through=("--fast", "--eval_batch_size=64"))
TRIAL = Trial("XNLI-de", "XNLI", "/data/xnli", 2e-5, 1, 3, ("--xnli_language=de",))


def flag_names(command):
    return {arg[2:].split("=", 1)[0] for arg in command if arg.startswith("--")}


def run_classifier_flag_names():
    return set(cli.define_flags(flags.FlagValues()))


def test_the_protocol_flags_are_what_the_sweep_sets():
    trial = trials.command(jobs.trial_job(CONFIG, TRIAL))
    inference = trials.command(jobs.inference_job(
        CONFIG, "test", "/out/MRPC/test", "MRPC", "/data/MRPC", "/out/MRPC/best"))
    given = flag_names(trial) | flag_names(inference)
    assert given - {"fast", "eval_batch_size"} == set(jobs.PROTOCOL_FLAGS)
    assert set(jobs.PROTOCOL_FLAGS) <= run_classifier_flag_names()


def test_a_trial_runs_the_protocol_and_the_flags_passed_on():
    command = trials.command(jobs.trial_job(CONFIG, TRIAL))
    assert command[1].endswith("run_classifier.py")
    for expected in ("--task_name=XNLI", "--learning_rate=2e-05",
                     "--random_seed=3", "--xnli_language=de", "--do_train=true",
                     "--fast", "--eval_batch_size=64",
                     "--output_dir=" + os.path.join("/out", "XNLI-de", "lr2e-05_r1")):
        assert expected in command, expected


def test_the_protocol_records_the_flags_passed_on():
    assert CONFIG.protocol()["run_classifier_flags"] == [
        "--fast", "--eval_batch_size=64"]
    without = SweepConfig(**dict(CONFIG.__dict__, pass_through=()))
    assert "run_classifier_flags" not in without.protocol()


def test_reproduce_takes_every_other_run_classifier_flag():
    """reproduce.py --helpfull lists each run_classifier flag outside the
    protocol, as a flag of reproduce.py (with its type: --[no]fast)."""
    process = subprocess.run(
        [sys.executable, os.path.join(REPO, "reproduce.py"), "--helpfull"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    own = process.stdout.split("reproduce.py:", 1)[1].split("\n\n", 1)[0]
    listed = {line.split(":")[0].strip()[2:].replace("[no]", "")
              for line in own.splitlines() if line.startswith("  --")}
    expected = run_classifier_flag_names() - set(jobs.PROTOCOL_FLAGS)
    assert expected <= listed
    assert "  --[no]fast:" in own and "  --[no]fused_kernels:" in own
