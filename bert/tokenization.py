"""WordPiece tokenization, token for token the same as the released BERT tokenizer.

FullTokenizer = BasicTokenizer (cleaning, CJK spacing, lower-casing, accent
stripping, punctuation splitting) followed by WordpieceTokenizer (greedy
longest-match-first sub-words against the vocabulary).
"""

import collections
import re
import unicodedata

import tensorflow as tf

# Released checkpoints whose name tells whether they were trained lower-cased.
LOWER_CASED_MODELS = (
    "uncased_L-24_H-1024_A-16",
    "uncased_L-12_H-768_A-12",
    "multilingual_L-12_H-768_A-12",
    "chinese_L-12_H-768_A-12",
)
CASED_MODELS = (
    "cased_L-12_H-768_A-12",
    "cased_L-24_H-1024_A-16",
    "multi_cased_L-12_H-768_A-12",
)

# Code-point blocks of CJK ideographs (Hangul and kana are deliberately absent).
_CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


def validate_case_matches_checkpoint(do_lower_case, init_checkpoint):
    """Raises ValueError when do_lower_case contradicts a released checkpoint's name."""
    if not init_checkpoint:
        return
    match = re.match(r"^.*?([A-Za-z0-9_-]+)/bert_model\.ckpt", init_checkpoint)
    if match is None:
        return
    model_name = match.group(1)
    if model_name in LOWER_CASED_MODELS and not do_lower_case:
        raise ValueError(
            "--do_lower_case=False but init_checkpoint %s is the lower-cased model "
            "%s: pass --do_lower_case=True" % (init_checkpoint, model_name))
    if model_name in CASED_MODELS and do_lower_case:
        raise ValueError(
            "--do_lower_case=True but init_checkpoint %s is the cased model %s: "
            "pass --do_lower_case=False" % (init_checkpoint, model_name))


def convert_to_unicode(text):
    """Returns text as str; bytes are decoded as UTF-8, dropping invalid bytes."""
    if isinstance(text, str):
        return text
    if isinstance(text, bytes):
        return text.decode("utf-8", "ignore")
    raise ValueError("Unsupported string type: %s" % type(text))


def printable_text(text):
    """Returns text as str, suitable for print() and logging."""
    return convert_to_unicode(text)


def load_vocab(vocab_file):
    """Reads a vocabulary file (one token per line) into an ordered token -> id dict."""
    if not tf.io.gfile.exists(vocab_file):
        raise ValueError(
            "vocab file %s does not exist: pass --vocab_file=<model dir>/vocab.txt"
            % vocab_file)
    vocab = collections.OrderedDict()
    with tf.io.gfile.GFile(vocab_file, "rb") as reader:
        lines = reader.read().decode("utf-8", "ignore").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for index, line in enumerate(lines):
        vocab[line.strip()] = index
    return vocab


def convert_by_vocab(vocab, items):
    """Maps each item through vocab."""
    return [vocab[item] for item in items]


def convert_tokens_to_ids(vocab, tokens):
    return convert_by_vocab(vocab, tokens)


def convert_ids_to_tokens(inv_vocab, ids):
    return convert_by_vocab(inv_vocab, ids)


def whitespace_tokenize(text):
    """Strips text and splits it on whitespace."""
    text = text.strip()
    if not text:
        return []
    return text.split()


class FullTokenizer(object):
    """Basic tokenization followed by WordPiece."""

    def __init__(self, vocab_file, do_lower_case=True):
        self.vocab = load_vocab(vocab_file)
        self.inv_vocab = {index: token for token, index in self.vocab.items()}
        self.basic_tokenizer = BasicTokenizer(do_lower_case=do_lower_case)
        self.wordpiece_tokenizer = WordpieceTokenizer(vocab=self.vocab)

    def tokenize(self, text):
        tokens = []
        for word in self.basic_tokenizer.tokenize(text):
            tokens.extend(self.wordpiece_tokenizer.tokenize(word))
        return tokens

    def convert_tokens_to_ids(self, tokens):
        return convert_by_vocab(self.vocab, tokens)

    def convert_ids_to_tokens(self, ids):
        return convert_by_vocab(self.inv_vocab, ids)


