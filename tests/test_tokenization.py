"""WordPiece tokenizer: the release's rules, on toy vocabularies and the released ones."""

import os
import unicodedata

import pytest
from hypothesis import given, settings, strategies as st

from bert import processors
from bert import tokenization
from helpers import CHINESE_DIR, GLUE, UNCASED_VOCAB

REFERENCE_VOCAB = ["[UNK]", "[CLS]", "[SEP]", "want", "##want", "##ed", "wa",
                   "un", "runn", "##ing", ","]


def write_vocab(tmp_path, tokens):
    path = tmp_path / "vocab.txt"
    path.write_text("".join(token + "\n" for token in tokens), encoding="utf-8")
    return str(path)


def test_spec_example(tmp_path):
    tokenizer = tokenization.FullTokenizer(write_vocab(tmp_path, REFERENCE_VOCAB))
    tokens = tokenizer.tokenize(u"UNwant\u00E9d,running")
    assert tokens == ["un", "##want", "##ed", ",", "runn", "##ing"]
    assert tokenizer.convert_tokens_to_ids(tokens) == [7, 4, 5, 10, 8, 9]
    assert tokenizer.convert_ids_to_tokens([7, 4, 5]) == ["un", "##want", "##ed"]


def test_lower_case_strips_case_and_accents():
    tokenizer = tokenization.BasicTokenizer(do_lower_case=True)
    assert tokenizer.tokenize(u" \tHeLLo!how  \n Are yoU?  ") == [
        "hello", "!", "how", "are", "you", "?"]
    assert tokenizer.tokenize(u"H\u00E9llo \u00C5ngstr\u00F6m") == [
        "hello", "angstrom"]


def test_cased_keeps_case_and_accents():
    tokenizer = tokenization.BasicTokenizer(do_lower_case=False)
    assert tokenizer.tokenize(u" \tHeLLo!how  \n Are yoU?  ") == [
        "HeLLo", "!", "how", "Are", "yoU", "?"]
    assert tokenizer.tokenize(u"H\u00E9llo") == [u"H\u00E9llo"]


def test_cjk_ideographs_are_split_but_hangul_and_kana_are_not():
    tokenizer = tokenization.BasicTokenizer()
    assert tokenizer.tokenize(u"ah\u535A\u63A8zz") == [
        "ah", u"\u535A", u"\u63A8", "zz"]
    assert tokenizer.tokenize(u"\uC548\uB155 \u3072\u3089\u304C\u306A") == [
        u"\u110b\u1161\u11ab\u1102\u1167\u11bc", u"\u3072\u3089\u304b\u306a"]
    cased = tokenization.BasicTokenizer(do_lower_case=False)
    assert cased.tokenize(u"\uC548\uB155") == [u"\uC548\uB155"]
    # Extension B ideograph (outside the BMP).
    assert cased.tokenize(u"a\U00020001b") == ["a", u"\U00020001", "b"]


def test_control_characters_and_whitespace():
    tokenizer = tokenization.BasicTokenizer(do_lower_case=False)
    # NUL, U+FFFD, a Cc control and a Cf zero-width space are dropped.
    assert tokenizer.tokenize(u"a\x00b\ufffdc\x07d\u200be") == ["abcde"]
    # Tab, newline, CR and Zs spaces (no-break, ideographic) separate tokens.
    assert tokenizer.tokenize(u"a\tb\nc\rd\u00a0e\u3000f") == [
        "a", "b", "c", "d", "e", "f"]
    # Other C* categories (private use Co) are kept.
    assert tokenizer.tokenize(u"x\ue000y") == [u"x\ue000y"]


def test_character_classes():
    assert tokenization._is_whitespace(u" ")
    assert tokenization._is_whitespace(u"\u00A0")
    assert not tokenization._is_whitespace(u"A")
    assert tokenization._is_control(u"\u0005")
    assert tokenization._is_control(u"\u200d")
    assert not tokenization._is_control(u"\t")
    assert not tokenization._is_control(u"\r")
    assert not tokenization._is_control(u"\U0001F4A9")
    for char in u"-$`.^~\u00bf\u3001":
        assert tokenization._is_punctuation(char), char
    for char in u"A \u20ac":
        assert not tokenization._is_punctuation(char), char


