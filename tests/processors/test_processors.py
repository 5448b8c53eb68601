"""Processors on the real GLUE, XNLI and GoEmotions files: counts, columns,
labels, guids; your own data, single- and multi-label."""

import os

import pytest

from bert import processors
from helpers import GLUE, SHARED_DATA
from bert.errors import InputError

MRPC = os.path.join(GLUE, "MRPC")
COLA = os.path.join(GLUE, "CoLA")
MNLI = os.path.join(SHARED_DATA, "mnli_sample_fastnlp", "MNLI")
XNLI = os.path.join(SHARED_DATA, "xnli_sample")
GOEMOTIONS = os.path.join(SHARED_DATA, "goemotions")


@pytest.mark.shared_data
def test_mrpc_counts_columns_and_bom_header():
    processor = processors.MrpcProcessor()
    train = processor.get_train_examples(MRPC)
    dev = processor.get_dev_examples(MRPC)
    test = processor.get_test_examples(MRPC)
    assert (len(train), len(dev), len(test)) == (3668, 408, 1725)
    first = train[0]
    assert first.guid == "train-1"
    assert first.label == "1"
    assert first.text_a.startswith("Amrozi accused his brother")
    assert first.text_b.startswith("Referring to him as only")
    assert {example.label for example in train} == {"0", "1"}
    assert {example.label for example in test} == {"0"}
    assert test[-1].guid == "test-1725"


@pytest.mark.shared_data
def test_mrpc_stray_quotes_do_not_merge_rows():
    train = processors.MrpcProcessor().get_train_examples(MRPC)
    with_quotes = [example for example in train if '"' in example.text_a]
    assert with_quotes, "MRPC train has sentences with quote characters"
    assert all("\t" not in example.text_a for example in train)


@pytest.mark.shared_data
def test_cola_counts_and_layout():
    processor = processors.ColaProcessor()
    train = processor.get_train_examples(COLA)
    dev = processor.get_dev_examples(COLA)
    test = processor.get_test_examples(COLA)
    assert (len(train), len(dev), len(test)) == (8551, 1043, 1063)
    assert train[0].guid == "train-0"
    assert train[0].text_a == (
        "Our friends won't buy this analysis, let alone the next one we propose.")
    assert train[0].label == "1"
    assert train[0].text_b is None
    assert test[0].guid == "test-1"
    assert test[0].label == "0"
    # The last dev row has no trailing newline and is still read.
    assert dev[-1].guid == "dev-1042"


@pytest.mark.shared_data
def test_mnli_guids_from_column_zero_and_labels():
    processor = processors.MnliProcessor()
    train = processor.get_train_examples(MNLI)
    dev = processor.get_dev_examples(MNLI)
    test = processor.get_test_examples(MNLI)
    assert (len(train), len(dev), len(test)) == (6, 5, 5)
    assert dev[0].guid == "dev_matched-0"
    assert dev[0].text_a.startswith("The new rights are nice enough")
    assert {example.label for example in train + dev} <= set(processor.get_labels())
    assert {example.label for example in test} == {"contradiction"}
    assert test[0].guid.startswith("test-")
    assert processor.get_labels() == ["contradiction", "entailment", "neutral"]


@pytest.mark.shared_data
def test_xnli_language_filter_and_contradictory_label():
    processor = processors.XnliProcessor()
    assert processor.language == "zh"
    train = processor.get_train_examples(XNLI)
    dev = processor.get_dev_examples(XNLI)
    assert len(train) == 8
    assert train[0].guid == "train-1"
    assert "contradictory" not in {example.label for example in train}
    assert {example.label for example in train} <= set(processor.get_labels())
    assert len(dev) == 6
    assert all(example.guid.startswith("dev-") for example in dev)
    processor.language = "de"
    with pytest.raises(InputError, match="xnli.dev.tsv: no rows for language de"):
        processor.get_dev_examples(XNLI)


def test_registry_is_case_insensitive_and_rejects_unknown_tasks():
    assert isinstance(processors.get_processor("MRPC"), processors.MrpcProcessor)
    assert isinstance(processors.get_processor("CoLA"), processors.ColaProcessor)
    with pytest.raises(InputError, match="--task_name=nope is not a known task"):
        processors.get_processor("nope")


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(tmp_path)


def test_row_with_too_few_columns_names_file_and_line(tmp_path):
    data_dir = write(tmp_path, "train.tsv",
                     "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
                     "1\t1\t2\ta\tb\n"
                     "0\t3\t4\tonly four\n")
    with pytest.raises(InputError) as error:
        processors.MrpcProcessor().get_train_examples(data_dir)
    message = str(error.value)
    assert "train.tsv:3:" in message and "column 4" in message
    assert "\n" not in message


