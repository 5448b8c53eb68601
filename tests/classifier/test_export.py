"""classifier/export.py: a SavedModel that computes create_model's outputs,
from ids or from text."""

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from bert import modeling
from bert.classifier import export
from bert.classifier.model_fn import ModelOptions, create_model
from helpers import tiny_config_dict
from bert.errors import InputError

tf1 = tf.compat.v1
LABELS = ["no", "yes", "maybe"]


@pytest.fixture
def trained(tmp_path):
    """A tiny classifier checkpoint, its config and the probabilities it gives."""
    bert_config = modeling.BertConfig.from_dict(tiny_config_dict(vocab_size=20))
    ids = np.array([[2, 5, 6, 3, 0], [2, 7, 3, 8, 3]], np.int32)
    mask = (ids > 0).astype(np.int32)
    segments = np.array([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]], np.int32)
    checkpoint = str(tmp_path / "model.ckpt")
    with tf.Graph().as_default():
        tf1.set_random_seed(3)
        _, _, _, probabilities = create_model(
            bert_config, False, tf.constant(ids), tf.constant(mask),
            tf.constant(segments), tf.zeros([2], tf.int32), len(LABELS), False)
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            expected = session.run(probabilities)
            tf1.train.Saver().save(session, checkpoint)
    vocab = tmp_path / "vocab.txt"  # ids 2 and 3 are [CLS] and [SEP], as BERT's
    vocab.write_text("".join(token + "\n" for token in ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
                             + ["w%d" % i for i in range(4, 20)]))
    return dict(bert_config=bert_config, checkpoint=checkpoint, vocab=str(vocab),
                inputs=dict(input_ids=ids, input_mask=mask, segment_ids=segments),
                expected=expected)


def test_exported_model_gives_the_checkpoints_probabilities(trained, tmp_path):
    export_dir = str(tmp_path / "export" / "1")
    export.export_classifier(trained["bert_config"], trained["checkpoint"],
                             export_dir, LABELS, trained["vocab"], True, 64, "x")
    signature = tf.saved_model.load(export_dir).signatures["serving_default"]
    outputs = signature(**{name: tf.constant(value)
                           for name, value in trained["inputs"].items()})
    np.testing.assert_allclose(outputs["probabilities"].numpy(),
                               trained["expected"], atol=1e-6)
    np.testing.assert_array_equal(outputs["label_ids"].numpy(),
                                  trained["expected"].argmax(-1))
    assets = export.read_assets(export_dir)
    assert "text_pairs" not in assets  # a named task's processor tells
    assert assets["label_list"] == LABELS
    assert assets["max_seq_length"] == 64 and assets["do_lower_case"] is True
    assert assets["compute_dtype"] == "float32"
    assert assets["cls_only_last_layer"] is False
    assert assets["fused_kernels"] is False
    assert open(assets["vocab_file"]).read() == open(trained["vocab"]).read()


def exported_nodes(export_dir):
    """The NodeDefs of an exported folder's graph."""
    with tf.Graph().as_default(), tf1.Session() as session:
        return tf1.saved_model.load(
            session, [tf1.saved_model.tag_constants.SERVING],
            export_dir).graph_def.node


def matrix_products(nodes, inputs):
    """(rows of the output, type, what gives the second operand) of each of
    a graph's 2-D matrix products, its inputs fixed to `inputs`."""
    graph_def = tf1.GraphDef()
    graph_def.node.extend(nodes)
    with tf.Graph().as_default() as graph:
        tf1.import_graph_def(graph_def, name="", input_map={
            name + ":0": tf.constant(value) for name, value in inputs.items()})
    return [(op.outputs[0].shape[0], op.outputs[0].dtype, op.inputs[1].op.type)
            for op in graph.get_operations() if op.type == "MatMul"]


def fusable_layer_norms(nodes):
    """How many LayerNorms a graph builds as batch norms over rows
    (modeling.fusable_layer_norm)."""
    return sum(1 for node in nodes if node.op.startswith("FusedBatchNorm"))


def test_the_export_computes_as_the_runs_options_say(trained, tmp_path):
    """--fast's bf16 products, [CLS]-only last layer and fusable forms reach
    the export; without them it is the plain fp32 graph."""
    default_dir, fast_dir = str(tmp_path / "default"), str(tmp_path / "fast")
    export.export_classifier(trained["bert_config"], trained["checkpoint"],
                             default_dir, LABELS, trained["vocab"], True, 64, "x")
    export.export_classifier(
        trained["bert_config"], trained["checkpoint"], fast_dir, LABELS,
        trained["vocab"], True, 64, "x",
        options=ModelOptions(compute_dtype=tf.bfloat16, cls_only_last_layer=True,
                             fused_kernels=True))
    default_nodes, fast_nodes = exported_nodes(default_dir), exported_nodes(fast_dir)
    default_products = matrix_products(default_nodes, trained["inputs"])
    fast_products = matrix_products(fast_nodes, trained["inputs"])
    assert {dtype for _, dtype, _ in default_products} == {tf.float32}
    # The encoder's products in bf16, their weights constants already in bf16
    # (no variable left, no cast per batch); the plain export reads variables.
    fast_bf16 = [weight for _, dtype, weight in fast_products if dtype == tf.bfloat16]
    assert fast_bf16 and set(fast_bf16) == {"Const"}
    assert {weight for _, _, weight in default_products} == {"ReadVariableOp"}
    assert not [node for node in fast_nodes if "Variable" in node.op]
    # Products over one row an example (2 here, against 10 tokens): the
    # pooler's and the classifier's, and with the [CLS]-only last layer its
    # query, attention output, intermediate and output products too.
    batch = len(trained["inputs"]["input_ids"])
    assert [rows for rows, _, _ in default_products].count(batch) == 2
    assert [rows for rows, _, _ in fast_products].count(batch) == 6
    assert fusable_layer_norms(default_nodes) == 0
    assert fusable_layer_norms(fast_nodes) > 0
    signature = tf.saved_model.load(fast_dir).signatures["serving_default"]
    outputs = signature(**{name: tf.constant(value)
                           for name, value in trained["inputs"].items()})
    np.testing.assert_allclose(outputs["probabilities"].numpy(),
                               trained["expected"], atol=1e-2)
    assets = export.read_assets(fast_dir)
    assert assets["compute_dtype"] == "bfloat16"
    assert assets["cls_only_last_layer"] is True
    assert assets["fused_kernels"] is True


