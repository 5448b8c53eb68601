"""--distribution_strategy: the mirrored step equals the single-device step."""

import glob
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from bert.classifier.runtime import distribution
from bert.classifier.runtime import choice
from bert.errors import InputError
from helpers import (REPO, SCRIPTS, UNCASED_VOCAB, run_classifier, run_in_process,
                     small_mrpc, tiny_config_dict)

STEP_SCRIPT = os.path.join(SCRIPTS, "distributed_step.py")


def run_step(strategies, precision, output_dir, init_checkpoint=None):
    """distributed_step.py: one step per strategy, into output_dir/<strategy>."""
    args = [sys.executable, STEP_SCRIPT, strategies, precision, str(output_dir)]
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
    return str(output_dir / "none" / "model.ckpt-1")


# fp16: the loss scale's variables are shared by the replicas; its products
# differ from one device's a little (batches of 4 instead of 8).
@pytest.mark.slow
@pytest.mark.parametrize("precision,atol", [("fp32", 1e-7), ("fp16", 1e-5),
                                            ("fp32+fused", 1e-7)])
def test_mirrored_step_on_two_cpus_equals_the_single_device_step(
        tmp_path, start_checkpoint, precision, atol):
    log = run_step("none,mirrored", precision, tmp_path, start_checkpoint)
    assert log.count("training on 2 replicas, 4 examples each per step") == 1

    single = tf.train.load_checkpoint(str(tmp_path / "none" / "model.ckpt-1"))
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


FUNCTION_STEP_SCRIPT = os.path.join(SCRIPTS, "function_step.py")


def function_step_command(strategies, output_dir, init_checkpoint, steps):
    """function_step.py's command: steps per strategy, into output_dir/<strategy>."""
    return [sys.executable, FUNCTION_STEP_SCRIPT, strategies, str(output_dir),
            init_checkpoint, str(steps)]


def cluster_env(cluster, task, index=0):
    return dict(os.environ, TF_CONFIG=json.dumps(
        {"cluster": cluster, "task": {"type": task, "index": index}}))


