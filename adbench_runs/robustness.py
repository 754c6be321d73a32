"""How much each detector's score moves as a robustness sweep's noise grows.

ADBench's robustness settings (irrelevant features, flipped labels, duplicated anomalies)
and the DevNet protocol's unlabelled-set contamination are sweeps over a noise level. The
question a reader asks of them is the one issue #4 states: whose AUC-PR drops least as
the noise grows? :func:`robustness_markdown` answers it in one table per sweep: each
detector's mean over datasets at the sweep's first level (no noise, or anomalies not
duplicated), and its change from there at every other level, on the datasets where every
detector of the sweep has a result at every level.
"""
from __future__ import annotations

import pandas as pd

from .report import METRICS, _check_metric, _ordered

__all__ = ["noise_sweeps", "sweep_changes", "robustness_markdown"]


def noise_sweeps(frame: pd.DataFrame) -> list:
    """The robustness sweeps of a results frame: ``(protocol, noise_type, budget, rows)``
    for each noise type (per protocol and label budget) with two or more noise levels."""
    noisy = frame[frame["noise_type"].fillna("none") != "none"]
    sweeps = []
    for (protocol, noise_type, budget), rows in noisy.groupby(["protocol", "noise_type", "budget"], sort=True):
        if rows["noise_ratio"].nunique() >= 2:
            sweeps.append((protocol, noise_type, budget, rows))
    return sweeps


def sweep_changes(rows: pd.DataFrame, metric: str = "auc_pr") -> tuple:
    """Each detector's mean ``metric`` at a sweep's levels and its change from the first.

    Parameters
    ----------
    rows : pandas.DataFrame
        One sweep's fits (columns ``dataset``, ``detector``, ``seed``, ``noise_ratio``,
        ``status`` and ``metric``).
    metric : {"auc_pr", "auc_roc"}

    Returns
    -------
    means : pandas.DataFrame
        Detectors x levels: the mean over datasets of the mean over ok seeds, on the
        datasets where every detector has an ok fit at every level (empty if none).
    changes : pandas.DataFrame
        ``means`` minus its first column, without the first column.
    datasets : list of str
        The datasets behind the means.
    """
    _check_metric(metric)
    levels = sorted(set(rows["noise_ratio"].astype(float)))
    ok = rows[rows["status"] == "ok"]
    per_dataset = ok.groupby(["detector", "noise_ratio", "dataset"])[metric].mean().unstack("dataset")
    detectors = _ordered(rows["detector"])
    index = pd.MultiIndex.from_product([detectors, levels], names=["detector", "noise_ratio"])
    per_dataset = per_dataset.reindex(index)
    datasets = [d for d in _ordered(rows["dataset"])
                if d in per_dataset.columns and per_dataset[d].notna().all()]
    if not datasets:
        empty = pd.DataFrame(index=detectors)
        return empty, empty, []
    means = per_dataset[datasets].mean(axis=1).unstack("noise_ratio").reindex(detectors)[levels]
    changes = means.sub(means[levels[0]], axis=0).drop(columns=levels[0])
    return means, changes, datasets


def _level(value: float) -> str:
    return f"{value:g}"


def robustness_markdown(frame: pd.DataFrame, metric: str = "auc_pr") -> str:
    """One markdown table per robustness sweep of ``frame``; '' when it has none.

    Rows are the sweep's detectors; the first column is the mean at the sweep's first
    level, the others the change from it (**bold**: the largest change of the column, the
    smallest drop).
    """
    sweeps = noise_sweeps(frame)
    if not sweeps:
        return ""
    name = METRICS.get(metric, metric)
    out = ["## Robustness: change from the first noise level", "",
           f"Mean {name} over datasets at each sweep's first level, then its change from there at "
           "every other level (the same datasets and seeds for every cell: those where every "
           "detector of the sweep has a result at every level). **Bold**: the largest change "
           "of the column, i.e. the smallest drop."]
    for protocol, noise_type, budget, rows in sweeps:
        means, changes, datasets = sweep_changes(rows, metric)
        out += ["", f"### {noise_type}, {protocol}, budget {budget}", ""]
        if not datasets:
            out.append("No dataset has a result for every detector at every level.")
            continue
        levels = list(means.columns)
        header = ([f"{name} at {_level(levels[0])}"]
                  + [f"change at {_level(v)}" for v in levels[1:]])
        out += [f"{len(datasets)} datasets: {', '.join(datasets)}.", "",
                "| detector | " + " | ".join(header) + " |",
                "|---|" + "---:|" * len(header)]
        best = changes.max(axis=0)
        for detector in means.index:
            cells = [f"{means.loc[detector, levels[0]]:.3f}"]
            for level in levels[1:]:
                value = changes.loc[detector, level]
                text = f"{value:+.3f}"
                cells.append(f"**{text}**" if value == best[level] else text)
            out.append(f"| {detector} | " + " | ".join(cells) + " |")
    return "\n".join(out)
