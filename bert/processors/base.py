"""The example type, the TSV reader and the DataProcessor base class."""

import os

import tensorflow as tf

from bert.errors import InputError


class InputExample(object):
    """One training/eval/test example: a sentence or a sentence pair with a label."""

    def __init__(self, guid, text_a, text_b=None, label=None):
        self.guid = guid
        self.text_a = text_a
        self.text_b = text_b
        self.label = label


class TsvRow(list):
    """A row of cells that remembers where it came from, for error messages."""

    def __init__(self, cells, path, line_number):
        super(TsvRow, self).__init__(cells)
        self.path = path
        self.line_number = line_number

    def cell(self, column):
        """Returns cell `column`, or raises InputError naming file, line and column."""
        if column < -len(self) or column >= len(self):
            raise InputError(
                "%s:%d: row has %d column(s), column %d is needed: check that the "
                "file is tab-separated and is the task's file"
                % (self.path, self.line_number, len(self), column))
        return self[column]


def read_text(input_file):
    """Returns the whole file decoded as UTF-8; errors name the file and line."""
    if not tf.io.gfile.exists(input_file):
        raise InputError(
            "data file %s does not exist: check --data_dir and the task's file names"
            % input_file)
    with tf.io.gfile.GFile(input_file, "rb") as reader:
        data = reader.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            "%s:%d: not UTF-8 at byte offset %d: re-encode the file as UTF-8"
            % (input_file, data.count(b"\n", 0, error.start) + 1, error.start))


def read_tsv(input_file):
    """Reads a tab-separated UTF-8 file with no quoting into a list of TsvRow.

    Quote characters are ordinary characters (real GLUE rows hold stray `"`).
    Line numbers are 1-based, as an editor shows them.
    """
    lines = read_text(input_file).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [TsvRow(line.rstrip("\r").split("\t"), input_file, number)
            for number, line in enumerate(lines, start=1)]


class DataProcessor(object):
    """Base class for the data converters of sequence classification data sets.

    Class attributes describe the task beyond its data:
      metrics: the eval metrics besides eval_loss (see classifier/metrics.py);
      main_metric: the eval_results key that ranks checkpoints (and a sweep's
        trials);
      score_metrics: the eval_results keys GLUE averages into the task's
        score (the main metric first);
      glue_name: the file name stem of its GLUE submission, if any;
      multi_label: an example's label is a tuple of label names, any number
        of them (processors/multi_label.py).
    A regression task returns None from get_labels().
    """

    metrics = ("accuracy",)
    main_metric = "eval_accuracy"
    score_metrics = ("eval_accuracy",)
    glue_name = None
    multi_label = False
    text_pairs = None  # True: sentence pairs, False: single sentences

    def get_train_examples(self, data_dir):
        """Gets a collection of `InputExample`s for the train set."""
        raise NotImplementedError()

    def get_dev_examples(self, data_dir):
        """Gets a collection of `InputExample`s for the dev set."""
        raise NotImplementedError()

    def get_test_examples(self, data_dir):
        """Gets a collection of `InputExample`s for prediction."""
        raise NotImplementedError()

    def get_labels(self):
        """Gets the list of labels for this data set, in class-id order."""
        raise NotImplementedError()

    def get_extra_dev_examples(self, data_dir):
        """Further dev sets evaluated with the main one: {name: examples}."""
        del data_dir
        return {}

    @property
    def is_regression(self):
        return self.get_labels() is None

    @classmethod
    def _read_tsv(cls, input_file, quotechar=None):
        """Reads a tab separated value file (quotechar is accepted and unused)."""
        del quotechar
        return read_tsv(input_file)

    def _checked_label(self, row, column):
        """Reads the label in `column` of `row`: one of get_labels(), or a number
        for a regression task."""
        label = row.cell(column)
        if self.is_regression:
            try:
                float(label)
            except ValueError:
                raise InputError(
                    "%s:%d: column %d holds %r, expected a number"
                    % (row.path, row.line_number, column, label))
            return label
        if label not in self.get_labels():
            hint = ""
            if row.line_number == 1:
                hint = " (is line 1 a header? this file should have none)"
            raise InputError(
                "%s:%d: label %r in column %d is not one of the task's labels %s%s"
                % (row.path, row.line_number, label, column,
                   ", ".join(self.get_labels()), hint))
        return label


class TsvTaskProcessor(DataProcessor):
    """A task whose train/dev/test sets are one TSV file each in data_dir,
    described as data; one loop reads every such task.

    A task sets its `labels` (None for regression), its files and its layout:
      header / test_header: the train+dev / test file starts with a header row;
      text_columns: the (text_a, text_b) columns, text_b None for single
        sentences; test_text_columns: the test file's, when they differ;
      label_column: the label's column in train/dev (negative: from the end);
      guid_column: the column of the example id, or None for the row number;
      skip_short_rows: rows with too few columns are skipped with one warning
        (QQP's files hold such rows) instead of stopping with an error.
    Test files carry no usable label: test examples get the first label (or
    the score 0.0), as the reference does.
    """

    train_file = "train.tsv"
    dev_file = "dev.tsv"
    test_file = "test.tsv"
    dev_set_type = "dev"
    labels = None
    header = True
    test_header = True
    text_columns = (0, None)
    test_text_columns = None
    label_column = 1
    guid_column = None
    skip_short_rows = False

    def get_labels(self):
        return None if self.labels is None else list(self.labels)

    @property
    def text_pairs(self):
        return self.text_columns[1] is not None

    def get_train_examples(self, data_dir):
        return self._examples_of(os.path.join(data_dir, self.train_file), "train")

    def get_dev_examples(self, data_dir):
        return self._examples_of(os.path.join(data_dir, self.dev_file),
                                 self.dev_set_type)

    def get_test_examples(self, data_dir):
        return self._examples_of(os.path.join(data_dir, self.test_file), "test")

    def _examples_of(self, path, set_type):
        examples = self._create_examples(self._read_tsv(path), set_type)
        if not examples:
            raise InputError("%s: no examples in the file: is it the task's file?"
                             % path)
        return examples

    def _test_label(self):
        return "0.0" if self.labels is None else self.labels[0]

    def _create_examples(self, rows, set_type):
        is_test = set_type == "test"
        has_header = self.test_header if is_test else self.header
        text_a, text_b = (self.test_text_columns if is_test and
                          self.test_text_columns else self.text_columns)
        label_column = None if is_test else self.label_column
        needed = 1 + max(column for column in (text_a, text_b, label_column,
                                               self.guid_column)
                         if column is not None)
        examples = []
        skipped = []
        for index, row in enumerate(rows):
            if index == 0 and has_header:
                continue
            if self.skip_short_rows and len(row) < needed:
                skipped.append(row.line_number)
                continue
            if label_column is None:
                label = self._test_label()
            else:
                label = self._checked_label(
                    row, label_column if label_column >= 0
                    else len(row) + label_column)
            guid = index if self.guid_column is None else row.cell(self.guid_column)
            examples.append(InputExample(
                "%s-%s" % (set_type, guid), row.cell(text_a),
                None if text_b is None else row.cell(text_b), label))
        if skipped:
            tf.compat.v1.logging.warning(
                "%s: skipped %d malformed row(s) with fewer than %d columns, "
                "at line(s) %s", rows[0].path, len(skipped), needed,
                ", ".join(map(str, skipped)))
        return examples
