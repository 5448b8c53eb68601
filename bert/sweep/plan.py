"""The plan of a sweep: which trials, where, in which shard; saved as
sweep.json so that a rerun continues the same plan."""

import dataclasses
import json
import os
from typing import Optional, Tuple

import tensorflow as tf

from bert.classifier import atomic
from bert.errors import InputError
from bert.processors.nli import XNLI_LANGUAGES
from bert.sweep.tasks import GLUE_BY_NAME, GLUE_TASKS

PLAN_FILE = "sweep.json"


@dataclasses.dataclass(frozen=True)
class Trial(object):
    """One run_classifier training run of the grid.

    group: what the trial competes for (a GLUE task, or XNLI-<language>);
    flags: run_classifier flags beyond the protocol's (e.g. the language).
    """

    group: str
    task_name: str
    data_dir: str
    learning_rate: float
    restart: int
    random_seed: Optional[int]
    flags: Tuple[str, ...] = ()

    @property
    def name(self):
        return "lr%g_r%d" % (self.learning_rate, self.restart)

    def output_dir(self, root):
        return os.path.join(root, self.group, self.name)


def parse_learning_rates(text):
    """"5e-5,2e-5" -> [5e-05, 2e-05]; a value that is no positive number is an
    InputError."""
    rates = []
    for value in text.split(","):
        try:
            rate = float(value)
        except ValueError:
            raise InputError("--learning_rates: %r is not a number (give e.g. "
                             "5e-5,4e-5,3e-5,2e-5)" % value)
        if rate <= 0:
            raise InputError("--learning_rates: %s must be greater than 0" % value)
        rates.append(rate)
    return rates


def parse_shard(text):
    """"I/N" -> (I, N) with 1 <= I <= N."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise InputError("--shard=%s: give I/N, e.g. 1/4 for the first of four "
                         "machines" % text)
    if not 1 <= index <= count:
        raise InputError("--shard=%s: I must be between 1 and N" % text)
    return index, count


def glue_tasks_present(data_dir):
    """(present, missing): GLUE task names whose folder holds train.tsv."""
    present, missing = [], []
    for task in GLUE_TASKS:
        folder = os.path.join(data_dir, task.folder)
        if tf.io.gfile.exists(os.path.join(folder, "train.tsv")):
            present.append(task.name)
        else:
            missing.append(task.name)
    return present, missing


def choose_glue_tasks(data_dir, requested):
    """(tasks to run, ["<task> (why not)"]) for --tasks (None: every task
    whose data is present)."""
    present, missing = glue_tasks_present(data_dir)
    if not requested:
        if not present:
            raise InputError(
                "--data_dir=%s holds no GLUE task (a folder such as MRPC/ with "
                "train.tsv): pass the GLUE root that download_glue_data.py "
                "wrote" % data_dir)
        return present, [name + " (no data)" for name in missing]
    chosen = []
    for name in requested:
        task = GLUE_BY_NAME.get(name.lower())
        if task is None:
            raise InputError("--tasks: unknown GLUE task %r: use some of %s"
                             % (name, ",".join(t.name for t in GLUE_TASKS)))
        if task.name not in present:
            raise InputError("--tasks: %s has no %s/train.tsv under --data_dir=%s"
                             % (task.name, task.folder, data_dir))
        chosen.append(task.name)
    return chosen, [task.name + (" (not in --tasks)" if task.name in present
                                 else " (no data)")
                    for task in GLUE_TASKS if task.name not in chosen]


def xnli_languages_present(data_dir):
    """The XNLI languages with rows in data_dir/xnli.dev.tsv, in XNLI's order."""
    path = os.path.join(data_dir, "xnli.dev.tsv")
    if not tf.io.gfile.exists(path):
        raise InputError("--data_dir=%s has no xnli.dev.tsv: pass the folder "
                         "holding XNLI-1.0's xnli.dev.tsv, xnli.test.tsv and "
                         "XNLI-MT-1.0's multinli/" % data_dir)
    with tf.io.gfile.GFile(path) as reader:
        found = {line.split("\t", 1)[0] for line in reader.read().splitlines()[1:]}
    return [language for language in XNLI_LANGUAGES if language in found]


def grid(group, task_name, data_dir, learning_rates, restarts, random_seed,
         flags=()):
    """The trials of one group: every learning rate, every restart."""
    return [Trial(group, task_name, data_dir, rate, restart,
                  None if random_seed is None else random_seed + restart - 1,
                  tuple(flags))
            for rate in learning_rates for restart in range(1, restarts + 1)]


def shard_of(trials, shard):
    """The trials of shard (I, N): every N-th, starting at the I-th."""
    index, count = shard
    return [trial for position, trial in enumerate(trials)
            if position % count == index - 1]


def check_or_save(output_dir, protocol):
    """Saves the protocol as sweep.json, or checks it equals the saved one."""
    path = os.path.join(output_dir, PLAN_FILE)
    if tf.io.gfile.exists(path):
        with tf.io.gfile.GFile(path) as reader:
            saved = json.load(reader)
        for key in sorted(set(saved) | set(protocol)):
            if saved.get(key) != protocol.get(key):
                raise InputError(
                    "--output_dir=%s holds a sweep with --%s=%s, now %s: use a "
                    "new --output_dir, or rerun with the saved value to continue"
                    % (output_dir, key, saved.get(key), protocol.get(key)))
        return
    tf.io.gfile.makedirs(output_dir)
    atomic.write_text(path, json.dumps(protocol, indent=2, sort_keys=True) + "\n")
