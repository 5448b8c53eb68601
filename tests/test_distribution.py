"""--distribution_strategy: the mirrored step equals the single-device step."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from classifier.runtime import distribution
from classifier.runtime import choice
from conftest import REPO, run_classifier, small_mrpc, tiny_config_dict, UNCASED_VOCAB

STEP_SCRIPT = os.path.join(REPO, "tests", "distributed_step.py")


def run_step(strategy, precision, output_dir, init_checkpoint=None):
    args = [sys.executable, STEP_SCRIPT, strategy, precision, str(output_dir)]
    process = subprocess.run(args + ([init_checkpoint] if init_checkpoint else []),
                             capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stderr[-5000:]
    return process.stderr


@pytest.fixture(scope="module")
def start_checkpoint(tmp_path_factory):
    """A checkpoint giving every variable, the classifier's too, a value, so
    that runs compared start from the same weights."""
    output_dir = tmp_path_factory.mktemp("start")
    run_step("none", "fp32", output_dir)
    return str(output_dir / "model.ckpt-1")


# fp16: the loss scale's variables are shared by the replicas; its products
# differ from one device's a little (batches of 4 instead of 8).
@pytest.mark.parametrize("precision,atol", [("fp32", 1e-7), ("fp16", 1e-5),
                                            ("fp32+fused", 1e-7)])
def test_mirrored_step_on_two_cpus_equals_the_single_device_step(
        tmp_path, start_checkpoint, precision, atol):
    run_step("none", precision, tmp_path / "single", start_checkpoint)
    log = run_step("mirrored", precision, tmp_path / "mirrored", start_checkpoint)
    assert "training on 2 replicas, 4 examples each per step" in log

    single = tf.train.load_checkpoint(str(tmp_path / "single" / "model.ckpt-1"))
    mirrored = tf.train.load_checkpoint(str(tmp_path / "mirrored" / "model.ckpt-1"))
    names = sorted(single.get_variable_to_shape_map())
    assert names == sorted(mirrored.get_variable_to_shape_map())
    assert any(name.endswith("/adam_m") for name in names)
    assert ("loss_scale" in names) == (precision == "fp16")
    for name in names:
        np.testing.assert_allclose(mirrored.get_tensor(name), single.get_tensor(name),
                                   rtol=1e-5, atol=atol, err_msg=name)
    # adam_m holds 0.1 * the (mean) gradient: unclipped here, so a sum over
    # replicas instead of a mean would show.
    m_norm = np.sqrt(sum(np.sum(single.get_tensor(name) ** 2)
                         for name in names if name.endswith("/adam_m")))
    assert 0.0 < m_norm < 0.1
    before = tf.train.load_checkpoint(start_checkpoint)
    assert not np.allclose(before.get_tensor("output_weights"),
                           single.get_tensor("output_weights"))


@pytest.mark.parametrize("tf_config,chief", [
    (None, True),
    ({"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 0}},
     True),
    ({"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}},
     False),
    ({"cluster": {"chief": ["c:0"], "worker": ["a:1"]},
      "task": {"type": "worker", "index": 0}}, False),
    ({"cluster": {"chief": ["c:0"], "worker": ["a:1"]},
      "task": {"type": "chief", "index": 0}}, True),
])
def test_is_chief_reads_tf_config(monkeypatch, tf_config, chief):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    assert distribution.is_chief() is chief


@pytest.mark.shared_data
def test_mirrored_on_one_device_trains_and_logs_examples_per_sec(tmp_path):
    config_file = tmp_path / "bert_config.json"
    config_file.write_text(json.dumps(tiny_config_dict()))
    data_dir = small_mrpc(tmp_path, 16)
    output_dir = str(tmp_path / "out")
    process = run_classifier(
        "--task_name=MRPC", "--data_dir=" + data_dir, "--vocab_file=" + UNCASED_VOCAB,
        "--bert_config_file=" + str(config_file), "--output_dir=" + output_dir,
        "--max_seq_length=32", "--do_train=true", "--do_eval=true",
        "--train_batch_size=4", "--iterations_per_loop=2",
        "--distribution_strategy=mirrored")
    assert "training on 1 replicas, 4 examples each per step" in process.stderr
    assert "examples/sec: " in process.stderr
    assert tf.train.latest_checkpoint(output_dir).endswith("model.ckpt-12")
    assert os.path.exists(os.path.join(output_dir, "eval_results.txt"))
    bad = run_classifier(
        "--task_name=MRPC", "--data_dir=" + data_dir, "--vocab_file=" + UNCASED_VOCAB,
        "--bert_config_file=" + str(config_file), "--output_dir=" + output_dir,
        "--do_train=true", "--gradient_accumulation_steps=2",
        "--distribution_strategy=mirrored", check=False)
    assert bad.returncode == 2
    assert "--gradient_accumulation_steps works only with" in bad.stderr


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("localhost", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


@pytest.mark.shared_data
@pytest.mark.skipif(not choice.has_estimator(),
                    reason="multi_worker_mirrored needs Estimator (TensorFlow 2.15)")
def test_multi_worker_mirrored_trains_on_a_two_process_cluster(tmp_path):
    config_file = tmp_path / "bert_config.json"
    config_file.write_text(json.dumps(tiny_config_dict()))
    data_dir = small_mrpc(tmp_path, 32)
    output_dir = str(tmp_path / "out")
    chief_port, worker_port = free_ports(2)
    cluster = {"chief": ["localhost:%d" % chief_port],
               "worker": ["localhost:%d" % worker_port]}
    processes = {}
    for task in ("chief", "worker"):
        env = dict(os.environ, TF_CONFIG=json.dumps(
            {"cluster": cluster, "task": {"type": task, "index": 0}}))
        processes[task] = subprocess.Popen(
            [sys.executable, os.path.join(REPO, "run_classifier.py"),
             "--task_name=MRPC", "--data_dir=" + data_dir,
             "--vocab_file=" + UNCASED_VOCAB, "--bert_config_file=" + str(config_file),
             "--output_dir=" + output_dir, "--max_seq_length=32", "--do_train=true",
             "--do_eval=true", "--do_predict=true", "--train_batch_size=8",
             "--distribution_strategy=multi_worker_mirrored"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
    logs = {}
    try:
        for task, process in processes.items():
            logs[task] = process.communicate(timeout=600)[1]
            assert process.returncode == 0, logs[task][-5000:]
    finally:
        for process in processes.values():
            process.kill()
    for log in logs.values():
        assert "training on 2 replicas, 4 examples each per step" in log
    # 32 examples, 3 epochs, global batch 8: 12 steps, on both.
    assert tf.train.latest_checkpoint(output_dir).endswith("model.ckpt-12")
    assert "Loss for final step" in logs["worker"]
    written = set(os.listdir(output_dir))
    assert {"eval_results.txt", "test_results.tsv", "train.tf_record"} <= written
    assert not os.path.exists(os.path.join(output_dir, "run_classifier.lock"))


@pytest.mark.shared_data
@pytest.mark.skipif(choice.has_estimator(),
                    reason="TensorFlow 2.15 has multi_worker_mirrored")
def test_multi_worker_on_the_session_runtime_stops_naming_tensorflow_2_15(tmp_path):
    config_file = tmp_path / "bert_config.json"
    config_file.write_text(json.dumps(tiny_config_dict()))
    output_dir = tmp_path / "out"
    cluster = {"chief": ["localhost:1"], "worker": ["localhost:2"]}
    env = dict(os.environ, TF_CONFIG=json.dumps(
        {"cluster": cluster, "task": {"type": "chief", "index": 0}}))
    process = subprocess.run(
        [sys.executable, os.path.join(REPO, "run_classifier.py"), "--task_name=MRPC",
         "--data_dir=" + small_mrpc(tmp_path, 8), "--vocab_file=" + UNCASED_VOCAB,
         "--bert_config_file=" + str(config_file), "--output_dir=" + str(output_dir),
         "--do_train=true", "--distribution_strategy=multi_worker_mirrored"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert process.returncode == 2
    assert process.stderr.splitlines()[-1].startswith(
        "run_classifier: error: --distribution_strategy=multi_worker_mirrored "
        "needs TensorFlow 2.15")
    assert "Traceback" not in process.stderr
    assert not output_dir.exists()


@pytest.mark.shared_data
@pytest.mark.skipif(not choice.has_estimator(),
                    reason="multi_worker_mirrored needs Estimator (TensorFlow 2.15)")
@pytest.mark.parametrize("tf_config", [
    None, "{not json",
    json.dumps({"cluster": {"worker": ["a:1", "b:2"]},
                "task": {"type": "worker", "index": 0}})])
def test_multi_worker_without_a_chief_in_tf_config_stops(tmp_path, tf_config):
    config_file = tmp_path / "bert_config.json"
    config_file.write_text(json.dumps(tiny_config_dict()))
    data_dir = small_mrpc(tmp_path, 8)
    output_dir = tmp_path / "out"
    env = dict(os.environ)
    env.pop("TF_CONFIG", None)
    if tf_config is not None:
        env["TF_CONFIG"] = tf_config
    process = subprocess.run(
        [sys.executable, os.path.join(REPO, "run_classifier.py"), "--task_name=MRPC",
         "--data_dir=" + data_dir, "--vocab_file=" + UNCASED_VOCAB,
         "--bert_config_file=" + str(config_file), "--output_dir=" + str(output_dir),
         "--do_train=true", "--distribution_strategy=multi_worker_mirrored"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert process.returncode == 2
    assert "TF_CONFIG" in process.stderr.splitlines()[-1]
    assert not output_dir.exists()
