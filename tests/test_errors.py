"""errors.py: one line on stderr and exit status 2 for bad input."""

import json

import pytest

from bert.errors import ERROR_FILE_VARIABLE, InputError, reported_errors


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


def test_the_message_as_data_for_a_program_that_runs_the_tool(
        tmp_path, monkeypatch, capsys):
    error_file = tmp_path / "error.json"
    monkeypatch.setenv(ERROR_FILE_VARIABLE, str(error_file))
    with pytest.raises(SystemExit):
        with reported_errors("tool"):
            raise InputError("--learning_rate=-1 must not be negative")
    assert json.loads(error_file.read_text()) == {
        "program": "tool", "error": "--learning_rate=-1 must not be negative"}
    assert capsys.readouterr().err.startswith("tool: error: --learning_rate")
