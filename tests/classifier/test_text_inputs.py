"""classifier/text_inputs.py: tokenization.py's ids and features.py's
features, computed in the graph (tensorflow-text)."""

import glob
import os

import pytest
import tensorflow as tf

from bert import tokenization
from bert.classifier.data.features import convert_single_example
from bert.classifier.text_inputs import GraphTokenizer, text_features
from bert.processors import InputExample
from helpers import CHINESE_DIR, GLUE, UNCASED_VOCAB

# Where a BERT tokenizer built from tensorflow-text's parts goes wrong: case
# folding with NFKC (5½), control characters that must vanish (zero-width
# space), Python's whitespace (line and paragraph separators, NBSP), accents,
# CJK characters, punctuation, over-long words, the replacement character.
TRICKY = [
    "5½ cafés", "a\u200bb", "x\u2028y\u2029z", "no\u00a0break", "Ångström naïve",
    "中文字 test", "İstanbul ΟΔΟΣ", "tab\there\r\nnew", "ﬁne ＡＢＣ ①",
    "x" * 201, "é" * 150, "dots...and--dashes!?", "nul\x00byte \ufffd",
    "emoji 😀 ok", "   ", "",
]


def glue_texts(limit_per_file):
    """Text fields of every GLUE file, the first rows of each."""
    texts = []
    for path in sorted(glob.glob(os.path.join(GLUE, "*", "*.tsv"))):
        with open(path, encoding="utf-8") as reader:
            for line in reader.read().split("\n")[1:limit_per_file + 1]:
                texts.extend(field for field in line.split("\t") if len(field) > 3)
    return texts


@pytest.mark.shared_data
@pytest.mark.parametrize("vocab_file,do_lower_case", [
    (UNCASED_VOCAB, True), (UNCASED_VOCAB, False),
    (os.path.join(CHINESE_DIR, "vocab.txt"), False)])
def test_the_graph_gives_tokenization_pys_ids(vocab_file, do_lower_case):
    full = tokenization.FullTokenizer(vocab_file, do_lower_case)
    graph = GraphTokenizer(list(full.vocab), do_lower_case)
    texts = TRICKY + glue_texts(300)
    got = graph.tokenize(tf.constant(texts)).to_list()
    wrong = [text for text, ids in zip(texts, got)
             if ids != full.convert_tokens_to_ids(full.tokenize(text))]
    assert wrong == []


@pytest.mark.shared_data
@pytest.mark.parametrize("max_seq_length", [8, 13, 128])
def test_features_are_features_pys_trimmed_to_the_longest(max_seq_length):
    """Pairs trimmed from the longer text, single texts, a second text
    without tokens (a single text, as the reference has it)."""
    full = tokenization.FullTokenizer(UNCASED_VOCAB, True)
    with open(os.path.join(GLUE, "MRPC", "dev.tsv"), encoding="utf-8") as reader:
        rows = [line.split("\t") for line in reader.read().split("\n")[1:121] if line]
    pairs = [(row[3], row[4] if index % 4 else ["", "  "][index % 8 // 4])
             for index, row in enumerate(rows)]
    features = text_features(
        GraphTokenizer(list(full.vocab), True),
        tf.constant([a for a, _ in pairs]), tf.constant([b for _, b in pairs]),
        max_seq_length, full.vocab["[CLS]"], full.vocab["[SEP]"])
    width = features["input_ids"].shape[1]
    for index, (text_a, text_b) in enumerate(pairs):
        expected = convert_single_example(
            index, InputExample("dev-%d" % index, text_a, text_b or None, "0"),
            ["0", "1"], max_seq_length, full)
        for name in ("input_ids", "input_mask", "segment_ids"):
            assert features[name][index].numpy().tolist() == (
                getattr(expected, name)[:width]), (name, index)
    assert width == max(sum(convert_single_example(
        index, InputExample("", a, b or None, "0"), ["0", "1"], max_seq_length,
        full).input_mask) for index, (a, b) in enumerate(pairs))
