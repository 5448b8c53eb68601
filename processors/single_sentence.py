"""Single-sentence tasks: CoLA (acceptability) and SST-2 (sentiment)."""

from processors.base import InputExample, TsvTaskProcessor


class ColaProcessor(TsvTaskProcessor):
    """CoLA: train/dev have no header (label 1, sentence 3); test has one (sentence 1)."""

    metrics = ("accuracy", "mcc")
    main_metric = "eval_mcc"
    glue_name = "CoLA"

    labels = ("0", "1")

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


class Sst2Processor(TsvTaskProcessor):
    """SST-2: header row; train/dev sentence 0, label 1; test index 0, sentence 1."""

    glue_name = "SST-2"

    labels = ("0", "1")

    def _create_examples(self, rows, set_type):
        examples = []
        for i, row in enumerate(rows):
            if i == 0:
                continue
            guid = "%s-%s" % (set_type, i)
            if set_type == "test":
                examples.append(InputExample(guid, row.cell(1), label="0"))
            else:
                examples.append(InputExample(
                    guid, row.cell(0), label=self._checked_label(row, 1)))
        return examples
