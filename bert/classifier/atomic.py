"""Files and folders that appear whole or not at all: written under a
temporary name beside the target, then renamed. A refused write (a full
disk) stops with a WriteError naming the folder, and leaves what was there."""

import contextlib
import os

import tensorflow as tf

from bert.errors import writing


def temporary_name(path):
    """The name a path is written under until it is complete."""
    return "%s.tmp-%d" % (path.rstrip("/"), os.getpid())


@contextlib.contextmanager
def replaced_when_done(path, overwrite=True, needed_bytes=None):
    """Yields a temporary path to write (a file or a folder); on success it is
    renamed to `path`, on failure removed. Without overwrite an existing
    `path` makes the rename fail."""
    temporary = temporary_name(path)
    folder, name = os.path.split(path.rstrip("/"))
    with writing(folder, name, needed_bytes):
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
    with replaced_when_done(path, needed_bytes=len(text.encode("utf-8"))) as temporary:
        with tf.io.gfile.GFile(temporary, "w") as writer:
            writer.write(text)
