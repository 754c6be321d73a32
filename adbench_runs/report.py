"""Leaderboard, CSV export and plots from a results database.

The unit of a leaderboard is a *setting*: one protocol, label budget and
robustness setting (noise type and ratio). Within a setting, each cell of
the table is a (dataset, detector) pair, summarised over its seeds as
``mean ± std``.

Failed fits are never dropped silently:

* a cell whose seeds all failed shows ``failed`` / ``timeout`` (with the
  count); a cell with some failed seeds shows the mean of the others and
  ``(k/n ok)``; a fit that was never run shows ``missing``;
* ranks, wins, the critical-difference diagram and the rank box plot use
  *complete blocks* only -- datasets (or dataset-and-seed pairs for the box
  plot) on which every detector of the setting succeeded on every seed;
  the report says how many blocks that leaves and which datasets were
  excluded;
* a table of the failures (type, count, first message) follows each
  leaderboard.

Plots (matplotlib, Agg backend): a critical-difference diagram per setting
(Friedman test, then Nemenyi post-hoc test with ``scikit-posthocs``), AUC-PR
versus label budget curves, AUC-PR versus noise ratio curves for robustness
sweeps, and a box plot of per-block ranks.

Examples
--------
>>> from adbench_runs.report import load_results, write_report   # doctest: +SKIP
>>> frame = load_results("adbench_runs_results/default.db")      # doctest: +SKIP
>>> paths = write_report(frame, "report/")                       # doctest: +SKIP
"""
from __future__ import annotations

import logging
import math
import os
import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .store import ResultStore, STATUSES

logger = logging.getLogger(__name__)

__all__ = [
    "METRICS",
    "SETTING_COLUMNS",
    "complete_blocks",
    "leaderboard_markdown",
    "load_results",
    "rank_table",
    "summarise",
    "write_report",
]

#: Metric columns and their display names.
METRICS = {"auc_pr": "AUC-PR", "auc_roc": "AUC-ROC"}
#: Columns that define one leaderboard (a setting).
SETTING_COLUMNS = ("protocol", "budget", "noise_type", "noise_ratio")


