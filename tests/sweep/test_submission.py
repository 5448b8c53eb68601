"""sweep/submission.py: the GLUE files are checked before they are zipped."""

import zipfile

import pytest

from bert.errors import InputError
from bert.sweep import submission


def write(tmp_path, name, rows, header="index\tprediction"):
    path = tmp_path / name
    path.write_text("\n".join([header] + rows) + "\n")
    return str(path)


def test_a_right_file_passes_and_wrong_ones_are_refused(tmp_path):
    labels = ["entailment", "not_entailment"]
    good = write(tmp_path, "RTE.tsv", ["0\tentailment", "1\tnot_entailment"])
    submission.check_submission_file(good, 2, labels)
    cases = [
        (write(tmp_path, "a.tsv", ["0\tentailment"]), "1 rows, the test set has 2"),
        (write(tmp_path, "b.tsv", ["0\tentailment", "2\tentailment"]),
         "b.tsv:3: expected index 1"),
        (write(tmp_path, "c.tsv", ["0\tentailment", "1\tneutral"]),
         "c.tsv:3: 'neutral' is not one of the labels"),
        (write(tmp_path, "d.tsv", ["0\tentailment", "1\tentailment"],
               header="id\tlabel"), "the first line must be"),
    ]
    for path, message in cases:
        with pytest.raises(InputError, match=message):
            submission.check_submission_file(path, 2, labels)


def test_stsb_scores_must_lie_in_zero_to_five(tmp_path):
    submission.check_submission_file(
        write(tmp_path, "STS-B.tsv", ["0\t0.000", "1\t5.000"]), 2, None)
    with pytest.raises(InputError, match="'5.2' is not a score in"):
        submission.check_submission_file(
            write(tmp_path, "x.tsv", ["0\t1.0", "1\t5.2"]), 2, None)


def test_majority_file_and_zip(tmp_path):
    wnli = str(tmp_path / "WNLI.tsv")
    submission.write_majority_file(wnli, "0", 146)
    submission.check_submission_file(wnli, 146, ["0", "1"])
    zip_path = str(tmp_path / "glue_submission.zip")
    submission.write_zip(zip_path, {"WNLI": wnli})
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.namelist() == ["WNLI.tsv"]
        assert archive.read("WNLI.tsv").decode().splitlines()[146] == "145\t0"
