"""Sentence-pair similarity, a regression task: STS-B."""

from bert.processors.base import TsvTaskProcessor


class StsbProcessor(TsvTaskProcessor):
    """STS-B: header row, sentences 7 and 8, score 9 (0..5); test has 9 columns."""

    metrics = ("pearson", "spearman")
    main_metric = "eval_pearson"
    score_metrics = ("eval_pearson", "eval_spearman")
    glue_name = "STS-B"
    labels = None  # regression: each example has a score
    text_columns = (7, 8)
    label_column = 9
