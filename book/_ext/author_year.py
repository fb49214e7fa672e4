"""Author-year labels in the reference list, as the chapters cite: [Masci et al., 2011].

A pybtex style for sphinxcontrib-bibtex (``bibtex_default_style: author_year``):
entries sorted by author and year, each labelled with the authors' last names
(two at most, else "et al.") and the year, accents decoded from LaTeX.
"""

import codecs
import string

import latexcodec  # noqa: F401  (registers the "ulatex" codec)
from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def last_name(person):
    """``Cire{\\c{s}}an`` -> ``Cirešan``: the last name as a reader writes it."""
    name = codecs.decode(" ".join(person.prelast_names + person.last_names), "ulatex")
    return name.replace("{", "").replace("}", "")


def authors(entry):
    """``"Baldi and Hornik"``, ``"Masci et al."``: two last names at most."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [last_name(person) for person in people]
    return names[0] if len(names) == 1 else " and ".join(names) if len(names) == 2 else f"{names[0]} et al."


def author_year(entry):
    """``"Baldi and Hornik, 1989"``, ``"Masci et al., 2011"``."""
    return f"{authors(entry)}, {entry.fields.get('year', '')}".strip(", ")


class AuthorYearLabels(BaseLabelStyle):
    """Author-year labels; a letter tells apart two works of the same authors and year."""

    def format_labels(self, sorted_entries):
        labels = [author_year(entry) for entry in sorted_entries]
        seen = {}
        for label in labels:
            if labels.count(label) == 1:
                yield label
                continue
            seen[label] = seen.get(label, -1) + 1
            yield label + string.ascii_lowercase[seen[label]]


class AuthorYearStyle(PlainStyle):
    default_label_style = "author_year"


def setup(app):
    register_plugin("pybtex.style.labels", "author_year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