# ============================================================================ loading
def load_results(source: Any) -> pd.DataFrame:
    """Results as a DataFrame, one row per fit.

    Parameters
    ----------
    source : ResultStore, str or path-like, or DataFrame
        An open store, a database path, or a frame (returned as a copy).

    Returns
    -------
    pandas.DataFrame
        The ``results`` table plus ``budget_value`` (float) and ``setting``
        (a readable label of protocol, budget and noise).
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
    elif isinstance(source, ResultStore):
        frame = source.to_frame()
    else:
        path = os.fspath(source)
        if not os.path.exists(path):
            raise FileNotFoundError(f"results database {path!r} does not exist")
        with ResultStore(path) as store:
            frame = store.to_frame()
    if frame.empty:
        return frame
    unknown = set(frame["status"]) - set(STATUSES)
    if unknown:
        raise ValueError(f"unknown statuses in results: {sorted(unknown)}")
    frame["budget_value"] = frame["budget"].astype(str).astype(float)
    frame["setting"] = [_setting_label(p, b, t, r) for p, b, t, r in
                        frame[list(SETTING_COLUMNS)].itertuples(index=False)]
    return frame


def _budget_label(protocol: str, budget: str) -> str:
    text = str(budget)
    if "." in text or "e" in text.lower():
        return f"la={float(text):g}"
    return f"{int(text)} labelled"


def _setting_label(protocol: str, budget: str, noise_type: str, noise_ratio: float) -> str:
    label = f"{protocol}, {_budget_label(protocol, budget)}"
    if noise_type and noise_type != "none":
        label += f", {noise_type}={float(noise_ratio):g}"
    return label


def _ordered(values: Any, order: list | None = None) -> list:
    seen = list(dict.fromkeys(values))
    if order:
        return [v for v in order if v in seen] + [v for v in seen if v not in order]
    return seen


def _detector_order(frame: pd.DataFrame) -> list:
    try:
        from .detectors import DETECTORS  # noqa: PLC0415

        registry = list(DETECTORS)
    except Exception:  # noqa: BLE001 - a report must not need the detector packages
        registry = []
    return _ordered(frame["detector"], registry)


# ============================================================================ summaries
def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (setting, dataset, detector): mean and std of both metrics over ok seeds.

    Returns
    -------
    pandas.DataFrame
        Columns: the setting columns, ``dataset``, ``detector``, ``n_seeds``,
        ``n_ok``, ``n_error``, ``n_timeout``, ``auc_pr_mean``, ``auc_pr_std``,
        ``auc_roc_mean``, ``auc_roc_std``, ``fit_seconds_mean``.
    """
    keys = list(SETTING_COLUMNS) + ["dataset", "detector"]
    rows = []
    for values, group in frame.groupby(keys, sort=False, dropna=False):
        ok = group[group["status"] == "ok"]
        row = dict(zip(keys, values))
        row.update(n_seeds=len(group), n_ok=len(ok), n_error=int((group["status"] == "error").sum()),
                   n_timeout=int((group["status"] == "timeout").sum()))
        for metric in list(METRICS) + ["fit_seconds"]:
            vals = ok[metric].astype(float)
            row[f"{metric}_mean"] = vals.mean() if len(vals) else np.nan
            if metric != "fit_seconds":
                row[f"{metric}_std"] = vals.std(ddof=0) if len(vals) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def complete_blocks(sub: pd.DataFrame, by: tuple = ("dataset",), leave_out: Sequence[str] = ()) -> tuple:
    """Blocks on which every ranked detector succeeded on every seed.

    A detector with no successful fit at all in ``sub`` is left out of the
    ranking (otherwise it would empty it), as are the detectors named in
    ``leave_out`` (say, one that fails on a third of the datasets and would
    otherwise take those datasets out of everyone's ranks); every other
    detector must succeed on every seed of a block for the block to count.

    Parameters
    ----------
    sub : pandas.DataFrame
        The rows of one setting.
    by : tuple of str, default=("dataset",)
        Block columns: ``("dataset",)`` or ``("dataset", "seed")``.
    leave_out : sequence of str, default=()
        Detectors kept out of the ranking whatever their results.

    Returns
    -------
    (complete, excluded, unranked) : (list, dict, list)
        Complete block keys; the other blocks mapped to the reason; the
        detectors left out (all their fits failed, or named in ``leave_out``).
    """
    rankable = set(sub.loc[sub["status"] == "ok", "detector"]) - set(leave_out)
    detectors = [d for d in _detector_order(sub) if d in rankable]
    unranked = [d for d in _detector_order(sub) if d not in detectors]
    seeds_of = sub.groupby("dataset")["seed"].agg(lambda s: set(s))
    complete, excluded = [], {}
    for block, group in sub.groupby(list(by), sort=False):
        block = block if isinstance(block, tuple) else (block,)
        label = block[0] if len(block) == 1 else block
        seeds = seeds_of[block[0]] if len(by) == 1 else {block[1]}
        expected = {(d, s) for d in detectors for s in seeds}
        ok = set(group.loc[group["status"] == "ok", ["detector", "seed"]].itertuples(index=False, name=None))
        missing = expected - ok
        if missing:
            bad = [d for d in detectors if d in {m[0] for m in missing}]
            excluded[label] = f"not complete for {', '.join(bad)}"
        else:
            complete.append(label)
    return complete, excluded, unranked


def rank_table(sub: pd.DataFrame, metric: str = "auc_pr", leave_out: Sequence[str] = ()) -> tuple:
    """Per-dataset ranks of the detectors of one setting (1 = best), complete blocks only.

    Parameters
    ----------
    sub : pandas.DataFrame
        Rows of one setting.
    metric : {"auc_pr", "auc_roc"}
    leave_out : sequence of str, default=()
        Detectors kept out of the ranking (:func:`complete_blocks`).

    Returns
    -------
    (scores, ranks, excluded, unranked) : (DataFrame, DataFrame, dict, list)
        Mean metric over seeds (complete datasets x ranked detectors), its
        ranks (ties get the average rank), the excluded datasets with the
        reason, and the detectors left out (all fits failed, or ``leave_out``).
    """
    _check_metric(metric)
    complete, excluded, unranked = complete_blocks(sub, ("dataset",), leave_out)
    ok = sub[(sub["status"] == "ok") & sub["dataset"].isin(complete) & ~sub["detector"].isin(unranked)]
    scores = ok.pivot_table(index="dataset", columns="detector", values=metric, aggfunc="mean")
    scores = scores.reindex(columns=[d for d in _detector_order(sub) if d in scores.columns])
    ranks = scores.rank(axis=1, ascending=False, method="average")
    return scores, ranks, excluded, unranked


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")


