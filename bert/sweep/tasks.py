"""The benchmarks as data: GLUE's tasks and XNLI's languages, with the
figures the BERT paper and release publish."""

import collections

# name: the task's name in results and GLUE's file names.
# folder: its folder under the GLUE root (download_glue_data.py's layout).
# task_name: run_classifier's --task_name.
# files: {GLUE submission file: (run_classifier task, folder)} it predicts.
GlueTask = collections.namedtuple(
    "GlueTask", "name folder task_name files")

GLUE_TASKS = [
    GlueTask("CoLA", "CoLA", "cola", {"CoLA": ("cola", "CoLA")}),
    GlueTask("SST-2", "SST-2", "sst-2", {"SST-2": ("sst-2", "SST-2")}),
    GlueTask("MRPC", "MRPC", "mrpc", {"MRPC": ("mrpc", "MRPC")}),
    GlueTask("STS-B", "STS-B", "sts-b", {"STS-B": ("sts-b", "STS-B")}),
    GlueTask("QQP", "QQP", "qqp", {"QQP": ("qqp", "QQP")}),
    GlueTask("MNLI", "MNLI", "mnli",
             {"MNLI-m": ("mnli", "MNLI"), "MNLI-mm": ("mnli-mm", "MNLI"),
              "AX": ("ax", "diagnostic")}),
    GlueTask("QNLI", "QNLI", "qnli", {"QNLI": ("qnli", "QNLI")}),
    GlueTask("RTE", "RTE", "rte", {"RTE": ("rte", "RTE")}),
    GlueTask("WNLI", "WNLI", "wnli", {"WNLI": ("wnli", "WNLI")}),
]
GLUE_BY_NAME = {task.name.lower(): task for task in GLUE_TASKS}
GLUE_FILES = [name for task in GLUE_TASKS for name in task.files]

# BERT paper, Table 1: GLUE test-server scores (F1 for QQP and MRPC, Spearman
# for STS-B, Matthews correlation for CoLA, accuracy otherwise).
PUBLISHED_SOURCE = "BERT paper, Table 1 (GLUE test server)"
PUBLISHED = {
    "BERT-Base": {"MNLI": "84.6/83.4", "QQP": "71.2", "QNLI": "90.5",
                  "SST-2": "93.5", "CoLA": "52.1", "STS-B": "85.8",
                  "MRPC": "88.9", "RTE": "66.4", "average": "79.6"},
    "BERT-Large": {"MNLI": "86.7/85.9", "QQP": "72.1", "QNLI": "92.7",
                   "SST-2": "94.9", "CoLA": "60.5", "STS-B": "86.5",
                   "MRPC": "89.3", "RTE": "70.1", "average": "82.1"},
}

# The release's figure for Chinese BERT-Base on XNLI zh (dev, lr 5e-5, 2 epochs).
XNLI_PUBLISHED = {"zh": "about 77 (the release, Chinese BERT-Base, dev)"}
