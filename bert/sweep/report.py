"""Reading the trials' results, choosing the best of each group, and the
tables: results.tsv (every trial), results.md (the chosen ones beside the
published figures)."""

import collections

from bert.classifier import atomic
from bert.classifier.results import read_eval_results
from bert.processors import get_processor
from bert.sweep import trials
from bert.sweep.tasks import PUBLISHED, PUBLISHED_SOURCE, XNLI_PUBLISHED


def choose(trials, results, main_metric):
    """The trial with the highest main_metric among those with results (the
    first in plan order on a tie), or None."""
    best, best_value = None, None
    for trial in trials:
        value = results.get(trial, {}).get(main_metric)
        if value is not None and (best_value is None or float(value) > best_value):
            best, best_value = trial, float(value)
    return best


def trial_results(output_dir, planned):
    """({trial: eval metrics}, {trial: trial.json status or None})."""
    results, statuses = {}, {}
    for trial in planned:
        folder = trial.output_dir(output_dir)
        results[trial] = read_eval_results(folder)
        statuses[trial] = trials.read_status(folder)
    return results, statuses


def chosen_trials(planned, results):
    """{group: its trial with the best main dev metric} (groups with results)."""
    groups = collections.OrderedDict()
    for trial in planned:
        groups.setdefault(trial.group, []).append(trial)
    chosen = {}
    for group, members in groups.items():
        best = choose(members, results,
                      get_processor(members[0].task_name).main_metric)
        if best is not None:
            chosen[group] = best
    return chosen


def results_tsv(rows, protocol):
    """One row per trial: its setting, every dev metric, time, status, chosen.

    rows: [(trial, metrics dict, status dict or None, chosen)].
    """
    metric_names = sorted({key for _, metrics, _, _ in rows for key in metrics
                           if key != "global_step"})
    header = (["group", "trial", "learning_rate", "num_train_epochs",
               "train_batch_size", "restart", "random_seed", "global_step"]
              + metric_names + ["wall_seconds", "status", "chosen", "error"])
    lines = ["\t".join(header)]
    for trial, metrics, status, chosen in rows:
        status = status or {}
        state = "done" if metrics else status.get("status", "not run")
        cells = [trial.group, trial.name, "%g" % trial.learning_rate,
                 "%g" % protocol["num_train_epochs"],
                 str(protocol["train_batch_size"]), str(trial.restart),
                 "" if trial.random_seed is None else str(trial.random_seed),
                 metrics.get("global_step", "")]
        cells += [metrics.get(name, "") for name in metric_names]
        cells += [str(status.get("wall_seconds", "")), state,
                  "yes" if chosen else "no",
                  status.get("error", "") if not metrics else ""]
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def percent(value):
    return "%.1f" % (100.0 * float(value))


def score_metrics(task):
    """The dev metrics GLUE averages into task's score (its processor's)."""
    return get_processor(task.task_name).score_metrics


def glue_scores(task, metrics):
    """[(name, score in percent)] this task adds to GLUE's average: the mean
    of its score metrics; MNLI adds matched and mismatched separately."""
    if task.name == "MNLI":
        scores = [("MNLI-m", 100.0 * float(metrics["eval_accuracy"]))]
        if "eval_mismatched_accuracy" in metrics:
            scores.append(("MNLI-mm",
                           100.0 * float(metrics["eval_mismatched_accuracy"])))
        return scores
    values = [float(metrics[name]) for name in score_metrics(task)
              if name in metrics]
    return [(task.name, 100.0 * sum(values) / len(values))]


