"""The package's structure: no import cycle, no borrowed private names, the JavaScript shipped as a file."""

import ast
import fnmatch
import tomllib
from importlib import resources
from pathlib import Path

import companion as cp

PACKAGE = Path(cp.__file__).parent
ROOT = PACKAGE.parent
# reworked on their own; the graph of the core is what must stay a tree
OUTSIDE_THE_CORE = ("exercises", "settings")


def core_modules():
    return {path.stem: path for path in PACKAGE.glob("*.py") if path.stem != "__init__"}


def imported_modules(path):
    """The ``companion`` modules ``path`` imports, at the top or inside functions, and the names it takes."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "companion":
            if node.module == "companion":  # from companion import _checks, ...
                found.extend((alias.name, None) for alias in node.names)
            else:
                found.extend((node.module.split(".")[1], alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend((alias.name.split(".")[1], None) for alias in node.names
                         if alias.name.startswith("companion."))
    return found


def import_graph():
    modules = core_modules()
    return {name: {target for target, _ in imported_modules(path) if target in modules}
            for name, path in modules.items()}


def find_cycle(graph):
    """One cycle of ``graph`` as a list of nodes, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target, path + [target])):
                return cycle
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node, [node])):
            return cycle
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_core_modules_import_each_other_without_a_cycle():
    graph = import_graph()
    assert {"models", "denoising", "corruption", "inference"} <= set(graph)
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph))}"


def test_corruption_is_one_layer_under_every_name():
    from companion import corruption, denoising

    assert cp.Corruption is corruption.Corruption is denoising.Corruption
    assert "denoising" not in import_graph()["models"]


def test_no_module_borrows_another_modules_private_names():
    borrowed = [
        f"{name} imports {target}.{imported}"
        for name, path in core_modules().items()
        for target, imported in imported_modules(path)
        if imported and imported.startswith("_") and not imported.startswith("__")
    ]
    assert borrowed == []


def test_the_living_figures_script_is_a_package_file():
    script = resources.files("companion").joinpath("static", "living_figures.js")
    assert script.is_file()
    text = script.read_text(encoding="utf-8")
    assert text.startswith("(function (id) {") and '"__ID__"' in text
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert any(fnmatch.fnmatch("static/living_figures.js", pattern) for pattern in package_data["companion"])
    assert "(function (id) {" not in (PACKAGE / "interactive.py").read_text()  # one copy only
