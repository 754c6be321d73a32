"""Where one detector stands against its peers: margins, ranks and losses per setting.

The leaderboard (:mod:`adbench_runs.report`) lists every detector; this module answers the
question a method's author asks of it: in each setting (protocol, label budget, noise), how
far is the *focus* detector (DASAD by default) above or below the best *other* detector of
its group (the semi-supervised ones), what is its average rank among them, how does it
compare with the best gradient-boosted trees, and on which datasets does it lose.

Rules, the same in every table:

* a dataset counts when the focus detector succeeded on every seed of it;
* a rival's mean is over those datasets; a rival that failed (or was not run) on any seed of
  any of them has no mean: it is listed under "left out" with the number of datasets it
  misses, never silently averaged over fewer datasets;
* means are over seeds first (per dataset), then over datasets;
* the average rank is over the same datasets, among the focus detector and the rivals that
  have a mean (ties share the average rank; 1 is best);
* a variant of the focus detector, named after it and a hyphen (``DASAD-Ensemble`` for
  ``DASAD``), is not a rival.

Examples
--------
>>> from adbench_runs.report import load_results                      # doctest: +SKIP
>>> from adbench_runs.standings import standings, standings_markdown  # doctest: +SKIP
>>> frame = load_results("adbench_runs/results/paper_adbench/results.db")  # doctest: +SKIP
>>> print(standings_markdown(frame, focus="DASAD"))                   # doctest: +SKIP
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["GBDTS", "detector_group", "is_variant", "losses", "standings", "standings_markdown"]

#: The fully supervised gradient-boosted trees a semi-supervised method is held against.
GBDTS = ("LightGBM", "XGBoost", "CatBoost")
_LEGACY_PREFIX = "ADBench-"


def detector_group(name: str) -> str:
    """``unsupervised``, ``semi-supervised`` or ``supervised`` for a detector name of the
    registry or of ADBench's legacy baselines (semi-supervised); ``unknown`` otherwise."""
    from .detectors import DETECTORS  # noqa: PLC0415 - cheap: specs only, no detector packages
    from .legacy_baselines import LEGACY_BASELINES  # noqa: PLC0415

    if name in DETECTORS:
        return DETECTORS[name].group
    if name in LEGACY_BASELINES or name.startswith(_LEGACY_PREFIX):
        return "semi-supervised"
    return "unknown"


def is_variant(name: str, focus: str) -> bool:
    """True for a variant of the focus detector (``DASAD-Ensemble`` for ``DASAD``): a detector
    named after it and a hyphen. Variants are listed in the leaderboard but are not rivals."""
    return name.startswith(focus + "-")


def _per_dataset(sub: pd.DataFrame) -> tuple:
    """(auc_pr, auc_roc, complete): dataset x detector means over ok seeds of both metrics, and
    whether every seed of the cell succeeded."""
    ok = sub[sub["status"] == "ok"]
    pr, roc = (ok.pivot_table(index="dataset", columns="detector", values=m, aggfunc="mean")
               for m in ("auc_pr", "auc_roc"))
    seeds = sub.groupby("dataset")["seed"].nunique()
    ok_seeds = ok.groupby(["dataset", "detector"])["seed"].nunique().unstack()
    complete = ok_seeds.reindex(index=pr.index, columns=pr.columns).eq(seeds.reindex(pr.index), axis=0)
    return pr, roc, complete


def _setting_frames(frame: pd.DataFrame):
    """(label, rows) per setting, as in the leaderboard, except that the DevNet protocol's
    budgets are one setting: its label count is per dataset (15 for arrhythmia, else 30)."""
    from .report import _budget_label, _setting_rows, _settings, load_results  # noqa: PLC0415

    if "setting" not in frame.columns:
        frame = load_results(frame)
    done = set()
    for setting in _settings(frame):
        merge = setting.protocol == "devnet"
        key = (setting.protocol, setting.noise_type, setting.noise_ratio) + (() if merge else (setting.budget,))
        if key in done:
            continue
        done.add(key)
        sub = _setting_rows(frame, setting, by_budget=not merge)
        budgets = sorted(set(sub["budget"]), key=float)
        if len(budgets) == 1:
            yield setting.setting, sub
            continue
        label = f"{setting.protocol}, " + " or ".join(_budget_label(setting.protocol, b) for b in budgets)
        if setting.noise_type and setting.noise_type != "none":
            label += f", {setting.noise_type}={float(setting.noise_ratio):g}"
        yield label + " (per dataset)", sub


