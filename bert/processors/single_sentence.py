"""Single-sentence tasks: CoLA (acceptability) and SST-2 (sentiment)."""

from bert.processors.base import TsvTaskProcessor


class ColaProcessor(TsvTaskProcessor):
    """CoLA: train/dev have no header (label 1, sentence 3); test has one (sentence 1)."""

    metrics = ("accuracy", "mcc")
    main_metric = "eval_mcc"
    score_metrics = ("eval_mcc",)
    glue_name = "CoLA"
    labels = ("0", "1")
    header = False
    text_columns = (3, None)
    test_text_columns = (1, None)
    label_column = 1


class Sst2Processor(TsvTaskProcessor):
    """SST-2: header row; train/dev sentence 0, label 1; test index 0, sentence 1."""

    glue_name = "SST-2"
    labels = ("0", "1")
    text_columns = (0, None)
    test_text_columns = (1, None)
    label_column = 1
