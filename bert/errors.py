"""How every command-line tool ends on an error: one line, never a traceback.

An InputError's message is a single line that says what is wrong, where (file,
line, column or flag) and what to do. Each tool (run_classifier.py,
classify.py, convert_hf_checkpoint.py, reproduce.py) runs its work inside
`reported_errors`:
- bad input, and a write the machine refused (WriteError: a full disk, no
  permission), end as `program: error: ...` on stderr and exit status 2;
- any other error ends as one line too, naming what the tool was doing
  (`doing`), the error's class and first line; its traceback goes to a file.
  Exit status 2 where the machine or a file is at fault (memory, a damaged
  or missing file, a storage error), 1 for a defect of the tool.
A program that runs a tool (reproduce.py) can also have the line as data: a
JSON file {"program", "error"} at the path in ERROR_FILE_VARIABLE.
"""

import contextlib
import errno
import json
import os
import re
import shutil
import sys
import tempfile
import traceback

BAD_INPUT_EXIT_STATUS = 2
DEFECT_EXIT_STATUS = 1
ERROR_FILE_VARIABLE = "RUN_CLASSIFIER_ERROR_FILE"
TRACEBACK_FILE = "%s_traceback.txt"  # % program

DISK_FULL = "the disk is full"
NO_PERMISSION = "no permission to write there"
READ_ONLY = "the file system is read-only"
STORAGE_ERROR = "the storage reported an error"
ADVICE = {DISK_FULL: "free space there or choose another folder",
          NO_PERMISSION: "let this user write there or choose another folder",
          READ_ONLY: "choose another folder",
          STORAGE_ERROR: "check the disk, or choose another folder"}
REASON_OF_ERRNO = {errno.ENOSPC: DISK_FULL, errno.EDQUOT: DISK_FULL,
                   errno.EACCES: NO_PERMISSION, errno.EPERM: NO_PERMISSION,
                   errno.EROFS: READ_ONLY, errno.EIO: STORAGE_ERROR}
# How TensorFlow's file system words the same (in an OpError's message).
REASON_OF_MESSAGE = {"No space left on device": DISK_FULL,
                     "Disk quota exceeded": DISK_FULL,
                     "Permission denied": NO_PERMISSION,
                     "Read-only file system": READ_ONLY,
                     "Input/output error": STORAGE_ERROR}

DOING_ATTRIBUTE = "what_the_tool_was_doing"  # set on errors by `doing`


class InputError(ValueError):
    """Bad input from the user: data files, flags, vocabularies, configs."""


class WriteError(InputError):
    """A write the machine refused: a full disk, no permission, a storage
    error. Its message names the folder."""


@contextlib.contextmanager
def doing(what):
    """Names the block's work ("training into out/") for the one line that
    reports an error nobody foresaw (the innermost name is kept)."""
    try:
        yield
    except Exception as error:
        if not hasattr(error, DOING_ATTRIBUTE):
            setattr(error, DOING_ATTRIBUTE, what)
        raise


def write_failure_reason(error):
    """Why a write failed, in words, if error is a refused write; else None."""
    if isinstance(error, OSError):
        return REASON_OF_ERRNO.get(error.errno)
    import tensorflow as tf
    if isinstance(error, tf.errors.OpError):
        for words, reason in REASON_OF_MESSAGE.items():
            if words in str(error):
                return reason
    return None


def refused_file(error, folder):
    """The file a refused write named, relative to folder (TensorFlow's
    temporary suffix dropped), or None."""
    path = getattr(error, "filename", None)
    if path is None:
        match = re.search(r"(\S+); (?:%s)" % "|".join(REASON_OF_MESSAGE),
                          str(error))
        path = match and match.group(1)
    if not path:
        return None
    if path.startswith(folder.rstrip("/") + "/"):
        path = path[len(folder.rstrip("/")) + 1:]
    path = re.sub(r"\.tempstate\d+$", "", path)
    return re.sub(r"_temp/part-.*$", "", path)  # a checkpoint's shard