def run_tasks(commands_and_envs, timeout=600):
    """Runs one process per (command, env) at once; returns their stderr."""
    processes = [subprocess.Popen(command, cwd=REPO, env=env,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
                 for command, env in commands_and_envs]
    logs = []
    try:
        for process in processes:
            logs.append(process.communicate(timeout=timeout)[1])
            assert process.returncode == 0, logs[-1][-5000:]
    finally:
        for process in processes:
            process.kill()
    return logs


@pytest.fixture(scope="module")
def function_start_checkpoint(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("function_start")
    run_tasks([(function_step_command("none", output_dir, "none", 1), None)])
    return str(output_dir / "none" / "model.ckpt-1")


def assert_same_variables(first_checkpoint, second_checkpoint, atol):
    first = tf.train.load_checkpoint(first_checkpoint)
    second = tf.train.load_checkpoint(second_checkpoint)
    names = sorted(first.get_variable_to_shape_map())
    assert names == sorted(second.get_variable_to_shape_map())
    assert any(name.endswith("/adam_m") for name in names)
    for name in names:
        np.testing.assert_allclose(second.get_tensor(name), first.get_tensor(name),
                                   rtol=0, atol=atol, err_msg=name)


@pytest.mark.slow
def test_function_runtime_mirrored_and_two_workers_equal_one_device(
        tmp_path, function_start_checkpoint):
    """10 steps with dropout off, from the same weights: on one device, on
    two mirrored CPU devices, and on a two-process localhost cluster (each
    worker reading its half of every global batch; the chief alone saves)."""
    steps = 10
    log, = run_tasks([(function_step_command(
        "none,mirrored", tmp_path, function_start_checkpoint, steps), None)])
    assert log.count("training on 2 replicas, 4 examples each per step") == 1
    chief_port, worker_port = free_ports(2)
    cluster = {"chief": ["127.0.0.1:%d" % chief_port],
               "worker": ["127.0.0.1:%d" % worker_port]}
    command = function_step_command("multi_worker", tmp_path,
                                    function_start_checkpoint, steps)
    logs = run_tasks([(command, cluster_env(cluster, "chief")),
                      (command, cluster_env(cluster, "worker"))])
    for log in logs:
        assert "training on 2 replicas, 4 examples each per step" in log
    assert "Saving checkpoints for 10" in logs[0]
    assert "Saving checkpoints" not in logs[1]
    single = str(tmp_path / "none" / "model.ckpt-10")
    assert_same_variables(single, str(tmp_path / "mirrored" / "model.ckpt-10"), 1e-5)
    assert_same_variables(single, str(tmp_path / "multi_worker" / "model.ckpt-10"),
                          1e-5)
    before = tf.train.load_checkpoint(function_start_checkpoint)
    assert not np.allclose(before.get_tensor("output_weights"),
                           tf.train.load_checkpoint(single).get_tensor(
                               "output_weights"), atol=1e-4)


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


# multi_worker_mirrored runs on the estimator runtime (TensorFlow 2.15) and
# on the function runtime (every TensorFlow 2).
CLUSTER_RUNTIMES = [
    pytest.param("estimator", marks=pytest.mark.skipif(
        not choice.has_estimator(), reason="the estimator runtime needs "
        "TensorFlow 2.15")),
    "function"]


def mrpc_run(tmp_path, runtime, *extra):
    """run_classifier's command for a tiny model on 32 real MRPC rows."""
    config_file = tmp_path / "bert_config.json"
    config_file.write_text(json.dumps(tiny_config_dict()))
    data_dir = tmp_path / "MRPC"
    if not data_dir.exists():
        small_mrpc(tmp_path, 32)
    return [sys.executable, os.path.join(REPO, "run_classifier.py"),
            "--task_name=MRPC", "--data_dir=" + str(data_dir),
            "--vocab_file=" + UNCASED_VOCAB, "--bert_config_file=" + str(config_file),
            "--max_seq_length=32", "--train_batch_size=8", "--runtime=" + runtime,
            "--distribution_strategy=multi_worker_mirrored"] + list(extra)


def local_cluster():
    chief_port, worker_port = free_ports(2)
    return {"chief": ["127.0.0.1:%d" % chief_port],
            "worker": ["127.0.0.1:%d" % worker_port]}


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.parametrize("runtime", CLUSTER_RUNTIMES)
def test_multi_worker_mirrored_trains_on_a_two_process_cluster(tmp_path, runtime):
    """A cluster of a chief and a worker; then one of two workers only, as
    TensorFlow allows it (worker 0 leads), with the same results."""
    output_dir = str(tmp_path / "out")
    command = mrpc_run(tmp_path, runtime, "--output_dir=" + output_dir,
                       "--do_train=true", "--do_eval=true", "--do_predict=true",
                       "--random_seed=3")
    cluster = local_cluster()
    chief_log, worker_log = run_tasks([(command, cluster_env(cluster, "chief")),
                                       (command, cluster_env(cluster, "worker"))])
    for log in (chief_log, worker_log):
        assert "training on 2 replicas, 4 examples each per step" in log
    # 32 examples, 3 epochs, global batch 8: 12 steps, on both.
    assert tf.train.latest_checkpoint(output_dir).endswith("model.ckpt-12")
    assert "Loss for final step" in worker_log
    # The chief alone evaluates, predicts and writes output_dir.
    assert chief_log.count("***** Eval results *****") == 1
    assert "***** Eval results *****" not in worker_log
    assert "Saving checkpoints" not in worker_log or runtime == "estimator"
    written = set(os.listdir(output_dir))
    assert {"eval_results.txt", "test_results.tsv", "train.tf_record"} <= written
    assert not os.path.exists(os.path.join(output_dir, "run_classifier.lock"))

    workers_dir = str(tmp_path / "workers_only")
    command = [part.replace(output_dir, workers_dir) for part in command]
    workers = {"worker": local_cluster()["worker"] + local_cluster()["worker"]}
    first_log, second_log = run_tasks([(command, cluster_env(workers, "worker", 0)),
                                       (command, cluster_env(workers, "worker", 1))])
    assert "TF_CONFIG names no chief: worker 0 (%s) leads" % workers["worker"][0] \
        in first_log
    assert first_log.count("***** Eval results *****") == 1
    assert "***** Eval results *****" not in second_log
    for name in ("eval_results.txt", "test_results.tsv"):
        with open(os.path.join(output_dir, name)) as chief_file, \
                open(os.path.join(workers_dir, name)) as workers_file:
            assert workers_file.read() == chief_file.read(), name


@pytest.mark.slow
@pytest.mark.shared_data
def test_a_killed_worker_ends_the_run_with_one_line_and_a_rerun_resumes(tmp_path):
    output_dir = tmp_path / "out"
    # 32 examples, 25 epochs: 100 steps, a checkpoint every 10. The worker
    # is killed once the first is written, 90 steps before the end; the
    # chief then waits --cluster_timeout_secs in its collective (15 s: the
    # two processes start together, and a step or a checkpoint of the tiny
    # model takes well under a second).
    command = mrpc_run(tmp_path, "function", "--output_dir=" + str(output_dir),
                       "--do_train=true", "--num_train_epochs=25",
                       "--save_checkpoints_steps=10", "--cluster_timeout_secs=15")
    cluster = local_cluster()
    chief = subprocess.Popen(command, cwd=REPO, env=cluster_env(cluster, "chief"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
    worker = subprocess.Popen(command, cwd=REPO, env=cluster_env(cluster, "worker"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while not glob.glob(str(output_dir / "model.ckpt-10.index")):
            assert time.time() < deadline and chief.poll() is None
            time.sleep(0.2)
        worker.kill()
        log = chief.communicate(timeout=300)[1]
    finally:
        chief.kill()
        worker.kill()
    assert chief.returncode == 2
    last = log.splitlines()[-1]
    assert last.startswith("run_classifier: error: training stopped at step ")
    assert "another task of the cluster stopped answering" in last
    assert "the newest checkpoint is %s" % output_dir in last
    assert "Traceback" not in log
    assert not (output_dir / "run_classifier.lock").exists()
    newest = tf.train.latest_checkpoint(str(output_dir))

    # The same command again: from the newest checkpoint on, to step 100.
    cluster = local_cluster()
    chief_log, _ = run_tasks([(command, cluster_env(cluster, "chief")),
                              (command, cluster_env(cluster, "worker"))])
    assert "resuming training at step %s of 100" % newest.rsplit("-", 1)[1] in chief_log
    assert tf.train.latest_checkpoint(str(output_dir)).endswith("model.ckpt-100")


@pytest.mark.shared_data
@pytest.mark.parametrize("runtime", CLUSTER_RUNTIMES)
def test_a_worker_that_never_comes_ends_the_run_with_one_line(tmp_path, runtime):
    output_dir = tmp_path / "out"
    start = time.time()
    process = subprocess.run(
        mrpc_run(tmp_path, runtime, "--output_dir=" + str(output_dir),
                 "--do_train=true", "--cluster_timeout_secs=5"),
        cwd=REPO, env=cluster_env(local_cluster(), "chief"), capture_output=True,
        text=True, timeout=300)
    # Ended by the watchdog: TensorFlow does not give the process back. Its
    # clock starts once TensorFlow and the data are loaded (seconds).
    assert process.returncode == 2
    assert time.time() - start < 5 + 60
    assert process.stderr.splitlines()[-1].startswith(
        "run_classifier: error: --distribution_strategy=multi_worker_mirrored: "
        "not every task of TF_CONFIG's cluster came within "
        "--cluster_timeout_secs=5: start each of them (chief 127.0.0.1:")
    assert not output_dir.exists()


def test_the_cluster_watchdog_ends_with_the_task_it_guards():
    """A task killed while it waits for its cluster leaves no watchdog that
    would send SIGINT, minutes later, to whatever process then has its
    number (a pytest worker, say)."""
    task = subprocess.Popen([sys.executable, "-c", (
        "import time\n"
        "from bert.classifier.runtime import distribution\n"
        "with distribution._exit_unless_done_within(120, 'never'):\n"
        "    print('waiting', flush=True)\n"
        "    time.sleep(120)\n")], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert task.stdout.readline() == "waiting\n"
        children = "/proc/%d/task/%d/children" % (task.pid, task.pid)
        if not os.path.exists(children):
            pytest.skip("finds the watchdog in /proc/PID/task/PID/children, "
                        "which this system does not have (Linux has)")
        with open(children) as listing:
            (watchdog,) = [int(pid) for pid in listing.read().split()]
        assert process_state(watchdog) == "alive"
    finally:
        task.kill()
        task.wait()
    deadline = time.time() + 10
    while process_state(watchdog) == "alive" and time.time() < deadline:
        time.sleep(0.1)
    assert process_state(watchdog) != "alive"


def process_state(pid):
    """alive, ended (a zombie, or reaped), from /proc."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "ended"
    return "ended" if state in ("Z", "X") else "alive"


@pytest.mark.shared_data
def test_a_taken_port_ends_the_run_with_one_line(tmp_path):
    cluster = local_cluster()
    host, port = cluster["chief"][0].rsplit(":", 1)
    holder = socket.socket()
    holder.bind((host, int(port)))
    holder.listen()
    try:
        process = subprocess.run(
            mrpc_run(tmp_path, "function", "--output_dir=%s" % (tmp_path / "out"),
                     "--do_train=true", "--cluster_timeout_secs=30"),
            cwd=REPO, env=cluster_env(cluster, "chief"), capture_output=True,
            text=True, timeout=300)
    finally:
        holder.close()
    assert process.returncode == 2
    assert process.stderr.splitlines()[-1] == (
        "run_classifier: error: --distribution_strategy=multi_worker_mirrored: "
        "this task could not listen at its address in TF_CONFIG, %s: another "
        "process holds that port; end it, or give this task a free port"
        % cluster["chief"][0])
    assert "Traceback" not in process.stderr
    assert not (tmp_path / "out").exists()


def mrpc_args(tmp_path, runtime, *extra):
    """mrpc_run's arguments, for run_in_process."""
    return mrpc_run(tmp_path, runtime, *extra)[2:]


@pytest.mark.shared_data
def test_multi_worker_on_the_session_runtime_stops_pointing_to_function(
        tmp_path, monkeypatch):
    output_dir = tmp_path / "out"
    cluster = {"chief": ["localhost:1"], "worker": ["localhost:2"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps(
        {"cluster": cluster, "task": {"type": "chief", "index": 0}}))
    with pytest.raises(InputError) as error:
        run_in_process(*mrpc_args(tmp_path, "session", "--output_dir=" + str(output_dir),
                                  "--do_train=true"))
    assert str(error.value).startswith(
        "--distribution_strategy=multi_worker_mirrored does not run on "
        "--runtime=session: use --runtime=function")
    assert not output_dir.exists()


@pytest.mark.shared_data
@pytest.mark.parametrize("runtime", CLUSTER_RUNTIMES)
@pytest.mark.parametrize("tf_config", [
    None, "{not json",
    json.dumps({"cluster": {"chief": ["c:0", "d:0"], "worker": ["a:1"]},
                "task": {"type": "chief", "index": 0}}),
    json.dumps({"cluster": {"worker": ["a:1", "b:2"]},
                "task": {"type": "worker", "index": 2}}),
    json.dumps({"cluster": {"worker": ["a:1", "b:2"]},
                "task": {"type": "chief", "index": 0}}),
    json.dumps({"cluster": {}, "task": {"type": "worker", "index": 0}})])
def test_multi_worker_without_a_cluster_in_tf_config_stops(tmp_path, monkeypatch,
                                                           tf_config, runtime):
    output_dir = tmp_path / "out"
    monkeypatch.delenv("TF_CONFIG", raising=False)
    if tf_config is not None:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(InputError, match="TF_CONFIG"):
        run_in_process(*mrpc_args(tmp_path, runtime, "--output_dir=" + str(output_dir),
                                  "--do_train=true"))
    assert not output_dir.exists()


@pytest.mark.parametrize("tf_config,led", [
    ({"cluster": {"worker": ["a:1", "b:2", "c:3"]}, "task": {"type": "worker", "index": 0}},
     {"cluster": {"chief": ["a:1"], "worker": ["b:2", "c:3"]},
      "task": {"type": "chief", "index": 0}}),
    ({"cluster": {"worker": ["a:1", "b:2", "c:3"]}, "task": {"type": "worker", "index": 2}},
     {"cluster": {"chief": ["a:1"], "worker": ["b:2", "c:3"]},
      "task": {"type": "worker", "index": 1}}),
    ({"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 0}},
     {"cluster": {"chief": ["a:1"]}, "task": {"type": "chief", "index": 0}}),
    ({"cluster": {"chief": ["c:0"], "worker": ["a:1"]},
      "task": {"type": "worker", "index": 0}}, None),
])
def test_worker_zero_leads_a_cluster_without_a_chief(monkeypatch, tf_config, led):
    monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    distribution.check_cluster()
    chief_before = distribution.is_chief()
    distribution.lead_with_worker_zero()
    assert json.loads(os.environ["TF_CONFIG"]) == (led or tf_config)
    assert distribution.is_chief() is chief_before
