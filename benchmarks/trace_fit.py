"""Trace one DASAD fit epoch by epoch: why does a run end where it ends? (issue #4)

After every epoch the raw network (not the weight average) scores the test rows and the
training rows, and the trace records the test AUC-PR, the AUC-PR of the anomalies hidden
in the unlabelled training rows against the other unlabelled rows, the median score of
the labelled anomalies and the 50/90/99% quantiles of the unlabelled rows' scores, next
to the epoch's losses. The test labels are read for this diagnosis only: nothing of the
fit depends on them, and scoring draws no random numbers, so the traced fit ends with the
same scores as an untraced one (the script checks it against a second, plain fit with
``--check``).

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/trace_fit.py satellite --protocol devnet \\
        --seed 1 --out benchmarks/results/trace_satellite_devnet_1.json
"""
import argparse
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def make_split(dataset, protocol, seed, la=0.1, contamination=0.02, data_dir=None):
    """The leaderboard's split of ``dataset`` (DevNet protocol: 30 labels, 15 for arrhythmia)."""
    from adbench_runs.datasets import load_dataset
    from adbench_runs.protocols import adbench_split, default_n_labelled, devnet_split

    ds = load_dataset(dataset, data_dir)
    if protocol == "devnet":
        return devnet_split(ds.X, ds.y, seed, n_labelled=default_n_labelled(dataset),
                            contamination=contamination)
    return adbench_split(ds.X, ds.y, seed, la)


class _EpochTrace(list):
    """The trainer's ``history`` list; each appended epoch record gets the trace's figures."""

    def __init__(self, trainer, split):
        super().__init__()
        self.trainer, self.split = trainer, split

    def append(self, record):
        import torch
        from sklearn.metrics import average_precision_score

        from pyod_dasad.trainer import infer

        t, sp = self.trainer, self.split
        was_training = t.net.training
        t.net.eval()
        with torch.no_grad():
            test = infer(t.net, sp.X_test, t.transform, t.device, 4096, outputs=("score",))["score"]
            train = infer(t.net, sp.X_train, t.transform, t.device, 4096, outputs=("score",))["score"]
        t.net.train(was_training)
        unlabelled = sp.y_train == 0
        hidden = sp.y_train_true[unlabelled] == 1
        record = dict(record)
        record.update(
            test_auc_pr=float(average_precision_score(sp.y_test, test)),
            hidden_auc_pr=float(average_precision_score(hidden, train[unlabelled])) if hidden.any() else None,
            labelled_median=float(np.median(train[sp.y_train == 1])),
            unlabelled_quantiles=[float(q) for q in np.quantile(train[unlabelled], [0.5, 0.9, 0.99])])
        super().append({k: (float(v) if isinstance(v, np.floating) else v) for k, v in record.items()})


def patch_history(make_history):
    """Give every new trainer ``make_history(trainer)`` as its ``history`` (a list whose
    ``append`` the training loop calls once per epoch); returns the original
    ``Trainer.__init__``, for the caller to put back."""
    import pyod_dasad.trainer as trainer_module

    original = trainer_module.Trainer.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.history = make_history(self)

    trainer_module.Trainer.__init__ = init
    return original


def trace(split, seed, params=None):
    """Fit DASAD(random_state=seed, **params) on ``split`` with the epoch trace; returns
    (fitted model, list of epoch records)."""
    import pyod_dasad.trainer as trainer_module
    from pyod_dasad import DASAD

    box = {}

    def make_history(trainer):
        box["trace"] = _EpochTrace(trainer, split)
        return box["trace"]

    original = patch_history(make_history)
    try:
        model = DASAD(random_state=seed, **(params or {})).fit(split.X_train, split.y_train)
    finally:
        trainer_module.Trainer.__init__ = original
    return model, list(box["trace"])


def main(argv=None):
    from sklearn.metrics import average_precision_score

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset")
    ap.add_argument("--protocol", choices=("adbench", "devnet"), default="devnet")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--la", type=float, default=0.1)
    ap.add_argument("--params", type=json.loads, default={}, help="DASAD params as a JSON object")
    ap.add_argument("--check", action="store_true", help="also fit without the trace and compare the scores")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", default=None, help="JSON file for the trace")
    args = ap.parse_args(argv)
    split = make_split(args.dataset, args.protocol, args.seed, args.la, data_dir=args.data_dir)
    model, epochs = trace(split, args.seed, args.params)
    scores = model.decision_function(split.X_test)
    if args.check:
        from pyod_dasad import DASAD

        plain = DASAD(random_state=args.seed, **args.params).fit(split.X_train, split.y_train)
        if not np.array_equal(plain.decision_function(split.X_test), scores):
            raise SystemExit("the traced fit's scores differ from a plain fit's")
    unlabelled = split.y_train == 0
    result = {"command": "python benchmarks/trace_fit.py " + " ".join(sys.argv[1:] if argv is None else argv),
              "dataset": args.dataset, "protocol": args.protocol, "seed": args.seed, "params": args.params,
              "n_labelled": int(split.y_train.sum()), "n_unlabelled": int(unlabelled.sum()),
              "true_hidden_share": float(np.mean(split.y_train_true[unlabelled])),
              "hidden_anomaly_share": model.hidden_anomaly_share_,
              "first_refresh": model.pseudo_label_history_[0] if model.pseudo_label_history_ else None,
              "test_auc_pr": float(average_precision_score(split.y_test, scores)), "epochs": epochs}
    print("%s %s seed %d: test AUC-PR %.3f, hidden share estimated %s (truth %.3f), first refresh %s" % (
        args.dataset, args.protocol, args.seed, result["test_auc_pr"], result["hidden_anomaly_share"],
        result["true_hidden_share"], result["first_refresh"]))
    print("epoch  loss   test AUC-PR  hidden AUC-PR  labelled median  unlabelled q50 / q90 / q99")
    for e in epochs:
        print("%5d  %.3f  %.3f        %s          %6.2f           %s" % (
            e["epoch"], e["loss"], e["test_auc_pr"],
            "%.3f" % e["hidden_auc_pr"] if e["hidden_auc_pr"] is not None else "  -  ",
            e["labelled_median"], " / ".join("%.2f" % q for q in e["unlabelled_quantiles"])))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
