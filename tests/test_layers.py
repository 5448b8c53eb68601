"""The bert package's floors: library modules, processors, classifier, tools
(with the sweep package reproduce.py uses). No module imports one on a higher
floor, and no imports form a cycle."""

import ast
import os

from helpers import REPO

FLOORS = {
    "bert": 0, "errors": 0, "fused_kernels": 0, "modeling": 0, "optimization": 0,
    "tokenization": 0,
    "processors": 1, "classifier": 2,
    "run_classifier": 3, "classify": 3, "convert_hf_checkpoint": 3,
    "sweep": 3, "reproduce": 3, "estimator": 3, "clone": 3,
}


def module_files():
    """{module name: path} of the package's modules."""
    modules = {}
    for folder in ("bert", "bert/classifier", "bert/classifier/data",
                   "bert/classifier/runtime", "bert/processors", "bert/sweep"):
        for name in os.listdir(os.path.join(REPO, folder)):
            if not name.endswith(".py"):
                continue
            module = folder.replace("/", ".") + "." + name[:-3]
            modules[module.replace(".__init__", "")] = os.path.join(
                REPO, folder, name)
    return modules


def import_graph():
    modules = module_files()
    graph = {}
    for module, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + ["%s.%s" % (node.module, alias.name)
                                         for alias in node.names]
            else:
                continue
            imported.update(name for name in names
                            if name in modules and name != module)
        graph[module] = imported
    return graph


def floor(module):
    return FLOORS[(module.split(".") + ["bert"])[1]]


def test_no_module_imports_a_higher_floor():
    graph = import_graph()
    assert set((m.split(".") + ["bert"])[1] for m in graph) == set(FLOORS)
    upward = [(module, target) for module, targets in graph.items()
              for target in targets if floor(target) > floor(module)]
    assert upward == []


def test_the_model_function_knows_no_runtime():
    """Whatever differs between runtimes is passed in (params, arguments)."""
    graph = import_graph()
    assert [target for target in graph["bert.classifier.model_fn"]
            if target.startswith(("bert.classifier.runtime",
                                  "bert.classifier.tf_version"))] == []


def test_imports_form_no_cycle():
    graph = import_graph()
    state = {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(graph[module]):
            assert state.get(target) != "open", " -> ".join(path + [target])
            if target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
