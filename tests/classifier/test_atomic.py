"""classifier/atomic.py: a file or folder appears whole or not at all."""

import os

import pytest

from bert.classifier import atomic
from bert.errors import WriteError
from helpers import fill_disk


def test_write_text_replaces_whole(tmp_path):
    path = str(tmp_path / "a.txt")
    atomic.write_text(path, "one\n")
    atomic.write_text(path, "two\n")
    assert open(path).read() == "two\n"
    assert os.listdir(str(tmp_path)) == ["a.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = str(tmp_path / "a.txt")
    atomic.write_text(path, "old\n")
    with pytest.raises(RuntimeError):
        with atomic.replaced_when_done(path) as temporary:
            with open(temporary, "w") as writer:
                writer.write("half")
            raise RuntimeError("killed")
    assert open(path).read() == "old\n"
    assert os.listdir(str(tmp_path)) == ["a.txt"]


def test_a_folder_is_renamed_when_done_and_removed_on_failure(tmp_path):
    target = str(tmp_path / "export")
    with atomic.replaced_when_done(target, overwrite=False) as temporary:
        os.makedirs(os.path.join(temporary, "inner"))
    assert os.path.isdir(os.path.join(target, "inner"))
    with pytest.raises(RuntimeError):
        with atomic.replaced_when_done(str(tmp_path / "other")) as temporary:
            os.makedirs(os.path.join(temporary, "inner"))
            raise RuntimeError("failed")
    assert sorted(os.listdir(str(tmp_path))) == ["export"]


def test_a_full_disk_stops_in_one_line_and_leaves_the_old_file(small_disk):
    path = str(small_disk / "eval_results.txt")
    atomic.write_text(path, "old\n")
    fill_disk(small_disk, 0)
    with pytest.raises(WriteError) as error:
        atomic.write_text(path, "x" * 10000)
    assert str(error.value) == (
        "could not write eval_results.txt in %s: the disk is full (about 10.0 kB "
        "needed, 0 bytes free): free space there or choose another folder"
        % small_disk)
    assert open(path).read() == "old\n"
    assert sorted(os.listdir(str(small_disk))) == ["eval_results.txt", "filler"]
