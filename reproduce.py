"""Reproduces the BERT paper's GLUE or XNLI protocol in one resumable command.

Every trial (task x learning rate x restart) is an ordinary run_classifier.py
run in output_dir/<task>/<trial>/; per task the trial with the best main dev
metric is chosen, predicts the test set, and the tables (results.tsv,
results.md) and the GLUE server's zip are assembled. Rerunning the command
skips finished trials and continues interrupted ones. See README, section
"Reproducing GLUE and XNLI".
"""

import collections
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402
import tensorflow as tf  # noqa: E402

import tokenization  # noqa: E402
from classifier import logs  # noqa: E402
from errors import InputError, reported_errors  # noqa: E402
from processors import XnliProcessor, get_processor  # noqa: E402
from sweep import plan, report, submission, trials  # noqa: E402
from sweep.tasks import GLUE_BY_NAME, GLUE_FILES  # noqa: E402

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

# run_classifier flags that leave the protocol alone: passed on when given.
PASS_THROUGH = [
    "precision", "dynamic_padding", "bucket_by_length", "use_xla",
    "gradient_accumulation_steps", "distribution_strategy", "eval_batch_size",
    "predict_batch_size", "save_checkpoints_steps", "keep_checkpoint_max",
    "iterations_per_loop", "use_tpu", "tpu_name", "tpu_zone", "gcp_project",
    "master", "num_tpu_cores"]
for _name in PASS_THROUGH:
    flags.DEFINE_string(_name, None, "Passed to run_classifier.py (see its --%s)."
                        % _name)
for _required in ("data_dir", "output_dir"):
    flags.mark_flag_as_required(_required)

Model = collections.namedtuple("Model", "vocab_file bert_config_file init_checkpoint")


def model_files():
    """The model's three paths from --bert_dir and the overrides; checked."""
    bert_dir = FLAGS.bert_dir or ""
    model = Model(
        FLAGS.vocab_file or os.path.join(bert_dir, "vocab.txt"),
        FLAGS.bert_config_file or os.path.join(bert_dir, "bert_config.json"),
        FLAGS.init_checkpoint or os.path.join(bert_dir, "bert_model.ckpt"))
    for flag, path in (("vocab_file", model.vocab_file),
                       ("bert_config_file", model.bert_config_file)):
        if not tf.io.gfile.exists(path):
            raise InputError("%s does not exist: pass --bert_dir with a released "
                             "model's files, or --%s" % (path, flag))
    if not tf.io.gfile.exists(model.init_checkpoint + ".index"):
        raise InputError("%s.index does not exist: pass --bert_dir with a released "
                         "model's files, or --init_checkpoint"
                         % model.init_checkpoint)
    try:
        tokenization.validate_case_matches_checkpoint(
            FLAGS.do_lower_case, model.init_checkpoint)
    except ValueError as error:
        raise InputError(str(error))
    return model


def common_flags(model):
    """The run_classifier flags every run of the sweep shares."""
    shared = ["--vocab_file=" + model.vocab_file,
              "--bert_config_file=" + model.bert_config_file,
              "--do_lower_case=%s" % FLAGS.do_lower_case,
              "--max_seq_length=%d" % FLAGS.max_seq_length]
    return shared + ["--%s=%s" % (name, FLAGS[name].value) for name in PASS_THROUGH
                     if FLAGS[name].value is not None]


def trial_job(trial, model):
    args = ["--task_name=" + trial.task_name, "--data_dir=" + trial.data_dir,
            "--init_checkpoint=" + model.init_checkpoint,
            "--do_train=true", "--do_eval=true",
            "--learning_rate=%g" % trial.learning_rate,
            "--num_train_epochs=%g" % FLAGS.num_train_epochs,
            "--train_batch_size=%d" % FLAGS.train_batch_size]
    if trial.random_seed is not None:
        args.append("--random_seed=%d" % trial.random_seed)
    return trials.Job("%s %s" % (trial.group, trial.name),
                      trial.output_dir(FLAGS.output_dir),
                      args + list(trial.flags) + common_flags(model),
                      "eval_results.txt")


