"""The error type for bad user input, and how every command-line tool ends on one.

An InputError's message is a single line that says what is wrong, where (file,
line, column or flag) and what to do. Each tool (run_classifier.py,
classify.py, convert_hf_checkpoint.py) runs its work inside `reported_errors`:
the message goes to stderr as one line and the exit status is 2. A program
that runs a tool (reproduce.py) can also have the message as data: a JSON
file {"program", "error"} at the path in ERROR_FILE_VARIABLE.
"""

import contextlib
import json
import os
import sys

BAD_INPUT_EXIT_STATUS = 2
ERROR_FILE_VARIABLE = "RUN_CLASSIFIER_ERROR_FILE"


class InputError(ValueError):
    """Bad input from the user: data files, flags, vocabularies, configs."""


@contextlib.contextmanager
def reported_errors(program, *error_types):
    """Turns InputError (and error_types) into `program: error: ...` on stderr
    and exit status 2, with no traceback."""
    try:
        yield
    except (InputError,) + error_types as error:
        message = " ".join(str(error).split("\n"))
        sys.stderr.write("%s: error: %s\n" % (program, message))
        error_file = os.environ.get(ERROR_FILE_VARIABLE)
        if error_file:
            with open(error_file, "w", encoding="utf-8") as writer:
                json.dump({"program": program, "error": message}, writer)
        sys.exit(BAD_INPUT_EXIT_STATUS)
