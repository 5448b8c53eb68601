"""classifier/checkpoint_check.py: a damaged checkpoint is found from its
index and file sizes, set aside in an output_dir, and never trusted."""

import logging
import os
import random
import shutil

import pytest
import tensorflow as tf

from bert.classifier import checkpoint_check
from bert.errors import InputError

tf1 = tf.compat.v1


def save_checkpoints(folder, steps, shape=(64, 32)):
    """model.ckpt-<step> for each step, in one Saver's `checkpoint` file, as
    a training's output_dir holds them."""
    with tf.Graph().as_default():
        weights = tf1.get_variable("weights", shape)
        tf1.get_variable("bias", [shape[1]])
        step = tf1.train.get_or_create_global_step()
        saver = tf1.train.Saver(max_to_keep=10)
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            for value in steps:
                session.run([step.assign(value), weights.assign_add(
                    tf.ones(shape))])
                saver.save(session, os.path.join(str(folder), "model.ckpt"),
                           global_step=value, write_meta_graph=False)
    return [os.path.join(str(folder), "model.ckpt-%d" % value) for value in steps]


def data_file(prefix):
    return prefix + ".data-00000-of-00001"


def cut(path, size):
    with open(path, "r+b") as file:
        file.truncate(size)


@pytest.fixture
def checkpoint(tmp_path):
    return save_checkpoints(tmp_path, [1])[0]


def test_a_whole_checkpoint_passes(checkpoint):
    assert checkpoint_check.damage(checkpoint) is None


def test_every_cut_of_the_data_file_is_found(checkpoint):
    size = os.path.getsize(data_file(checkpoint))
    for length in (0, 1, size // 2, size - 1):
        cut(data_file(checkpoint), length)
        what = checkpoint_check.damage(checkpoint)
        assert what.startswith(data_file(checkpoint) + " is cut short: %d bytes"
                               % length), what


def test_every_cut_of_the_index_is_found_and_none_raises(checkpoint):
    with open(checkpoint + ".index", "rb") as reader:
        index = reader.read()
    for length in range(len(index)):
        with open(checkpoint + ".index", "wb") as writer:
            writer.write(index[:length])
        what = checkpoint_check.damage(checkpoint)
        assert what and "is not a checkpoint index" in what, (length, what)


def test_a_scrambled_index_never_raises(checkpoint):
    """Flipped bytes may leave a readable index; the check still answers."""
    with open(checkpoint + ".index", "rb") as reader:
        index = reader.read()
    rng = random.Random(0)
    for _ in range(300):
        scrambled = bytearray(index)
        for _ in range(rng.randint(1, 4)):
            scrambled[rng.randrange(len(index))] = rng.randrange(256)
        with open(checkpoint + ".index", "wb") as writer:
            writer.write(bytes(scrambled))
        what = checkpoint_check.damage(checkpoint)
        assert what is None or isinstance(what, str)


def test_missing_files_are_named(checkpoint):
    os.remove(data_file(checkpoint))
    assert checkpoint_check.damage(checkpoint) == data_file(checkpoint) + " is missing"
    os.remove(checkpoint + ".index")
    assert checkpoint_check.damage(checkpoint) == checkpoint + ".index is missing"


def test_the_newest_damaged_checkpoints_are_set_aside(tmp_path, caplog):
    prefixes = save_checkpoints(tmp_path, [1, 2, 3, 4])
    cut(data_file(prefixes[3]), 10)
    os.remove(prefixes[2] + ".index")
    with caplog.at_level(logging.WARNING):
        assert checkpoint_check.set_aside_damaged(str(tmp_path)) == prefixes[1]
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefixes[1]
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert list(state.all_model_checkpoint_paths) == prefixes[:2]
    assert sorted(os.listdir(str(tmp_path / "damaged"))) == [
        "model.ckpt-3.data-00000-of-00001", "model.ckpt-4.data-00000-of-00001",
        "model.ckpt-4.index"]
    warnings = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("checkpoint model.ckpt-4 is damaged (")
               and message.endswith("the run goes on from model.ckpt-2")
               for message in warnings), warnings
    # Nothing more to do the second time.
    assert checkpoint_check.set_aside_damaged(str(tmp_path)) == prefixes[1]
    assert len(os.listdir(str(tmp_path / "damaged"))) == 3


def test_a_folder_without_a_whole_checkpoint_stops_and_keeps_its_files(tmp_path):
    prefixes = save_checkpoints(tmp_path, [1, 2])
    for prefix in prefixes:
        cut(data_file(prefix), 3)
    before = sorted(os.listdir(str(tmp_path)))
    with pytest.raises(InputError) as error:
        checkpoint_check.set_aside_damaged(str(tmp_path))
    assert str(error.value).startswith(
        "--output_dir=%s has no whole checkpoint (2 damaged; the newest: %s is "
        "cut short" % (tmp_path, data_file(prefixes[1])))
    assert sorted(os.listdir(str(tmp_path))) == before


@pytest.mark.parametrize("state_text", ["", "\x00\x01garbage{", "model_checkpoint_path"])
def test_a_checkpoint_file_that_does_not_read_is_written_again(tmp_path, state_text):
    prefixes = save_checkpoints(tmp_path, [5, 10])
    (tmp_path / "checkpoint").write_text(state_text)
    assert checkpoint_check.set_aside_damaged(str(tmp_path)) == prefixes[1]
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefixes[1]
    assert (tmp_path / "damaged" / "checkpoint").read_text() == state_text


def test_a_folder_without_checkpoints_is_left_alone(tmp_path):
    (tmp_path / "train.tf_record").write_text("")
    assert checkpoint_check.set_aside_damaged(str(tmp_path)) is None
    assert os.listdir(str(tmp_path)) == ["train.tf_record"]


def test_remove_partial_keeps_every_whole_checkpoint(tmp_path):
    prefixes = save_checkpoints(tmp_path, [1, 2, 3])
    state = (tmp_path / "checkpoint").read_text()
    (tmp_path / "checkpoint").write_text(state.replace("model.ckpt-3", "model.ckpt-2"))
    half = str(tmp_path / "model.ckpt-4")
    shutil.copy(data_file(prefixes[0]), data_file(half))
    cut(data_file(half), 100)
    shutil.copy(prefixes[0] + ".index", half + ".index")
    (tmp_path / "model.ckpt-5_temp").mkdir()
    (tmp_path / "model.ckpt-5_temp" / "part-00000-of-00001.index").write_text("x")
    (tmp_path / "graph.pbtxt.tmp0123456789abcdef0123456789abcdef").write_text("")
    (tmp_path / "model.ckpt-6.data-00000-of-00001.tempstate12345").write_text("")
    checkpoint_check.remove_partial(str(tmp_path))
    names = sorted(os.listdir(str(tmp_path)))
    assert names == sorted(["checkpoint"] + [
        os.path.basename(prefix) + suffix for prefix in prefixes
        for suffix in (".index", ".data-00000-of-00001")])
    assert checkpoint_check.newest_in_words(str(tmp_path)).startswith(
        "the newest whole checkpoint is model.ckpt-2 (")