def test_punctuation_splitting():
    tokenizer = tokenization.BasicTokenizer()
    assert tokenizer.tokenize(u"a$b^c...d\u00bfe \u20acf") == [
        "a", "$", "b", "^", "c", ".", ".", ".", "d", u"\u00bf", "e", u"\u20acf"]


def test_wordpiece_unknown_rules():
    vocab = {token: index for index, token in enumerate(REFERENCE_VOCAB)}
    tokenizer = tokenization.WordpieceTokenizer(vocab=vocab)
    assert tokenizer.tokenize(u"") == []
    assert tokenizer.tokenize(u"unwanted running") == [
        "un", "##want", "##ed", "runn", "##ing"]
    # One position with no match makes the whole word [UNK].
    assert tokenizer.tokenize(u"unwantedX running") == ["[UNK]", "runn", "##ing"]
    assert tokenization.WordpieceTokenizer(
        vocab=vocab, max_input_chars_per_word=5).tokenize(u"wantwant want") == [
            "[UNK]", "want"]


def test_words_longer_than_200_characters_are_unknown(tmp_path):
    tokenizer = tokenization.FullTokenizer(write_vocab(tmp_path, REFERENCE_VOCAB))
    assert tokenizer.tokenize(u"want" * 50) == ["want"] + ["##want"] * 49
    assert tokenizer.tokenize(u"want" * 50 + u"w") == ["[UNK]"]


def test_bytes_are_decoded_dropping_invalid_utf8():
    assert tokenization.convert_to_unicode(b"caf\xc3\xa9 \xff ok") == u"caf\u00e9  ok"
    tokenizer = tokenization.BasicTokenizer()
    assert tokenizer.tokenize(b"Caf\xc3\xa9\xff!") == ["cafe", "!"]
    with pytest.raises(ValueError):
        tokenization.convert_to_unicode(42)


def test_vocab_loading_keeps_last_index_of_duplicates(tmp_path):
    vocab = tokenization.load_vocab(
        write_vocab(tmp_path, ["[PAD]", " a ", "b", "a", "c"]))
    assert vocab["a"] == 3
    assert vocab["[PAD]"] == 0
    assert list(vocab) == ["[PAD]", "a", "b", "c"]


def test_missing_vocab_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        tokenization.FullTokenizer(str(tmp_path / "nope.txt"))


@pytest.mark.shared_data
def test_released_uncased_vocab():
    tokenizer = tokenization.FullTokenizer(UNCASED_VOCAB, do_lower_case=True)
    assert len(tokenizer.vocab) == 30522
    assert tokenizer.vocab["[PAD]"] == 0
    assert tokenizer.vocab["[UNK]"] == 100
    assert tokenizer.vocab["[CLS]"] == 101
    assert tokenizer.vocab["[SEP]"] == 102
    tokens = tokenizer.tokenize(
        u"The quick brown fox jumped over the unaffable dog, na\u00efvely.")
    assert tokens == ["the", "quick", "brown", "fox", "jumped", "over", "the",
                      "una", "##ffa", "##ble", "dog", ",", "naive", "##ly", "."]
    # Emoji are not in the vocabulary; never a crash.
    assert tokenizer.tokenize(u"ok \U0001F600") == ["ok", "[UNK]"]


@pytest.mark.shared_data
def test_released_chinese_vocab():
    tokenizer = tokenization.FullTokenizer(
        os.path.join(CHINESE_DIR, "vocab.txt"), do_lower_case=True)
    assert len(tokenizer.vocab) == 21128
    assert tokenizer.tokenize(u"我爱北京天安门。") == [
        u"我", u"爱", u"北", u"京", u"天", u"安", u"门", u"。"]


@pytest.mark.parametrize("path,lower,ok", [
    ("/m/uncased_L-12_H-768_A-12/bert_model.ckpt", True, True),
    ("/m/uncased_L-12_H-768_A-12/bert_model.ckpt", False, False),
    ("gs://b/cased_L-12_H-768_A-12/bert_model.ckpt", True, False),
    ("gs://b/multi_cased_L-12_H-768_A-12/bert_model.ckpt", False, True),
    ("/m/chinese_L-12_H-768_A-12/bert_model.ckpt", False, False),
    ("/m/my_model/bert_model.ckpt", False, True),
    ("/m/model.ckpt-343", True, True),
    (None, False, True),
])
def test_case_must_match_released_checkpoint(path, lower, ok):
    if ok:
        tokenization.validate_case_matches_checkpoint(lower, path)
    else:
        with pytest.raises(ValueError, match="do_lower_case"):
            tokenization.validate_case_matches_checkpoint(lower, path)


