"""TensorFlow's start, with its C++ start-up notices kept off the terminal.

TF_CPP_MIN_LOG_LEVEL=2 hides them on TensorFlow 2.15 but for three E-lines;
on 2.16+ TensorFlow's C++ runtime logs through absl before absl's log is set
up, and such lines reach stderr whatever the level says. A tool calls
start_tensorflow() before its first TensorFlow import.
"""

import os
import sys
import tempfile

# Lines TensorFlow's C++ runtime prints as it starts on a machine such as a
# CPU-only one: they say nothing a user of this tool acts on.
START_UP_NOTICES = (
    "All log messages before absl::InitializeLog() is called",
    "oneDNN custom operations are on",
    "Could not find cuda drivers on your machine",
    "failed call to cuInit",
    "Unable to register cuDNN factory",
    "Unable to register cuFFT factory",
    "Unable to register cuBLAS factory",
    "TF-TRT Warning: Could not find TensorRT",
    "This TensorFlow binary is optimized to use available CPU instructions",
    "To enable the following instructions:",
)


def is_start_up_notice(line):
    return any(notice in line for notice in START_UP_NOTICES)


def start_tensorflow():
    """Imports TensorFlow and starts its runtime with stderr held back, then
    writes back every line that is not a start-up notice. The notices stay
    when TF_CPP_MIN_LOG_LEVEL is 0 (TensorFlow's own switch for them)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0":
        import tensorflow  # noqa: F401
        return
    sys.stderr.flush()
    saved_stderr = os.dup(2)
    with tempfile.TemporaryFile() as held_back:
        os.dup2(held_back.fileno(), 2)
        try:
            import tensorflow as tf
            # Finds the devices (and prints what that prints) without starting
            # the runtime, which a multi-worker strategy must still configure.
            tf.config.list_physical_devices()
        finally:
            sys.stderr.flush()
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
            held_back.seek(0)
            text = held_back.read().decode("utf-8", "replace")
            sys.stderr.write("".join(
                line for line in text.splitlines(True)
                if not is_start_up_notice(line)))