def _focus_block(sub: pd.DataFrame, focus: str, group: str):
    """The datasets of a setting on which ``focus`` is complete, the rivals with a mean over all
    of them, the rivals left out (name -> datasets missed) and the per-dataset means."""
    pr, roc, complete = _per_dataset(sub)
    if focus not in pr.columns:
        return None
    datasets = [d for d in pr.index if bool(complete.at[d, focus])]
    if not datasets:
        return None
    rivals, left_out = [], {}
    for name in sorted(set(sub["detector"]) - {focus}):
        if detector_group(name) != group or is_variant(name, focus):
            continue
        ok = complete[name].reindex(datasets).fillna(False).astype(bool) if name in complete.columns else \
            pd.Series(False, index=datasets)
        if ok.all():
            rivals.append(name)
        else:
            left_out[name] = int((~ok).sum())
    return datasets, rivals, left_out, pr.loc[datasets], roc.loc[datasets], complete.loc[datasets]


def _blocks(frame: pd.DataFrame, focus: str, group: str):
    """(setting label, :func:`_focus_block`) for each setting in which ``focus`` has results."""
    for label, sub in _setting_frames(frame):
        block = _focus_block(sub, focus, group)
        if block is not None:
            yield label, block


def _standing_row(label: str, block: tuple, focus: str) -> dict:
    """The :func:`standings` row of one setting's :func:`_focus_block`."""
    datasets, rivals, left_out, pr, roc, complete = block
    row = {"setting": label, "n_datasets": len(datasets),
           "focus_auc_pr": pr[focus].mean(), "focus_auc_roc": roc[focus].mean()}
    for metric, table in (("auc_pr", pr), ("auc_roc", roc)):
        means = table[rivals].mean() if rivals else pd.Series(dtype=float)
        best = means.idxmax() if len(means) else None
        row[f"best_{metric}_rival"] = best
        row[f"best_rival_{metric}"] = means[best] if best else np.nan
        row[f"margin_{metric}"] = row[f"focus_{metric}"] - means[best] if best else np.nan
    ranks = pr[[focus] + rivals].rank(axis=1, ascending=False, method="average").mean()
    row.update(focus_rank=ranks[focus], n_ranked=len(rivals) + 1, best_ranked=ranks.idxmin(),
               best_rank=ranks.min())
    gbdts = [g for g in GBDTS if g in complete.columns and bool(complete[g].fillna(False).all())]
    gbdt_means = pr[gbdts].mean() if gbdts else pd.Series(dtype=float)
    best_gbdt = gbdt_means.idxmax() if len(gbdt_means) else None
    row.update(best_gbdt=best_gbdt, best_gbdt_auc_pr=gbdt_means[best_gbdt] if best_gbdt else np.nan,
               margin_over_gbdt=row["focus_auc_pr"] - gbdt_means[best_gbdt] if best_gbdt else np.nan,
               left_out=", ".join(f"{k} ({v})" for k, v in left_out.items()))
    return row


def _loss_rows(label: str, block: tuple, focus: str, group: str) -> list:
    """The :func:`losses` rows of one setting's :func:`_focus_block`."""
    datasets, _, _, pr, _, complete = block
    others = [d for d in pr.columns if d != focus and detector_group(d) == group and not is_variant(d, focus)]
    rows = []
    for dataset in datasets:
        cands = [d for d in others if bool(complete.at[dataset, d])]
        if not cands:
            continue
        best = pr.loc[dataset, cands].idxmax()
        rows.append({"setting": label, "dataset": dataset, "focus_auc_pr": pr.at[dataset, focus],
                     "best_rival": best, "best_rival_auc_pr": pr.at[dataset, best],
                     "gap": pr.at[dataset, focus] - pr.at[dataset, best]})
    return rows


def _tables(frame: pd.DataFrame, focus: str, group: str) -> tuple:
    """(:func:`standings`, :func:`losses`) from one pass over the settings."""
    standing, lost = [], []
    for label, block in _blocks(frame, focus, group):
        standing.append(_standing_row(label, block, focus))
        lost += _loss_rows(label, block, focus, group)
    lost = pd.DataFrame(lost)
    if len(lost):
        lost = lost.sort_values(["setting", "gap"], kind="stable").reset_index(drop=True)
    return pd.DataFrame(standing), lost


