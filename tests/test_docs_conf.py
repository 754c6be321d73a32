"""The leaderboards page's generator in ``docs/conf.py``: every committed report becomes a
section under its store's heading, with its own headings nested below it."""
import importlib.util
import os
import re

import pytest

CONF = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "conf.py")

REPORT = """# Leaderboard

12 fits: 12 ok.

## Where DASAD stands

| setting | DASAD |
|---|---:|
| adbench, la=0.1 | 0.80 |

## adbench, la=0.1

### AUC-PR

[summary](summary.csv)

# Plots

![ranks](ranks_adbench_la_0.1.png)
"""


def _load_conf(monkeypatch, results_dir):
    monkeypatch.setenv("PYOD_DASAD_RESULTS_DIR", str(results_dir))
    spec = importlib.util.spec_from_file_location("_pyod_dasad_docs_conf", CONF)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_reports_nest_under_their_store(tmp_path, monkeypatch):
    for store in ("paper_adbench", "mvtec"):
        (tmp_path / "results" / store).mkdir(parents=True)
        (tmp_path / "results" / store / "report.md").write_text(REPORT, encoding="utf-8")
    (tmp_path / "docs").mkdir()
    conf = _load_conf(monkeypatch, tmp_path / "results")
    text = conf._results_sections(str(tmp_path / "docs"))
    headings = [(len(m[1]), m[2]) for m in re.finditer(r"^(#+) (.*)$", text, flags=re.M)]
    # stores sorted by folder, each one heading above its report's own
    assert headings[:7] == [(2, "mvtec"), (3, "Leaderboard"), (4, "Where DASAD stands"),
                            (4, "adbench, la=0.1"), (5, "AUC-PR"), (3, "Plots"), (2, "paper_adbench")]
    assert [h for h in headings if h[0] <= 2] == [(2, "mvtec"), (2, "paper_adbench")]
    # plots and CSV files resolve from the docs folder
    assert "![ranks](../results/paper_adbench/ranks_adbench_la_0.1.png)" in text
    assert "{download}`summary <../results/mvtec/summary.csv>`" in text


def test_no_report_leaves_the_pending_note(tmp_path, monkeypatch):
    (tmp_path / "results").mkdir()
    conf = _load_conf(monkeypatch, tmp_path / "results")
    assert conf._results_sections(str(tmp_path)) is None
    source = ["# Leaderboards\n\n<!-- results:pending -->\npending\n<!-- /results:pending -->\n"]

    class App:
        srcdir = str(tmp_path)

    conf._fill_results(App(), "reports", source)
    assert "pending" in source[0]


@pytest.mark.parametrize("docname", ["reports", "results"])
def test_only_the_leaderboards_page_is_filled(tmp_path, monkeypatch, docname):
    (tmp_path / "results" / "store").mkdir(parents=True)
    (tmp_path / "results" / "store" / "report.md").write_text(REPORT, encoding="utf-8")
    conf = _load_conf(monkeypatch, tmp_path / "results")
    source = ["<!-- results:pending -->\npending\n<!-- /results:pending -->\n"]

    class App:
        srcdir = str(tmp_path)

    conf._fill_results(App(), docname, source)
    assert ("## store" in source[0]) == (docname == "reports")
