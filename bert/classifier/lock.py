"""One run per output_dir: a lock file naming the holder's pid and host."""

import errno
import os
import socket
import time

import tensorflow as tf

from bert.errors import InputError, WriteError, writing

LOCK_FILE = "run_classifier.lock"


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class OutputDirLock(object):
    """Context manager holding output_dir/run_classifier.lock for one run.

    A second run on the same folder stops with an InputError naming the
    holder. A lock left by a process that died on this host is taken over.
    On object stores (gs://) the check is best effort: they have no atomic
    create.
    """

    def __init__(self, output_dir):
        self.path = os.path.join(output_dir, LOCK_FILE)
        self.host = socket.gethostname()
        self.content = "%d %s %s\n" % (
            os.getpid(), self.host, time.strftime("%Y-%m-%dT%H:%M:%S"))

    def __enter__(self):
        while not self._try_create():
            holder = self._read_holder()
            if holder is None:
                continue  # the holder just released it
            pid, host, since = holder
            if host == self.host and not _process_alive(pid):
                tf.compat.v1.logging.warning(
                    "taking over %s: process %d that held it is gone",
                    self.path, pid)
                tf.io.gfile.remove(self.path)
                continue
            raise InputError(
                "--output_dir is in use by process %d on %s since %s (%s): wait "
                "for that run, use another --output_dir, or delete the lock file "
                "if that run is gone" % (pid, host, since, self.path))
        return self

    def __exit__(self, *exc_info):
        if self._read_holder() is not None and self._read_text() == self.content:
            tf.io.gfile.remove(self.path)
        return False

    def _try_create(self):
        if "://" in self.path:
            if tf.io.gfile.exists(self.path):
                return False
            with tf.io.gfile.GFile(self.path, "w") as writer:
                writer.write(self.content)
            return True
        try:
            descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except OSError as error:
            if error.errno == errno.EEXIST:
                return False
            raise
        try:
            with writing(os.path.dirname(self.path), os.path.basename(self.path)):
                with os.fdopen(descriptor, "w") as writer:
                    writer.write(self.content)
        except WriteError:
            os.remove(self.path)
            raise
        return True

    def _read_text(self):
        try:
            with tf.io.gfile.GFile(self.path, "rb") as reader:
                return reader.read().decode("utf-8", "replace")
        except tf.errors.NotFoundError:
            return None

    def _read_holder(self):
        """(pid, host, since) of the lock's holder, or None if there is no lock."""
        text = self._read_text()
        if text is None:
            return None
        parts = text.split()
        try:
            return int(parts[0]), parts[1], parts[2]
        except (IndexError, ValueError):
            return -1, "unknown", "unknown"
