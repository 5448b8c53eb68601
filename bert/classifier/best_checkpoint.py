"""Evaluation during training: eval_history.tsv and the best checkpoint in best/."""

import os

import tensorflow as tf

from bert.classifier import atomic, results
from bert.errors import InputError

HISTORY_FILE = "eval_history.tsv"
BEST_DIR = "best"


class EvalHistory(object):
    """Records each evaluation and keeps a copy of the best checkpoint.

    "Best" is the highest value of main_metric (every main metric here is
    better when higher). best/ holds the checkpoint files, a `checkpoint`
    state file (so best/ works as --init_checkpoint's folder) and
    eval_results.txt with the metrics that made it best.
    """

    def __init__(self, output_dir, main_metric):
        self.output_dir = output_dir
        self.main_metric = main_metric
        self.history_path = os.path.join(output_dir, HISTORY_FILE)
        self.best_dir = os.path.join(output_dir, BEST_DIR)

    def best_value(self):
        try:
            value = results.read_eval_results(self.best_dir).get(self.main_metric)
            return None if value is None else float(value)
        except ValueError:  # not UTF-8, or not a number
            raise InputError(
                "%s/%s does not read as the best evaluation's metrics: move %s "
                "away to keep the best checkpoint anew"
                % (self.best_dir, results.EVAL_RESULTS_FILE, self.best_dir))

    def evaluations_since_best(self):
        """How many evaluations in the history came after the best one."""
        if not tf.io.gfile.exists(self.history_path):
            return 0
        with tf.io.gfile.GFile(self.history_path) as reader:
            rows = [line.split("\t") for line in reader.read().splitlines()]
        try:
            column = rows[0].index(self.main_metric)
            values = [float(row[column]) for row in rows[1:]]
        except (IndexError, ValueError):
            raise InputError(
                "%s does not read as this run's evaluation history (a header "
                "with %s, a number in its column on each line): move it away to "
                "start the history again" % (self.history_path, self.main_metric))
        if not values:
            return 0
        return len(values) - 1 - values.index(max(values))

    def record(self, result, checkpoint_path):
        """Appends result to the history; copies the checkpoint if it is the best."""
        self._append_history(result)
        best = self.best_value()
        value = float(result[self.main_metric])
        if best is not None and value <= best:
            return False
        self._keep(checkpoint_path, result)
        tf.compat.v1.logging.info("new best %s = %s at step %s, kept in %s",
                                  self.main_metric, value, result["global_step"],
                                  self.best_dir)
        return True

    def _append_history(self, result):
        keys = sorted(key for key in result if key != "global_step")
        lines = []
        if tf.io.gfile.exists(self.history_path):
            with tf.io.gfile.GFile(self.history_path) as reader:
                lines = reader.read().splitlines()
        if not lines:
            lines = ["\t".join(["global_step"] + keys)]
        header = lines[0].split("\t")
        lines.append("\t".join(str(result.get(key, "")) for key in header))
        atomic.write_text(self.history_path, "\n".join(lines) + "\n")

    def _keep(self, checkpoint_path, result):
        """best/ made whole beside the old one, which it then replaces."""
        name = os.path.basename(checkpoint_path)
        with atomic.replaced_when_done(self.best_dir) as new_dir:
            tf.io.gfile.makedirs(new_dir)
            for source in tf.io.gfile.glob(checkpoint_path + ".*"):
                tf.io.gfile.copy(source, os.path.join(
                    new_dir, os.path.basename(source)), overwrite=True)
            with tf.io.gfile.GFile(os.path.join(new_dir, "checkpoint"), "w") as writer:
                writer.write('model_checkpoint_path: "%s"\n'
                             'all_model_checkpoint_paths: "%s"\n' % (name, name))
            with tf.io.gfile.GFile(os.path.join(
                    new_dir, results.EVAL_RESULTS_FILE), "w") as writer:
                writer.write(results.format_eval_results(result))
            if tf.io.gfile.exists(self.best_dir):
                tf.io.gfile.rmtree(self.best_dir)
