"""Classifies raw text with a model exported by `run_classifier.py --do_export`.

One example per input line: a sentence, or a sentence pair separated by one tab.
Writes TSV: text_a, text_b, the predicted label (or score; for a multi-label
model the predicted labels, comma-joined), then one probability column per
label. A bad line (more than one tab, bytes that are not UTF-8, an
empty line) is reported on stderr with its line number and skipped; the other
lines are classified, and the exit status is 1 if any line was bad. A missing
or wrong export folder or input file ends with one line and exit status 2.

    python classify.py EXPORT_DIR [--input FILE] [--output FILE] [--batch_size N]
"""

import argparse
import sys
import time

import numpy as np

from bert.classifier import startup

startup.start_tensorflow()  # before TensorFlow's first import: see startup.py

import tensorflow as tf  # noqa: E402
import tensorflow_text  # noqa: E402,F401  (the text signature's ops)

from bert import tokenization  # noqa: E402
from bert.classifier.atomic import write_text  # noqa: E402
from bert.classifier.export import TEXT_SIGNATURE, read_assets  # noqa: E402
from bert.classifier.data.features import build_features, trimmed_batch  # noqa: E402
from bert.errors import InputError, reported_errors  # noqa: E402
from bert.processors import TASKS, InputExample, get_processor  # noqa: E402


class LineError(ValueError):
    """One input line that cannot be classified."""


def parse_line(raw_line):
    """bytes of one line -> (text_a, text_b or None); LineError when bad."""
    try:
        line = raw_line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise LineError("not UTF-8 at byte %d of the line" % error.start)
    fields = line.rstrip("\r").split("\t")
    if len(fields) > 2:
        raise LineError("%d tabs: expected a sentence, or two sentences separated "
                        "by one tab" % (len(fields) - 1))
    if not fields[0].strip():
        raise LineError("empty text")
    return fields[0], fields[1] if len(fields) == 2 else None


def read_examples(raw, source_name, errors):
    """Yields (text_a, text_b) of good lines; appends messages for bad ones."""
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, raw_line in enumerate(lines, start=1):
        try:
            yield parse_line(raw_line)
        except LineError as error:
            errors.append("%s:%d: %s" % (source_name, number, error))


class ExportedClassifier(object):
    """An exported folder, loaded once: text in, predictions out.

    It sends the text to the folder's text signature, which tokenizes in the
    graph; a folder exported before that signature existed, or pairs for a
    model whose text signature takes one text, go through the ids signature
    with tokenization.py in Python (the same ids).
    """

    def __init__(self, export_dir):
        config = read_assets(export_dir)
        self.task_name = config["task_name"]
        self.text_pairs = config.get("text_pairs")
        if self.text_pairs is None and self.task_name.lower() in TASKS:
            self.text_pairs = get_processor(self.task_name).text_pairs
        self.label_list = config["label_list"]
        self.multi_label = config.get("multi_label", False)
        self.max_seq_length = config["max_seq_length"]
        self.tokenizer = tokenization.FullTokenizer(
            config["vocab_file"], config["do_lower_case"])
        try:
            model = tf.saved_model.load(export_dir)
        except (OSError, ValueError) as error:
            raise InputError("%s holds no loadable SavedModel (%s): export again "
                             "with --do_export" % (export_dir,
                                                   str(error).split("\n")[0]))
        self.ids_signature = model.signatures["serving_default"]
        self.text_signature = model.signatures.get(TEXT_SIGNATURE)

    def outputs(self, pairs):
        """The signature's outputs for a batch of (text_a, text_b or None)."""
        text_signature = self.text_signature
        if text_signature is not None:
            takes_pairs = "text_b" in text_signature.structured_input_signature[1]
            if takes_pairs:
                return text_signature(
                    text_a=tf.constant([a for a, _ in pairs]),
                    text_b=tf.constant([b or "" for _, b in pairs]))
            if all(b is None for _, b in pairs):
                return text_signature(text_a=tf.constant([a for a, _ in pairs]))
        return self.ids_signature(**self.features(pairs))

    def features(self, pairs):
        """Dynamically padded int32 tensors for a batch of (text_a, text_b)."""
        rows = [build_features(InputExample(str(i), a, b), self.label_list,
                               self.max_seq_length, self.tokenizer)[0]
                for i, (a, b) in enumerate(pairs)]
        return {name: tf.constant(values, dtype=tf.int32)
                for name, values in trimmed_batch(rows).items()}

    def classify(self, pairs):
        """[(text_a, text_b)] -> [(label or score string, probabilities)]."""
        outputs = self.outputs(pairs)
        if self.label_list is None:
            return [("%.6f" % score, []) for score in outputs["scores"].numpy()]
        probabilities = outputs["probabilities"].numpy()
        if self.multi_label:
            return [(",".join(name for name, chosen in zip(self.label_list, row)
                              if chosen), list(probability_row))
                    for row, probability_row in zip(
                        outputs["label_set"].numpy(), probabilities)]
        return [(self.label_list[int(np.argmax(row))], list(row))
                for row in probabilities]

    def header(self):
        return ["text_a", "text_b", "prediction"] + list(self.label_list or [])


