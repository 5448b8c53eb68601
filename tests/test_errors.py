"""errors.py: one line on stderr and exit status 2 for bad input."""

import pytest

from errors import InputError, reported_errors


def test_input_error_becomes_one_line_and_status_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        with reported_errors("tool"):
            raise InputError("data.tsv:3: bad row\nsecond line")
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == "tool: error: data.tsv:3: bad row second line\n"


def test_other_errors_pass_unless_named(capsys):
    with pytest.raises(KeyError):
        with reported_errors("tool"):
            raise KeyError("x")
    with pytest.raises(SystemExit):
        with reported_errors("tool", KeyError):
            raise KeyError("x")
    assert capsys.readouterr().err.startswith("tool: error: ")
