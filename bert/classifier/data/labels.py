"""The label list of your own data (--task_name=tsv/csv/jsonl): from
--label_list or --labels_file, else the one a training run saved, else the
training file's."""

import os

import tensorflow as tf

from bert.classifier import atomic
from bert.errors import InputError
from bert.processors.multi_label import read_label_names

LABEL_LIST_FILE = "label_list.txt"


def settle_label_list(processor, config):
    """Sets processor.label_list for a CustomDataProcessor; returns it."""
    saved_path = os.path.join(config.output_dir, LABEL_LIST_FILE)
    if config.label_list:
        labels = list(config.label_list)
    elif config.labels_file:
        labels = read_label_names(config.labels_file)
    elif tf.io.gfile.exists(saved_path):
        with tf.io.gfile.GFile(saved_path) as reader:
            try:
                labels = reader.read().splitlines()
            except UnicodeDecodeError as error:
                raise InputError("%s is not UTF-8 text (%s): pass --label_list or "
                                 "--labels_file" % (saved_path, error.reason))
    elif config.do_train:
        labels = processor.labels_in_file(config.data_dir)
    else:
        raise InputError("no label list for --task_name=%s: pass --label_list, "
                         "--labels_file, or train into this --output_dir first"
                         % config.task_name)
    if len(labels) < 2:
        raise InputError("the label list %s has fewer than two labels"
                         % ",".join(labels))
    tf.compat.v1.logging.info("label list (class-id order): %s", ",".join(labels))
    processor.label_list = labels
    return labels


def save_label_list(output_dir, labels):
    """label_list.txt in output_dir, which later eval/predict runs reuse."""
    atomic.write_text(os.path.join(output_dir, LABEL_LIST_FILE),
                      "".join(label + "\n" for label in labels))
