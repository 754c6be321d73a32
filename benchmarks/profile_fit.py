"""cProfile of one default DASAD fit: prints the fit's wall time, the share of each part of
the training loop, and the functions that took longest (``tottime``).

The rows are Gaussian (a timing workload, not a dataset), or with ``--dataset`` the
training split that ``benchmarks/speed.py``'s fit section times (ADBench protocol, la = 10%,
seed 1), at that section's epochs, batch size and ``--steps-per-epoch``.

Usage::

    python benchmarks/profile_fit.py --rows 1000000 --features 30 --device cuda
    PYOD_DASAD_DATA=../shared/datasets python benchmarks/profile_fit.py --dataset mammography \\
        --steps-per-epoch 20 --device cpu

The GPU profile in ``benchmarks/results/PROFILING.md`` is this script's output on an H100.
"""
import argparse
import cProfile
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import speed  # noqa: E402

#: The parts of a fit that the table names: (label, file ending, function), by cumulative time.
PARTS = (
    ("network forward and losses", "pyod_dasad/trainer.py", "training_forward"),
    ("  of which the contrastive term", "pyod_dasad/trainer.py", "contrastive_term"),
    ("backward pass", "torch/_tensor.py", "backward"),
    ("optimiser step (Adam and torch's wrapper)", "torch/optim/optimizer.py", "wrapper"),
    ("  of which Adam's kernel", "torch/optim/adam.py", "adam"),
    ("weight average", "pyod_dasad/_compat.py", "update"),
    ("pseudo-label refreshes", "pyod_dasad/trainer.py", "refresh_pseudo_labels"),
    ("warm-up classifier (out-of-fold)", "pyod_dasad/warmup.py", "out_of_fold_scores"),
    ("balanced batch sampler", "pyod_dasad/sampler.py", "sample"),
)


def parts_table(stats, total):
    """Markdown rows ``part | seconds | share of the fit`` from a :class:`pstats.Stats`; a
    function that several entries match (torch's nested step wrappers) counts once, at its
    largest cumulative time."""
    lines = ["| part | seconds | share of the fit |", "|---|---:|---:|"]
    for label, path, function in PARTS:
        times = [ct for (filename, _, name), (_, _, _, ct, _) in stats.stats.items()
                 if name == function and filename.replace(os.sep, "/").endswith(path)]
        seconds = max(times, default=0.0)
        lines.append("| %s | %.2f | %.0f%% |" % (label, seconds, 100 * seconds / total))
    return "\n".join(lines)


def load_rows(args):
    """(X, y, DASAD parameters) of the workload."""
    if args.dataset is None:
        X, y = speed.gaussian(args.rows, args.features)
        return X, y, {}
    split = speed.fit_section_split(args.dataset, args.data_dir)
    params = {"epochs": speed.FIT_EPOCHS, "batch_size": speed.FIT_BATCH_SIZE}
    if args.steps_per_epoch:
        params["steps_per_epoch"] = args.steps_per_epoch
    return split.X_train, split.y_train, params


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--features", type=int, default=30)
    ap.add_argument("--dataset", default=None, help="profile the fit section's training split of this dataset")
    ap.add_argument("--steps-per-epoch", type=int, default=None, help="with --dataset (the fit section's count)")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the fit section's: 1)")
    ap.add_argument("--top", type=int, default=14, help="functions to print")
    args = ap.parse_args(argv)
    import torch

    from pyod_dasad import DASAD
    torch.set_num_threads(args.threads)
    X, y, params = load_rows(args)
    DASAD(device=args.device, epochs=1, random_state=0).fit(X[:20_000], y[:20_000])  # warm-up (CUDA context)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    DASAD(device=args.device, n_jobs=args.threads, random_state=0, **params).fit(X, y)
    profiler.disable()
    total = time.perf_counter() - start
    print("fit %d x %d on %s (%s), %d torch thread(s): %.2f s" % (
        X.shape[0], X.shape[1], args.device, args.dataset or "Gaussian rows", args.threads, total))
    stats = pstats.Stats(profiler)
    print(parts_table(stats, total))
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
