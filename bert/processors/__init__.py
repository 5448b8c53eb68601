"""Data processors: one per task, found by name through `get_processor`.

To add a GLUE-like task (one TSV file per set), declare a TsvTaskProcessor
subclass with its files, columns and labels in the module of its family
(single_sentence, paraphrase, inference, similarity, multi_label) and add
its names to TASKS below; other layouts subclass DataProcessor.
"""

from bert.errors import InputError
from bert.processors.base import (DataProcessor, InputExample, TsvTaskProcessor,
                                  read_tsv)
from bert.processors.custom import FORMATS, CustomDataProcessor
from bert.processors.nli import (AxProcessor, MnliMismatchedProcessor,
                                 MnliProcessor, QnliProcessor, RteProcessor,
                                 WnliProcessor, XnliProcessor)
from bert.processors.multi_label import GoEmotionsProcessor
from bert.processors.paraphrase import MrpcProcessor, QqpProcessor
from bert.processors.similarity import StsbProcessor
from bert.processors.single_sentence import ColaProcessor, Sst2Processor

# Task name -> processor class. Names are matched case-insensitively.
TASKS = {
    "cola": ColaProcessor,
    "sst-2": Sst2Processor,
    "sst2": Sst2Processor,
    "mrpc": MrpcProcessor,
    "qqp": QqpProcessor,
    "sts-b": StsbProcessor,
    "stsb": StsbProcessor,
    "mnli": MnliProcessor,
    "mnli-mm": MnliMismatchedProcessor,
    "qnli": QnliProcessor,
    "rte": RteProcessor,
    "wnli": WnliProcessor,
    "ax": AxProcessor,
    "xnli": XnliProcessor,
    "goemotions": GoEmotionsProcessor,
}


def get_processor(task_name, xnli_language="zh", text_a_column=None,
                  text_b_column=None, label_column=None, has_header=False,
                  label_list=None, multi_label=False, label_separator=","):
    """Returns a new processor for task_name (case-insensitive).

    The keyword arguments are the flags of the tasks that take options: XNLI's
    language, and the column layout and label kind of your own tsv/csv/jsonl
    data.
    """
    key = task_name.lower()
    if key in FORMATS:
        return CustomDataProcessor(key, text_a_column, label_column,
                                   text_b_column, has_header, label_list,
                                   multi_label, label_separator)
    if key not in TASKS:
        raise InputError(
            "--task_name=%s is not a known task: use one of %s"
            % (task_name, ", ".join(sorted(TASKS) + list(FORMATS))))
    if key == "xnli":
        return XnliProcessor(xnli_language)
    return TASKS[key]()


__all__ = [
    "AxProcessor", "ColaProcessor", "CustomDataProcessor", "DataProcessor",
    "GoEmotionsProcessor", "InputExample", "MnliMismatchedProcessor", "MnliProcessor",
    "MrpcProcessor", "QnliProcessor", "QqpProcessor", "RteProcessor",
    "Sst2Processor", "StsbProcessor", "TASKS", "TsvTaskProcessor",
    "WnliProcessor", "XnliProcessor", "get_processor", "read_tsv",
]
