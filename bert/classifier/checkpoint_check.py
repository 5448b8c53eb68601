"""Checkpoints checked before they are trusted: is one whole, and which is
the newest whole one of an output_dir.

Whole means its index reads and each tensor's bytes lie inside its data
files (the data itself is not read).

A checkpoint is `<prefix>.index` (a table of BundleEntryProto, one per
tensor: data shard, offset, size) and `<prefix>.data-NNNNN-of-MMMMM`. A copy
cut short, or an index that is not one, passes TensorFlow's listing of the
variables and fails only when the data is read, deep inside a graph. The
table's layout (blocks of prefix-compressed entries, a 48-byte footer) is
TensorFlow's io/table format; checkpoints write it uncompressed.
"""

import os
import re
import struct

import tensorflow as tf
from google.protobuf import text_format
from google.protobuf.message import DecodeError
from tensorflow.core.protobuf import tensor_bundle_pb2
from tensorflow.python.training import checkpoint_state_pb2

from bert.errors import InputError, human_size

tf1 = tf.compat.v1

DAMAGED_FOLDER = "damaged"

FOOTER_BYTES = 48
TABLE_MAGIC = 0xdb4775248b80fb57
BLOCK_TRAILER_BYTES = 5  # compression type, crc32c
UNCOMPRESSED = 0


class DamagedCheckpoint(Exception):
    """What is wrong with a checkpoint, in words."""


def damage(prefix):
    """None for a whole checkpoint, else what is wrong with it (one line)."""
    try:
        check(prefix)
    except DamagedCheckpoint as error:
        return str(error)
    return None


def check(prefix):
    """Raises DamagedCheckpoint unless prefix's index reads and every tensor
    it lists lies inside the data files."""
    index_path = prefix + ".index"
    if not tf.io.gfile.exists(index_path):
        raise DamagedCheckpoint("%s is missing" % index_path)
    with tf.io.gfile.GFile(index_path, "rb") as reader:
        index = reader.read()
    try:
        entries = dict(table_entries(index))
        header = tensor_bundle_pb2.BundleHeaderProto.FromString(entries.pop(b""))
        entries = {name: tensor_bundle_pb2.BundleEntryProto.FromString(value)
                   for name, value in entries.items()}
    except (ValueError, KeyError, IndexError, struct.error,
            DecodeError) as error:
        raise DamagedCheckpoint("%s is not a checkpoint index (%s)"
                                % (index_path, error or type(error).__name__))
    shard_sizes = {}
    for shard in range(header.num_shards):
        path = "%s.data-%05d-of-%05d" % (prefix, shard, header.num_shards)
        if not tf.io.gfile.exists(path):
            raise DamagedCheckpoint("%s is missing" % path)
        shard_sizes[shard] = tf.io.gfile.stat(path).length
    for name, entry in sorted(entries.items()):
        end = entry.offset + entry.size
        if end > shard_sizes.get(entry.shard_id, -1):
            raise DamagedCheckpoint(
                "%s.data-%05d-of-%05d is cut short: %d bytes, but %s ends at "
                "byte %d" % (prefix, entry.shard_id, header.num_shards,
                             shard_sizes.get(entry.shard_id, 0),
                             name.decode("utf-8", "replace"), end))


def checkpoints_newest_first(output_dir):
    """(the checkpoints output_dir's `checkpoint` file names, newest first;
    whether that file reads). Where it does not, every model.ckpt-N index in
    the folder stands in."""
    if not tf.io.gfile.exists(os.path.join(output_dir, "checkpoint")):
        return [], True
    try:
        with tf.io.gfile.GFile(os.path.join(output_dir, "checkpoint")) as reader:
            state = text_format.Parse(
                reader.read(), checkpoint_state_pb2.CheckpointState())
    except (text_format.ParseError, UnicodeDecodeError):
        state = None
    if state is None or not state.model_checkpoint_path:
        indexes = tf.io.gfile.glob(os.path.join(output_dir, "model.ckpt-*.index"))
        prefixes = [path[:-len(".index")] for path in indexes]
        return sorted(prefixes, key=_step, reverse=True), False
    paths = list(state.all_model_checkpoint_paths)
    if state.model_checkpoint_path not in paths:
        paths.append(state.model_checkpoint_path)
    return [os.path.join(output_dir, path) for path in reversed(paths)], True


def newest_whole(output_dir):
    """output_dir's newest whole checkpoint, or None."""
    for prefix in checkpoints_newest_first(output_dir)[0]:
        if damage(prefix) is None:
            return prefix
    return None


def _step(path):
    """N of a path model.ckpt-N[.suffix...] (-1 if it has none)."""
    tail = os.path.basename(path).split(".ckpt-", 1)[-1].split(".")[0]
    return int(tail) if tail.isdigit() else -1


