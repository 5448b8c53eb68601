"""README.md and docs/: a first screen that runs the tool, and no flag that
the programs do not have."""

import glob
import os
import re
import subprocess
import sys

from helpers import REPO

DOCUMENTS = [os.path.join(REPO, "README.md")] + sorted(
    glob.glob(os.path.join(REPO, "docs", "*.md")))

# Flags the documents give to programs that are not this project's.
OTHER_PROGRAMS_FLAGS = {
    "gcloud": {"accelerator-type", "version", "worker", "command", "zone"},
    "tensorflow_model_server": {"model_name", "model_base_path", "rest_api_port"},
    "tensorboard": {"logdir"},
    "pip": {"no-deps"},
    "XLA_FLAGS, TF_XLA_FLAGS": {"xla_cpu_experimental_ynn_fusion_type",
                                "tf_xla_cpu_global_jit"},
}


def helpfull_flags(script):
    """The flags an absl program lists with --helpfull."""
    process = subprocess.run([sys.executable, os.path.join(REPO, script), "--helpfull"],
                             capture_output=True, text=True, cwd=REPO, timeout=300)
    return set(re.findall(r"^\s+(?:-\w,)?--(?:\[no\])?([\w-]+):", process.stdout,
                          re.MULTILINE))


def argparse_flags():
    """The flags of the argparse programs (classify.py, the converter, bench/)."""
    names = set()
    for path in glob.glob(os.path.join(REPO, "bert", "*.py")) + glob.glob(
            os.path.join(REPO, "bench", "*.py")):
        with open(path, encoding="utf-8") as reader:
            names |= set(re.findall(r'add_argument\(\s*"--([\w-]+)"', reader.read()))
    return names


def test_every_flag_the_documents_name_exists():
    run_classifier = helpfull_flags("run_classifier.py")
    assert {"task_name", "do_train", "fast", "helpfull", "verbosity"} <= run_classifier
    known = (run_classifier | helpfull_flags("reproduce.py") | argparse_flags()
             | set().union(*OTHER_PROGRAMS_FLAGS.values()))
    unknown = []
    for path in DOCUMENTS:
        with open(path, encoding="utf-8") as reader:
            text = reader.read()
        for name, pattern in re.findall(r"(?<![\w-])--([a-z][\w-]*?)(_?\*)?(?![\w-])",
                                        text):
            if pattern:  # --do_*: some flag starts so
                found = any(flag.startswith(name) for flag in known)
            else:
                found = name in known
            if not found:
                unknown.append("%s: --%s" % (os.path.relpath(path, REPO), name))
    assert not unknown, unknown


def test_the_readme_is_short_and_its_first_screen_runs_the_tool():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as reader:
        lines = reader.read().splitlines()
    assert len(lines) < 250
    first_screen = "\n".join(lines[:40])
    assert "make setup" in first_screen and "pip install" in first_screen
    assert "python run_classifier.py" in first_screen
    assert "--task_name=MRPC" in first_screen


def test_every_page_the_readme_links_exists():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as reader:
        links = re.findall(r"\]\((docs/[\w.-]+)\)", reader.read())
    assert sorted(set(links)) == sorted(
        os.path.relpath(path, REPO) for path in DOCUMENTS[1:])
