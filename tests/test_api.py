"""SPEC §9: the names and signatures that notebooks import from the reference."""

import inspect

import pytest

import modeling
import optimization
import run_classifier
import tokenization


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


def test_defaults_and_members():
    example = run_classifier.InputExample("g", "a")
    assert example.text_b is None and example.label is None
    assert run_classifier.InputFeatures([1], [1], [0], 0).is_real_example is True
    run_classifier.PaddingInputExample()
    assert run_classifier.XnliProcessor().language == "zh"
    for processor in (run_classifier.ColaProcessor, run_classifier.MnliProcessor,
                      run_classifier.MrpcProcessor, run_classifier.XnliProcessor):
        assert issubclass(processor, run_classifier.DataProcessor)
        for method in ("get_train_examples", "get_dev_examples",
                       "get_test_examples", "get_labels"):
            assert callable(getattr(processor, method))
    for method in ("tokenize", "convert_tokens_to_ids", "convert_ids_to_tokens"):
        assert callable(getattr(tokenization.FullTokenizer, method))
    for method in ("from_dict", "from_json_file", "to_dict", "to_json_string"):
        assert callable(getattr(modeling.BertConfig, method))
    for method in ("get_pooled_output", "get_sequence_output",
                   "get_all_encoder_layers", "get_embedding_output",
                   "get_embedding_table"):
        assert callable(getattr(modeling.BertModel, method))
    assert issubclass(optimization.AdamWeightDecayOptimizer,
                      optimization.tf1.train.Optimizer)
