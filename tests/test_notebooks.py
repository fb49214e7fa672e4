"""Structure of the chapters: Colab install cell, table of contents, stored outputs."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
CHECK_TAG = "nbval-check-output"


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(notebook):
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def test_there_are_chapters():
    assert NOTEBOOKS, "notebooks/ holds no chapter"
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name) for path in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_installs_companion_only_on_colab(path):
    source = "".join(code_cells(load(path))[0]["source"])
    repository = CONFIG["repository"]
    expected = f'"companion @ git+{repository["url"]}@{repository["branch"]}"'
    assert 'if "google.colab" in sys.modules:' in source
    assert expected in source, f"{path.name}: install line must use {expected}"


def test_colab_points_to_the_main_branch():
    assert CONFIG["repository"]["branch"] == "main"
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_the_table_of_contents(path):
    toc = (ROOT / "_toc.yml").read_text()
    assert f"file: notebooks/{path.stem}" in toc


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_only_checked_cells_store_outputs_and_none_is_an_error(path):
    for cell in code_cells(load(path)):
        checked = CHECK_TAG in cell["metadata"].get("tags", [])
        if not checked:
            assert not cell["outputs"], f"{path.name}: unchecked cell stores outputs:\n{''.join(cell['source'])}"
        assert all(output["output_type"] != "error" for output in cell["outputs"])
        if checked:
            assert all("Figure size" not in json.dumps(output) for output in cell["outputs"]), \
                "figures must not be compared by nbval"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_a_checked_solution(path):
    notebook = load(path)
    text = "".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown")
    exercises = re.findall(r"```\{exercise-start\}[^\n]*\n:label: (\S+)", text)
    solutions = re.findall(r"```\{solution-start\} (\S+)\n:class: dropdown", text)
    assert len(exercises) >= 3
    assert solutions == exercises