def _settings(frame: pd.DataFrame) -> list:
    """Settings in a stable order: protocol, noise, then budget value."""
    cols = list(SETTING_COLUMNS)
    settings = frame[cols + ["budget_value", "setting"]].drop_duplicates()
    settings = settings.sort_values(["protocol", "noise_type", "noise_ratio", "budget_value"])
    return list(settings.itertuples(index=False))


def _setting_rows(frame: pd.DataFrame, setting: Any, by_budget: bool = True) -> pd.DataFrame:
    """The rows of one setting (an item of :func:`_settings`); with ``by_budget=False``
    those of every budget of its protocol and noise setting."""
    rows = ((frame["protocol"] == setting.protocol) & (frame["noise_type"] == setting.noise_type)
            & (frame["noise_ratio"] == setting.noise_ratio))
    if by_budget:
        rows &= frame["budget"] == setting.budget
    return frame[rows]


def _cell_text(group: pd.DataFrame, metric: str) -> tuple:
    """(text, mean or nan) of one dataset x detector cell."""
    n = len(group)
    ok = group.loc[group["status"] == "ok", metric].astype(float)
    if len(ok) == 0:
        statuses = group["status"].value_counts()
        worst = "timeout" if statuses.get("timeout", 0) >= statuses.get("error", 0) else "failed"
        return f"{worst} ({n - len(ok)}/{n})", np.nan
    text = f"{ok.mean():.3f} ± {ok.std(ddof=0):.3f}"
    if len(ok) < n:
        text += f" ({len(ok)}/{n} ok)"
    return text, ok.mean()


def _table_markdown(sub: pd.DataFrame, metric: str, detectors: list, datasets: list,
                    ranks: pd.DataFrame, wins: pd.Series) -> str:
    """One row per detector, best average rank first (unranked detectors last, in registry
    order); one column per dataset, then the mean over the datasets (only with a mean on
    every one), the average rank and the wins. A leaderboard has more detectors than
    datasets, so this keeps the table as narrow as the datasets."""
    cells, means = {}, {}
    for (detector, dataset), group in sub.groupby(["detector", "dataset"], sort=False):
        cells[detector, dataset], means[detector, dataset] = _cell_text(group, metric)
    best = {}
    for dataset in datasets:
        finite = [means[d, dataset] for d in detectors if not math.isnan(means.get((d, dataset), np.nan))]
        best[dataset] = max(finite) if finite else None
    avg = ranks.mean(axis=0) if not ranks.empty else pd.Series(dtype=float)
    position = {d: i for i, d in enumerate(detectors)}
    order = sorted(detectors, key=lambda d: (d not in avg.index, avg.get(d, 0.0), position[d]))
    header = ["detector"] + datasets + ["mean", "average rank", "wins"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + [":---:"] * (len(header) - 1)) + "|"]
    for detector in order:
        row = [detector]
        for dataset in datasets:
            text, mean = cells.get((detector, dataset), "missing"), means.get((detector, dataset), np.nan)
            row.append(f"**{text}**" if best[dataset] is not None and not math.isnan(mean) and mean == best[dataset]
                       else text)
        values = [means.get((detector, dataset), np.nan) for dataset in datasets]
        row.append(f"{np.mean(values):.3f}" if not any(math.isnan(v) for v in values) else "–")
        row.append(f"{avg[detector]:.2f}" if detector in avg.index else "–")
        row.append(str(int(wins[detector])) if detector in wins.index else "–")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _failures_markdown(sub: pd.DataFrame) -> str:
    failed = sub[sub["status"] != "ok"]
    if failed.empty:
        return ""
    lines = ["Failed fits:", "", "| detector | dataset | status | error type | fits | first message |",
             "|---|---|---|---|---:|---|"]
    for (detector, dataset, status, etype), group in failed.groupby(
            ["detector", "dataset", "status", failed["error_type"].fillna("")], sort=True):
        message = str(group["error"].dropna().iloc[0]) if group["error"].notna().any() else ""
        message = re.sub(r"\s+", " ", message).replace("|", "\\|")
        if len(message) > 120:
            message = message[:117] + "..."
        lines.append(f"| {detector} | {dataset} | {status} | {etype} | {len(group)} | {message} |")
    return "\n".join(lines)