def set_aside_damaged(output_dir):
    """Makes output_dir's newest whole checkpoint its latest: those newer
    move to output_dir/damaged/, with a warning each, and the `checkpoint`
    file is written again. Returns that checkpoint, or None where output_dir
    has none. Stops with InputError when it has some but none is whole."""
    prefixes, state_reads = checkpoints_newest_first(output_dir)
    damaged = []
    for prefix in prefixes:
        what = damage(prefix)
        if what is None:
            break
        damaged.append((prefix, what))
    whole = prefixes[len(damaged)] if len(damaged) < len(prefixes) else None
    if damaged and whole is None:
        raise InputError(
            "--output_dir=%s has no whole checkpoint (%d damaged; the newest: "
            "%s): train into a new --output_dir, or copy the checkpoints there "
            "again" % (output_dir, len(damaged), damaged[0][1]))
    set_aside = os.path.join(output_dir, DAMAGED_FOLDER)
    for prefix, what in damaged:
        tf.io.gfile.makedirs(set_aside)
        for path in tf.io.gfile.glob(prefix + ".*"):
            tf.io.gfile.rename(path, os.path.join(
                set_aside, os.path.basename(path)), overwrite=True)
        tf1.logging.warning(
            "checkpoint %s is damaged (%s): moved to %s; the run goes on from "
            "%s", os.path.basename(prefix), what, set_aside,
            os.path.basename(whole))
    if not state_reads:
        tf.io.gfile.makedirs(set_aside)
        tf.io.gfile.rename(os.path.join(output_dir, "checkpoint"),
                           os.path.join(set_aside, "checkpoint"), overwrite=True)
        tf1.logging.warning(
            "%s/checkpoint does not read: moved to %s; %s", output_dir,
            set_aside, "written again, naming %s" % os.path.basename(whole)
            if whole else "no checkpoint is there to name")
    if whole and (damaged or not state_reads):
        kept = prefixes[len(damaged):]
        tf1.train.update_checkpoint_state(output_dir, whole, list(reversed(kept)))
    return whole


def newest_in_words(output_dir):
    """Which whole checkpoint a rerun resumes from, and its size."""
    prefix = newest_whole(output_dir)
    if prefix is None:
        return "no checkpoint is whole yet"
    size = sum(tf.io.gfile.stat(path).length
               for path in tf.io.gfile.glob(prefix + ".*"))
    return "the newest whole checkpoint is %s (%s)" % (
        os.path.basename(prefix), human_size(size))


# What TensorFlow writes under a temporary name: a checkpoint's shards,
# their data files, a text file written whole (graph.pbtxt).
TEMPORARY_PATTERNS = (r"model\.ckpt-\d+_temp", r".*\.tempstate\d+",
                      r".*\.tmp[0-9a-f]{32}")


def remove_partial(output_dir):
    """After a failed save: removes what TensorFlow left half-written (its
    temporary files, and checkpoints the `checkpoint` file does not name that
    are not whole). Whole checkpoints all stay."""
    for name in tf.io.gfile.listdir(output_dir):
        name = name.rstrip("/")
        if any(re.fullmatch(pattern, name) for pattern in TEMPORARY_PATTERNS):
            path = os.path.join(output_dir, name)
            if tf.io.gfile.isdir(path):
                tf.io.gfile.rmtree(path)
            else:
                tf.io.gfile.remove(path)
    named = set(checkpoints_newest_first(output_dir)[0])
    prefixes = {os.path.join(output_dir, "model.ckpt-%d" % _step(path))
                for path in tf.io.gfile.glob(os.path.join(output_dir, "model.ckpt-*"))
                if _step(path) >= 0}
    for prefix in prefixes - named:
        if damage(prefix) is not None:
            for path in tf.io.gfile.glob(prefix + ".*"):
                tf.io.gfile.remove(path)
            tf1.logging.warning("removed the half-written checkpoint %s", prefix)


def table_entries(table):
    """(key, value) of every entry of a table file's bytes, in key order."""
    if len(table) < FOOTER_BYTES:
        raise ValueError("%d bytes, too short for a table" % len(table))
    footer = table[-FOOTER_BYTES:]
    if struct.unpack("<Q", footer[-8:])[0] != TABLE_MAGIC:
        raise ValueError("no table footer")
    _, position = read_block_handle(footer, 0)  # the meta index: unused
    index_handle, _ = read_block_handle(footer, position)
    for _, data_handle in block_entries(read_block(table, index_handle)):
        handle, _ = read_block_handle(data_handle, 0)
        for key, value in block_entries(read_block(table, handle)):
            yield key, value


def read_block(table, handle):
    offset, size = handle
    if offset + size + BLOCK_TRAILER_BYTES > len(table) - FOOTER_BYTES:
        raise ValueError("a block lies past the end of the file")
    if table[offset + size] != UNCOMPRESSED:
        raise ValueError("a compressed block")
    return table[offset:offset + size]


def block_entries(block):
    """A block's (key, value) pairs; keys share prefixes with the one before."""
    restarts = struct.unpack("<I", block[-4:])[0]
    end = len(block) - 4 * (restarts + 1)
    if end < 0:
        raise ValueError("a block's restart points overrun it")
    position, key = 0, b""
    while position < end:
        shared, position = read_varint(block, position)
        unshared, position = read_varint(block, position)
        value_size, position = read_varint(block, position)
        key = key[:shared] + block[position:position + unshared]
        position += unshared
        value = block[position:position + value_size]
        position += value_size
        if position > end:
            raise ValueError("an entry runs past its block")
        yield key, value


def read_block_handle(data, position):
    offset, position = read_varint(data, position)
    size, position = read_varint(data, position)
    return (offset, size), position


def read_varint(data, position):
    """A little-endian base-128 integer at data[position:]; (value, next)."""
    value, shift = 0, 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7
        if shift > 63:
            raise ValueError("an integer of more than 64 bits")
