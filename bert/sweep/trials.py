"""Running run_classifier.py for a sweep: one subprocess a run, its log in its
output folder, K at a time (each on its own GPU)."""

import collections
import json
import os
import shlex
import subprocess
import sys
import time

import tensorflow as tf

from bert.classifier import atomic
from bert.errors import ERROR_FILE_VARIABLE

tf1 = tf.compat.v1
# The folder that holds the bert package: a clone (with its run_classifier.py
# beside it) or site-packages.
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
LOG_FILE = "run_classifier.log"
STATUS_FILE = "trial.json"
# Where a run that stops on bad input leaves its message (errors.py).
ERROR_FILE = "run_classifier_error.json"

# A run to make: where it writes, its flags, the file whose presence means done.
Job = collections.namedtuple("Job", "title output_dir flags done_file")
# A run under way.
Running = collections.namedtuple("Running", "process job log started slot")


def run_classifier_command():
    """How a trial runs run_classifier: the clone's script where there is
    one, else the installed package's module."""
    script = os.path.join(_PACKAGE_PARENT, "run_classifier.py")
    if os.path.exists(script):
        return [sys.executable, script]
    return [sys.executable, "-m", "bert.run_classifier"]


def command(job):
    return run_classifier_command() + list(job.flags) + [
        "--output_dir=" + job.output_dir]


def is_done(job):
    return tf.io.gfile.exists(os.path.join(job.output_dir, job.done_file))


def read_status(output_dir):
    """The trial.json of a finished or failed run, or None."""
    path = os.path.join(output_dir, STATUS_FILE)
    if not tf.io.gfile.exists(path):
        return None
    with tf.io.gfile.GFile(path) as reader:
        return json.load(reader)


def failure(output_dir):
    """Why a run failed: its bad-input message (ERROR_FILE), else the last
    line of its log (a crash)."""
    error_file = os.path.join(output_dir, ERROR_FILE)
    if os.path.exists(error_file):
        with open(error_file, encoding="utf-8") as reader:
            return json.load(reader)["error"]
    with open(os.path.join(output_dir, LOG_FILE), encoding="utf-8",
              errors="replace") as reader:
        lines = [line.strip() for line in reader if line.strip()]
    return lines[-1] if lines else "no output"


class Runner(object):
    """Runs jobs, at most `parallel` at once, and logs the sweep's progress."""

    def __init__(self, parallel=1):
        self.parallel = parallel

    def run_all(self, jobs, kind="runs"):
        """Runs every job not done yet; returns {output_dir: status dict}.

        Logs each start (with the exact command) and end, and after each end
        `sweep: D of N <kind> done, E min elapsed, about L min left`.
        """
        pending = collections.deque(job for job in jobs if not is_done(job))
        for job in jobs:
            if is_done(job):
                tf1.logging.info("%s: done already, not run again", job.title)
        self.kind, self.total = kind, len(jobs)
        self.done = len(jobs) - len(pending)
        self.start, self.durations = time.time(), []
        running = []
        statuses = {}
        while pending or running:
            while pending and len(running) < self.parallel:
                slot = min(set(range(self.parallel)) - {run.slot for run in running})
                running.append(self._launch(pending.popleft(), slot))
            for run in list(running):
                if run.process.poll() is None:
                    continue
                running.remove(run)
                statuses[run.job.output_dir] = self._finish(run)
            if running:
                time.sleep(0.5)
        return statuses

    def _launch(self, job, slot):
        tf.io.gfile.makedirs(job.output_dir)
        args = command(job)
        tf1.logging.info("%s: starting: %s", job.title, shlex.join(args))
        error_file = os.path.join(job.output_dir, ERROR_FILE)
        if os.path.exists(error_file):  # from an earlier attempt
            os.remove(error_file)
        env = dict(os.environ, **{ERROR_FILE_VARIABLE: error_file})
        if self.parallel > 1:
            env["CUDA_VISIBLE_DEVICES"] = str(slot)
        log = open(os.path.join(job.output_dir, LOG_FILE), "w")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                   env=env)
        return Running(process, job, log, time.time(), slot)

    def _finish(self, run):
        run.log.close()
        job = run.job
        seconds = time.time() - run.started
        status = {"command": shlex.join(command(job)),
                  "wall_seconds": round(seconds, 1)}
        if run.process.returncode == 0 and is_done(job):
            status["status"] = "done"
            self.durations.append(seconds)
        else:
            status["status"] = "failed"
            status["error"] = failure(job.output_dir)
        atomic.write_text(os.path.join(job.output_dir, STATUS_FILE),
                          json.dumps(status, indent=2, sort_keys=True) + "\n")
        self.done += 1
        tf1.logging.info("%s: %s in %.0f s%s", job.title, status["status"], seconds,
                         "" if status["status"] == "done"
                         else ": " + status["error"])
        self._log_progress()
        return status

    def _log_progress(self):
        elapsed = time.time() - self.start
        mean = sum(self.durations) / len(self.durations) if self.durations else 0
        tf1.logging.info(
            "sweep: %d of %d %s done, %.1f min elapsed, about %.1f min left",
            self.done, self.total, self.kind, elapsed / 60,
            (self.total - self.done) * mean / self.parallel / 60)
