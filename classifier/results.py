"""Result files, written whole or not at all (temporary name, then rename)."""

import os

import tensorflow as tf


def write_atomically(path, text):
    """Writes text to path through a temporary file and a rename."""
    temporary_path = "%s.tmp-%d" % (path, os.getpid())
    try:
        with tf.io.gfile.GFile(temporary_path, "w") as writer:
            writer.write(text)
        tf.io.gfile.rename(temporary_path, path, overwrite=True)
    finally:
        if tf.io.gfile.exists(temporary_path):
            tf.io.gfile.remove(temporary_path)


def format_eval_results(result):
    """`key = value` lines sorted by key, as eval_results.txt holds them."""
    return "".join("%s = %s\n" % (key, result[key]) for key in sorted(result))


def format_test_results(predictions, num_real_examples):
    """One line of tab-separated class probabilities per real example."""
    lines = []
    for index, prediction in enumerate(predictions):
        if index >= num_real_examples:
            break
        lines.append("\t".join(
            str(probability) for probability in prediction["probabilities"]))
    if len(lines) != num_real_examples:
        raise RuntimeError("got %d predictions for %d examples"
                           % (len(lines), num_real_examples))
    return "".join(line + "\n" for line in lines)
