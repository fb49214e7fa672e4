"""Execute notebooks in fast mode and store only the outputs that nbval checks.

nbval compares the outputs of cells tagged ``nbval-check-output`` with the ones
stored in the notebook; every other output is left out of the repository (the
book re-executes each notebook when it is built).

Usage: COMPANION_DATA=... python scripts/refresh_checked_outputs.py notebooks/01_*.ipynb
"""

import os
import sys

import nbformat
from nbclient import NotebookClient

CHECK_TAG = "nbval-check-output"


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
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # the kernel's timestamps: noise in every diff
        if cell.cell_type == "code" and CHECK_TAG not in cell.metadata.get("tags", []):
            # nbval treats a cell with outputs but no execution count as unrun,
            # so checked cells keep both
            cell.execution_count = None
            cell.outputs = []
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    for notebook_path in sys.argv[1:]:
        refresh(notebook_path)
        print("refreshed", notebook_path)