def human_size(size):
    """1,234,567 bytes as "1.2 MB"."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return "%.1f %s" % (size / scale, unit)
    return "%d bytes" % size


@contextlib.contextmanager
def writing(folder, what=None, needed_bytes=None):
    """A refused write inside the block becomes a WriteError: what could not
    be written (what, else the file the error names), the folder, why; for a
    full disk the space free, and needed_bytes where it is known."""
    try:
        yield
    except Exception as error:  # only a refused write is caught here
        reason = write_failure_reason(error)
        if reason is None:
            raise
        details = ""
        if reason == DISK_FULL:
            free = free_bytes(folder)
            details = " (%s%s free)" % (
                "" if needed_bytes is None
                else "about %s needed, " % human_size(needed_bytes),
                "?" if free is None else human_size(free))
        raise WriteError("could not write %s in %s: %s%s: %s" % (
            what or refused_file(error, folder) or "a file", folder, reason,
            details, ADVICE[reason])) from error


def free_bytes(folder):
    """Free space on folder's local disk, or None (another file system)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def is_environment_error(error):
    """True for errors of the machine or of a file rather than of the tool."""
    import tensorflow as tf
    return isinstance(error, (OSError, MemoryError, tf.errors.ResourceExhaustedError,
                              tf.errors.PermissionDeniedError,
                              tf.errors.DataLossError, tf.errors.NotFoundError,
                              tf.errors.UnavailableError))


# Lines of TensorFlow's errors that say where, not what.
WHERE_LINES = re.compile(r"Graph execution error:$|Detected at node |File \"|Node: ")


def first_line(error):
    """An error's first line that says what is wrong (TensorFlow's errors
    open with where the graph failed)."""
    for line in str(error).splitlines():
        line = re.sub(r"^\{\{[^}]*\}\}\s*", "", line.strip())
        if line and not WHERE_LINES.match(line):
            return line
    return ""


def save_traceback(program, folder):
    """Writes the current exception's traceback to folder (else the temporary
    folder); returns the file's path, or None if none could be written."""
    text = traceback.format_exc()
    for place in (folder, tempfile.gettempdir()):
        if not place or not os.path.isdir(place):
            continue
        path = os.path.join(place, TRACEBACK_FILE % program)
        try:
            with open(path, "w", encoding="utf-8") as writer:
                writer.write(text)
            return path
        except OSError:
            continue
    return None


def report(program, message, status):
    """The one line on stderr (and as data, where asked), then exit."""
    message = " ".join(str(message).split("\n"))
    sys.stderr.write("%s: error: %s\n" % (program, message))
    error_file = os.environ.get(ERROR_FILE_VARIABLE)
    if error_file:
        try:
            with open(error_file, "w", encoding="utf-8") as writer:
                json.dump({"program": program, "error": message}, writer)
        except OSError:
            pass  # the line on stderr (the run's log) says the same
    sys.exit(status)


@contextlib.contextmanager
def reported_errors(program, *error_types, traceback_dir=None):
    """Ends the program on any error with one line on stderr: InputError
    (and error_types) with exit status 2; any other error with its traceback
    saved to traceback_dir (else the temporary folder) first."""
    try:
        yield
    except (InputError,) + error_types as error:
        report(program, error, BAD_INPUT_EXIT_STATUS)
    except Exception as error:  # no traceback reaches the user
        saved = save_traceback(program, traceback_dir)
        if saved is None:
            sys.stderr.write(traceback.format_exc())
        what = getattr(error, DOING_ATTRIBUTE, None)
        report(program, "%s%s: %s%s" % (
            "while %s: " % what if what else "",
            type(error).__name__, first_line(error),
            " (the traceback is in %s)" % saved if saved else ""),
            BAD_INPUT_EXIT_STATUS if is_environment_error(error)
            else DEFECT_EXIT_STATUS)