class BasicTokenizer(object):
    """Cleans text and splits it on whitespace and punctuation."""

    def __init__(self, do_lower_case=True):
        self.do_lower_case = do_lower_case

    def tokenize(self, text):
        text = self._clean_and_space_cjk(convert_to_unicode(text))
        split_tokens = []
        for token in whitespace_tokenize(text):
            if self.do_lower_case:
                token = _strip_accents(token.lower())
            split_tokens.extend(_split_on_punctuation(token))
        return whitespace_tokenize(" ".join(split_tokens))

    @staticmethod
    def _clean_and_space_cjk(text):
        """Drops NUL, U+FFFD and control characters, maps whitespace to a space
        and puts a space on both sides of every CJK ideograph."""
        if text.isascii() and text.isprintable():
            return text  # nothing to drop, map or space out
        output = []
        for char in text:
            kind = _char_kind(char)
            if kind == _OTHER or kind == _PUNCTUATION:
                output.append(char)
            elif kind == _SPACE:
                output.append(" ")
            elif kind == _CJK:
                output.append(" %s " % char)
        return "".join(output)


class WordpieceTokenizer(object):
    """Greedy longest-match-first split of a word into vocabulary pieces."""

    def __init__(self, vocab, unk_token="[UNK]", max_input_chars_per_word=200):
        self.vocab = vocab
        self.unk_token = unk_token
        self.max_input_chars_per_word = max_input_chars_per_word

    def tokenize(self, text):
        output_tokens = []
        for word in whitespace_tokenize(convert_to_unicode(text)):
            output_tokens.extend(self._split_word(word))
        return output_tokens

    def _split_word(self, word):
        if len(word) > self.max_input_chars_per_word:
            return [self.unk_token]
        pieces = []
        start = 0
        while start < len(word):
            end = len(word)
            piece = None
            while start < end:
                candidate = word[start:end]
                if start > 0:
                    candidate = "##" + candidate
                if candidate in self.vocab:
                    piece = candidate
                    break
                end -= 1
            if piece is None:
                return [self.unk_token]
            pieces.append(piece)
            start = end
        return pieces


def _strip_accents(text):
    """NFD-normalizes text and drops combining marks (category Mn)."""
    if text.isascii():
        return text
    return "".join(char for char in unicodedata.normalize("NFD", text)
                   if unicodedata.category(char) != "Mn")


def _split_on_punctuation(text):
    """Splits text so that every punctuation character is a token of its own."""
    if text.isalnum():
        return [text]  # letters and digits are never punctuation
    pieces = []
    start_new_piece = True
    for char in text:
        if _char_kind(char) == _PUNCTUATION:
            pieces.append([char])
            start_new_piece = True
        else:
            if start_new_piece:
                pieces.append([])
                start_new_piece = False
            pieces[-1].append(char)
    return ["".join(piece) for piece in pieces]


# What the basic tokenizer does with a character, decided once per character.
_DROP, _SPACE, _CJK, _PUNCTUATION, _OTHER = range(5)
_KIND_CACHE = {}
_KIND_CACHE_LIMIT = 200000


def _char_kind(char):
    kind = _KIND_CACHE.get(char)
    if kind is None:
        code_point = ord(char)
        if code_point == 0 or code_point == 0xFFFD or _is_control(char):
            kind = _DROP
        elif _is_whitespace(char):
            kind = _SPACE
        elif _is_cjk_char(code_point):
            kind = _CJK
        elif _is_punctuation(char):
            kind = _PUNCTUATION
        else:
            kind = _OTHER
        if len(_KIND_CACHE) < _KIND_CACHE_LIMIT:
            _KIND_CACHE[char] = kind
    return kind


def _is_cjk_char(code_point):
    return any(low <= code_point <= high for low, high in _CJK_RANGES)


def _is_whitespace(char):
    """Space, tab, newline, carriage return, or a Unicode space separator (Zs)."""
    if char in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(char) == "Zs"


def _is_control(char):
    """Categories Cc and Cf, except tab, newline and carriage return."""
    if char in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(char) in ("Cc", "Cf")


def _is_punctuation(char):
    """ASCII non-alphanumeric printables, or any Unicode category P*."""
    code_point = ord(char)
    if (33 <= code_point <= 47 or 58 <= code_point <= 64 or
            91 <= code_point <= 96 or 123 <= code_point <= 126):
        return True
    return unicodedata.category(char).startswith("P")
