"""The run_classifier.py runs of a sweep: training trials and the chosen
trials' test runs."""

from bert.classifier import results
from bert.processors import get_processor
from bert.sweep import trials

# The run_classifier flags the sweep sets itself (the protocol and each run's
# files); reproduce.py passes every other one on when given.
PROTOCOL_FLAGS = (
    "task_name", "data_dir", "output_dir", "vocab_file", "bert_config_file",
    "init_checkpoint", "do_lower_case", "max_seq_length", "do_train", "do_eval",
    "do_predict", "learning_rate", "num_train_epochs", "train_batch_size",
    "random_seed", "glue_submission_dir", "xnli_language")


def common_flags(config):
    """The run_classifier flags every run of the sweep shares."""
    return ["--vocab_file=" + config.vocab_file,
            "--bert_config_file=" + config.bert_config_file,
            "--do_lower_case=%s" % config.do_lower_case,
            "--max_seq_length=%d" % config.max_seq_length] + list(
                config.pass_through)


def trial_job(config, trial):
    """Trains and evaluates one trial of the grid in its own folder."""
    args = ["--task_name=" + trial.task_name, "--data_dir=" + trial.data_dir,
            "--init_checkpoint=" + config.init_checkpoint,
            "--do_train=true", "--do_eval=true",
            "--learning_rate=%g" % trial.learning_rate,
            "--num_train_epochs=%g" % config.num_train_epochs,
            "--train_batch_size=%d" % config.train_batch_size]
    if trial.random_seed is not None:
        args.append("--random_seed=%d" % trial.random_seed)
    return trials.Job("%s %s" % (trial.group, trial.name),
                      trial.output_dir(config.output_dir),
                      args + list(trial.flags) + common_flags(config),
                      results.EVAL_RESULTS_FILE)


def inference_job(config, title, output_dir, task_name, data_dir, checkpoint_dir,
                  extra=(), evaluate=False):
    """Predicts (and with evaluate, evaluates) with a chosen trial's model; a
    GLUE task's file for the server goes into output_dir too."""
    args = ["--task_name=" + task_name, "--data_dir=" + data_dir,
            "--init_checkpoint=" + checkpoint_dir, "--do_predict=true"]
    if get_processor(task_name).glue_name:
        args.append("--glue_submission_dir=" + output_dir)
    if evaluate:
        args.append("--do_eval=true")
    return trials.Job(title, output_dir,
                      args + list(extra) + common_flags(config),
                      results.TEST_PREDICTIONS_FILE)
