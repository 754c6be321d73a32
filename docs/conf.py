"""Sphinx configuration of the pyod_dasad documentation.

Build (warnings are errors)::

    sphinx-build -W -b html docs docs/_build/html

The markdown pages are read by MyST; the API reference is autodoc + numpydoc, as in PyOD.
"""
import glob
import os
import re
import sys
from datetime import date

# The packages live at the repository root (flat layout); make them importable even
# when the project is not installed into the building environment.
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

import pyod_dasad  # noqa: E402

project = "pyod_dasad"
author = "pyod_dasad developers"
copyright = f"{date.today().year}, {author}"  # noqa: A001 (Sphinx's name)
version = release = pyod_dasad.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# -- MyST -----------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

# -- autodoc / numpydoc ---------------------------------------------------------------
autodoc_default_options = {
    "members": True,
    "undoc-members": False,
    "show-inheritance": True,
    "member-order": "bysource",
}
autodoc_typehints = "none"          # numpydoc's Parameters sections carry the types
autodoc_class_signature = "mixed"
numpydoc_show_class_members = False  # autodoc lists the members; no autosummary stubs
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "sklearn": ("https://scikit-learn.org/stable/", None),
    "torch": ("https://docs.pytorch.org/docs/stable/", None),
    "pyod": ("https://pyod.readthedocs.io/en/latest/", None),
}
# Offline builds (CI has no internet): intersphinx only warns when an inventory is
# unreachable, so fetching is switched off unless PYOD_DASAD_DOCS_ONLINE=1.
if os.environ.get("PYOD_DASAD_DOCS_ONLINE") != "1":
    intersphinx_mapping = {}

# -- HTML -----------------------------------------------------------------------------
html_theme = "furo"
html_title = f"pyod_dasad {release}"
html_static_path = ["_static"]


def _skip_sklearn_request_methods(app, what, name, obj, skip, options):
    """Hide scikit-learn's generated ``set_*_request`` metadata-routing methods."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


# -- leaderboards page (reports.md): include only the reports that exist -------------
#: Where committed leaderboards live: one ``report.md`` (from ``adbench-runs report --out``)
#: per sub-folder. ``PYOD_DASAD_RESULTS_DIR`` points elsewhere (a local store's preview;
#: ``tests/test_docs_conf.py``).
RESULTS_DIR = os.environ.get("PYOD_DASAD_RESULTS_DIR", os.path.join(ROOT, "adbench_runs", "results"))
_PENDING = re.compile(r"<!-- results:pending -->.*?<!-- /results:pending -->", re.S)


def _results_sections(docs_dir):
    """MyST source that includes every committed ``report.md``, or None if there is none."""
    reports = sorted(glob.glob(os.path.join(RESULTS_DIR, "**", "report.md"), recursive=True))
    if not reports:
        return None
    parts = []
    for report in reports:
        folder = os.path.dirname(report)
        name = os.path.relpath(folder, RESULTS_DIR)

        def rel(target, folder=folder):
            return os.path.relpath(os.path.join(folder, target), docs_dir).replace(os.sep, "/")

        with open(report, encoding="utf-8") as handle:
            text = handle.read()
        # plots: paths relative to the docs; CSV links: downloadable files; headings two
        # levels down, so that a report's "# Leaderboard" and "# Plots" sit under its store's
        # "## <folder>" heading
        text = re.sub(r"!\[([^\]]*)\]\(([^):]+)\)", lambda m: f"![{m[1]}]({rel(m[2])})", text)
        text = re.sub(r"(?<!!)\[([^\]]+)\]\(([^):#]+\.csv)\)",
                      lambda m: "{download}`" + m[1] + " <" + rel(m[2]) + ">`", text)
        text = re.sub(r"^(#+) ", lambda m: "#" * min(6, len(m[1]) + 2) + " ", text, flags=re.M)
        parts += [f"## {'default' if name == '.' else name}", "", text, ""]
    return "\n".join(parts)


def _fill_results(app, docname, source):
    if docname != "reports":
        return
    sections = _results_sections(app.srcdir)
    if sections is not None:
        source[0] = _PENDING.sub(lambda _: sections, source[0])


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_request_methods)
    app.connect("source-read", _fill_results)
