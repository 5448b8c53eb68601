"""Sentence-pair paraphrase tasks: MRPC and QQP."""

import tensorflow as tf

from processors.base import InputExample, TsvTaskProcessor


class MrpcProcessor(TsvTaskProcessor):
    """MRPC: header row, then label 0, sentences 3 and 4 (test label read as "0")."""

    metrics = ("accuracy", "f1")
    main_metric = "eval_f1"
    glue_name = "MRPC"

    labels = ("0", "1")

    def _create_examples(self, rows, set_type):
        examples = []
        for i, row in enumerate(rows):
            if i == 0:
                continue
            label = "0" if set_type == "test" else self._checked_label(row, 0)
            examples.append(InputExample(
                "%s-%s" % (set_type, i), row.cell(3), row.cell(4), label))
        return examples


class QqpProcessor(TsvTaskProcessor):
    """QQP: header row; train/dev questions 3, 4, label 5; test questions 1, 2.

    The official files hold malformed rows with too few columns: they are
    skipped, with one warning that gives their count and line numbers.
    """

    metrics = ("accuracy", "f1")
    main_metric = "eval_f1"
    glue_name = "QQP"

    labels = ("0", "1")

    def _create_examples(self, rows, set_type):
        columns = (1, 2, None) if set_type == "test" else (3, 4, 5)
        needed = max(c for c in columns if c is not None) + 1
        examples = []
        skipped = []
        for i, row in enumerate(rows):
            if i == 0:
                continue
            if len(row) < needed:
                skipped.append(row.line_number)
                continue
            text_a, text_b, label_column = columns
            label = ("0" if label_column is None
                     else self._checked_label(row, label_column))
            examples.append(InputExample(
                "%s-%s" % (set_type, row.cell(0)), row.cell(text_a),
                row.cell(text_b), label))
        if skipped:
            tf.compat.v1.logging.warning(
                "%s: skipped %d malformed row(s) with fewer than %d columns, "
                "at line(s) %s", rows[0].path, len(skipped), needed,
                ", ".join(map(str, skipped)))
        return examples