def inference_job(title, output_dir, task_name, data_dir, checkpoint_dir, model,
                  extra=(), evaluate=False):
    """Predicts (and with evaluate, evaluates) with a chosen trial's model."""
    args = ["--task_name=" + task_name, "--data_dir=" + data_dir,
            "--init_checkpoint=" + checkpoint_dir, "--do_predict=true"]
    if get_processor(task_name).glue_name:
        args.append("--glue_submission_dir=" + output_dir)
    args += list(extra)
    if evaluate:
        args.append("--do_eval=true")
    return trials.Job(title, output_dir, args + common_flags(model),
                      "test_predictions.tsv")


def glue_plan(learning_rates):
    """(trials, tasks, missing task names) of the GLUE protocol."""
    names, missing = plan.choose_glue_tasks(FLAGS.data_dir, FLAGS.tasks)
    tasks = [GLUE_BY_NAME[name.lower()] for name in names]
    planned = []
    for task in tasks:
        if task.name == "WNLI" and FLAGS.wnli == "majority":
            continue
        planned += plan.grid(task.name, task.task_name,
                             os.path.join(FLAGS.data_dir, task.folder),
                             learning_rates, FLAGS.seeds, FLAGS.random_seed)
    return planned, tasks, missing


def xnli_plan(learning_rates):
    """(trials, languages) of the XNLI protocol."""
    languages = plan.xnli_languages_present(FLAGS.data_dir)
    if not languages:
        raise InputError("%s/xnli.dev.tsv has rows of no XNLI language"
                         % FLAGS.data_dir)
    grid = lambda group, task, data_dir, extra=(): plan.grid(  # noqa: E731
        group, task, data_dir, learning_rates, FLAGS.seeds, FLAGS.random_seed,
        extra)
    if FLAGS.xnli_protocol == "translate_train":
        planned = []
        for language in languages:
            planned += grid("XNLI-" + language, "xnli", FLAGS.data_dir,
                            ["--xnli_language=" + language])
        return planned, languages
    english = os.path.join(FLAGS.data_dir, "multinli", "multinli.train.en.tsv")
    if tf.io.gfile.exists(english):
        return grid("XNLI-train-en", "xnli", FLAGS.data_dir,
                    ["--xnli_language=en"]), languages
    if not FLAGS.mnli_data_dir:
        raise InputError("zero_shot trains on English MultiNLI: %s is missing; "
                         "pass --mnli_data_dir=<GLUE MNLI folder>" % english)
    return grid("XNLI-train-en", "mnli", FLAGS.mnli_data_dir), languages


def protocol_of(model, learning_rates):
    """The flags that define the sweep (saved in sweep.json)."""
    return {"benchmark": FLAGS.benchmark, "data_dir": FLAGS.data_dir,
            "tasks": FLAGS.tasks, "learning_rates": ",".join(
                "%g" % rate for rate in learning_rates),
            "num_train_epochs": FLAGS.num_train_epochs,
            "train_batch_size": FLAGS.train_batch_size, "seeds": FLAGS.seeds,
            "max_seq_length": FLAGS.max_seq_length,
            "random_seed": FLAGS.random_seed, "wnli": FLAGS.wnli,
            "xnli_protocol": FLAGS.xnli_protocol,
            "mnli_data_dir": FLAGS.mnli_data_dir,
            "vocab_file": model.vocab_file,
            "bert_config_file": model.bert_config_file,
            "init_checkpoint": model.init_checkpoint,
            "do_lower_case": FLAGS.do_lower_case}


def trial_results(planned):
    """({trial: eval metrics}, {trial: trial.json status})."""
    results, statuses = {}, {}
    for trial in planned:
        output_dir = trial.output_dir(FLAGS.output_dir)
        results[trial] = report.read_eval_results(output_dir)
        statuses[trial] = trials.read_status(output_dir)
    return results, statuses


def chosen_trials(planned, results):
    """{group: chosen trial} by each group's main dev metric."""
    groups = collections.OrderedDict()
    for trial in planned:
        groups.setdefault(trial.group, []).append(trial)
    chosen = {}
    for group, members in groups.items():
        main_metric = get_processor(members[0].task_name).main_metric
        best = report.choose(members, results, main_metric)
        if best is not None:
            chosen[group] = best
    return chosen


