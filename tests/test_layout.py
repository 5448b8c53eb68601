"""The layout: the suite's folders mirror bert/'s; test modules import
helpers, never each other or conftest; the scripts that tests start live in
tests/scripts; no two of the package's modules share a file name."""

import ast
import glob
import os

from helpers import REPO

TESTS = os.path.join(REPO, "tests")


def imported_modules(path):
    with open(path, encoding="utf-8") as reader:
        tree = ast.parse(reader.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


def test_no_test_module_imports_another_or_conftest():
    imports = {os.path.basename(path): [
        name for name in imported_modules(path)
        if name.startswith("test_") or name == "conftest"]
        for path in glob.glob(os.path.join(TESTS, "**", "*.py"), recursive=True)}
    assert {name: found for name, found in imports.items() if found} == {}


def test_beside_the_tests_only_conftest_and_helpers():
    others = [os.path.basename(path)
              for path in glob.glob(os.path.join(TESTS, "*.py"))
              if not os.path.basename(path).startswith("test_")]
    assert sorted(others) == ["conftest.py", "helpers.py", "runtime_helpers.py"]


def test_the_folders_mirror_the_package():
    folders = {os.path.relpath(folder, TESTS)
               for folder, _, names in os.walk(TESTS)
               if any(name.startswith("test_") and name.endswith(".py")
                      for name in names)}
    assert "." in folders
    for folder in folders - {"."}:
        assert os.path.isfile(os.path.join(REPO, "bert", folder, "__init__.py")), folder
    scripts = [path for path in glob.glob(os.path.join(TESTS, "*", "**", "*.py"),
                                          recursive=True)
               if not os.path.basename(path).startswith("test_")]
    assert scripts and all(os.path.dirname(path) == os.path.join(TESTS, "scripts")
                           for path in scripts), scripts


def test_no_two_modules_of_the_package_share_a_file_name():
    names = [os.path.basename(path) for path in glob.glob(
        os.path.join(REPO, "bert", "**", "*.py"), recursive=True)]
    shared = sorted({name for name in names if names.count(name) > 1} - {"__init__.py"})
    assert shared == []
