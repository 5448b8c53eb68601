"""classifier/lock.py: one run per output_dir, stale locks taken over."""

import os
import socket
import subprocess
import sys

import pytest

from bert.classifier.lock import LOCK_FILE, OutputDirLock
from bert.errors import InputError, WriteError
from helpers import fill_disk


def test_the_lock_is_held_inside_and_released_after(tmp_path):
    path = tmp_path / LOCK_FILE
    with OutputDirLock(str(tmp_path)):
        pid, host, _ = path.read_text().split()
        assert (int(pid), host) == (os.getpid(), socket.gethostname())
    assert not path.exists()


def test_a_second_holder_is_refused_naming_the_first(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / LOCK_FILE).write_text(
            "%d %s 2026-01-01T00:00:00\n" % (sleeper.pid, socket.gethostname()))
        with pytest.raises(InputError, match="in use by process %d on %s since "
                           "2026-01-01T00:00:00" % (sleeper.pid,
                                                    socket.gethostname())):
            with OutputDirLock(str(tmp_path)):
                pass
    finally:
        sleeper.kill()
    assert (tmp_path / LOCK_FILE).exists()  # the holder's lock is left alone


def test_a_dead_holders_lock_is_taken_over(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    (tmp_path / LOCK_FILE).write_text(
        "%d %s 2026-01-01T00:00:00\n" % (dead_pid, socket.gethostname()))
    with OutputDirLock(str(tmp_path)):
        assert int((tmp_path / LOCK_FILE).read_text().split()[0]) == os.getpid()
    assert not (tmp_path / LOCK_FILE).exists()


def test_a_lock_of_another_host_is_never_taken_over(tmp_path):
    (tmp_path / LOCK_FILE).write_text("1 some-other-host 2026-01-01T00:00:00\n")
    with pytest.raises(InputError, match="on some-other-host"):
        with OutputDirLock(str(tmp_path)):
            pass


def test_a_lock_that_does_not_read_is_refused_in_one_line(tmp_path):
    (tmp_path / LOCK_FILE).write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match="or delete the lock file if that run is gone"):
        with OutputDirLock(str(tmp_path)):
            pass


def test_a_full_disk_leaves_no_empty_lock(small_disk):
    fill_disk(small_disk, 0)
    with pytest.raises(WriteError, match="could not write %s in %s: the disk is full"
                       % (LOCK_FILE, small_disk)):
        with OutputDirLock(str(small_disk)):
            pass
    assert not (small_disk / LOCK_FILE).exists()