def test_label_outside_label_list_names_file_and_line(tmp_path):
    data_dir = write(tmp_path, "dev.tsv", "src\t1\t\tfine\nsrc\t7\t\tbad label\n")
    with pytest.raises(InputError, match=r"dev.tsv:2: label '7'"):
        processors.ColaProcessor().get_dev_examples(data_dir)


def test_missing_data_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="test.tsv does not exist"):
        processors.MrpcProcessor().get_test_examples(str(tmp_path))


def test_non_utf8_file_names_byte_offset(tmp_path):
    data_dir = write(tmp_path, "train.tsv", b"src\t1\t\tok\nsrc\t0\t\tbad \xff\n")
    with pytest.raises(InputError, match=r"train.tsv:2: not UTF-8 at byte offset 21"):
        processors.ColaProcessor().get_train_examples(data_dir)


def test_read_tsv_keeps_empty_cells_and_quotes(tmp_path):
    write(tmp_path, "x.tsv", 'a\t"b\t\n"c"\td\n')
    rows = processors.read_tsv(str(tmp_path / "x.tsv"))
    assert rows == [["a", '"b', ""], ['"c"', "d"]]
    assert [row.line_number for row in rows] == [1, 2]


@pytest.mark.parametrize("task,folder,train,dev,test", [
    ("sst-2", "SST-2", 67349, 872, 1821),
    ("sts-b", "STS-B", 5749, 1500, 1379),
    ("rte", "RTE", 2490, 277, 3000),
    ("wnli", "WNLI", 635, 71, 146),
])
@pytest.mark.shared_data
def test_glue_row_counts(task, folder, train, dev, test):
    processor = processors.get_processor(task)
    data_dir = os.path.join(GLUE, folder)
    assert len(processor.get_train_examples(data_dir)) == train
    assert len(processor.get_dev_examples(data_dir)) == dev
    assert len(processor.get_test_examples(data_dir)) == test


@pytest.mark.shared_data
def test_qnli_and_ax_layouts():
    qnli = processors.get_processor("QNLI")
    dev = qnli.get_dev_examples(os.path.join(GLUE, "QNLI"))
    assert len(dev) == 5463
    assert dev[0].guid == "dev-0" and dev[0].label == "entailment"
    assert dev[0].text_a.startswith("What came into force")
    assert len(qnli.get_test_examples(os.path.join(GLUE, "QNLI"))) == 5463
    train = qnli.get_train_examples(
        os.path.join(SHARED_DATA, "qnli_train_sample_fastnlp", "QNLI"))
    assert len(train) == 5
    ax = processors.get_processor("ax")
    diagnostic = ax.get_test_examples(os.path.join(GLUE, "diagnostic"))
    assert len(diagnostic) == 1104
    assert diagnostic[0].text_b == "The cat did not sit on the mat."
    assert ax.get_labels() == ["contradiction", "entailment", "neutral"]
    with pytest.raises(InputError, match="predict-only"):
        ax.get_train_examples(os.path.join(GLUE, "diagnostic"))


@pytest.mark.shared_data
def test_stsb_is_regression_with_float_labels():
    processor = processors.get_processor("STSB")
    assert processor.is_regression and processor.get_labels() is None
    train = processor.get_train_examples(os.path.join(GLUE, "STS-B"))
    assert train[0].text_a == "A plane is taking off."
    assert float(train[0].label) == 5.0
    assert processor.get_test_examples(os.path.join(GLUE, "STS-B"))[0].text_b == (
        "A girl is brushing her hair.")


def test_task_name_spellings():
    assert isinstance(processors.get_processor("SST-2"), processors.Sst2Processor)
    assert isinstance(processors.get_processor("sst2"), processors.Sst2Processor)
    assert isinstance(processors.get_processor("STS-B"), processors.StsbProcessor)
    assert isinstance(processors.get_processor("MNLI-MM"),
                      processors.MnliMismatchedProcessor)


@pytest.mark.shared_data
def test_mnli_mismatched_dev_set():
    mnli = processors.get_processor("mnli")
    extra = mnli.get_extra_dev_examples(MNLI)
    assert list(extra) == ["mismatched"] and len(extra["mismatched"]) == 5
    assert extra["mismatched"][0].guid.startswith("dev_mismatched-")
    mismatched = processors.get_processor("mnli-mm")
    assert len(mismatched.get_test_examples(MNLI)) == 5