def glue_markdown(protocol, rows, missing_tasks, zip_files, missing_files):
    """results.md for GLUE. rows: [(task, chosen trial or None, metrics,
    note)] in GLUE's task order."""
    lines = [
        "# GLUE: dev results of the chosen trials", "",
        "Model: `%s`. Protocol: learning rates %s, %g epochs, batch %d, %d "
        "restart(s) per setting, max_seq_length %d; per task the trial with the "
        "best main dev metric is chosen." % (
            protocol["init_checkpoint"], protocol["learning_rates"],
            protocol["num_train_epochs"], protocol["train_batch_size"],
            protocol["seeds"], protocol["max_seq_length"]), "",
        "| task | chosen | main dev metric | dev metrics | task score | "
        "BERT-Base | BERT-Large |",
        "|---|---|---|---|---|---|---|"]
    all_scores = []
    for task, trial, metrics, note in rows:
        if not metrics:
            lines.append("| %s | %s | | | | %s | %s |" % (
                task.name, note, PUBLISHED["BERT-Base"].get(task.name, ""),
                PUBLISHED["BERT-Large"].get(task.name, "")))
            continue
        scores = glue_scores(task, metrics)
        all_scores += scores
        shown = ", ".join("%s %s" % (key[len("eval_"):], percent(value))
                          for key, value in sorted(metrics.items())
                          if key.startswith("eval_") and key != "eval_loss")
        lines.append("| %s | %s | %s %s | %s | %s | %s | %s |" % (
            task.name, note or trial.name, score_metrics(task)[0][len("eval_"):],
            percent(metrics[score_metrics(task)[0]]), shown,
            " / ".join("%.1f" % score for _, score in scores),
            PUBLISHED["BERT-Base"].get(task.name, ""),
            PUBLISHED["BERT-Large"].get(task.name, "")))
    lines.append("")
    if all_scores:
        without_wnli = [score for name, score in all_scores if name != "WNLI"]
        average = (
            "Average as GLUE scores it (MRPC, QQP: mean of F1 and accuracy; "
            "STS-B: mean of Pearson and Spearman; MNLI matched and mismatched "
            "both count), over %s: **%.1f**" % (
                ", ".join(name for name, _ in all_scores),
                sum(score for _, score in all_scores) / len(all_scores)))
        if without_wnli and len(without_wnli) < len(all_scores):
            average += ("; without WNLI, as the paper averages: **%.1f**"
                        % (sum(without_wnli) / len(without_wnli)))
        lines += [average + ".", ""]
    lines += [
        "Published: %s, GLUE test-server scores (F1 for QQP and MRPC, Spearman "
        "for STS-B, Matthews correlation for CoLA, accuracy otherwise; average "
        "without WNLI): BERT-Base %s, BERT-Large %s. They are test scores; the "
        "table's own figures are dev scores." % (
            PUBLISHED_SOURCE, PUBLISHED["BERT-Base"]["average"],
            PUBLISHED["BERT-Large"]["average"]), ""]
    if missing_tasks:
        lines += ["Tasks not run: %s." % ", ".join(missing_tasks), ""]
    state = "complete" if not missing_files else "**incomplete**"
    lines.append("`glue_submission.zip` is %s: it holds %s%s." % (
        state, ", ".join(name + ".tsv" for name in sorted(zip_files)) or "nothing",
        "" if not missing_files else "; missing: " + ", ".join(
            name + ".tsv" for name in missing_files)))
    return "\n".join(lines) + "\n"


def xnli_markdown(protocol, rows):
    """The XNLI table: rows [(language, dev accuracy, test accuracy)]."""
    lines = ["# XNLI (%s): accuracy per language" % protocol["xnli_protocol"], "",
             "Model: `%s`; learning rates %s, %g epochs, batch %d." % (
                 protocol["init_checkpoint"], protocol["learning_rates"],
                 protocol["num_train_epochs"], protocol["train_batch_size"]), "",
             "| language | dev | test | published |", "|---|---|---|---|"]
    for language, dev, test in rows:
        lines.append("| %s | %s | %s | %s |" % (
            language, "" if dev is None else percent(dev),
            "" if test is None else percent(test), XNLI_PUBLISHED.get(language, "")))
    devs = [dev for _, dev, _ in rows if dev is not None]
    tests = [test for _, _, test in rows if test is not None]
    lines.append("| average | %s | %s | |" % (
        percent(sum(devs) / len(devs)) if devs else "",
        percent(sum(tests) / len(tests)) if tests else ""))
    return "\n".join(lines) + "\n"


def write(path, text):
    atomic.write_text(path, text)
