"""pyproject.toml: the wheel's files, and `pip install <clone>` into a fresh
virtualenv outside the repository, whose TensorFlow (this suite's, seen
through a .pth file) is kept: the commands on its PATH, `from bert import
...`, and no top-level module of the clone's."""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from helpers import REPO, model_args, small_mrpc

# What a clone holds that is not the package (and pip must not see).
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv*", "build", "*.egg-info",
                                    "__pycache__", ".pytest_cache")


def run(command, cwd, check=True):
    """command's CompletedProcess, run in cwd with no PYTHONPATH."""
    process = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                             timeout=900, env=dict(os.environ, PYTHONPATH=""))
    assert process.returncode == 0 or not check, (
        command, process.stdout[-3000:], process.stderr[-3000:])
    return process


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A copy of the repository's source, as a fresh clone has it."""
    target = tmp_path_factory.mktemp("clone") / "run_classifier"
    shutil.copytree(REPO, str(target), ignore=NOT_SOURCE)
    return str(target)


@pytest.fixture(scope="module")
def installed(tmp_path_factory, clone):
    """(python, bin folder, pip's output) of a fresh virtualenv with the
    clone installed into it."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    # This suite's TensorFlow (and absl, six, safetensors), already there as
    # on a Cloud TPU VM or a GPU image.
    with open(os.path.join(purelib, "existing_tensorflow.pth"), "w") as writer:
        writer.write(sysconfig.get_paths()["purelib"] + "\n")
    pip = run([python, "-m", "pip", "install", clone], cwd=str(venv))
    return python, str(venv / "bin"), pip.stdout


def test_the_wheel_holds_the_package_alone(tmp_path, clone):
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path),
         clone], cwd=str(tmp_path))
    (wheel,) = [name for name in os.listdir(str(tmp_path)) if name.endswith(".whl")]
    names = zipfile.ZipFile(str(tmp_path / wheel)).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"bert", wheel.split("-")[0] + "-" + wheel.split("-")[1]
                    + ".dist-info"}
    package = {name for name in names if name.startswith("bert/")}
    expected = {os.path.relpath(os.path.join(folder, name), clone)
                for folder, _, files in os.walk(os.path.join(clone, "bert"))
                for name in files if name.endswith(".py")}
    assert package == expected


@pytest.mark.slow
@pytest.mark.shared_data
def test_pip_install_keeps_tensorflow_and_runs_from_anywhere(
        tmp_path, installed, minilm_dir):
    python, bin_dir, pip_output = installed
    assert "Requirement already satisfied: tensorflow" in pip_output
    assert "Installing collected packages: bert-run-classifier" in pip_output
    elsewhere = str(tmp_path)
    run([python, "-c", "from bert import run_classifier, modeling, "
         "optimization, tokenization; run_classifier.InputExample"], elsewhere)
    for clone_module in ("modeling", "run_classifier", "classifier", "errors"):
        process = run([python, "-c", "import " + clone_module], elsewhere,
                      check=False)
        assert "ModuleNotFoundError" in process.stderr, clone_module
    # absl's --help ends with status 1, argparse's with 0.
    module = run([python, "-m", "bert.run_classifier", "--help"], elsewhere,
                 check=False)
    assert "--task_name" in module.stdout, module.stderr[-2000:]
    for command, expected in (("bert_reproduce", "--benchmark"),
                              ("bert_classify", "export_dir"),
                              ("bert_convert_hf_checkpoint", "--hf_dir")):
        process = run([os.path.join(bin_dir, command), "--help"], elsewhere,
                      check=False)
        assert expected in process.stdout, (command, process.stderr[-2000:])

    output_dir = str(tmp_path / "out")
    process = run([os.path.join(bin_dir, "run_classifier"), "--task_name=MRPC",
                   "--do_train=true", "--do_eval=true", "--do_predict=true",
                   "--data_dir=" + small_mrpc(tmp_path, 24),
                   "--output_dir=" + output_dir, "--max_seq_length=32",
                   "--train_batch_size=8", "--num_train_epochs=1"]
                  + model_args(minilm_dir), elsewhere)
    assert "Num steps = 3" in process.stderr
    for name in ("eval_results.txt", "test_results.tsv", "model.ckpt-3.index"):
        assert os.path.exists(os.path.join(output_dir, name)), name