def assemble_glue(planned, tasks, missing, model, runner, results, chosen):
    """Predicts with the chosen trials; writes the zip and results.md.
    Returns the names of failed prediction runs."""
    root = FLAGS.output_dir
    jobs, files = [], {}
    for task in tasks:
        trial = chosen.get(task.name)
        if trial is None:
            continue
        for file_name, (task_name, folder) in task.files.items():
            data_dir = os.path.join(FLAGS.data_dir, folder)
            processor = get_processor(task_name)
            if not tf.io.gfile.exists(os.path.join(data_dir, processor.test_file)):
                continue
            output_dir = os.path.join(root, task.name, "test_%s_%s" % (
                file_name, trial.name))
            jobs.append(inference_job("%s test (%s)" % (file_name, trial.name),
                                      output_dir, task_name, data_dir,
                                      trial.output_dir(root), model))
            files[file_name] = (os.path.join(output_dir, file_name + ".tsv"),
                                task_name, data_dir)
    statuses = runner.run_all(jobs, "test predictions")
    failed = [job.title for job in jobs
              if statuses.get(job.output_dir, {}).get("status") == "failed"]
    rows = []
    for task in tasks:
        note, metrics = None, results.get(chosen.get(task.name), {})
        if task.name == "WNLI" and FLAGS.wnli == "majority":
            note, metrics, path = wnli_majority(root)
            files["WNLI"] = (path, "wnli", os.path.join(FLAGS.data_dir, "WNLI"))
        elif task.name not in chosen:
            note = "no finished trial"
        rows.append((task, chosen.get(task.name), metrics, note))
    zip_files = {}
    for name, (path, task_name, data_dir) in sorted(files.items()):
        if not tf.io.gfile.exists(path):
            continue
        processor = get_processor(task_name)
        submission.check_submission_file(
            path, len(processor.get_test_examples(data_dir)), processor.get_labels())
        zip_files[name] = path
    submission.write_zip(os.path.join(root, "glue_submission.zip"), zip_files)
    missing_files = [name for name in GLUE_FILES if name not in zip_files]
    report.write(os.path.join(root, "results.md"), report.glue_markdown(
        protocol_of(model, plan.parse_learning_rates(FLAGS.learning_rates)),
        rows, missing, zip_files, missing_files))
    tf1.logging.info("wrote %s and %s (%d of %d GLUE files%s)",
                     os.path.join(root, "results.md"),
                     os.path.join(root, "glue_submission.zip"), len(zip_files),
                     len(GLUE_FILES), "" if not missing_files else
                     "; missing: " + ", ".join(missing_files))
    return failed


def wnli_majority(root):
    """WNLI as the paper submitted it: the majority training label everywhere.
    Returns (note, dev metrics, path of WNLI.tsv)."""
    data_dir = os.path.join(FLAGS.data_dir, "WNLI")
    processor = get_processor("wnli")
    labels = [example.label for example in processor.get_train_examples(data_dir)]
    majority = collections.Counter(labels).most_common(1)[0][0]
    dev = processor.get_dev_examples(data_dir)
    accuracy = sum(example.label == majority for example in dev) / len(dev)
    path = os.path.join(root, "WNLI", "majority", "WNLI.tsv")
    tf.io.gfile.makedirs(os.path.dirname(path))
    submission.write_majority_file(
        path, majority, len(processor.get_test_examples(data_dir)))
    return ("majority class %s" % majority, {"eval_accuracy": str(accuracy)}, path)


def test_accuracy(output_dir, language):
    """Accuracy of output_dir/test_predictions.tsv on XNLI's test labels."""
    gold = [example.label for example in
            XnliProcessor(language).get_test_examples(FLAGS.data_dir)]
    with tf.io.gfile.GFile(os.path.join(output_dir, "test_predictions.tsv")) as f:
        predicted = [line.split("\t")[1] for line in f.read().splitlines()[1:]]
    return sum(a == b for a, b in zip(gold, predicted)) / len(gold)