def test_qqp_skips_malformed_rows_with_one_warning(tmp_path, caplog):
    write(tmp_path, "train.tsv",
          "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"
          "0\t1\t2\tHow old are you?\tWhat is your age?\t1\n"
          "1\t3\t4\tA broken row\n"
          "2\t5\t6\tWhy?\tHow?\t0\n"
          "3\t7\n")
    with caplog.at_level("WARNING"):
        train = processors.get_processor("qqp").get_train_examples(str(tmp_path))
    assert [e.guid for e in train] == ["train-0", "train-2"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "skipped 2 malformed row(s)" in warnings[0]
    assert "line(s) 3, 5" in warnings[0]


def test_a_short_row_is_an_error_outside_qqp(tmp_path):
    write(tmp_path, "dev.tsv", "index\ts1\ts2\tlabel\n0\ta\tb\tentailment\n1\ta\n")
    with pytest.raises(InputError, match="dev.tsv:3: row has 2 column"):
        processors.get_processor("rte").get_dev_examples(str(tmp_path))


@pytest.mark.shared_data
def test_xnli_languages_and_test_set():
    processor = processors.get_processor("xnli", xnli_language="zh")
    assert len(processor.get_test_examples(XNLI)) == 6
    assert processors.get_processor("xnli", xnli_language="sw").language == "sw"
    with pytest.raises(InputError, match="--xnli_language=xx is not an XNLI"):
        processors.get_processor("xnli", xnli_language="xx")


def custom(data_format, **options):
    defaults = {"text_a_column": "1", "label_column": "0"}
    defaults.update(options)
    return processors.get_processor(data_format, **defaults)


def test_custom_tsv_infers_sorted_labels(tmp_path):
    write(tmp_path, "train.tsv", "pos\tgreat film\nneg\tawful\nmeh\tso so\npos\tyes\n")
    processor = custom("tsv")
    assert processor.labels_in_file(str(tmp_path)) == ["meh", "neg", "pos"]
    processor.label_list = ["meh", "neg", "pos"]
    examples = processor.get_train_examples(str(tmp_path))
    assert [(e.text_a, e.label) for e in examples][:2] == [
        ("great film", "pos"), ("awful", "neg")]


def test_custom_csv_with_quotes_newlines_and_header(tmp_path):
    write(tmp_path, "train.csv",
          'label,text,other\n'
          '1,"Hello, world",x\n'
          '0,"two\nlines, and ""quotes""",y\n'
          '1,plain,z\n')
    processor = custom("csv", has_header=True, label_list=["0", "1"],
                       text_b_column="2")
    examples = processor.get_train_examples(str(tmp_path))
    assert [e.text_a for e in examples] == [
        "Hello, world", 'two\nlines, and "quotes"', "plain"]
    assert [e.text_b for e in examples] == ["x", "y", "z"]
    assert [e.label for e in examples] == ["1", "0", "1"]


def test_custom_csv_error_line_accounts_for_embedded_newlines(tmp_path):
    write(tmp_path, "dev.csv", '1,"a\nb"\n0\n')
    with pytest.raises(InputError, match=r"dev.csv:3: row has 1 column\(s\), "
                                         r"column 1 is needed: check the delimiter"):
        custom("csv", label_list=["0", "1"]).get_dev_examples(str(tmp_path))


def test_custom_jsonl(tmp_path):
    write(tmp_path, "train.jsonl",
          '{"q": "Is it?", "a": "Yes.", "y": "yes"}\n\n'
          '{"q": "Really?", "a": "No.", "y": "no"}\n')
    write(tmp_path, "test.jsonl", '{"q": "Why?", "a": "Because."}\n')
    processor = custom("jsonl", text_a_column="q", text_b_column="a",
                       label_column="y")
    assert processor.labels_in_file(str(tmp_path)) == ["no", "yes"]
    processor.label_list = ["no", "yes"]
    assert [e.label for e in processor.get_train_examples(str(tmp_path))] == [
        "yes", "no"]
    test = processor.get_test_examples(str(tmp_path))
    assert (test[0].text_a, test[0].text_b, test[0].label) == (
        "Why?", "Because.", "no")


@pytest.mark.parametrize("file_name,content,options,message", [
    ("train.tsv", "pos\tok\nbad\tx\n", {"label_list": ["pos", "neg"]},
     r"train.tsv:2: label 'bad' in column 0 is not in the label list pos,neg"),
    ("train.tsv", "", {"label_list": ["a", "b"]}, r"train.tsv: no data rows"),
    ("train.tsv", "pos,comma separated\n", {"label_list": ["pos", "neg"]},
     r"train.tsv:1: row has 1 column\(s\), column 1 is needed: check the delimiter"),
    ("train.jsonl", '{"text": "x"}\n', {"text_a_column": "text", "label_column": "y",
                                        "label_list": ["a", "b"]},
     r"train.jsonl:1: key 'y' is missing"),
    ("train.jsonl", '{"text": \n', {"text_a_column": "text", "label_column": "y",
                                    "label_list": ["a", "b"]},
     r"train.jsonl:1: not valid JSON"),
])
def test_custom_data_errors(tmp_path, file_name, content, options, message):
    write(tmp_path, file_name, content)
    processor = custom(file_name.split(".")[1], **options)
    with pytest.raises(InputError, match=message):
        processor.get_train_examples(str(tmp_path))


def test_custom_data_needs_columns():
    with pytest.raises(InputError, match="needs --text_a_column and --label_column"):
        processors.get_processor("csv")
    with pytest.raises(InputError, match="--text_a_column=x must be a 0-based"):
        processors.get_processor("tsv", text_a_column="x", label_column="0")


def test_custom_first_row_with_a_unique_label_is_taken_for_a_header(tmp_path):
    write(tmp_path, "train.csv", "label,text\n1,good\n0,bad\n1,fine\n")
    with pytest.raises(InputError, match=r"train.csv:1: the label 'label' of the "
                                         r"first row appears in no other row: if "
                                         r"line 1 is a header, pass --has_header"):
        custom("csv").labels_in_file(str(tmp_path))
    assert custom("csv", has_header=True).labels_in_file(str(tmp_path)) == ["0", "1"]


@pytest.mark.parametrize("task,main,score", [
    ("cola", "eval_mcc", ("eval_mcc",)),
    ("sst-2", "eval_accuracy", ("eval_accuracy",)),
    ("mrpc", "eval_f1", ("eval_f1", "eval_accuracy")),
    ("qqp", "eval_f1", ("eval_f1", "eval_accuracy")),
    ("sts-b", "eval_pearson", ("eval_pearson", "eval_spearman")),
    ("mnli", "eval_accuracy", ("eval_accuracy", "eval_mismatched_accuracy")),
    ("qnli", "eval_accuracy", ("eval_accuracy",)),
    ("rte", "eval_accuracy", ("eval_accuracy",)),
    ("wnli", "eval_accuracy", ("eval_accuracy",)),
    ("xnli", "eval_accuracy", ("eval_accuracy",)),
    ("goemotions", "eval_macro_f1", ("eval_macro_f1",)),
])
def test_each_task_names_its_main_and_score_metrics(task, main, score):
    """GLUE's task scores (sweep/report.py) read these; the main metric leads."""
    processor = processors.get_processor(task)
    assert processor.main_metric == main
    assert processor.score_metrics == score
    assert score[0] == main


@pytest.mark.shared_data
def test_goemotions_counts_label_sets_and_guids():
    processor = processors.get_processor("GoEmotions")
    assert processor.multi_label and len(processor.get_labels()) == 28
    train = processor.get_train_examples(GOEMOTIONS)
    dev = processor.get_dev_examples(GOEMOTIONS)
    test = processor.get_test_examples(GOEMOTIONS)
    assert (len(train), len(dev), len(test)) == (43410, 5426, 5427)
    first = train[0]
    assert (first.guid, first.label) == ("train-eebbqej", ("neutral",))
    assert first.text_a.startswith("My favourite food is anything")
    several = [example for example in train if len(example.label) > 1]
    assert 6000 < len(several) < 8000  # about 16% of the rows have 2+ labels
    assert all(example.label for example in train + dev)
    assert test[0].label == ()  # test labels are not read, as for GLUE
    with open(os.path.join(GOEMOTIONS, "emotions.txt")) as reader:
        assert reader.read().split("\n") == processor.get_labels()


def goemotions_copy(tmp_path, rows=3, emotions=None):
    data_dir = tmp_path / "goemotions"
    data_dir.mkdir(parents=True)
    for name in ("train.tsv", "dev.tsv", "test.tsv"):
        with open(os.path.join(GOEMOTIONS, name), encoding="utf-8") as reader:
            lines = reader.read().split("\n")[:rows]
        (data_dir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    if emotions is not None:
        (data_dir / "emotions.txt").write_text(emotions)
    return str(data_dir)


@pytest.mark.shared_data
def test_goemotions_label_errors_name_file_and_line(tmp_path):
    data_dir = goemotions_copy(tmp_path)
    with open(os.path.join(data_dir, "dev.tsv"), "a") as writer:
        writer.write("a text\t3,28\tid1\nanother\t\tid2\n")
    processor = processors.get_processor("goemotions")
    with pytest.raises(InputError, match=r"dev.tsv:4: label '28' is neither a "
                                         r"name in the label list nor an id 0-27"):
        processor.get_dev_examples(data_dir)
    bad = goemotions_copy(tmp_path / "b", emotions="joy\nlove\n")
    with pytest.raises(InputError, match=r"emotions.txt does not list GoEmotions' "
                                         r"28 emotions in their id order"):
        processor.get_train_examples(bad)


@pytest.mark.shared_data
def test_own_tsv_with_a_labels_file_reads_goemotions_as_the_named_task():
    """GoEmotions' ids with its emotions.txt, through --task_name=tsv
    --multi_label --labels_file: the same examples as --task_name=goemotions."""
    from bert.processors.multi_label import read_label_names
    own = custom("tsv", text_a_column="0", label_column="1", multi_label=True,
                 label_list=read_label_names(os.path.join(GOEMOTIONS, "emotions.txt")))
    named = processors.get_processor("goemotions")
    assert own.main_metric == named.main_metric == "eval_macro_f1"
    own_dev = own.get_dev_examples(GOEMOTIONS)
    named_dev = named.get_dev_examples(GOEMOTIONS)
    assert [(e.text_a, e.label) for e in own_dev] == [
        (e.text_a, e.label) for e in named_dev]


def test_own_multi_label_data_in_each_format(tmp_path):
    write(tmp_path, "train.tsv", "joy|love\tgreat\nanger\tbad\nlove| joy\tnice\n")
    write(tmp_path, "test.tsv", "\tno label here\n")
    tsv = custom("tsv", multi_label=True, label_separator="|")
    assert tsv.labels_in_file(str(tmp_path)) == ["anger", "joy", "love"]
    tsv.label_list = ["anger", "joy", "love"]
    assert [e.label for e in tsv.get_train_examples(str(tmp_path))] == [
        ("joy", "love"), ("anger",), ("joy", "love")]
    assert [e.label for e in tsv.get_test_examples(str(tmp_path))] == [()]
    write(tmp_path, "train.jsonl",
          '{"t": "a", "y": ["b", "a"]}\n{"t": "b", "y": []}\n{"t": "c", "y": "b"}\n')
    jsonl = custom("jsonl", text_a_column="t", label_column="y", multi_label=True)
    assert jsonl.labels_in_file(str(tmp_path)) == ["a", "b"]
    jsonl.label_list = ["a", "b"]
    assert [e.label for e in jsonl.get_train_examples(str(tmp_path))] == [
        ("a", "b"), (), ("b",)]
    write(tmp_path, "train.csv", 'text,labels\nhi,"2,0"\nyo,1\n')
    ids = custom("csv", text_a_column="0", label_column="1", has_header=True,
                 multi_label=True, label_list=["x", "y", "z"])
    assert [e.label for e in ids.get_train_examples(str(tmp_path))] == [
        ("x", "z"), ("y",)]


def test_numeric_label_ids_sort_as_numbers_and_stay_names():
    from bert.processors.multi_label import label_name, label_order
    assert label_order(["10", "2", "1"]) == ["1", "2", "10"]
    # Names that are numbers are never read as ids: "0" is not names[0].
    with pytest.raises(InputError, match="neither a name"):
        label_name("0", ["1", "2"], "f:1")


@pytest.mark.parametrize("content,message", [
    ("\ttext\n",
     r"train.tsv:1: the label field is empty: a multi-label row needs at least"),
    ("a,,b\ttext\n", r"train.tsv:1: the label field 'a,,b' has an empty label"),
    ("a,z\ttext\n",
     r"train.tsv:1: label 'z' is neither a name in the label list nor an id 0-1"),
])
def test_own_multi_label_data_errors(tmp_path, content, message):
    write(tmp_path, "train.tsv", content)
    processor = custom("tsv", multi_label=True, label_list=["a", "b"])
    with pytest.raises(InputError, match=message):
        processor.get_train_examples(str(tmp_path))


def test_own_multi_label_header_is_detected(tmp_path):
    write(tmp_path, "train.tsv", "labels\ttext\na,b\tx\nb\ty\n")
    with pytest.raises(InputError, match="the label 'labels' of the first row"):
        custom("tsv", multi_label=True).labels_in_file(str(tmp_path))
