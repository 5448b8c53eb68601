"""The reference's API: the names and signatures that notebooks import from the reference."""

import inspect
import json

import pytest
import tensorflow as tf

from bert import modeling
from bert import optimization
from bert import run_classifier
from bert import tokenization


@pytest.mark.parametrize("function,expected", [
    (run_classifier.InputExample, ["guid", "text_a", "text_b", "label"]),
    (run_classifier.InputFeatures,
     ["input_ids", "input_mask", "segment_ids", "label_id", "is_real_example"]),
    (run_classifier.convert_single_example,
     ["ex_index", "example", "label_list", "max_seq_length", "tokenizer"]),
    (run_classifier.convert_examples_to_features,
     ["examples", "label_list", "max_seq_length", "tokenizer"]),
    (run_classifier.file_based_convert_examples_to_features,
     ["examples", "label_list", "max_seq_length", "tokenizer", "output_file"]),
    (run_classifier.file_based_input_fn_builder,
     ["input_file", "seq_length", "is_training", "drop_remainder"]),
    (run_classifier.input_fn_builder,
     ["features", "seq_length", "is_training", "drop_remainder"]),
    (run_classifier.create_model,
     ["bert_config", "is_training", "input_ids", "input_mask", "segment_ids",
      "labels", "num_labels", "use_one_hot_embeddings"]),
    (run_classifier.model_fn_builder,
     ["bert_config", "num_labels", "init_checkpoint", "learning_rate",
      "num_train_steps", "num_warmup_steps", "use_tpu", "use_one_hot_embeddings"]),
    (tokenization.FullTokenizer, ["vocab_file", "do_lower_case"]),
    (tokenization.BasicTokenizer, ["do_lower_case"]),
    (tokenization.WordpieceTokenizer,
     ["vocab", "unk_token", "max_input_chars_per_word"]),
    (tokenization.load_vocab, ["vocab_file"]),
    (tokenization.convert_to_unicode, ["text"]),
    (tokenization.printable_text, ["text"]),
    (tokenization.validate_case_matches_checkpoint,
     ["do_lower_case", "init_checkpoint"]),
    (modeling.BertModel,
     ["config", "is_training", "input_ids", "input_mask", "token_type_ids",
      "use_one_hot_embeddings", "scope"]),
    (modeling.get_assignment_map_from_checkpoint, ["tvars", "init_checkpoint"]),
    (modeling.gelu, ["x"]),
    (optimization.create_optimizer,
     ["loss", "init_lr", "num_train_steps", "num_warmup_steps", "use_tpu"]),
])
def test_signatures(function, expected):
    """The reference's parameters lead, in order; additions are optional."""
    parameters = inspect.signature(function).parameters
    assert list(parameters)[:len(expected)] == expected
    for name in list(parameters)[len(expected):]:
        assert parameters[name].default is not inspect.Parameter.empty, name


def test_examples_features_and_processors_behave_as_the_reference():
    example = run_classifier.InputExample("g", "a")
    assert (example.guid, example.text_a, example.text_b, example.label) == (
        "g", "a", None, None)
    features = run_classifier.InputFeatures([1], [1], [0], 0)
    assert features.is_real_example is True
    assert run_classifier.XnliProcessor().language == "zh"
    nli = ["contradiction", "entailment", "neutral"]
    for processor, labels in ((run_classifier.ColaProcessor, ["0", "1"]),
                              (run_classifier.MnliProcessor, nli),
                              (run_classifier.MrpcProcessor, ["0", "1"]),
                              (run_classifier.XnliProcessor, nli)):
        assert issubclass(processor, run_classifier.DataProcessor)
        assert list(processor().get_labels()) == labels


def tiny_vocab(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat",
                               "##s", "sat"]) + "\n")
    return str(path)


def test_a_padding_example_becomes_zeros_that_do_not_count(tmp_path):
    tokenizer = tokenization.FullTokenizer(tiny_vocab(tmp_path))
    padding = run_classifier.convert_single_example(
        0, run_classifier.PaddingInputExample(), ["0", "1"], 6, tokenizer)
    assert padding.input_ids == padding.input_mask == padding.segment_ids == [0] * 6
    assert padding.label_id == 0 and padding.is_real_example is False
    real = run_classifier.convert_single_example(
        0, run_classifier.InputExample("g", "the cats", "sat", "1"), ["0", "1"], 8,
        tokenizer)
    assert real.input_ids == [2, 4, 5, 6, 3, 7, 3, 0]
    assert real.segment_ids == [0, 0, 0, 0, 0, 1, 1, 0]
    assert real.label_id == 1 and real.is_real_example is True


def test_tokenizer_config_and_model_members_behave(tmp_path):
    tokenizer = tokenization.FullTokenizer(tiny_vocab(tmp_path))
    tokens = tokenizer.tokenize("The CATS sat!")
    assert tokens == ["the", "cat", "##s", "sat", "[UNK]"]
    ids = tokenizer.convert_tokens_to_ids(tokens)
    assert tokenizer.convert_ids_to_tokens(ids) == tokens
    assert tokenizer.vocab["cat"] == 5 and tokenizer.inv_vocab[5] == "cat"

    config = modeling.BertConfig(vocab_size=8, hidden_size=8, num_hidden_layers=2,
                                 num_attention_heads=2, intermediate_size=16)
    again = modeling.BertConfig.from_dict(json.loads(config.to_json_string()))
    assert again.to_dict() == config.to_dict()
    path = tmp_path / "bert_config.json"
    path.write_text(config.to_json_string())
    assert modeling.BertConfig.from_json_file(str(path)).to_dict() == config.to_dict()

    with tf.Graph().as_default():
        model = modeling.BertModel(config, False, tf.constant([[2, 4, 5, 3]]))
        assert model.get_pooled_output().shape.as_list() == [1, 8]
        assert model.get_sequence_output().shape.as_list() == [1, 4, 8]
        assert len(model.get_all_encoder_layers()) == 2
        assert model.get_all_encoder_layers()[-1] is model.get_sequence_output()
        assert model.get_embedding_output().shape.as_list() == [1, 4, 8]
        assert model.get_embedding_table().shape.as_list() == [8, 8]
    assert issubclass(optimization.AdamWeightDecayOptimizer,
                      optimization.tf1.train.Optimizer)
