"""Write each inline script once per page.

Sphinx 7.4 adds the scripts that extensions register after the builder has
started (sphinx-thebe's configuration, sphinx-togglebutton's selector) a second
time when it prepares writing, as ``''`` where the first copy has ``None`` as
its file name. Two copies of sphinx-thebe's ``const THEBE_JS_URL = ...`` make
every page raise "SyntaxError: Identifier 'THEBE_JS_URL' has already been
declared" in the browser.
"""


def _key(script):
    attributes = getattr(script, "attributes", {})
    return (getattr(script, "filename", script) or "", getattr(script, "priority", 500), tuple(sorted(attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    # the list is the builder's own, restored after every page
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
