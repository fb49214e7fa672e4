"""Launch buttons (Colab) only on the chapters, and opening the chapters' Colab versions.

A MyST text page that runs code (the results page) counts as a notebook for
sphinx-book-theme, which then offers to open its ``.md`` source in Colab, and
Colab cannot. This drops that button from pages whose source is not a notebook.

On a chapter, ``notebooks/NN_name.ipynb``, the Colab button opens
``colab/NN_name.ipynb`` instead: the same notebook in plain Markdown, which
``scripts/colab_notebooks.py`` writes (Colab shows MyST syntax as raw text).
"""

from pathlib import Path

SOURCE_FOLDER = "/notebooks/"
COLAB_FOLDER = "/colab/"


def adjust_launch_buttons(app, pagename, templatename, context, doctree):
    buttons = context.get("header_buttons", [])
    if Path(app.env.doc2path(pagename)).suffix != ".ipynb":
        buttons[:] = [button for button in buttons if button.get("label") != "launch-buttons"]
        return
    for group in buttons:
        if group.get("label") != "launch-buttons":
            continue
        for button in group["buttons"]:
            if button.get("text") == "Colab":
                button["url"] = button["url"].replace(SOURCE_FOLDER, COLAB_FOLDER, 1)


def setup(app):
    # after sphinx-book-theme adds the launch buttons (priority 501)
    app.connect("html-page-context", adjust_launch_buttons, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
