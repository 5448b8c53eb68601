"""Files and folders that appear whole or not at all: written under a
temporary name beside the target, then renamed."""

import contextlib
import os

import tensorflow as tf


def temporary_name(path):
    """The name a path is written under until it is complete."""
    return "%s.tmp-%d" % (path.rstrip("/"), os.getpid())


@contextlib.contextmanager
def replaced_when_done(path, overwrite=True):
    """Yields a temporary path to write (a file or a folder); on success it is
    renamed to `path`, on failure removed. Without overwrite an existing
    `path` makes the rename fail."""
    temporary = temporary_name(path)
    try:
        yield temporary
        tf.io.gfile.rename(temporary, path, overwrite=overwrite)
    finally:
        if tf.io.gfile.isdir(temporary):
            tf.io.gfile.rmtree(temporary)
        elif tf.io.gfile.exists(temporary):
            tf.io.gfile.remove(temporary)


def write_text(path, text):
    """Writes text to path through a temporary file and a rename."""
    with replaced_when_done(path) as temporary:
        with tf.io.gfile.GFile(temporary, "w") as writer:
            writer.write(text)
