"""Execute notebooks in fast mode and store only the outputs that nbval checks.

nbval compares the outputs of cells tagged ``nbval-check-output`` with the ones
stored in the notebook; every other output is left out of the repository (the
book re-executes each notebook when it is built).

Usage: COMPANION_DATA=... python scripts/refresh_checked_outputs.py notebooks/01_*.ipynb

After the test command's build (fast mode), the outputs can instead be taken
from the chapters it executed, without running them again:

    python scripts/refresh_checked_outputs.py --from-build _build/jupyter_execute notebooks/01_*.ipynb
"""

import os
import sys

import nbformat
from nbclient import NotebookClient

CHECK_TAG = "nbval-check-output"


def keep_checked_outputs_only(notebook):
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # the kernel's timestamps: noise in every diff
        if cell.cell_type == "code" and CHECK_TAG not in cell.metadata.get("tags", []):
            # nbval treats a cell with outputs but no execution count as unrun,
            # so checked cells keep both
            cell.execution_count = None
            cell.outputs = []
    notebook.metadata.pop("widgets", None)


def refresh_from_build(path, executed_folder):
    """Copy the checked cells' outputs from the build's executed copy (matched by cell id)."""
    notebook = nbformat.read(path, as_version=4)
    executed_path = os.path.join(executed_folder, "notebooks", os.path.basename(path))
    executed = {cell.get("id"): cell for cell in nbformat.read(executed_path, as_version=4).cells}
    for cell in notebook.cells:
        if cell.cell_type == "code" and CHECK_TAG in cell.metadata.get("tags", []):
            twin = executed.get(cell.get("id"))
            if twin is None or twin.source != cell.source:
                sys.exit(f"{executed_path} is not an execution of {path}: cell {cell.get('id')} differs; "
                         "build the book again first")
            cell.outputs, cell.execution_count = twin.outputs, twin.execution_count or 1
    keep_checked_outputs_only(notebook)
    nbformat.write(notebook, path)


def refresh(path):
    notebook = nbformat.read(path, as_version=4)
    os.environ["COMPANION_FAST"] = "1"
    # as the test command runs them (scripts/setup_env.sh): no native TensorFlow log lines in the outputs
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": os.path.dirname(path) or "."}},
    ).execute()
    keep_checked_outputs_only(notebook)
    nbformat.write(notebook, path)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    arguments = sys.argv[1:]
    if arguments[0] == "--from-build":
        executed_folder, paths = arguments[1], arguments[2:]
        for notebook_path in paths:
            refresh_from_build(notebook_path, executed_folder)
            print("refreshed", notebook_path, "from", executed_folder)
    else:
        for notebook_path in arguments:
            refresh(notebook_path)
            print("refreshed", notebook_path)
