"""Compare the checked outputs stored in a notebook with those of an executed copy, as nbval does.

The test command executes every chapter once (``scripts/execute_notebooks.py``,
then the strict book build writes the executed copies to
``_build/jupyter_execute``). The cells tagged ``nbval-check-output`` must print
there what the repository stores; this module compares them with nbval's own
rules (``pytest --nbval-lax``): streams compared by name, the ``data`` of each
output flattened by MIME type, metadata, tracebacks and images not compared.
"""

from collections import defaultdict

CHECK_TAG = "nbval-check-output"
# the keys that nbval leaves out of a comparison (nbval.plugin.IPyNbFile.skip_compare, without --nbdime)
NOT_COMPARED = {
    "metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
    "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg",
}


def _by_key(outputs):
    """{key: [value, ...]} over the outputs of one cell: the text of each stream under its name
    (consecutive pieces of one stream joined, as MyST-NB's nb_merge_streams shows them), the
    ``data`` of the others flattened by MIME type."""
    flat = defaultdict(list)
    previous_stream = None
    for output in outputs:
        if output["output_type"] == "stream":
            if output["name"] == previous_stream:
                flat[output["name"]][-1] += _text(output["text"])
            else:
                flat[output["name"]].append(_text(output["text"]))
            previous_stream = output["name"]
            continue
        previous_stream = None
        for key, value in output.items():
            if key == "data":
                for mime, content in value.items():
                    if mime not in NOT_COMPARED:
                        flat[mime].append(_text(content))
            elif key not in NOT_COMPARED:
                flat[key].append(_text(value))
    return dict(flat)


def _text(value):
    return "".join(value) if isinstance(value, list) else value


def _cell_label(index, cell):
    first_line = "".join(cell["source"]).strip().splitlines()[0] if cell["source"] else ""
    return f"cell {index} ({first_line[:60]!r})"


def _executed_twins(stored, executed):
    """The executed cell of each stored cell (None where there is none): by cell id, else by position."""
    by_id = {cell["id"]: cell for cell in executed["cells"] if "id" in cell}
    if all("id" in cell for cell in stored["cells"]) and by_id:
        return [by_id.get(cell["id"]) for cell in stored["cells"]]
    return executed["cells"] + [None] * (len(stored["cells"]) - len(executed["cells"]))


def checked_output_differences(stored, executed):
    """Describe every checked cell of ``stored`` whose outputs differ in ``executed``.

    Args:
        stored: the notebook as the repository holds it (a dict read from JSON).
        executed: the same notebook after execution.

    Returns:
        list of str: one message per differing cell, naming it and showing both outputs;
        empty when every checked output matches.
    """
    problems = []
    for index, (cell, ran) in enumerate(zip(stored["cells"], _executed_twins(stored, executed))):
        if cell["cell_type"] != "code" or CHECK_TAG not in cell["metadata"].get("tags", []):
            continue
        if ran is None or "".join(ran["source"]) != "".join(cell["source"]):
            problems.append(f"{_cell_label(index, cell)}: not in the executed copy")
            continue
        expected, got = _by_key(cell["outputs"]), _by_key(ran["outputs"])
        if expected != got:
            problems.append(_describe(index, cell, expected, got))
    return problems


def _describe(index, cell, expected, got):
    lines = [f"{_cell_label(index, cell)}: its checked output differs"]
    for mime in sorted(set(expected) | set(got)):
        if expected.get(mime) != got.get(mime):
            lines.append(f"  [{mime}] stored:\n" + _indent(expected.get(mime)))
            lines.append(f"  [{mime}] executed:\n" + _indent(got.get(mime)))
    return "\n".join(lines)


def _indent(values):
    if values is None:
        return "    (no such output)"
    return "\n".join("    " + line for value in values for line in str(value).splitlines())
