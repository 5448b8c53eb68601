"""Data processors: one per task, found by name through `get_processor`.

A newcomer adding a task writes a DataProcessor subclass in the module of its
family and adds its name to PROCESSORS below.
"""

from processors.base import DataProcessor, InputExample, read_tsv
from processors.errors import InputError
from processors.inference import MnliProcessor, XnliProcessor
from processors.paraphrase import MrpcProcessor
from processors.single_sentence import ColaProcessor

PROCESSORS = {
    "cola": ColaProcessor,
    "mnli": MnliProcessor,
    "mrpc": MrpcProcessor,
    "xnli": XnliProcessor,
}


def get_processor(task_name):
    """Returns a new processor for task_name (case-insensitive)."""
    key = task_name.lower()
    if key not in PROCESSORS:
        raise InputError(
            "--task_name=%s is not a known task: use one of %s"
            % (task_name, ", ".join(sorted(PROCESSORS))))
    return PROCESSORS[key]()


__all__ = [
    "ColaProcessor", "DataProcessor", "InputError", "InputExample",
    "MnliProcessor", "MrpcProcessor", "PROCESSORS", "XnliProcessor",
    "get_processor", "read_tsv",
]
