"""Screen (issue #4, not a default): pseudo-labels from the weight average ("mean teacher").

DASAD refreshes its pseudo-labels once per epoch from the training network, whose ranking
swings from epoch to epoch (``benchmarks/trace_fit.py``: on mammography's la = 10% seed-1
split the raw network's test AUC-PR moves between 0.24 and 0.54 over the last twenty
epochs), while the fitted network is the weight average of the last third of training
(``ema_decay='auto'``). This screen lets the weight average of the iterates so far, without
the starting weights' share (``WeightAverage.swapped``), pick the credible normals and
pseudo-anomalies at every refresh (``pyod_dasad.trainer.PSEUDO_LABEL_NETWORK =
"average"``); the hidden-share estimate, and so every share rule, still reads the training
network, so the variant changes which rows are credible, not how many.

Every stored DASAD split of the chosen sets is fitted once with the variant and paired with
its stored default row (a default fit redone on the same CPU model is the same to the last
bit; ``--check N`` refits the defaults on the first N splits and stops if one differs).
Rows are appended to ``OUT.jsonl`` as they finish (a run that dies resumes); the summary is
printed and written to ``OUT.md``.

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/screen_teacher_pseudo_labels.py \\
        --sets paper --protocols adbench --check 1 --out benchmarks/results/screen_teacher_paper
"""
import argparse
import os
import shlex
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (ROOT, os.path.dirname(os.path.abspath(__file__))):
    if path not in sys.path:
        sys.path.insert(0, path)

import screen_by_label_count as base  # noqa: E402

VARIANT = "pseudo-labels from the weight average"


def fit_task(args):
    """The variant's test metrics on one split (the module switch is set in this process)."""
    import torch

    import pyod_dasad.trainer as trainer

    torch.set_num_threads(1)  # one thread per fit, as the leaderboard runs
    split, data_dir = args
    previous = trainer.PSEUDO_LABEL_NETWORK
    trainer.PSEUDO_LABEL_NETWORK = "average"
    try:
        return dict(split, variant=VARIANT, **base.fit_split(split, {}, data_dir))
    finally:
        trainer.PSEUDO_LABEL_NETWORK = previous


def select(sets, protocols, budgets=None, datasets=None, stores_dir=None):
    """The stored splits of ``sets`` under ``protocols`` (and ``budgets``/``datasets`` if given)."""
    kwargs = {} if stores_dir is None else {"stores_dir": stores_dir}
    return [s for s in base.splits(1, **kwargs) if s["set"] in sets and s["protocol"] in protocols
            and (budgets is None or s["budget"] in budgets) and (datasets is None or s["dataset"] in datasets)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", default=list(base.SETS), choices=list(base.SETS))
    ap.add_argument("--protocols", nargs="+", default=["adbench", "devnet"])
    ap.add_argument("--budgets", nargs="+", default=None, help="only these (as stored: 0.1, 30, ...)")
    ap.add_argument("--datasets", nargs="+", default=None)
    base.add_run_arguments(ap)
    args = ap.parse_args(argv)
    chosen = select(args.sets, args.protocols, args.budgets, args.datasets)
    base.check_defaults(chosen[:args.check], args.data_dir)
    done = {base.split_key(r) for r in base._read(args.out + ".jsonl")}
    todo = [(s, args.data_dir) for s in chosen if base.split_key(s) not in done]
    print("%d stored splits, %d fits to do" % (len(chosen), len(todo)), flush=True)
    base.run_fits(fit_task, todo, args.jobs, args.out + ".jsonl")
    rows = base._read(args.out + ".jsonl")
    text = ("%s, paired with the stored default fit of the same split.\nCommand: python "
            "benchmarks/screen_teacher_pseudo_labels.py %s\n\n%s\n"
            % (VARIANT[0].upper() + VARIANT[1:], shlex.join(sys.argv[1:] if argv is None else argv), base.summary(rows)))
    base.write_report(text, args.out)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
