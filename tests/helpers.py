"""What the tests share that is not a fixture: where the real data lives,
tiny model configs, small copies of GLUE files, run_classifier in a
subprocess (run_classifier) or in the test's process (run_in_process), and
classify.py. Test modules import these from here; conftest.py holds the
fixtures and pytest's hooks."""

import logging
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The scripts that tests start in a subprocess.
SCRIPTS = os.path.join(REPO, "tests", "scripts")
SHARED_DATA = os.environ.get(
    "SHARED_DATA", os.path.join(os.path.dirname(REPO), "shared", "data"))
GLUE = os.path.join(SHARED_DATA, "glue")
UNCASED_VOCAB = os.path.join(
    SHARED_DATA, "bert_mini_uncased_L-4_H-256_A-4_PARTIAL_no_weights", "vocab.txt")
CHINESE_DIR = os.path.join(
    SHARED_DATA, "bert_chinese_L-12_H-768_A-12_PARTIAL_no_weights")
FIXTURE_CKPT_DIR = os.path.join(
    SHARED_DATA, "bert_tf1_format_fixture_SYNTHETIC_keras_bert")
GOEMOTIONS = os.path.join(SHARED_DATA, "goemotions")

HAVE_SHARED_DATA = os.path.isdir(GLUE)
MISSING_DATA_REASON = (
    "needs the real test data, looked for in %s: GLUE tasks as GLUE's "
    "download_glue_data.py lays them out, released BERT vocabularies, a small "
    "TF1 checkpoint, XNLI and MNLI rows (docs/contributing.md, Tests, lists what goes "
    "where); set SHARED_DATA to the folder that holds them" % SHARED_DATA)

sys.path.insert(0, REPO)


def tiny_config_dict(vocab_size=30522, max_position_embeddings=64):
    """A 2-layer, 32-wide BERT: fast enough to train in a test."""
    return {
        "vocab_size": vocab_size, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "intermediate_size": 64, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": max_position_embeddings, "type_vocab_size": 2,
        "initializer_range": 0.02,
    }


def small_mrpc(root, rows):
    """A data dir under `root` with the first `rows` examples of each real MRPC file."""
    data_dir = root / "MRPC"
    data_dir.mkdir()
    for name in ("train.tsv", "dev.tsv", "test.tsv"):
        with open(os.path.join(GLUE, "MRPC", name), encoding="utf-8") as reader:
            lines = reader.read().split("\n")[:rows + 1]
        (data_dir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(data_dir)


def small_glue_copy(root, folder, rows):
    """root/<folder> with the header and first `rows` rows of each real file."""
    target = root / folder
    target.mkdir(parents=True)
    for name in os.listdir(os.path.join(GLUE, folder)):
        with open(os.path.join(GLUE, folder, name), encoding="utf-8",
                  newline="") as reader:
            lines = reader.read().split("\n")
        if lines[-1] == "":
            lines.pop()
        (target / name).write_text("\n".join(lines[:rows + 1]) + "\n",
                                   encoding="utf-8", newline="")
    return str(target)


def fill_disk(folder, leave_bytes):
    """Fills folder's file system with a file `filler` until leave_bytes (in
    whole pages) are free."""
    status = os.statvfs(str(folder))
    with open(os.path.join(str(folder), "filler"), "wb") as writer:
        writer.write(b"\0" * max(0, status.f_bavail * status.f_frsize - leave_bytes))


def run_classifier(*args, check=True):
    """Runs run_classifier.py in a subprocess; returns the CompletedProcess."""
    process = subprocess.run(
        [sys.executable, os.path.join(REPO, "run_classifier.py")] + list(args),
        cwd=REPO, capture_output=True, text=True, timeout=1800)
    if check and process.returncode != 0:
        raise AssertionError("run_classifier failed (%d):\n%s"
                             % (process.returncode, process.stderr[-5000:]))
    return process


class _Lines(logging.Handler):
    """Keeps the messages logged, a line each."""

    def __init__(self):
        super(_Lines, self).__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage() + "\n")


def run_in_process(*args):
    """run_classifier with these command-line arguments, in this process: the
    flags parsed as the command parses them, then the run. Returns what it
    logged at INFO, a line a message; what the command reports in one line
    (InputError) is raised here."""
    from absl import flags
    from bert.classifier import cli, runner
    from bert.classifier.run_config import RunConfig
    flag_values = flags.FlagValues()
    cli.define_flags(flag_values)
    flag_values(["run_classifier"] + list(args))
    logger = logging.getLogger("tensorflow")
    lines, level = _Lines(), logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    try:
        runner.run(RunConfig.from_flags(flag_values))
    finally:
        logger.removeHandler(lines)
        logger.setLevel(level)
    return "".join(lines.lines)


def model_args(model_dir):
    """run_classifier's --vocab_file, --bert_config_file and --init_checkpoint
    for a folder in the released layout."""
    return ["--vocab_file=" + os.path.join(model_dir, "vocab.txt"),
            "--bert_config_file=" + os.path.join(model_dir, "bert_config.json"),
            "--init_checkpoint=" + os.path.join(model_dir, "bert_model.ckpt")]


def classify(export_dir, input_bytes, *args):
    """classify.py on export_dir in a subprocess, input_bytes as its stdin."""
    return subprocess.run(
        [sys.executable, os.path.join(REPO, "classify.py"), export_dir] + list(args),
        input=input_bytes, capture_output=True, cwd=REPO, timeout=600)


# The lines goemotions_slice keeps of each GoEmotions file (which have no
# header).
GOEMOTIONS_SLICE_ROWS = {"train.tsv": 240, "dev.tsv": 100, "test.tsv": 60}


def goemotions_slice(root):
    """root/goemotions with the first lines of each real GoEmotions file."""
    data_dir = root / "goemotions"
    data_dir.mkdir()
    for name, rows in GOEMOTIONS_SLICE_ROWS.items():
        with open(os.path.join(GOEMOTIONS, name), encoding="utf-8") as reader:
            lines = reader.read().split("\n")[:rows]
        (data_dir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(data_dir)
