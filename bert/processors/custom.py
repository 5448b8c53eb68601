"""Your own data: --task_name=tsv, csv or jsonl, columns chosen by flags.

Files in data_dir: train.<format>, dev.<format>, test.<format>. For tsv/csv a
column is a 0-based index, for jsonl a key. The test file may lack the label.
With multi_label, a label field holds a set of labels (processors/multi_label.py).
"""

import csv
import io
import json
import os

from bert.errors import InputError
from bert.processors.base import DataProcessor, InputExample, TsvRow, read_text, read_tsv
from bert.processors.multi_label import (MULTI_LABEL_MAIN_METRIC, label_order,
                                         label_set, split_label_set)

FORMATS = ("tsv", "csv", "jsonl")


class CustomDataProcessor(DataProcessor):
    """Reads sentence (pair) classification data in the layout the flags give."""

    def __init__(self, data_format, text_a_column, label_column,
                 text_b_column=None, has_header=False, label_list=None,
                 multi_label=False, label_separator=","):
        if data_format not in FORMATS:
            raise InputError("unknown data format %r: use one of %s"
                             % (data_format, ", ".join(FORMATS)))
        if text_a_column is None or label_column is None:
            raise InputError("--task_name=%s needs --text_a_column and "
                             "--label_column" % data_format)
        self.data_format = data_format
        self.text_a_column = self._column(text_a_column, "text_a_column")
        self.text_b_column = (None if text_b_column in (None, "")
                              else self._column(text_b_column, "text_b_column"))
        self.label_column = self._column(label_column, "label_column")
        self.has_header = has_header
        self.label_list = list(label_list) if label_list else None
        self.multi_label = multi_label
        self.label_separator = label_separator
        if multi_label:
            self.metrics = ()
            self.main_metric = MULTI_LABEL_MAIN_METRIC
            self.score_metrics = (MULTI_LABEL_MAIN_METRIC,)

    def _column(self, value, flag):
        if self.data_format == "jsonl":
            return value
        try:
            return int(value)
        except ValueError:
            raise InputError("--%s=%s must be a 0-based column index for %s files"
                             % (flag, value, self.data_format))

    @property
    def text_pairs(self):
        return self.text_b_column is not None

    def path(self, data_dir, set_type):
        return os.path.join(data_dir, "%s.%s" % (set_type, self.data_format))

    def get_train_examples(self, data_dir):
        return self._examples(data_dir, "train")

    def get_dev_examples(self, data_dir):
        return self._examples(data_dir, "dev")

    def get_test_examples(self, data_dir):
        return self._examples(data_dir, "test")

    def get_labels(self):
        if self.label_list is None:
            raise InputError("no label list: pass --label_list, or train first "
                             "(labels are read from the training file)")
        return list(self.label_list)

    def labels_in_file(self, data_dir):
        """The distinct labels of the training file, sorted: a stable class order.

        Without has_header, a tsv/csv file whose first row's label appears
        nowhere else in it is taken to start with an undeclared header: an
        InputError (jsonl has no header rows).
        """
        records = list(self._located_records(data_dir, "train", need_label=True))
        if self.multi_label:
            labels = [split_label_set(field, self.label_separator, where)
                      for _, _, field, where in records]
        else:
            labels = [[str(field)] for _, _, field, _ in records]
        later = {label for row in labels[1:] for label in row}
        if (self.data_format != "jsonl" and not self.has_header
                and len(labels) > 1 and not later.intersection(labels[0])):
            first = self.label_separator.join(labels[0])
            raise InputError(
                "%s: the label %r of the first row appears in no other row: if "
                "line 1 is a header, pass --has_header (or --label_list if %r is "
                "a real label)" % (records[0][3], first, first))
        names = {label for row in labels for label in row}
        return label_order(names) if self.multi_label else sorted(names)

    def _examples(self, data_dir, set_type):
        is_test = set_type == "test"
        labels = self.get_labels()
        examples = []
        for index, (text_a, text_b, field, where) in enumerate(
                self._located_records(data_dir, set_type, need_label=not is_test)):
            examples.append(InputExample("%s-%d" % (set_type, index), text_a,
                                         text_b,
                                         self._label(field, labels, where, is_test)))
        return examples

    def _label(self, field, labels, where, is_test):
        """The example's label from its label field (None: a test row without
        one, which gets the first label, or no label for multi-label data,
        as does an empty field of a multi-label test file)."""
        if self.multi_label:
            if field is None or (is_test and not field):
                return ()
            return label_set(field, labels, self.label_separator, where)
        if field is None:
            return labels[0]
        label = str(field)
        if label not in labels:
            hint = ""
            if where.endswith(":1") and not self.has_header:
                hint = " (if line 1 is a header, pass --has_header)"
            raise InputError("%s: label %r in column %s is not in the label list "
                             "%s: fix the row or --label_list%s"
                             % (where, label, self.label_column, ",".join(labels),
                                hint))
        return label

    def _located_records(self, data_dir, set_type, need_label):
        """Yields (text_a, text_b, label field or None, "file:line") per data
        row; the label field is a string, or what jsonl holds (a list)."""
        path = self.path(data_dir, set_type)
        rows = list(self._rows(path))
        if self.has_header and rows:
            rows = rows[1:]
        if not rows:
            raise InputError("%s: no data rows: the file is empty" % path)
        for row, where in rows:
            text_a = self._cell(row, self.text_a_column, where)
            text_b = (None if self.text_b_column is None
                      else self._cell(row, self.text_b_column, where))
            field = None
            if need_label or self._has(row, self.label_column):
                field = self._cell(row, self.label_column, where)
                if not isinstance(field, list):
                    field = str(field)
            yield text_a, text_b, field, where

    def _rows(self, path):
        """Yields (row, "file:line") where row is a list (tsv/csv) or a dict."""
        if self.data_format == "tsv":
            for row in read_tsv(path):
                yield row, "%s:%d" % (path, row.line_number)
            return
        text = read_text(path)
        if self.data_format == "csv":
            reader = csv.reader(io.StringIO(text, newline=""))
            start = 1
            for row in reader:
                yield TsvRow(row, path, start), "%s:%d" % (path, start)
                start = reader.line_num + 1
            return
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as error:
                raise InputError("%s:%d: not valid JSON (%s)" % (path, number, error))
            if not isinstance(record, dict):
                raise InputError("%s:%d: expected a JSON object per line"
                                 % (path, number))
            yield record, "%s:%d" % (path, number)

    def _has(self, row, column):
        if isinstance(row, dict):
            return column in row
        return -len(row) <= column < len(row)

    def _cell(self, row, column, where):
        if not self._has(row, column):
            if isinstance(row, dict):
                raise InputError("%s: key %r is missing (keys: %s)"
                                 % (where, column, ", ".join(sorted(row))))
            raise InputError(
                "%s: row has %d column(s), column %d is needed: check the "
                "delimiter and the column flags" % (where, len(row), column))
        return row[column]