def _wins(scores: pd.DataFrame) -> pd.Series:
    """Datasets on which each detector has the best mean (ties: a win for each)."""
    if scores.empty:
        return pd.Series(dtype=int)
    best = scores.max(axis=1)
    return scores.eq(best, axis=0).sum(axis=0).astype(int)


def leaderboard_markdown(frame: pd.DataFrame, metric: str = "auc_pr", intro: str = "",
                         leave_out: Sequence[str] = ()) -> str:
    """The markdown leaderboard: one section per setting, AUC-PR and AUC-ROC tables.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`load_results`.
    metric : {"auc_pr", "auc_roc"}, default="auc_pr"
        Listed first.
    intro : str, default=""
        Markdown placed after the title and its note, before the first setting.
    leave_out : sequence of str, default=()
        Detectors shown in the tables but kept out of the ranks and wins.

    Returns
    -------
    str
    """
    _check_metric(metric)
    if frame.empty:
        return "No results."
    if "setting" not in frame.columns:
        frame = load_results(frame)
    metrics = [metric] + [m for m in METRICS if m != metric]
    out = ["# Leaderboard", "",
           (f"{len(frame)} fits: " + ", ".join(f"{int((frame['status'] == s).sum())} {s}" for s in STATUSES)
            + ". One row per detector, best average rank first; cells: mean ± std over seeds "
              "(population std); **bold** = best mean of the dataset's column; mean = over the "
              "datasets. Average rank and wins use complete datasets only (every detector succeeded "
              "on every seed); `failed`/`timeout` cells give failed/total seeds.")]
    if intro:
        out += ["", intro]
    for setting in _settings(frame):
        sub = _setting_rows(frame, setting)
        detectors = _detector_order(sub)
        datasets = _ordered(sub["dataset"])
        seeds = sorted(set(sub["seed"]))
        out += ["", f"## {setting.setting}", "",
                f"{len(datasets)} datasets, {len(detectors)} detectors, seeds {', '.join(map(str, seeds))}."]
        for m in metrics:
            scores, ranks, excluded, unranked = rank_table(sub, m, leave_out)
            out += ["", f"### {METRICS[m]}", "",
                    _table_markdown(sub, m, detectors, datasets, ranks, _wins(scores))]
            if m == metric:
                note = f"Ranks on {len(ranks)} of {len(datasets)} datasets (complete blocks)"
                if excluded:
                    note += "; excluded: " + "; ".join(f"{k} ({v})" for k, v in excluded.items())
                failed_all = [d for d in unranked if d not in leave_out]
                chosen = [d for d in unranked if d in leave_out]
                if failed_all:
                    note += f"; not ranked (every fit failed): {', '.join(failed_all)}"
                if chosen:
                    note += f"; not ranked (left out by the report's --leave-out): {', '.join(chosen)}"
                out += ["", note + "."]
        failures = _failures_markdown(sub)
        if failures:
            out += ["", failures]
    return "\n".join(out)


# ============================================================================ plots
def _pyplot():
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "_", text).strip("_")


