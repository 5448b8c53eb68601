"""An exported model's text inputs: tokenization.py's FullTokenizer and
features.py's [CLS] a [SEP] b [SEP] features as TensorFlow ops
(tensorflow-text), the same ids for the same text.

tensorflow-text's own BertTokenizer differs from the reference's in three
places, so its steps are assembled here from tensorflow-text's parts:
lower-casing folds case with NFKC (5½ -> 5 1⁄2) where the reference
lower-cases and strips accents only; control characters become spaces where
the reference drops them; and a word's length limit counts bytes where the
reference counts characters.
"""

import tensorflow as tf
import tensorflow_text as tf_text

# tokenization.BasicTokenizer's rules, as RE2 patterns.
_WHITESPACE = r"[\t\n\r\p{Z}]"  # Python's split() also splits at Zl, Zp
_DROPPED = r"[\x{0}\x{FFFD}\p{C}]"  # NUL, the replacement character, controls
_ACCENTS = r"\p{Mn}"
_PUNCTUATION = r"[!-/]|[:-@]|[\[-`]|[{-~]|\p{P}"
_CJK = (r"[\x{4E00}-\x{9FFF}]|[\x{3400}-\x{4DBF}]|[\x{20000}-\x{2A6DF}]|"
        r"[\x{2A700}-\x{2B73F}]|[\x{2B740}-\x{2B81F}]|[\x{2B820}-\x{2CEAF}]|"
        r"[\x{F900}-\x{FAFF}]|[\x{2F800}-\x{2FA1F}]")
# tokenization.WordpieceTokenizer's limit: a longer word is one [UNK].
MAX_CHARS_PER_WORD = 200
UNKNOWN = "[UNK]"


class GraphTokenizer(tf.Module):
    """tokenize(strings [batch]) -> the WordPiece ids of each, as a
    RaggedTensor [batch, (ids)] of int64: FullTokenizer(vocab_file,
    do_lower_case)'s ids."""

    def __init__(self, vocab, do_lower_case):
        """vocab: the vocabulary's tokens in id order (tokenization.load_vocab's
        keys)."""
        super(GraphTokenizer, self).__init__()
        self._do_lower_case = do_lower_case
        self._table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(list(vocab)),
                tf.range(len(vocab), dtype=tf.int64)), default_value=-1)
        self._wordpiece = tf_text.WordpieceTokenizer(
            self._table, suffix_indicator="##",
            max_bytes_per_word=4 * MAX_CHARS_PER_WORD, token_out_type=tf.int64,
            unknown_token=UNKNOWN)

    def words(self, texts):
        """tokenization.BasicTokenizer: a RaggedTensor [batch, (words)]."""
        texts = tf.strings.regex_replace(texts, _WHITESPACE, " ")
        texts = tf.strings.regex_replace(texts, _DROPPED, "")
        if self._do_lower_case:
            texts = tf.strings.lower(texts, encoding="utf-8")
            texts = tf_text.normalize_utf8(texts, "NFD")
            texts = tf.strings.regex_replace(texts, _ACCENTS, "")
        return tf_text.regex_split(
            texts, r"\s+|%s|%s" % (_PUNCTUATION, _CJK),
            "%s|%s" % (_PUNCTUATION, _CJK))

    def tokenize(self, texts):
        words = self.words(texts)
        too_long = tf.strings.length(words, unit="UTF8_CHAR") > MAX_CHARS_PER_WORD
        words = tf.ragged.map_flat_values(
            lambda flat, long: tf.where(long, UNKNOWN, flat), words, too_long)
        ids = self._wordpiece.tokenize(words)
        return ids.merge_dims(1, 2)


def text_features(tokenizer, texts_a, texts_b, max_seq_length, cls_id, sep_id):
    """{input_ids, input_mask, segment_ids}: int32 [batch, longest] of texts
    (texts_b None, or a text without tokens in a row, for single sentences), as
    features.convert_single_example builds them: a pair trimmed to
    max_seq_length - 3 by taking from the end of the longer text (of b on a
    tie), a single text to max_seq_length - 2."""
    ids_a = tokenizer.tokenize(texts_a)
    rows = tf.shape(texts_a, out_type=tf.int64)[0]
    if texts_b is None:
        ids_b = tf.RaggedTensor.from_row_lengths(
            tf.zeros([0], tf.int64), tf.zeros([rows], tf.int64))
    else:
        ids_b = tokenizer.tokenize(texts_b)
    # As the reference: a second text without tokens makes a single sentence.
    has_b = tf.cast(ids_b.row_lengths() > 0, tf.int64)
    budget = max_seq_length - 2 - has_b
    length_a, length_b = ids_a.row_lengths(), ids_b.row_lengths()
    keep_a = tf.minimum(length_a, tf.maximum(budget - length_b, (budget + 1) // 2))
    keep_b = tf.minimum(length_b, tf.maximum(budget - length_a, budget // 2))
    ids_a = _first(ids_a, keep_a)
    ids_b = _first(ids_b, keep_b)
    one = tf.ones([rows], tf.int64)

    def column(value, lengths):
        return tf.RaggedTensor.from_row_lengths(
            tf.fill([tf.reduce_sum(lengths)], tf.constant(value, tf.int64)),
            lengths)

    input_ids = tf.concat([column(cls_id, one), ids_a, column(sep_id, one),
                           ids_b, column(sep_id, has_b)], axis=1)
    segment_ids = tf.concat([
        column(0, keep_a + 2), column(1, keep_b + has_b)], axis=1)
    return {
        "input_ids": tf.cast(input_ids.to_tensor(0), tf.int32),
        "input_mask": tf.cast(tf.ones_like(input_ids).to_tensor(0), tf.int32),
        "segment_ids": tf.cast(segment_ids.to_tensor(0), tf.int32)}


def _first(ragged, counts):
    """The first counts[i] values of each row i."""
    return tf.ragged.boolean_mask(
        ragged, tf.ragged.range(ragged.row_lengths()) < tf.expand_dims(counts, 1))
