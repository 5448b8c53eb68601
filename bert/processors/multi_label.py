"""Multi-label data: a label field holding a set of labels, and GoEmotions.

A label set is written as label names or 0-based label ids joined by a
separator ("3,12" or "joy,love"), or, in jsonl, as a list. The example's
label is then a tuple of label names in label-list order.
"""

import os

from bert.errors import InputError
from bert.processors.base import TsvTaskProcessor, read_text

# GoEmotions' 27 emotions and neutral, in the id order of its emotions.txt.
GOEMOTIONS_LABELS = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring",
    "confusion", "curiosity", "desire", "disappointment", "disapproval",
    "disgust", "embarrassment", "excitement", "fear", "gratitude", "grief",
    "joy", "love", "nervousness", "optimism", "pride", "realization", "relief",
    "remorse", "sadness", "surprise", "neutral")
MULTI_LABEL_MAIN_METRIC = "eval_macro_f1"


def label_name(token, label_list, where):
    """A label written as its name, or as its 0-based id in label_list (not
    when names are numbers themselves: an id would be ambiguous)."""
    if token in label_list:
        return token
    ids_allowed = not any(name.isdigit() for name in label_list)
    if ids_allowed and token.isdigit() and int(token) < len(label_list):
        return label_list[int(token)]
    raise InputError(
        "%s: label %r is neither a name in the label list nor an id 0-%d: fix "
        "the row, or the label list (--label_list / --labels_file)"
        % (where, token, len(label_list) - 1))


def split_label_set(field, separator, where):
    """The label tokens of one label field: a string joined by separator, or
    (jsonl) a list, which may be empty. An empty string is an error."""
    if isinstance(field, list):
        return [str(token).strip() for token in field]
    tokens = [token.strip() for token in str(field).split(separator)]
    if not any(tokens):
        raise InputError(
            "%s: the label field is empty: a multi-label row needs at least one "
            "label (in jsonl, [] says a text has none)" % where)
    if not all(tokens):
        raise InputError("%s: the label field %r has an empty label between "
                         "separators %r" % (where, field, separator))
    return tokens


def label_set(field, label_list, separator, where):
    """The names of one label field, without repeats, in label-list order."""
    names = {label_name(token, label_list, where)
             for token in split_label_set(field, separator, where)}
    return tuple(name for name in label_list if name in names)


def label_order(names):
    """Label names found in data, sorted: as numbers when all are numbers."""
    if all(name.isdigit() for name in names):
        return sorted(names, key=int)
    return sorted(names)


def read_label_names(path):
    """One label name per line (a final newline is optional), e.g. GoEmotions'
    emotions.txt; errors name the file and line."""
    names = read_text(path).split("\n")
    if names and names[-1] == "":
        names.pop()
    names = [name.rstrip("\r") for name in names]
    for number, name in enumerate(names, start=1):
        if not name.strip():
            raise InputError("%s:%d: empty label name: one name per line" %
                             (path, number))
    if len(set(names)) != len(names):
        raise InputError("%s: a label name appears twice" % path)
    return names


class GoEmotionsProcessor(TsvTaskProcessor):
    """GoEmotions (Demszky et al., 2020): Reddit comments with any number of
    28 emotions. train/dev/test.tsv: text, comma-separated label ids, comment
    id; no header. emotions.txt, if present, must name the ids as expected."""

    labels = GOEMOTIONS_LABELS
    header = False
    test_header = False
    text_columns = (0, None)
    label_column = 1
    guid_column = 2
    multi_label = True
    metrics = ()
    main_metric = MULTI_LABEL_MAIN_METRIC
    score_metrics = (MULTI_LABEL_MAIN_METRIC,)
    names_file = "emotions.txt"

    def _examples_of(self, path, set_type):
        names_path = os.path.join(os.path.dirname(path), self.names_file)
        if os.path.exists(names_path):
            names = read_label_names(names_path)
            if tuple(names) != self.labels:
                raise InputError(
                    "%s does not list GoEmotions' 28 emotions in their id order "
                    "(%s): use the published file, or --task_name=tsv with "
                    "--multi_label --labels_file=%s" % (
                        names_path, ",".join(self.labels), names_path))
        return super(GoEmotionsProcessor, self)._examples_of(path, set_type)

    def _checked_label(self, row, column):
        return label_set(row.cell(column), self.labels, ",",
                         "%s:%d" % (row.path, row.line_number))

    def _test_label(self):
        return ()
