"""Files that a page reads while it is built, so that Sphinx rebuilds it when they change.

Sphinx re-reads a page only when its own source changes. The results page runs
code that reads ``benchmarks/*.json`` and pastes the chapters' glued numbers:
``page_inputs`` in the Sphinx configuration maps such a page to the glob
patterns (relative to the book's root) of what it reads.
"""

from pathlib import Path


def note_inputs(app, docname, source):
    for pattern in app.config.page_inputs.get(docname, []):
        for path in sorted(Path(app.srcdir).glob(pattern)):
            app.env.note_dependency(str(path))


def setup(app):
    app.add_config_value("page_inputs", {}, "env")
    app.connect("source-read", note_inputs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
