"""The ``companion-api`` directive: the reference of ``companion``'s public API, one section per module.

The names come from the package itself: every name in ``companion.__all__``,
grouped by the module that defines it, and for a subpackage listed there (such
as ``companion.exercises``) the names of its own ``__all__`` plus the public
functions and classes of each of its modules (``ch01``, ``ch02``, ...). A new
public name or a new module therefore appears on the page without editing it.

Each object is documented by autodoc under the name a reader types after
``import companion as cp``: ``companion.build_tied_autoencoder`` (not
``companion.tied.build_tied_autoencoder``), ``companion.exercises.ch05.check_psnr_value``.
In MyST, link to them with roles such as
``{py:func}`cp.train <companion.train>``` or ``{py:class}`companion.TiedAutoencoder```.
"""

import importlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


@dataclass
class Section:
    """The public objects that one module contributes, under the names readers use."""

    module: str  # where the objects are defined, e.g. "companion.data"
    namespace: str  # where readers find them, e.g. "companion"
    names: list = field(default_factory=list)  # e.g. ["companion.load_mnist", ...]
    subsections: list = field(default_factory=list)

    def all_names(self):
        return self.names + [name for section in self.subsections for name in section.all_names()]


def public_names(module):
    """The module's ``__all__``, or else the public functions and classes it defines, in source order."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    own = [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
    ]
    return sorted(own, key=lambda name: _source_line(getattr(module, name)))


def _source_line(obj):
    try:
        return inspect.getsourcelines(obj)[1]
    except (OSError, TypeError):
        return 0


def plan_api(namespace, module_order=()):
    """The sections of the reference of ``namespace`` (a package or module name).

    Args:
        namespace: e.g. ``"companion"``.
        module_order: short module names (``"data"``, ``"models"``) in the order their
            sections should come; modules not named follow in alphabetical order.
            Names of modules that do not exist are ignored.

    Returns:
        list of :class:`Section`; names defined in modules listed in the
        namespace's ``__all__`` (subpackages) come last, one section each.
    """
    package = importlib.import_module(namespace)
    by_module = {}
    subpackages = []
    for name in public_names(package):
        value = getattr(package, name)
        if inspect.ismodule(value):
            subpackages.append(_plan_subpackage(value))
            continue
        module = getattr(value, "__module__", None) or namespace
        by_module.setdefault(module, []).append((name, value))
    rank = {f"{namespace}.{short}": index for index, short in enumerate(module_order)}
    sections = []
    for module in sorted(by_module, key=lambda module: (rank.get(module, len(rank)), module)):
        members = sorted(by_module[module], key=lambda member: _source_line(member[1]))
        sections.append(Section(module, namespace, [f"{namespace}.{name}" for name, _ in members]))
    return sections + sorted(subpackages, key=lambda section: section.module)


def _plan_subpackage(module):
    section = Section(module.__name__, module.__name__)
    for name in public_names(module):
        value = getattr(module, name)
        if inspect.ismodule(value):
            section.subsections.append(_plan_subpackage(value))
        else:
            section.names.append(f"{module.__name__}.{name}")
    section.subsections.sort(key=lambda subsection: subsection.module)
    return section


def autodoc_directive(obj):
    """The autodoc directive that documents ``obj``."""
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return "autoexception"
    if inspect.isclass(obj):
        return "autoclass"
    if callable(obj):
        return "autofunction"
    return "autodata"


def _resolve(qualified_name):
    module_name, _, attribute = qualified_name.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def render_markdown(sections, level=2):
    """MyST source for the sections: a heading, then the module's docstring and one autodoc entry per name."""
    lines = []
    for section in sections:
        lines += [f"{'#' * level} `{section.module}`", "", "```{eval-rst}"]
        lines += render_rst(section)
        lines += ["```", ""]
        lines += render_markdown(section.subsections, level + 1)
    return lines


def render_rst(section):
    """reStructuredText for one section's body: autodoc directives work only in reST."""
    # currentmodule makes the docstrings' :class:`Name` resolve to the names documented here
    lines = [f".. currentmodule:: {section.namespace}", ""]
    docstring = inspect.getdoc(importlib.import_module(section.module))
    if docstring:
        lines += [docstring, ""]
    for name in section.names:
        directive = autodoc_directive(_resolve(name))
        lines += [f".. {directive}:: {name}"]
        if directive == "autoclass":
            # methods without a docstring too: Keras hooks such as call or
            # compute_loss are part of what a class offers
            lines += ["   :members:", "   :undoc-members:"]
        lines += [""]
    return lines


class CompanionApiDirective(SphinxDirective):
    """``companion-api``: document a package's public API, one section per module.

    The argument is the package (``companion``); the option ``module-order``
    lists short module names in the order their sections should appear. Use it
    directly under the page's title: the sections it makes are level 2.
    """

    required_arguments = 1
    option_spec = {"module-order": directives.unchanged}

    def run(self):
        order = (self.options.get("module-order") or "").split()
        sections = plan_api(self.arguments[0], order)
        self._note_sources(sections)
        # MyST attaches the level-2 sections to the page's level-1 section: the
        # directive belongs directly under the page title.
        source = StringList(render_markdown(sections, level=2), source=self.get_source_info()[0])
        container = nodes.section()
        container.document = self.state.document
        self.state.nested_parse(source, self.content_offset, container, match_titles=True)
        self._note_defining_names(sections)
        return container.children

    def _note_defining_names(self, sections):
        """Let ``companion.data.mask_pixels`` link to the entry of ``companion.mask_pixels``.

        Docstrings may name an object by the module that defines it; autodoc
        records that name (``:canonical:``) for classes only.
        """
        domain = self.env.get_domain("py")
        for section in sections:
            for name in section.names:
                obj = _resolve(name)
                defining = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
                if defining != name and defining not in domain.objects and name in domain.objects:
                    entry = domain.objects[name]
                    domain.note_object(defining, entry.objtype, entry.node_id, aliased=True)
            self._note_defining_names(section.subsections)

    def _note_sources(self, sections):
        """Rebuild the page when a documented module changes."""
        for section in sections:
            path = getattr(importlib.import_module(section.module), "__file__", None)
            if path:
                self.env.note_dependency(str(Path(path).resolve()))
            self._note_sources(section.subsections)


def setup(app):
    app.setup_extension("sphinx.ext.autodoc")
    app.add_directive("companion-api", CompanionApiDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
