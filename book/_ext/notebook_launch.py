"""Launch buttons (Colab) only on the chapters, which are ``.ipynb`` files.

A MyST text page that runs code (the results page) counts as a notebook for
sphinx-book-theme, which then offers to open its ``.md`` source in Colab, and
Colab cannot. This drops that button from pages whose source is not a notebook.
"""

from pathlib import Path


def drop_launch_buttons(app, pagename, templatename, context, doctree):
    if Path(app.env.doc2path(pagename)).suffix == ".ipynb":
        return
    buttons = context.get("header_buttons", [])
    buttons[:] = [button for button in buttons if button.get("label") != "launch-buttons"]


def setup(app):
    # after sphinx-book-theme adds the launch buttons (priority 501)
    app.connect("html-page-context", drop_launch_buttons, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
