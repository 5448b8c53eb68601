"""Sentence-pair similarity, a regression task: STS-B."""

from processors.base import InputExample, TsvTaskProcessor


class StsbProcessor(TsvTaskProcessor):
    """STS-B: header row, sentences 7 and 8, score 9 (0..5); test has 9 columns."""

    metrics = ("pearson", "spearman")
    main_metric = "eval_pearson"
    glue_name = "STS-B"
    labels = None  # regression: each example has a score

    def _create_examples(self, rows, set_type):
        examples = []
        for i, row in enumerate(rows):
            if i == 0:
                continue
            label = "0.0" if set_type == "test" else self._checked_label(row, 9)
            examples.append(InputExample(
                "%s-%s" % (set_type, i), row.cell(7), row.cell(8), label))
        return examples