def standings(frame: pd.DataFrame, focus: str = "DASAD", group: str = "semi-supervised") -> pd.DataFrame:
    """One row per setting in which ``focus`` has results: its margins over the best rival.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`adbench_runs.report.load_results`.
    focus : str, default="DASAD"
        The detector whose standing is reported.
    group : str, default="semi-supervised"
        Rivals are the other detectors of this group (:func:`detector_group`).

    Returns
    -------
    pandas.DataFrame
        Columns ``setting``, ``n_datasets``, ``focus_auc_pr``, ``focus_auc_roc``,
        ``best_auc_pr_rival``, ``best_rival_auc_pr``, ``margin_auc_pr``, ``best_auc_roc_rival``,
        ``best_rival_auc_roc``, ``margin_auc_roc``, ``focus_rank``, ``n_ranked``,
        ``best_ranked``, ``best_rank``, ``best_gbdt``, ``best_gbdt_auc_pr``,
        ``margin_over_gbdt``, ``left_out`` (``name (k)`` for rivals without a mean, k the
        datasets they miss). Margins are focus minus rival; NaN where no rival has a mean.
    """
    return _tables(frame, focus, group)[0]


def losses(frame: pd.DataFrame, focus: str = "DASAD", group: str = "semi-supervised") -> pd.DataFrame:
    """Per setting and dataset: the focus detector's AUC-PR and the best rival's on that dataset.

    Rivals here are every other detector of ``group`` with a complete cell on the dataset.

    Returns
    -------
    pandas.DataFrame
        Columns ``setting``, ``dataset``, ``focus_auc_pr``, ``best_rival``, ``best_rival_auc_pr``,
        ``gap`` (focus minus best rival; negative is a loss), sorted by setting, then gap.
    """
    return _tables(frame, focus, group)[1]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _f(value: float, signed: bool = False) -> str:
    if _missing(value):
        return "–"
    return f"{round(value, 3) + 0.0:+.3f}" if signed else f"{value:.3f}"  # + 0.0: no "-0.000"


def _named(name, value) -> str:
    return "–" if _missing(name) else f"{name} {_f(value)}"


def standings_markdown(frame: pd.DataFrame, focus: str = "DASAD", group: str = "semi-supervised") -> str:
    """Markdown: the :func:`standings` table, then each setting's datasets where ``focus``
    is behind the best rival (from :func:`losses`). Empty string if ``focus`` has no results."""
    table, lost = _tables(frame, focus, group)
    if table.empty:
        return ""
    out = [f"## Where {focus} stands", "",
           f"Mean over datasets (AUC-ROC in brackets) of {focus} and of the best other {group} detector; "
           f"margin = {focus} minus it. Datasets: those where {focus} succeeded on every seed; a rival "
           "that failed or was not run on any of them has no mean and is listed as left out (with the "
           f"number of datasets it misses). Rank: average per-dataset AUC-PR rank among {focus} and the "
           "rivals with a mean.", "",
           f"| setting | datasets | {focus} | best other (AUC-PR) | margin AUC-PR | best other (AUC-ROC) | "
           f"margin AUC-ROC | {focus}'s rank | best rank | best GBDT (AUC-PR) | margin over GBDT | left out |",
           "|---|---:|---:|---|---:|---|---:|---:|---|---|---:|---|"]
    for r in table.itertuples(index=False):
        out.append(
            f"| {r.setting} | {r.n_datasets} | {_f(r.focus_auc_pr)} ({_f(r.focus_auc_roc)}) | "
            f"{_named(r.best_auc_pr_rival, r.best_rival_auc_pr)} | **{_f(r.margin_auc_pr, True)}** | "
            f"{_named(r.best_auc_roc_rival, r.best_rival_auc_roc)} | {_f(r.margin_auc_roc, True)} | "
            f"{r.focus_rank:.2f} of {r.n_ranked} | {r.best_ranked} {r.best_rank:.2f} | "
            f"{_named(r.best_gbdt, r.best_gbdt_auc_pr)} | {_f(r.margin_over_gbdt, True)} | {r.left_out or '–'} |")
    lost = lost[lost["gap"] < 0] if len(lost) else lost
    if len(lost):
        out += ["", f"Datasets where {focus} is behind the best other {group} detector (AUC-PR):", "",
                f"| setting | dataset | {focus} | best other | gap |", "|---|---|---:|---|---:|"]
        for r in lost.itertuples(index=False):
            out.append(f"| {r.setting} | {r.dataset} | {_f(r.focus_auc_pr)} | {r.best_rival} "
                       f"{_f(r.best_rival_auc_pr)} | {_f(r.gap, True)} |")
    return "\n".join(out)
