"""Natural-language inference tasks: MultiNLI and XNLI."""

import os

from processors.base import DataProcessor, InputExample, TsvTaskProcessor

NLI_LABELS = ["contradiction", "entailment", "neutral"]


class MnliProcessor(TsvTaskProcessor):
    """MultiNLI (matched): header row, then sentences 8 and 9, label in the last column."""

    dev_file = "dev_matched.tsv"
    test_file = "test_matched.tsv"
    dev_set_type = "dev_matched"

    def get_labels(self):
        return list(NLI_LABELS)

    def _create_examples(self, rows, set_type):
        examples = []
        for i, row in enumerate(rows):
            if i == 0:
                continue
            if set_type == "test":
                label = "contradiction"
            else:
                label = self._checked_label(row, len(row) - 1)
            examples.append(InputExample(
                "%s-%s" % (set_type, row.cell(0)), row.cell(8), row.cell(9), label))
        return examples


class XnliProcessor(DataProcessor):
    """XNLI: machine-translated MultiNLI for training, XNLI-1.0 dev rows of one language."""

    def __init__(self):
        self.language = "zh"

    def get_train_examples(self, data_dir):
        path = os.path.join(
            data_dir, "multinli", "multinli.train.%s.tsv" % self.language)
        examples = []
        for i, row in enumerate(self._read_tsv(path)):
            if i == 0:
                continue
            if row.cell(2) == "contradictory":
                label = "contradiction"
            else:
                label = self._checked_label(row, 2)
            examples.append(InputExample(
                "train-%d" % i, row.cell(0), row.cell(1), label))
        return examples

    def get_dev_examples(self, data_dir):
        path = os.path.join(data_dir, "xnli.dev.tsv")
        examples = []
        for i, row in enumerate(self._read_tsv(path)):
            if i == 0 or row.cell(0) != self.language:
                continue
            examples.append(InputExample(
                "dev-%d" % i, row.cell(6), row.cell(7),
                self._checked_label(row, 1)))
        return examples

    def get_labels(self):
        return list(NLI_LABELS)
