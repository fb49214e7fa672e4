"""Sharp figures: in a notebook, matplotlib's inline figures are drawn for high-density screens.

Importing companion inside IPython (Jupyter, Colab, the book's build) switches the
inline backend to ``"retina"`` PNGs: each figure is drawn at twice its pixel size
and shown at its normal size, so lines and digits stay crisp on phones and
high-density laptop screens. Nothing else changes; outside IPython it does nothing.
To go back, run ``%config InlineBackend.figure_formats = ["png"]``.
"""


def use_retina_figures():
    """Draw the notebook's inline figures as retina PNGs; do nothing outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python without IPython installed
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):  # a script, or a terminal IPython
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("retina")
