"""Classifies raw text with a model exported by `run_classifier.py --do_export`.

One example per input line: a sentence, or a sentence pair separated by one tab.
Writes TSV: text_a, text_b, the predicted label (or score), then one probability
column per label. A bad line (more than one tab, bytes that are not UTF-8, an
empty line) is reported on stderr with its line number and skipped; the other
lines are classified, and the exit status is 1 if any line was bad.

    python classify.py EXPORT_DIR [--input FILE] [--output FILE] [--batch_size N]
"""

import argparse
import sys
import time

import numpy as np
import tensorflow as tf

import tokenization
from classifier.export import read_assets
from classifier.features import build_features
from classifier.atomic import write_text
from errors import InputError
from processors import InputExample


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
    """An exported folder, loaded once: text in, predictions out."""

    def __init__(self, export_dir):
        config = read_assets(export_dir)
        self.label_list = config["label_list"]
        self.max_seq_length = config["max_seq_length"]
        self.tokenizer = tokenization.FullTokenizer(
            config["vocab_file"], config["do_lower_case"])
        self.signature = tf.saved_model.load(export_dir).signatures[
            "serving_default"]

    def features(self, pairs):
        """Dynamically padded int32 arrays for a batch of (text_a, text_b)."""
        placeholder_label = "0.0" if self.label_list is None else self.label_list[0]
        rows = [build_features(InputExample(str(i), a, b, placeholder_label),
                               self.label_list, self.max_seq_length,
                               self.tokenizer)[0]
                for i, (a, b) in enumerate(pairs)]
        longest = max(sum(row.input_mask) for row in rows)
        return {name: tf.constant([getattr(row, name)[:longest] for row in rows],
                                  dtype=tf.int32)
                for name in ("input_ids", "input_mask", "segment_ids")}

    def classify(self, pairs):
        """[(text_a, text_b)] -> [(label or score string, probabilities)]."""
        outputs = self.signature(**self.features(pairs))
        if self.label_list is None:
            return [("%.6f" % score, []) for score in outputs["scores"].numpy()]
        probabilities = outputs["probabilities"].numpy()
        return [(self.label_list[int(np.argmax(row))], list(row))
                for row in probabilities]

    def header(self):
        return ["text_a", "text_b", "prediction"] + list(self.label_list or [])


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

    try:
        classifier = ExportedClassifier(args.export_dir)
    except (OSError, IOError, InputError, ValueError) as error:
        sys.exit("classify: error: cannot load %s: %s" % (args.export_dir, error))
    if args.input == "-":
        raw, source_name = sys.stdin.buffer.read(), "stdin"
    else:
        with open(args.input, "rb") as reader:
            raw, source_name = reader.read(), args.input

    errors = []
    pairs = list(read_examples(raw, source_name, errors))
    start = time.time()
    rows = ["\t".join(classifier.header())]
    for first in range(0, len(pairs), args.batch_size):
        batch = pairs[first:first + args.batch_size]
        rows += [format_row(pair, prediction)
                 for pair, prediction in zip(batch, classifier.classify(batch))]
    elapsed = time.time() - start
    text = "\n".join(rows) + "\n"
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


if __name__ == "__main__":
    sys.exit(main())