# Property-based: the tokenizer never crashes or hangs, and emits only vocabulary
# tokens, on any string.

_TOKENIZERS = {}


def released_tokenizer(do_lower_case):
    if do_lower_case not in _TOKENIZERS:
        _TOKENIZERS[do_lower_case] = tokenization.FullTokenizer(
            UNCASED_VOCAB, do_lower_case=do_lower_case)
    return _TOKENIZERS[do_lower_case]


TRICKY = (u"\u0301\u0308\u200b\u200c\u200d\ufeff\u00a0\u3000\ud800\udfff\x00\ufffd"
          u"\u0e01\u0e34\u4e00\uac00\U0001F600\U00020001\u2028\u2029\x85\t\r\n")
ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF),
                   max_size=300)
TRICKY_TEXT = st.text(alphabet=st.sampled_from(TRICKY + u"abcXYZ .,!"),
                      max_size=300)
LONG_WORDS = st.builds(lambda c, n: c * n, st.sampled_from(u"a\u00e9\u0301x\u4e00!"),
                       st.integers(150, 10000))


@pytest.mark.shared_data
@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, TRICKY_TEXT, LONG_WORDS), st.booleans())
def test_any_unicode_gives_vocabulary_tokens(text, do_lower_case):
    tokenizer = released_tokenizer(do_lower_case)
    tokens = tokenizer.tokenize(text)
    assert all(token in tokenizer.vocab for token in tokens)
    assert len(tokenizer.convert_tokens_to_ids(tokens)) == len(tokens)


@pytest.mark.shared_data
@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_are_accepted(data):
    tokens = released_tokenizer(True).tokenize(data)
    assert all(isinstance(token, str) for token in tokens)


@pytest.mark.shared_data
def test_ten_thousand_character_word_is_one_unknown_token():
    assert released_tokenizer(True).tokenize(u"a" * 10000) == ["[UNK]"]
    # CJK characters are split one per token, so 10,000 of them stay tokens.
    assert released_tokenizer(True).tokenize(u"\u4e00" * 10000) == [u"\u4e00"] * 10000


def slow_basic_tokenize(text, do_lower_case):
    """The release's basic step, rule by rule, with no shortcuts."""
    cleaned = []
    for char in text:
        if ord(char) in (0, 0xFFFD) or tokenization._is_control(char):
            continue
        if tokenization._is_whitespace(char):
            cleaned.append(" ")
        elif tokenization._is_cjk_char(ord(char)):
            cleaned.append(" " + char + " ")
        else:
            cleaned.append(char)
    pieces = []
    for token in "".join(cleaned).split():
        if do_lower_case:
            token = "".join(c for c in unicodedata.normalize("NFD", token.lower())
                            if unicodedata.category(c) != "Mn")
        current = ""
        for char in token:
            if tokenization._is_punctuation(char):
                pieces += [current, char] if current else [char]
                current = ""
            else:
                current += char
        if current:
            pieces.append(current)
    return " ".join(pieces).split()


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, TRICKY_TEXT, st.text(max_size=100)), st.booleans())
def test_basic_tokenizer_equals_the_rules_applied_one_by_one(text, do_lower_case):
    tokenizer = tokenization.BasicTokenizer(do_lower_case=do_lower_case)
    assert tokenizer.tokenize(text) == slow_basic_tokenize(text, do_lower_case)


@pytest.mark.shared_data
def test_basic_tokenizer_equals_the_rules_on_real_glue_text():
    tokenizer = tokenization.BasicTokenizer(do_lower_case=True)
    for example in processors.MrpcProcessor().get_dev_examples(
            os.path.join(GLUE, "MRPC")):
        assert tokenizer.tokenize(example.text_a) == slow_basic_tokenize(
            example.text_a, True)
