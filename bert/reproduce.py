"""Reproduces the BERT paper's GLUE or XNLI protocol in one resumable command.

Every trial (task x learning rate x restart) is an ordinary run_classifier.py
run in output_dir/<task>/<trial>/; per task the trial with the best main dev
metric is chosen, predicts the test set, and the tables (results.tsv,
results.md) and the GLUE server's zip are assembled. Rerunning the command
skips finished trials and continues interrupted ones. See
docs/reproducing.md.
"""

import os

from bert.classifier import startup

startup.start_tensorflow()  # before TensorFlow's first import: see startup.py

from absl import flags  # noqa: E402
import tensorflow as tf  # noqa: E402

from bert.classifier import cli, logs  # noqa: E402
from bert.errors import reported_errors  # noqa: E402
from bert.sweep import config as sweep_config  # noqa: E402
from bert.sweep import glue, jobs, plan, report, trials, xnli  # noqa: E402

tf1 = tf.compat.v1
FLAGS = flags.FLAGS

flags.DEFINE_enum("benchmark", "glue", ["glue", "xnli"], "The benchmark to run.")
flags.DEFINE_string(
    "data_dir", None,
    "GLUE: the root with one folder per task (CoLA, SST-2, MRPC, STS-B, QQP, "
    "MNLI, QNLI, RTE, WNLI, diagnostic). XNLI: the folder with xnli.dev.tsv, "
    "xnli.test.tsv and multinli/.")
flags.DEFINE_string(
    "bert_dir", None,
    "A released model's folder: vocab.txt, bert_config.json, bert_model.ckpt.")
flags.DEFINE_string("vocab_file", None, "Overrides <bert_dir>/vocab.txt.")
flags.DEFINE_string("bert_config_file", None,
                    "Overrides <bert_dir>/bert_config.json.")
flags.DEFINE_string("init_checkpoint", None,
                    "Overrides <bert_dir>/bert_model.ckpt.")
flags.DEFINE_bool("do_lower_case", True,
                  "Lower-case the text: True for uncased models.")
flags.DEFINE_string("output_dir", None, "Where the trials, tables and zip go.")
flags.DEFINE_list(
    "tasks", None,
    "GLUE tasks to run (default: every task whose train.tsv is in --data_dir).")
flags.DEFINE_string("learning_rates", "5e-5,4e-5,3e-5,2e-5",
                    "The learning-rate grid, comma-separated.")
flags.DEFINE_float("num_train_epochs", 3.0, "Epochs of every trial.")
flags.DEFINE_integer("train_batch_size", 32, "Batch size of every trial.")
flags.DEFINE_integer("seeds", 1, "Random restarts per learning rate.")
flags.DEFINE_integer("max_seq_length", 128, "Tokens per example.")
flags.DEFINE_integer(
    "random_seed", None,
    "Seed of the first restart (the k-th uses random_seed + k - 1), for "
    "repeatable sweeps. Default: unseeded, as the paper's restarts.")
flags.DEFINE_enum(
    "wnli", "majority", ["majority", "train"],
    "majority: submit WNLI's majority training label, as the paper did; "
    "train: tune it like the other tasks.")
flags.DEFINE_enum("xnli_protocol", "translate_train",
                  ["translate_train", "zero_shot"],
                  "translate_train: train and test in each language; zero_shot: "
                  "train on English MultiNLI, test in every language.")
flags.DEFINE_string(
    "mnli_data_dir", None,
    "zero_shot without multinli/multinli.train.en.tsv: a GLUE MNLI folder "
    "to train on.")
flags.DEFINE_string(
    "shard", "1/1",
    "I/N: run only the I-th of N fixed, disjoint shares of the trials, so N "
    "machines can fill one output_dir; the last to finish assembles.")
flags.DEFINE_bool("collect_only", False,
                  "Run no trial: choose, predict and assemble what is there.")
flags.DEFINE_integer(
    "trials_in_parallel", 1,
    "Runs at once, each with CUDA_VISIBLE_DEVICES set to its own GPU.")

# Every run_classifier flag that the protocol does not set is passed on to
# the runs when given: the same flag (type, default, help) as run_classifier's.
_RUN_CLASSIFIER_FLAGS = flags.FlagValues()
PASS_THROUGH = sorted(set(cli.define_flags(_RUN_CLASSIFIER_FLAGS))
                      - set(jobs.PROTOCOL_FLAGS))
for _name in PASS_THROUGH:
    flags.DEFINE_flag(_RUN_CLASSIFIER_FLAGS[_name])
for _required in ("data_dir", "output_dir"):
    flags.mark_flag_as_required(_required)


class SweepFailed(RuntimeError):
    """Some trials or test runs failed; the rest of the sweep went on."""


def run(config):
    """Plans the sweep, runs this shard's trials, and assembles the results
    when every trial of the plan has finished."""
    if config.benchmark == "glue":
        planned, tasks, skipped = glue.plan_trials(config)
        if skipped:
            tf1.logging.info("GLUE tasks not run: %s", ", ".join(skipped))
    else:
        planned, languages = xnli.plan_trials(config)
    plan.check_or_save(config.output_dir, config.protocol())
    mine = [] if config.collect_only else plan.shard_of(planned, config.shard)
    tf1.logging.info("sweep: %d trials planned, %d in this shard (%d/%d)",
                     len(planned), len(mine), *config.shard)
    runner = trials.Runner(config.trials_in_parallel)
    runner.run_all([jobs.trial_job(config, trial) for trial in mine], "trials")

    results, statuses = report.trial_results(config.output_dir, planned)
    failed = ["%s %s: %s" % (trial.group, trial.name, statuses[trial]["error"])
              for trial in planned if not results[trial] and statuses[trial]
              and statuses[trial]["status"] == "failed"]
    unfinished = [trial for trial in planned
                  if not results[trial] and not statuses[trial]]
    if unfinished and not config.collect_only:
        tf1.logging.info("sweep: %d trials not finished yet (other shards): the "
                         "last shard to finish, or --collect_only, assembles",
                         len(unfinished))
    else:
        chosen = report.chosen_trials(planned, results)
        report.write(os.path.join(config.output_dir, "results.tsv"),
                     report.results_tsv(
                         [(trial, results[trial], statuses[trial],
                           chosen.get(trial.group) == trial) for trial in planned],
                         config.protocol()))
        if config.benchmark == "glue":
            failed += glue.assemble(config, tasks, skipped, runner, results, chosen)
        else:
            failed += xnli.assemble(config, languages, runner, chosen)
    if failed:
        raise SweepFailed("%d run(s) failed: %s" % (len(failed), "; ".join(failed)))


def main(_):
    logs.configure(verbosity_given=FLAGS["verbosity"].present)
    with reported_errors("reproduce", SweepFailed):
        run(sweep_config.from_flags(FLAGS, PASS_THROUGH))


def command():
    """The reproduce command."""
    cli.run_command(main, __name__)


if __name__ == "__main__":
    command()
