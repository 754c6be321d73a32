"""cProfile of one default DASAD fit on Gaussian rows (a timing workload, not a dataset):
prints the fit's wall time and the functions that took longest (``tottime``).

Usage::

    python benchmarks/profile_fit.py --rows 1000000 --features 30 --device cuda

The GPU profile in ``benchmarks/results/PROFILING.md`` is this script's output on an H100.
"""
import argparse
import cProfile
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from speed import gaussian  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--features", type=int, default=30)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--top", type=int, default=14, help="functions to print")
    args = ap.parse_args(argv)
    from pyod_dasad import DASAD
    X, y = gaussian(args.rows, args.features)
    DASAD(device=args.device, epochs=1, random_state=0).fit(X[:20_000], y[:20_000])  # warm-up (CUDA context)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    DASAD(device=args.device, random_state=0).fit(X, y)
    profiler.disable()
    print("fit %d x %d on %s: %.2f s" % (args.rows, args.features, args.device, time.perf_counter() - start))
    pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
