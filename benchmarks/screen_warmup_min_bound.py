"""Screen (issue #4): two trainer rules gated on 20+ labels, against the stored defaults.

``--rule smallest-warmup-bound`` (the default): the mixture-proportion bound as the smallest
over the warm-up's models.

The mixture-proportion rule (``pseudo_labels.auto_ratios``) takes the bound of the hidden
share from the model at the end of the warm-up. Any scoring function gives an upper bound
(Blanchard, Lee and Scott, JMLR 2010), so the smallest over the models at the end of each
warm-up epoch is a tighter one: on satellite's DevNet-protocol runs the warm-up model
drifts (``benchmarks/trace_fit.py``), and on three of them the bound at the refresh reads
0.08-0.15 where an earlier epoch's reads 0.02-0.04. This patches the trainer (nothing in the package changes):
after each warm-up epoch but the last it records the bound from the current network (all
unlabelled rows, as the first refresh does below 65,536), and at the first refresh the rule
fires when the smallest of them and the refresh's own is below ``MPE_SMALL_SHARE``. Fits
where the refresh's bound fires already are left as they are, so the only fits that change
are the newly firing ones.

``--rule uncertain-weak-normals``: with 20 or more labelled anomalies, the unlabelled rows
that a refresh leaves uncertain (weight 0) stay normals at the warm-up weight
(``warmup_weight``, 0.1), so that nothing lets them drift up; the nineteenth session's
probe of this rule without the gate lost 0.19 on cardio at la = 1% (one or two labels).

Every split with 20 or more labels of the leaderboard stores
(``screen_by_label_count.splits``), paired with the stored default.

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_warmup_min_bound.py \\
        --out benchmarks/results/screen_warmup_min_bound
    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_warmup_min_bound.py \\
        --rule uncertain-weak-normals --out benchmarks/results/screen_uncertain_weak_normals
"""
import argparse
import os
import shlex
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
from screen_by_label_count import ROOT, _read, fit_split, run_fits, splits, summary, write_report  # noqa: E402,F401
from trace_fit import patch_history  # noqa: E402

RULES = ("smallest-warmup-bound", "uncertain-weak-normals")
#: the bounds of the current fit (one fit at a time per worker process)
_STATE = {}


class _WarmupBounds(list):
    """The trainer's ``history``: after each warm-up epoch but the last, record the bound."""

    def __init__(self, trainer):
        super().__init__()
        self.trainer = trainer

    def append(self, record):
        from pyod_dasad import pseudo_labels
        from pyod_dasad.trainer import infer

        t = self.trainer
        if record["epoch"] < t.p["warmup_epochs"] - 1 and _STATE["labelled"].size >= pseudo_labels.MPE_MIN_LABELS:
            size = t.p["inference_batch_size"]
            unlabelled = infer(t.net, _STATE["X"], t.transform, t.device, size, rows=_STATE["unlabelled"],
                               outputs=("score",))["score"]
            labelled = infer(t.net, _STATE["X"], t.transform, t.device, size, rows=_STATE["labelled"],
                             outputs=("score",))["score"]
            _STATE["bounds"].append(pseudo_labels.mixture_proportion_bound(unlabelled, labelled))
        super().append(record)


def install_weak_normals():
    """Patch the trainer of this process: ``--rule uncertain-weak-normals``."""
    import pyod_dasad.trainer as trainer
    from pyod_dasad import pseudo_labels

    original = trainer.Trainer.refresh_pseudo_labels

    def refresh(self, X, unlabelled, targets, weights, has_labels):
        result = original(self, X, unlabelled, targets, weights, has_labels)
        if np.count_nonzero(targets == 1) >= pseudo_labels.MPE_MIN_LABELS:  # no pseudo-anomalies with labels
            uncertain = unlabelled[weights[unlabelled] == 0]
            targets[uncertain] = 0
            weights[uncertain] = self.warmup_weight  # the resolved warm-up weight
        return result

    trainer.Trainer.refresh_pseudo_labels = refresh


def install():
    """Patch the trainer of this process: ``--rule smallest-warmup-bound``."""
    import pyod_dasad.trainer as trainer
    from pyod_dasad import pseudo_labels

    original_fit = trainer.Trainer.fit
    patch_history(_WarmupBounds)

    def fit(self, X, y):
        _STATE.update(X=X, labelled=np.flatnonzero(y == 1), unlabelled=np.flatnonzero(y != 1), bounds=[])
        return original_fit(self, X, y)

    def ratios(scores, labelled_scores, margin=5.0, **kwargs):
        anomaly_ratio, normal_ratio, share = pseudo_labels.auto_ratios(scores, labelled_scores, margin, **kwargs)
        if len(labelled_scores) >= pseudo_labels.MPE_MIN_LABELS:
            now = pseudo_labels.mixture_proportion_bound(scores, labelled_scores)
            _STATE["bounds"].append(now)
            bound = min(_STATE["bounds"])
            if now >= pseudo_labels.MPE_SMALL_SHARE > bound:  # newly firing
                normal_ratio = float(np.clip(1.0 - 2.0 * bound, pseudo_labels.AUTO_NORMAL_MIN,
                                             pseudo_labels.MPE_NORMAL_MAX))
                share = bound
        return anomaly_ratio, normal_ratio, share

    trainer.Trainer.fit, trainer.auto_ratios = fit, ratios


def _task(args):
    import torch

    torch.set_num_threads(1)
    split, rule, data_dir = args
    (install if rule == RULES[0] else install_weak_normals)()
    result = fit_split(split, {}, data_dir)
    return dict(split, variant=rule, bounds=[round(b, 4) for b in _STATE.get("bounds", [])], **result)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rule", choices=RULES, default=RULES[0])
    ap.add_argument("--min-labels", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", required=True, help="path without suffix: OUT.jsonl and OUT.md")
    args = ap.parse_args(argv)
    todo_splits = splits(args.min_labels)
    done = {(r["dataset"], r["protocol"], r["budget"], r["seed"]) for r in _read(args.out + ".jsonl")}
    todo = [(s, args.rule, args.data_dir) for s in todo_splits if (s["dataset"], s["protocol"], s["budget"], s["seed"]) not in done]
    print("%d splits, %d fits to do" % (len(todo_splits), len(todo)), flush=True)
    run_fits(_task, todo, args.jobs, args.out + ".jsonl")
    rows = [r for r in _read(args.out + ".jsonl") if r["variant"] == args.rule]
    changed = ["| %s | %s | %s | %d | %.4f | %.4f | %s |" % (
        r["dataset"], r["protocol"], r["budget"], r["seed"], r["ref_auc_pr"], r["auc_pr"],
        " / ".join("%.3f" % b for b in r["bounds"])) for r in rows if r["auc_pr"] != r["ref_auc_pr"]]
    text = ("Rule %r on every stored split with at least %d labelled anomalies, paired with the stored "
            "default fit.\nCommand: python benchmarks/screen_warmup_min_bound.py %s\n\n%s\n"
            % (args.rule, args.min_labels, shlex.join(sys.argv[1:] if argv is None else argv), summary(rows)))
    if args.rule == RULES[0]:
        text += ("\nThe fits that changed (bounds at the end of warm-up epochs 1-4, then the first refresh's):"
                 "\n\n| dataset | protocol | budget | seed | stored AUC-PR | AUC-PR | bounds |\n"
                 "|---|---|---|---:|---:|---:|---|\n%s\n" % "\n".join(changed))
    write_report(text, args.out)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
