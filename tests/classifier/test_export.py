"""classifier/export.py: a SavedModel that computes create_model's outputs."""

import os

import numpy as np
import pytest
import tensorflow as tf

from bert import modeling
from bert.classifier import export
from bert.classifier.model_fn import create_model
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
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("".join("w%d\n" % i for i in range(20)))
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
    assert open(assets["vocab_file"]).read() == open(trained["vocab"]).read()


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
