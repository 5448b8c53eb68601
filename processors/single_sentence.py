"""Single-sentence tasks: CoLA (grammatical acceptability)."""

from processors.base import InputExample, TsvTaskProcessor


class ColaProcessor(TsvTaskProcessor):
    """CoLA: train/dev have no header (label 1, sentence 3); test has one (sentence 1)."""

    def get_labels(self):
        return ["0", "1"]

    def _create_examples(self, rows, set_type):
        examples = []
        for i, row in enumerate(rows):
            guid = "%s-%s" % (set_type, i)
            if set_type == "test":
                if i == 0:
                    continue
                examples.append(InputExample(guid, row.cell(1), label="0"))
            else:
                examples.append(InputExample(
                    guid, row.cell(3), label=self._checked_label(row, 1)))
        return examples
