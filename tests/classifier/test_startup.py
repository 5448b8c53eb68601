"""classifier/startup.py: TensorFlow starts without its C++ notices, and
nothing else on stderr is lost."""

import os
import subprocess
import sys

import pytest

from bert.classifier import startup
from helpers import REPO

SCRIPT = ("import sys; from bert.classifier import startup; "
          "print('before', file=sys.stderr, flush=True); "
          "startup.start_tensorflow(); print('after', file=sys.stderr)")


def start(**env):
    """The stderr of a Python that starts TensorFlow, with env on top of this
    environment less TF_CPP_MIN_LOG_LEVEL."""
    environment = {name: value for name, value in os.environ.items()
                   if name != "TF_CPP_MIN_LOG_LEVEL"}
    environment.update(env)
    return subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=300).stderr


def test_tensorflow_starts_quietly_and_other_lines_stay():
    lines = start().splitlines()
    assert lines == ["before", "after"]


@pytest.mark.parametrize("program", [
    "run_classifier.py", "reproduce.py", "classify.py", "convert_hf_checkpoint.py"])
def test_every_program_starts_tensorflow_quietly(program):
    environment = {name: value for name, value in os.environ.items()
                   if name != "TF_CPP_MIN_LOG_LEVEL"}
    process = subprocess.run(
        [sys.executable, os.path.join(REPO, program), "--help"], cwd=REPO,
        env=environment, capture_output=True, text=True, timeout=300)
    assert "--" in process.stdout  # its usage
    notices = [line for line in (process.stdout + process.stderr).splitlines()
               if startup.is_start_up_notice(line)]
    assert notices == []


def test_tf_cpp_min_log_level_0_shows_everything():
    assert "before" in start(TF_CPP_MIN_LOG_LEVEL="0")


def test_notices_are_recognised():
    assert startup.is_start_up_notice(
        "I0000 00:00:1796168488.978127 3547 port.cc:153] oneDNN custom operations "
        "are on. You may see slightly different numerical results")
    assert startup.is_start_up_notice(
        "E0000 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error")
    assert not startup.is_start_up_notice("run_classifier: error: --data_dir=x")
