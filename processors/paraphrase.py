"""Sentence-pair paraphrase tasks: MRPC."""

from processors.base import InputExample, TsvTaskProcessor


class MrpcProcessor(TsvTaskProcessor):
    """MRPC: header row, then label 0, sentences 3 and 4 (test label read as "0")."""

    def get_labels(self):
        return ["0", "1"]

    def _create_examples(self, rows, set_type):
        examples = []
        for i, row in enumerate(rows):
            if i == 0:
                continue
            label = "0" if set_type == "test" else self._checked_label(row, 0)
            examples.append(InputExample(
                "%s-%s" % (set_type, i), row.cell(3), row.cell(4), label))
        return examples
