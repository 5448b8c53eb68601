"""GLUE: the trials of the chosen tasks, then the chosen trials' test
predictions, WNLI's majority file, the checked zip and results.md."""

import collections
import os

import tensorflow as tf

from bert.processors import get_processor
from bert.sweep import jobs, plan, report, submission
from bert.sweep.tasks import GLUE_BY_NAME, GLUE_FILES

tf1 = tf.compat.v1
ZIP_FILE = "glue_submission.zip"


def plan_trials(config):
    """(trials, tasks to run, ["<task> (why not run)"])."""
    names, skipped = plan.choose_glue_tasks(config.data_dir, config.tasks)
    tasks = [GLUE_BY_NAME[name.lower()] for name in names]
    planned = []
    for task in tasks:
        if task.name == "WNLI" and config.wnli == "majority":
            continue
        planned += plan.grid(task.name, task.task_name,
                             os.path.join(config.data_dir, task.folder),
                             config.learning_rates, config.seeds,
                             config.random_seed)
    return planned, tasks, skipped


def prediction_jobs(config, tasks, chosen):
    """The test runs of the chosen trials: ({file: (job, task_name, data_dir)})."""
    runs = {}
    for task in tasks:
        trial = chosen.get(task.name)
        if trial is None:
            continue
        for file_name, (task_name, folder) in task.files.items():
            data_dir = os.path.join(config.data_dir, folder)
            if not tf.io.gfile.exists(os.path.join(
                    data_dir, get_processor(task_name).test_file)):
                continue
            output_dir = os.path.join(config.output_dir, task.name, "test_%s_%s"
                                      % (file_name, trial.name))
            job = jobs.inference_job(
                config, "%s test (%s)" % (file_name, trial.name), output_dir,
                task_name, data_dir, trial.output_dir(config.output_dir))
            runs[file_name] = (job, task_name, data_dir)
    return runs


def wnli_majority(config):
    """WNLI as the paper submitted it: the majority training label for every
    test row. Returns (note, dev metrics, path of WNLI.tsv)."""
    data_dir = os.path.join(config.data_dir, "WNLI")
    processor = get_processor("wnli")
    labels = [example.label for example in processor.get_train_examples(data_dir)]
    majority = collections.Counter(labels).most_common(1)[0][0]
    dev = processor.get_dev_examples(data_dir)
    accuracy = sum(example.label == majority for example in dev) / len(dev)
    path = os.path.join(config.output_dir, "WNLI", "majority", "WNLI.tsv")
    tf.io.gfile.makedirs(os.path.dirname(path))
    submission.write_majority_file(
        path, majority, len(processor.get_test_examples(data_dir)))
    return "majority class %s" % majority, {"eval_accuracy": str(accuracy)}, path


def assemble(config, tasks, skipped, runner, results, chosen):
    """Predicts with the chosen trials, then writes the zip and results.md.
    Returns the titles of failed test runs."""
    runs = prediction_jobs(config, tasks, chosen)
    statuses = runner.run_all([job for job, _, _ in runs.values()],
                              "test predictions")
    failed = [job.title for job, _, _ in runs.values()
              if statuses.get(job.output_dir, {}).get("status") == "failed"]
    files = {name: (os.path.join(job.output_dir, name + ".tsv"), task_name,
                    data_dir) for name, (job, task_name, data_dir) in runs.items()}
    rows = []
    for task in tasks:
        note, metrics = None, results.get(chosen.get(task.name), {})
        if task.name == "WNLI" and config.wnli == "majority":
            note, metrics, path = wnli_majority(config)
            files["WNLI"] = (path, "wnli", os.path.join(config.data_dir, "WNLI"))
        elif task.name not in chosen:
            note = "no finished trial"
        rows.append((task, chosen.get(task.name), metrics, note))
    zip_files = {}
    for name, (path, task_name, data_dir) in sorted(files.items()):
        if not tf.io.gfile.exists(path):
            continue
        processor = get_processor(task_name)
        submission.check_submission_file(
            path, len(processor.get_test_examples(data_dir)),
            processor.get_labels())
        zip_files[name] = path
    submission.write_zip(os.path.join(config.output_dir, ZIP_FILE), zip_files)
    missing_files = [name for name in GLUE_FILES if name not in zip_files]
    report.write(os.path.join(config.output_dir, "results.md"),
                 report.glue_markdown(config.protocol(), rows, skipped, zip_files,
                                      missing_files))
    tf1.logging.info("wrote results.md and %s in %s (%d of %d GLUE files%s)",
                     ZIP_FILE, config.output_dir, len(zip_files), len(GLUE_FILES),
                     "" if not missing_files else
                     "; missing: " + ", ".join(missing_files))
    return failed