def plot_cd_diagram(sub: pd.DataFrame, path: str | os.PathLike, metric: str = "auc_pr",
                    alpha: float = 0.05, leave_out: Sequence[str] = ()) -> Path | None:
    """Critical-difference diagram of one setting (Friedman, then Nemenyi).

    Uses the complete datasets of the setting as blocks. Needs at least three
    detectors and two complete datasets; returns None (and logs why) otherwise.
    """
    import scikit_posthocs as sp  # noqa: PLC0415
    from scipy.stats import friedmanchisquare  # noqa: PLC0415

    scores, ranks, excluded, unranked = rank_table(sub, metric, leave_out)
    if scores.shape[1] < 3 or scores.shape[0] < 2:
        logger.info("no CD diagram for %s: %d detectors, %d complete datasets (need 3 and 2)",
                    sub["setting"].iloc[0], scores.shape[1], scores.shape[0])
        return None
    stat, p_friedman = friedmanchisquare(*[scores[c].to_numpy() for c in scores.columns])
    pvalues = sp.posthoc_nemenyi_friedman(scores.to_numpy())
    pvalues.index = pvalues.columns = scores.columns
    avg = ranks.mean(axis=0).sort_values()
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 2.2 + 0.3 * len(avg)))
    artists = sp.critical_difference_diagram(avg, pvalues, ax=ax, alpha=alpha,
                                             label_fmt_left="{label} ({rank:.2f})  ",
                                             label_fmt_right="  ({rank:.2f}) {label}")
    _sort_crossbars(artists)
    verdict = "significant" if p_friedman < alpha else "not significant"
    lines = [f"{METRICS[metric]} average rank (1 = best), {sub['setting'].iloc[0]}",
             f"Friedman p = {p_friedman:.3g} ({verdict} at α = {alpha:g}) on {len(scores)} complete datasets"
             + (f" ({len(excluded)} excluded)" if excluded else ""),
             "bars join detectors that Nemenyi's test does not separate"]
    if unranked:
        lines.append(f"not ranked (all fits failed, or left out): {', '.join(unranked)}")
    ax.set_title("\n".join(lines), fontsize=8.5)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return Path(path)


def _sort_crossbars(artists: Any) -> None:
    """Draw each crossbar of a CD diagram left to right.

    scikit-posthocs plots a crossbar through its detectors in the iteration order of a
    ``set`` of names, which follows Python's per-process string hashing: the same results
    gave PNGs that differed in a thousand anti-aliased pixels from one run to the next, and
    every regenerated report rewrote every diagram. Sorting each bar's points by rank makes
    the file a function of the results. (The bars' levels are already deterministic.)
    """
    if not isinstance(artists, dict):  # older scikit-posthocs returned nothing
        return
    for lines in artists.get("crossbars", ()):
        for line in (lines if isinstance(lines, (list, tuple)) else [lines]):
            x, y = line.get_xdata(), line.get_ydata()
            order = np.argsort(np.asarray(x, dtype=float), kind="stable")
            line.set_data(np.asarray(x)[order], np.asarray(y)[order])


