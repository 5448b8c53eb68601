"""errors.py: one line on stderr for every error; exit status 2 for bad
input and the machine's faults, 1 for defects."""

import errno
import json
import os

import pytest

from bert.errors import (BAD_INPUT_EXIT_STATUS, DEFECT_EXIT_STATUS, ERROR_FILE_VARIABLE,
                         InputError, WriteError, doing, reported_errors, writing)


def test_input_error_becomes_one_line_and_status_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        with reported_errors("tool"):
            raise InputError("data.tsv:3: bad row\nsecond line")
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == "tool: error: data.tsv:3: bad row second line\n"


def test_named_error_types_are_the_users(capsys):
    with pytest.raises(SystemExit) as exit_info:
        with reported_errors("tool", KeyError):
            raise KeyError("x")
    assert exit_info.value.code == BAD_INPUT_EXIT_STATUS
    assert capsys.readouterr().err == "tool: error: 'x'\n"


def test_the_message_as_data_for_a_program_that_runs_the_tool(
        tmp_path, monkeypatch, capsys):
    error_file = tmp_path / "error.json"
    monkeypatch.setenv(ERROR_FILE_VARIABLE, str(error_file))
    with pytest.raises(SystemExit):
        with reported_errors("tool"):
            raise InputError("--learning_rate=-1 must not be negative")
    assert json.loads(error_file.read_text()) == {
        "program": "tool", "error": "--learning_rate=-1 must not be negative"}
    assert capsys.readouterr().err.startswith("tool: error: --learning_rate")


def test_a_full_disk_becomes_a_write_error_naming_the_folder(tmp_path):
    """/dev/full refuses every write as a full disk does (ENOSPC)."""
    import tensorflow as tf
    with pytest.raises(WriteError) as error:
        with writing(str(tmp_path), "results.tsv", needed_bytes=1500):
            with open("/dev/full", "w") as writer:
                writer.write("x")
    assert str(error.value).startswith(
        "could not write results.tsv in %s: the disk is full (about 1.5 kB "
        "needed, " % tmp_path)
    assert str(error.value).endswith(" free): free space there or choose another "
                                     "folder")
    with pytest.raises(WriteError) as error:  # TensorFlow's words for it
        with writing(str(tmp_path)):
            with tf.io.gfile.GFile("/dev/full", "w") as writer:
                writer.write("x")
    assert str(error.value).startswith(
        "could not write /dev/full in %s: the disk is full (" % tmp_path)


def test_errors_other_than_a_refused_write_pass(tmp_path):
    import tensorflow as tf
    with pytest.raises(tf.errors.ResourceExhaustedError):  # out of memory
        with writing(str(tmp_path), "x"):
            raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating")
    with pytest.raises(FileNotFoundError):
        with writing(str(tmp_path), "x"):
            open(str(tmp_path / "no" / "such"), "w")


@pytest.mark.parametrize("error,status", [
    (TypeError("unsupported operand\nmore"), DEFECT_EXIT_STATUS),
    (MemoryError("no memory"), BAD_INPUT_EXIT_STATUS),
])
def test_an_unforeseen_error_is_one_line_and_its_traceback_a_file(
        tmp_path, capsys, error, status):
    with pytest.raises(SystemExit) as exit_info:
        with reported_errors("tool", traceback_dir=str(tmp_path)):
            with doing("training into out/"):
                raise error
    assert exit_info.value.code == status
    traceback_file = tmp_path / "tool_traceback.txt"
    assert capsys.readouterr().err == (
        "tool: error: while training into out/: %s: %s (the traceback is in "
        "%s)\n" % (type(error).__name__, str(error).splitlines()[0], traceback_file))
    assert traceback_file.read_text().startswith("Traceback (most recent call last):")
    assert type(error).__name__ in traceback_file.read_text()


def test_tensorflow_errors_of_files_are_the_environments(tmp_path, capsys):
    import tensorflow as tf
    with pytest.raises(SystemExit) as exit_info:
        with reported_errors("tool", traceback_dir=str(tmp_path / "absent")):
            raise tf.errors.DataLossError(None, None, "checksum mismatch in x.tfrecord")
    assert exit_info.value.code == BAD_INPUT_EXIT_STATUS
    line = capsys.readouterr().err
    assert line.startswith("tool: error: DataLossError: checksum mismatch in "
                           "x.tfrecord (the traceback is in ")
    assert line.count("\n") == 1


@pytest.mark.parametrize("code,words", [
    (errno.EACCES, "no permission to write there: let this user write there or "
                   "choose another folder"),
    (errno.EROFS, "the file system is read-only: choose another folder"),
    (errno.EIO, "the storage reported an error: check the disk, or choose another "
                "folder")])
def test_each_refused_write_says_why_and_what_to_do(tmp_path, code, words):
    with pytest.raises(WriteError) as error:
        with writing(str(tmp_path), "model.ckpt-5"):
            raise OSError(code, os.strerror(code))
    assert str(error.value) == "could not write model.ckpt-5 in %s: %s" % (
        tmp_path, words)


def test_the_first_line_of_a_tensorflow_error_says_what(tmp_path, capsys):
    """TensorFlow's errors open with where the graph failed."""
    import tensorflow as tf
    message = ("Graph execution error:\n\nDetected at node 'IteratorGetNext' "
               "defined at (most recent call last):\n  File \"run.py\", line 5\n"
               "Node: 'IteratorGetNext'\ncorrupted record at 12\n\t "
               "[[{{node IteratorGetNext}}]]")
    with pytest.raises(SystemExit):
        with reported_errors("tool", traceback_dir=str(tmp_path)):
            raise tf.errors.DataLossError(None, None, message)
    assert capsys.readouterr().err.startswith(
        "tool: error: DataLossError: corrupted record at 12 (the traceback is in ")