def assemble_xnli(planned, languages, model, runner, results, chosen):
    """Tests the chosen model(s) per language; writes results.md. Returns the
    names of failed runs."""
    root = FLAGS.output_dir
    jobs, rows = [], []
    for language in languages:
        zero_shot = FLAGS.xnli_protocol == "zero_shot"
        trial = chosen.get("XNLI-train-en" if zero_shot else "XNLI-" + language)
        if trial is None:
            rows.append((language, None, None))
            continue
        output_dir = os.path.join(root, "XNLI-test", "%s_%s" % (language,
                                                                 trial.group))
        jobs.append(inference_job(
            "XNLI %s test" % language, output_dir, "xnli", FLAGS.data_dir,
            trial.output_dir(root), model, ["--xnli_language=" + language],
            evaluate=zero_shot))
        rows.append((language, trial, output_dir))
    statuses = runner.run_all(jobs, "test runs")
    table = []
    for language, trial, output_dir in rows:
        if trial is None or not tf.io.gfile.exists(
                os.path.join(output_dir, "test_predictions.tsv")):
            table.append((language, None, None))
            continue
        source = output_dir if FLAGS.xnli_protocol == "zero_shot" else (
            trial.output_dir(root))
        dev = report.read_eval_results(source).get("eval_accuracy")
        table.append((language, None if dev is None else float(dev),
                      test_accuracy(output_dir, language)))
    report.write(os.path.join(root, "results.md"), report.xnli_markdown(
        protocol_of(model, plan.parse_learning_rates(FLAGS.learning_rates)), table))
    report.write(os.path.join(root, "xnli_results.tsv"), "language\tdev\ttest\n" +
                 "".join("%s\t%s\t%s\n" % (language, "" if dev is None else dev,
                                           "" if test is None else test)
                         for language, dev, test in table))
    return [job.title for job in jobs
            if statuses.get(job.output_dir, {}).get("status") == "failed"]


def run():
    if FLAGS.seeds < 1 or FLAGS.train_batch_size < 1 or FLAGS.trials_in_parallel < 1:
        raise InputError("--seeds, --train_batch_size and --trials_in_parallel "
                         "must be at least 1")
    learning_rates = plan.parse_learning_rates(FLAGS.learning_rates)
    shard = plan.parse_shard(FLAGS.shard)
    model = model_files()
    if FLAGS.benchmark == "glue":
        planned, tasks, missing = glue_plan(learning_rates)
        if missing:
            tf1.logging.info("GLUE tasks not run: %s",
                             ", ".join(missing))
    else:
        planned, languages = xnli_plan(learning_rates)
    plan.check_or_save(FLAGS.output_dir, protocol_of(model, learning_rates))
    mine = [] if FLAGS.collect_only else plan.shard_of(planned, shard)
    tf1.logging.info("sweep: %d trials planned, %d in this shard (%d/%d)",
                     len(planned), len(mine), *shard)
    runner = trials.Runner(FLAGS.trials_in_parallel)
    runner.run_all([trial_job(trial, model) for trial in mine], "trials")

    results, statuses = trial_results(planned)
    failed = ["%s %s: %s" % (trial.group, trial.name, statuses[trial]["error"])
              for trial in planned
              if not results[trial] and statuses[trial]
              and statuses[trial]["status"] == "failed"]
    unfinished = [trial for trial in planned
                  if not results[trial] and not statuses[trial]]
    if unfinished and not FLAGS.collect_only:
        tf1.logging.info("sweep: %d trials not finished yet (other shards): the "
                         "last shard to finish, or --collect_only, assembles",
                         len(unfinished))
    else:
        chosen = chosen_trials(planned, results)
        report.write(os.path.join(FLAGS.output_dir, "results.tsv"),
                     report.results_tsv(
                         [(trial, results[trial], statuses[trial],
                           chosen.get(trial.group) == trial) for trial in planned],
                         protocol_of(model, learning_rates)))
        if FLAGS.benchmark == "glue":
            failed += assemble_glue(planned, tasks, missing, model, runner,
                                    results, chosen)
        else:
            failed += assemble_xnli(planned, languages, model, runner, results,
                                    chosen)
    if failed:
        raise SweepFailed("%d run(s) failed: %s" % (len(failed), "; ".join(failed)))


class SweepFailed(RuntimeError):
    """Some trials or predictions failed; the rest of the sweep went on."""


def main(_):
    logs.configure(verbosity_given=FLAGS["verbosity"].present)
    with reported_errors("reproduce", SweepFailed):
        run()


if __name__ == "__main__":
    app.run(main)