def plot_rank_boxplot(sub: pd.DataFrame, path: str | os.PathLike, metric: str = "auc_pr",
                      leave_out: Sequence[str] = ()) -> Path | None:
    """Box plot of each detector's rank over complete (dataset, seed) blocks of one setting."""
    complete, _, unranked = complete_blocks(sub, ("dataset", "seed"), leave_out)
    sub = sub[~sub["detector"].isin(unranked)]
    if not complete or sub["detector"].nunique() < 2:
        logger.info("no rank box plot for %s: %d complete blocks", sub["setting"].iloc[0], len(complete))
        return None
    ok = sub[sub["status"] == "ok"].set_index(["dataset", "seed"])
    ok = ok[ok.index.isin(complete)].reset_index()
    table = ok.pivot_table(index=["dataset", "seed"], columns="detector", values=metric, aggfunc="mean")
    ranks = table.rank(axis=1, ascending=False, method="average")
    order = ranks.mean(axis=0).sort_values().index.tolist()
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(5.0, 0.9 * len(order) + 1.5), 4.2))
    ax.boxplot([ranks[d].to_numpy() for d in order], showmeans=True, widths=0.6,
               meanprops={"marker": "D", "markerfacecolor": "white", "markeredgecolor": "black",
                          "markersize": 5})
    ax.set_xticks(range(1, len(order) + 1), order, rotation=30, ha="right")
    ax.set_ylabel(f"rank by {METRICS[metric]} (1 = best)")
    ax.set_ylim(len(order) + 0.5, 0.5)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(f"Ranks over {len(table)} complete dataset × seed blocks, {sub['setting'].iloc[0]}\n"
                 "(box: quartiles, line: median, diamond: mean)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return Path(path)


def plot_curves(sub: pd.DataFrame, path: str | os.PathLike, x: str, metric: str = "auc_pr",
                xlabel: str | None = None, title: str = "") -> Path | None:
    """Metric versus ``x`` (label budget or noise ratio): one panel per dataset, plus the mean.

    Lines are the mean over ok seeds, bands ± one std. A point whose seeds all
    failed is left out of its line and marked with an ``x`` at the bottom of
    the panel; the "mean over datasets" panel uses, at each ``x``, only the
    datasets where every detector has a value.
    """
    if sub[x].nunique() < 2:
        return None
    plt = _pyplot()
    detectors = _detector_order(sub)
    datasets = _ordered(sub["dataset"])
    ok = sub[sub["status"] == "ok"]
    stats = ok.groupby(["dataset", "detector", x])[metric].agg(["mean", "std"]).reset_index()
    n_panels = len(datasets) + 1
    ncols = min(3, n_panels)
    nrows = math.ceil(n_panels / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.3 * nrows), squeeze=False, sharex=True)
    colors = plt.get_cmap("tab10" if len(detectors) <= 10 else "tab20").colors
    xs_all = sorted(set(sub[x]))
    for i, dataset in enumerate(["mean over datasets"] + datasets):
        ax = axes[i // ncols][i % ncols]
        for j, detector in enumerate(detectors):
            color = colors[j % len(colors)]
            if i == 0:
                table = stats.pivot_table(index=[x, "dataset"], columns="detector", values="mean")
                full = table.dropna(axis=0, how="any")
                if detector not in full.columns:
                    ax.plot([], [], marker="x", ls="none", color=color, label=f"{detector} (no results)")
                    continue
                line = full[detector].groupby(level=0).mean()
                ax.plot(line.index, line.to_numpy(), marker="o", ms=3.5, color=color, label=detector)
                continue
            s = stats[(stats["dataset"] == dataset) & (stats["detector"] == detector)].sort_values(x)
            ax.plot(s[x], s["mean"], marker="o", ms=3.5, color=color, label=detector)
            std = s["std"].fillna(0.0)
            ax.fill_between(s[x], s["mean"] - std, s["mean"] + std, color=color, alpha=0.12, linewidth=0)
            tried = sub[(sub["dataset"] == dataset) & (sub["detector"] == detector)]
            failed = sorted(set(tried[x]) - set(s[x]))
            if failed:
                ax.scatter(failed, [0.0] * len(failed), marker="x", color=color, clip_on=False, zorder=5)
        ax.set_title(dataset, fontsize=9)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        if len(xs_all) > 2 and min(xs_all) > 0 and max(xs_all) / min(xs_all) >= 20:
            ax.set_xscale("log")
        if i % ncols == 0:
            ax.set_ylabel(METRICS[metric])
    for k in range(n_panels, nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(xlabel or x)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), fontsize=8, frameon=False)
    fig.suptitle(title + "\n(mean ± std over seeds; x at the bottom: all seeds failed)", fontsize=10)
    fig.tight_layout(rect=(0, 0.06 + 0.02 * (len(labels) > 6), 1, 1))
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return Path(path)


# ============================================================================ the report
#: Columns of the results store left out of ``results.csv`` (JSON provenance, tracebacks).
CSV_OMITTED = ("traceback", "params", "versions", "host", "split_meta")


