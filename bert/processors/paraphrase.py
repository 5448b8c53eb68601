"""Sentence-pair paraphrase tasks: MRPC and QQP."""

from bert.processors.base import TsvTaskProcessor


class _ParaphraseTask(TsvTaskProcessor):
    """A GLUE paraphrase task: labels 0/1, scored by F1 and accuracy."""

    metrics = ("accuracy", "f1")
    main_metric = "eval_f1"
    score_metrics = ("eval_f1", "eval_accuracy")
    labels = ("0", "1")


class MrpcProcessor(_ParaphraseTask):
    """MRPC: header row, then label 0, sentences 3 and 4 (test label read as "0")."""

    glue_name = "MRPC"
    text_columns = (3, 4)
    label_column = 0


class QqpProcessor(_ParaphraseTask):
    """QQP: header row; id 0; train/dev questions 3, 4, label 5; test questions 1, 2.

    The official files hold malformed rows with too few columns: they are
    skipped, with one warning that gives their count and line numbers.
    """

    glue_name = "QQP"
    text_columns = (3, 4)
    test_text_columns = (1, 2)
    label_column = 5
    guid_column = 0
    skip_short_rows = True
