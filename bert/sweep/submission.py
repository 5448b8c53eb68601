"""The GLUE server's zip: each file checked against its task's test set
before it goes in."""

import io
import os
import zipfile

import tensorflow as tf

from bert.classifier import atomic
from bert.errors import InputError

HEADER = "index\tprediction"


def check_submission_file(path, num_rows, label_list):
    """Raises InputError unless path is a GLUE file for a test set of num_rows
    rows: the header, indexes 0..n-1, labels from label_list (None: scores
    in [0, 5])."""
    name = os.path.basename(path)
    with tf.io.gfile.GFile(path) as reader:
        lines = reader.read().splitlines()
    if not lines or lines[0] != HEADER:
        raise InputError("%s: the first line must be %r" % (name, HEADER))
    rows = lines[1:]
    if len(rows) != num_rows:
        raise InputError("%s: %d rows, the test set has %d" % (name, len(rows),
                                                               num_rows))
    for number, line in enumerate(rows):
        cells = line.split("\t")
        if len(cells) != 2 or cells[0] != str(number):
            raise InputError("%s:%d: expected index %d and a prediction, found %r"
                             % (name, number + 2, number, line))
        if label_list is None:
            try:
                score = float(cells[1])
            except ValueError:
                score = -1.0
            if not 0.0 <= score <= 5.0:
                raise InputError("%s:%d: %r is not a score in [0, 5]"
                                 % (name, number + 2, cells[1]))
        elif cells[1] not in label_list:
            raise InputError("%s:%d: %r is not one of the labels %s"
                             % (name, number + 2, cells[1], ",".join(label_list)))


def write_majority_file(path, label, num_rows):
    """A GLUE file predicting one label for every test row (WNLI's baseline)."""
    atomic.write_text(path, HEADER + "\n" + "".join(
        "%d\t%s\n" % (index, label) for index in range(num_rows)))


def write_zip(zip_path, files):
    """Writes the files ({name: path}) into zip_path (local or gs://), whole or
    not at all."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            with tf.io.gfile.GFile(files[name], "rb") as reader:
                archive.writestr(name + ".tsv", reader.read())
    with atomic.replaced_when_done(zip_path) as temporary:
        with tf.io.gfile.GFile(temporary, "wb") as writer:
            writer.write(buffer.getvalue())