def write_report(frame: pd.DataFrame, out_dir: str | os.PathLike, metric: str = "auc_pr",
                 focus: str | None = "DASAD", leave_out: Sequence[str] = ()) -> dict:
    """Write ``report.md``, ``results.csv``, ``summary.csv`` and PNG plots to ``out_dir``.

    ``report.md`` is the leaderboard, then for robustness sweeps each detector's change from
    the first noise level (:func:`adbench_runs.robustness.robustness_markdown`), then the plots.

    ``results.csv`` has one row per fit without the store's provenance columns
    (:data:`CSV_OMITTED`); the database keeps them.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`load_results`.
    out_dir : str or path-like
        Created if missing; files in it are overwritten.
    metric : {"auc_pr", "auc_roc"}, default="auc_pr"
        Metric of the ranks, CD diagrams and curves.
    focus : str or None, default="DASAD"
        When this detector has results, ``report.md`` opens with its standing against the
        other detectors of its group (:func:`adbench_runs.standings.standings_markdown`).
    leave_out : sequence of str, default=()
        Detectors shown in the tables but kept out of ranks, wins, CD diagrams and rank box
        plots (:func:`complete_blocks`); the report says which.

    Returns
    -------
    dict
        ``markdown``, ``results_csv``, ``summary_csv`` and ``plots`` (list of paths).
    """
    _check_metric(metric)
    if frame.empty:
        raise ValueError("no results to report")
    if "setting" not in frame.columns:
        frame = load_results(frame)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results_csv = out / "results.csv"
    # one row per fit with its metrics, counts and error; the provenance blobs (traceback,
    # params, versions, host, split_meta) stay in the database, where they are queryable
    frame.drop(columns=["setting"] + [c for c in CSV_OMITTED if c in frame.columns]).to_csv(results_csv, index=False)
    summary_csv = out / "summary.csv"
    summarise(frame).to_csv(summary_csv, index=False)

    plots: list = []
    sections = ["", "# Plots", ""]
    for setting in _settings(frame):
        sub = _setting_rows(frame, setting)
        stem = _slug(setting.setting)
        for kind, func in (("cd", plot_cd_diagram), ("ranks", plot_rank_boxplot)):
            path = func(sub, out / f"{kind}_{stem}.png", metric=metric, leave_out=leave_out)
            if path is not None:
                plots.append(path)
                what = "Critical-difference diagram" if kind == "cd" else "Rank box plot"
                sections += [f"{what}, {setting.setting}:", "", f"![{what}]({path.name})", ""]
    # curves over label budgets (per protocol, noise setting and budget kind)
    for (protocol, noise_type, noise_ratio, kind), sub in frame.groupby(
            ["protocol", "noise_type", "noise_ratio", "budget_kind"], sort=True):
        noise = "" if noise_type == "none" else f", {noise_type}={noise_ratio:g}"
        name = f"budget_{_slug(protocol + noise)}_{kind}.png"
        xlabel = "labelled anomaly ratio (la)" if kind == "ratio" else "labelled anomalies"
        path = plot_curves(sub, out / name, "budget_value", metric, xlabel,
                           f"{METRICS[metric]} vs label budget, {protocol}{noise}")
        if path is not None:
            plots.append(path)
            sections += [f"{METRICS[metric]} vs label budget, {protocol}{noise}:", "", f"![budget]({name})", ""]
    # robustness curves over noise ratios
    for (protocol, noise_type, budget), sub in frame[frame["noise_type"] != "none"].groupby(
            ["protocol", "noise_type", "budget"], sort=True):
        label = _budget_label(protocol, budget)
        name = f"noise_{_slug(f'{protocol}_{noise_type}_{label}')}.png"
        xlabel = "duplicate times" if noise_type == "duplicated_anomalies" else f"{noise_type} ratio"
        path = plot_curves(sub, out / name, "noise_ratio", metric, xlabel,
                           f"{METRICS[metric]} vs {noise_type}, {protocol}, {label}")
        if path is not None:
            plots.append(path)
            sections += [f"{METRICS[metric]} vs {noise_type}, {protocol}, {label}:", "", f"![noise]({name})", ""]
    if not plots:
        sections += ["No plots: the settings have too few detectors, complete datasets or budgets.", ""]

    markdown = out / "report.md"
    standing = ""
    if focus:
        from .standings import standings_markdown  # noqa: PLC0415

        standing = standings_markdown(frame, focus)
    from .robustness import robustness_markdown  # noqa: PLC0415

    robustness = robustness_markdown(frame, metric)
    markdown.write_text(leaderboard_markdown(frame, metric, intro=standing, leave_out=leave_out) + "\n"
                        + ("\n" + robustness + "\n" if robustness else "")
                        + "\n".join(sections)
                        + "\nCSV: [results.csv](results.csv) (one row per fit), "
                          "[summary.csv](summary.csv) (mean/std per dataset and detector).\n",
                        encoding="utf-8")
    logger.info("report written to %s (%d plots)", out, len(plots))
    return {"markdown": markdown, "results_csv": results_csv, "summary_csv": summary_csv, "plots": plots}