# The fixture's two examples as text: "w5 w6" alone, and the pair "w7" / "w8".
TEXTS = {"text_a": ["w5 w6", "w7"], "text_b": ["", "w8"]}


def test_the_text_signature_tokenizes_in_the_graph_and_gives_the_same(
        trained, tmp_path):
    export_dir = str(tmp_path / "export")
    export.export_classifier(trained["bert_config"], trained["checkpoint"],
                             export_dir, LABELS, trained["vocab"], True, 64, "x")
    text = tf.saved_model.load(export_dir).signatures[export.TEXT_SIGNATURE]
    outputs = text(**{name: tf.constant(value) for name, value in TEXTS.items()})
    np.testing.assert_allclose(outputs["probabilities"].numpy(),
                               trained["expected"], atol=1e-6)
    single = str(tmp_path / "single")
    export.export_classifier(trained["bert_config"], trained["checkpoint"],
                             single, LABELS, trained["vocab"], True, 64, "x",
                             pair_inputs=False)
    text = tf.saved_model.load(single).signatures[export.TEXT_SIGNATURE]
    assert sorted(text.structured_input_signature[1]) == ["text_a"]
    outputs = text(text_a=tf.constant(["W5  w6"]))  # lower-cased, any spacing
    np.testing.assert_allclose(outputs["probabilities"].numpy(),
                               trained["expected"][:1], atol=1e-6)


def test_the_export_loads_with_tensorflow_and_tensorflow_text_alone(
        trained, tmp_path):
    """A serving process has neither this package nor its clone."""
    export_dir = str(tmp_path / "export")
    export.export_classifier(trained["bert_config"], trained["checkpoint"],
                             export_dir, LABELS, trained["vocab"], True, 64, "x")
    script = (
        "import sys, tensorflow as tf, tensorflow_text\n"
        "assert 'bert' not in sys.modules\n"
        "text = tf.saved_model.load(sys.argv[1]).signatures['text']\n"
        "out = text(text_a=tf.constant(%r), text_b=tf.constant(%r))\n"
        "print(out['label_ids'].numpy().tolist())\n"
        % (TEXTS["text_a"], TEXTS["text_b"]))
    result = subprocess.run(
        [sys.executable, "-c", script, export_dir], cwd=str(tmp_path),
        env=dict(os.environ, PYTHONPATH=""), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[-2] == str(
        trained["expected"].argmax(-1).tolist())


def test_existing_folder_is_refused_and_a_failed_export_leaves_nothing(
        trained, tmp_path):
    with pytest.raises(InputError, match="exists already"):
        export.export_classifier(trained["bert_config"], trained["checkpoint"],
                                 str(tmp_path), LABELS, trained["vocab"], True, 64,
                                 "x")
    export_dir = str(tmp_path / "failed")
    with pytest.raises(Exception):
        export.export_classifier(trained["bert_config"], trained["checkpoint"],
                                 export_dir, LABELS, str(tmp_path / "no_vocab.txt"),
                                 True, 64, "x")
    assert not [name for name in os.listdir(str(tmp_path))
                if name.startswith("failed")]


def test_read_assets_names_what_is_wrong(tmp_path):
    with pytest.raises(InputError, match="is not a folder"):
        export.read_assets(str(tmp_path / "missing"))
    with pytest.raises(InputError, match="is not an export"):
        export.read_assets(str(tmp_path))


def test_own_data_records_whether_it_was_trained_on_pairs(trained, tmp_path):
    export_dir = str(tmp_path / "own")
    export.export_classifier(trained["bert_config"], trained["checkpoint"],
                             export_dir, LABELS, trained["vocab"], True, 64, "csv",
                             text_pairs=False)
    assert export.read_assets(export_dir)["text_pairs"] is False


def test_a_checkpoint_without_the_classifier_or_its_labels_is_named(
        trained, tmp_path):
    """A pretrained checkpoint (no classifier layer), or one fine-tuned on
    other labels, stops the export with its name and what it lacks."""
    pretrained = str(tmp_path / "bert_model.ckpt")
    with tf.Graph().as_default():
        modeling.BertModel(trained["bert_config"], False, tf.zeros([1, 4], tf.int32))
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            tf1.train.Saver().save(session, pretrained, write_meta_graph=False)
    with pytest.raises(InputError, match="bert_model.ckpt has no output_weights or "
                       "output_bias: it is not a fine-tuned classifier"):
        export.export_classifier(trained["bert_config"], pretrained,
                                 str(tmp_path / "a"), LABELS, trained["vocab"], True,
                                 64, "x")
    with pytest.raises(InputError, match=r"model.ckpt holds output_weights of "
                       r"shape \[3, 32\], and this export needs \[2, 32\]"):
        export.export_classifier(trained["bert_config"], trained["checkpoint"],
                                 str(tmp_path / "b"), LABELS[:2], trained["vocab"],
                                 True, 64, "x")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
