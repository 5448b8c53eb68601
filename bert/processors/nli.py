"""Natural-language inference tasks: MNLI, QNLI, RTE, WNLI, AX and XNLI."""

import os

import tensorflow as tf

from bert.errors import InputError
from bert.processors.base import DataProcessor, InputExample, TsvTaskProcessor

NLI_LABELS = ["contradiction", "entailment", "neutral"]
XNLI_LANGUAGES = ("ar", "bg", "de", "el", "en", "es", "fr", "hi", "ru", "sw",
                  "th", "tr", "ur", "vi", "zh")


class MnliProcessor(TsvTaskProcessor):
    """MultiNLI (matched): header row, id 0, sentences 8 and 9, label in the
    last column.

    When dev_mismatched.tsv is present too, evaluation reports it as well.
    """

    dev_file = "dev_matched.tsv"
    test_file = "test_matched.tsv"
    dev_set_type = "dev_matched"
    glue_name = "MNLI-m"
    # GLUE scores matched and mismatched apart (sweep/report.py's glue_scores).
    score_metrics = ("eval_accuracy", "eval_mismatched_accuracy")
    labels = tuple(NLI_LABELS)
    text_columns = (8, 9)
    label_column = -1
    guid_column = 0

    def get_extra_dev_examples(self, data_dir):
        mismatched = MnliMismatchedProcessor()
        if not tf.io.gfile.exists(os.path.join(data_dir, mismatched.dev_file)):
            return {}
        return {"mismatched": mismatched.get_dev_examples(data_dir)}


class MnliMismatchedProcessor(MnliProcessor):
    """MultiNLI mismatched: dev_mismatched.tsv and test_mismatched.tsv."""

    dev_file = "dev_mismatched.tsv"
    test_file = "test_mismatched.tsv"
    dev_set_type = "dev_mismatched"
    glue_name = "MNLI-mm"

    def get_extra_dev_examples(self, data_dir):
        return {}


class IndexedPairProcessor(TsvTaskProcessor):
    """Header row, then index 0, sentences 1 and 2, label 3 (test: no label)."""

    text_columns = (1, 2)
    label_column = 3
    guid_column = 0


class QnliProcessor(IndexedPairProcessor):
    """QNLI: does the sentence (2) answer the question (1)?"""

    labels = ("entailment", "not_entailment")
    glue_name = "QNLI"


class RteProcessor(IndexedPairProcessor):
    """RTE: does sentence 1 entail sentence 2?"""

    labels = ("entailment", "not_entailment")
    glue_name = "RTE"


class WnliProcessor(IndexedPairProcessor):
    """WNLI: Winograd schemas as sentence pairs, labels 0/1."""

    labels = ("0", "1")
    glue_name = "WNLI"


class AxProcessor(IndexedPairProcessor):
    """GLUE's diagnostic set (diagnostic.tsv): predict only, with an MNLI model."""

    labels = tuple(NLI_LABELS)
    test_file = "diagnostic.tsv"
    glue_name = "AX"

    def get_train_examples(self, data_dir):
        raise InputError("task ax is predict-only: run it with --do_predict and an "
                         "MNLI-trained --init_checkpoint")

    get_dev_examples = get_train_examples


class XnliProcessor(DataProcessor):
    """XNLI: machine-translated MultiNLI for training, XNLI-1.0 rows of one language
    for dev (xnli.dev.tsv) and test (xnli.test.tsv)."""

    def __init__(self, language="zh"):
        if language not in XNLI_LANGUAGES:
            raise InputError("--xnli_language=%s is not an XNLI language: use one of %s"
                             % (language, " ".join(XNLI_LANGUAGES)))
        self.language = language

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
        if not examples:
            raise InputError("%s: no examples in the file" % path)
        return examples

    def get_dev_examples(self, data_dir):
        return self._language_rows(os.path.join(data_dir, "xnli.dev.tsv"), "dev")

    def get_test_examples(self, data_dir):
        return self._language_rows(os.path.join(data_dir, "xnli.test.tsv"), "test")

    text_pairs = True

    def get_labels(self):
        return list(NLI_LABELS)

    def _language_rows(self, path, set_type):
        examples = []
        for i, row in enumerate(self._read_tsv(path)):
            if i == 0 or row.cell(0) != self.language:
                continue
            examples.append(InputExample(
                "%s-%d" % (set_type, i), row.cell(6), row.cell(7),
                self._checked_label(row, 1)))
        if not examples:
            raise InputError("%s: no rows for language %s: check --xnli_language"
                             % (path, self.language))
        return examples