def warn_about_other_kind(pairs, text_pairs, task_name):
    """One warning line when inputs are single sentences for a model trained on
    pairs, or pairs for one trained on single sentences."""
    if text_pairs is None:
        return
    other = [pair for pair in pairs if (pair[1] is None) == text_pairs]
    if other:
        trained = "sentence pairs" if text_pairs else "single sentences"
        given = "single sentences" if text_pairs else "sentence pairs"
        sys.stderr.write(
            "classify: warning: %d of %d input line(s) are %s, but the model was "
            "trained on %s (task %s): their predictions mean little\n"
            % (len(other), len(pairs), given, trained, task_name))


def by_length(pairs):
    """The pairs' indices, shortest text first: batches of similar length
    carry less padding."""
    return sorted(range(len(pairs)),
                  key=lambda i: len(pairs[i][0]) + len(pairs[i][1] or ""))


def format_row(pair, prediction):
    text_a, text_b = pair
    label, probabilities = prediction
    return "\t".join([text_a, text_b or "", label] +
                     ["%.6f" % p for p in probabilities])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export_dir", help="folder written by --do_export")
    parser.add_argument("--input", default="-",
                        help="file with one example per line (default: stdin)")
    parser.add_argument("--output", default="-",
                        help="TSV file to write (default: stdout)")
    parser.add_argument("--batch_size", type=int, default=32)
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error("--batch_size must be at least 1")

    with reported_errors("classify"):
        return classify(args)


def read_input(path):
    """(bytes, name for messages) of the input file, or of stdin for "-"."""
    if path == "-":
        return sys.stdin.buffer.read(), "stdin"
    try:
        with open(path, "rb") as reader:
            return reader.read(), path
    except OSError as error:
        raise InputError("--input=%s cannot be read (%s): pass an existing file "
                         "or - for stdin" % (path, error.strerror))


def classify(args):
    """Classifies args.input into args.output; the exit status."""
    raw, source_name = read_input(args.input)
    classifier = ExportedClassifier(args.export_dir)
    errors = []
    pairs = list(read_examples(raw, source_name, errors))
    warn_about_other_kind(pairs, classifier.text_pairs, classifier.task_name)
    start = time.time()
    rows = [None] * len(pairs)
    order = by_length(pairs)
    for first in range(0, len(order), args.batch_size):
        batch = order[first:first + args.batch_size]
        predictions = classifier.classify([pairs[i] for i in batch])
        for i, prediction in zip(batch, predictions):
            rows[i] = format_row(pairs[i], prediction)
    elapsed = time.time() - start
    text = "\n".join(["\t".join(classifier.header())] + rows) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        write_text(args.output, text)
    for message in errors:
        sys.stderr.write("classify: error: %s\n" % message)
    sys.stderr.write("classify: %d example(s) in %.1f s (%.1f examples/sec), %d bad "
                     "line(s)\n" % (len(pairs), elapsed,
                                    len(pairs) / max(elapsed, 1e-9), len(errors)))
    return 1 if errors else 0


def command():
    """The classify command."""
    sys.exit(main())


if __name__ == "__main__":
    command()
