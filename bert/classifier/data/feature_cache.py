"""Reuses a feature file when everything it was made from is unchanged.

Beside each TFRecord file lies `<file>.key`: a hash of the examples (their
guids, texts and labels, so the data file contents and the task's layout),
the vocabulary file's bytes, do_lower_case, max_seq_length, the label list,
the task and the feature format (a multi-label example's label is a list in
the hash, a single-label one a string: the two never share a key). The key
is written after the record file is complete, so a run killed in between
leaves no key and the file is rebuilt. The key file also holds the record
file's size: a record file of another size (cut short, or changed), or a key
file that does not read, is rebuilt too.
"""

import hashlib
import json

import tensorflow as tf

from bert.classifier.data.features import (PaddingInputExample,
                                           file_based_convert_examples_to_features)
from bert.classifier.atomic import write_text

# Bump when the record layout or the conversion changes.
FEATURE_FORMAT_VERSION = 1


def cache_key(examples, label_list, max_seq_length, vocab_file, do_lower_case,
              task_name):
    digest = hashlib.sha256()

    def add(value):
        text = json.dumps(value, ensure_ascii=False)
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")

    add([FEATURE_FORMAT_VERSION, task_name.lower(), bool(do_lower_case),
         int(max_seq_length), label_list])
    with tf.io.gfile.GFile(vocab_file, "rb") as reader:
        digest.update(hashlib.sha256(reader.read()).digest())
    for example in examples:
        if isinstance(example, PaddingInputExample):
            add(None)
        else:
            add([example.guid, example.text_a, example.text_b, example.label])
    return digest.hexdigest()


def convert_with_cache(examples, label_list, max_seq_length, tokenizer,
                       output_file, vocab_file, do_lower_case, task_name,
                       multi_label=False):
    """Writes output_file unless an identical one is there; logs which."""
    key = cache_key(examples, label_list, max_seq_length, vocab_file,
                    do_lower_case, task_name)
    key_file = output_file + ".key"
    if tf.io.gfile.exists(output_file) and tf.io.gfile.exists(key_file):
        stored = read_key_file(key_file)
        size = tf.io.gfile.stat(output_file).length
        if stored.get("key") == key and stored.get("bytes") == size:
            tf.compat.v1.logging.info(
                "feature cache: reusing %s (%d examples, inputs unchanged)",
                output_file, len(examples))
            return False
        if stored.get("key") == key:
            tf.compat.v1.logging.warning(
                "feature cache: %s is %d bytes, its key says %s: rebuilding it",
                output_file, size, stored.get("bytes", "nothing"))
        else:
            tf.compat.v1.logging.info(
                "feature cache: inputs changed, rebuilding %s", output_file)
    else:
        tf.compat.v1.logging.info("feature cache: building %s", output_file)
    if tf.io.gfile.exists(key_file):
        tf.io.gfile.remove(key_file)
    file_based_convert_examples_to_features(
        examples, label_list, max_seq_length, tokenizer, output_file,
        multi_label)
    write_text(key_file, json.dumps({
        "key": key, "examples": len(examples),
        "bytes": tf.io.gfile.stat(output_file).length}))
    return True


def read_key_file(key_file):
    """A key file's fields; {} where it does not read (then the file is
    rebuilt)."""
    try:
        with tf.io.gfile.GFile(key_file) as reader:
            stored = json.load(reader)
    except (ValueError, UnicodeDecodeError):
        return {}
    return stored if isinstance(stored, dict) else {}
