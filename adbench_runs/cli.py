"""Command line of the benchmark: ``python -m adbench_runs`` / ``adbench-runs``.

Subcommands
-----------
``run``
    Run a grid (datasets x protocol x budgets x seeds x noise x detectors)
    into a SQLite database; resumable, see :mod:`adbench_runs.runner`.
``report``
    Leaderboard (markdown), CSV export and plots from a database.
``list``
    The registered datasets groups and detectors.

With no arguments, the embedded default benchmark runs: the ``default``
datasets (small real ADBench files shipped with the package, no download),
the ADBench protocol with 10 % labelled anomalies, seeds 1 2 3 and a handful
of detectors, into ``./adbench_runs_results/default.db``; the leaderboard is
printed to stdout.

The console-script entry point is :func:`main`.
"""
from __future__ import annotations

import argparse
import ast
import logging
import math
import os
import sys
from typing import Sequence

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_DB", "DEFAULT_DETECTORS", "build_parser", "main"]

#: Where the default run (and ``run`` without ``--db``) writes its results.
DEFAULT_DB = os.path.join("adbench_runs_results", "default.db")
#: Detectors of the embedded default run (those not installed are left out).
DEFAULT_DETECTORS = ("DASAD", "DeepOD-DevNet", "XGBOD", "IForest", "ECOD", "LightGBM", "RF")
#: What the default run says about a detector it leaves out.
DEFAULT_INSTALL_HINT = "scripts/install.sh installs every one of them; DeepOD: pip install --no-deps deepod==0.4.1"
#: Seeds of the embedded default run.
DEFAULT_SEEDS = (1, 2, 3)
#: Label budget of the embedded default run.
DEFAULT_LA = 0.1


def budget_arg(text: str) -> float | int:
    """``"0.1"`` -> ratio 0.1, ``"30"`` -> count 30."""
    try:
        if any(ch in text for ch in ".eE"):
            value = float(text)
            if not 0.0 <= value <= 1.0:
                raise ValueError
            return value
        value = int(text)
        if value < 0:
            raise ValueError
        return value
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid label budget {text!r}: give a ratio with a decimal point (0.1) or a "
            "non-negative count (30)") from None


def ratio_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid ratio {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"ratio must be in [0, 1], got {text}")
    return value


def duplicate_times_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid duplication factor {text!r}") from None
    if not (math.isfinite(value) and value >= 1.0):
        raise argparse.ArgumentTypeError(f"duplication factor must be >= 1, got {text}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def override_arg(text: str) -> tuple:
    """``DETECTOR.param=value`` -> (detector, param, value); value via literal_eval."""
    head, sep, raw = text.partition("=")
    detector, dot, param = head.rpartition(".")
    if not sep or not dot or not detector or not param:
        raise argparse.ArgumentTypeError(
            f"invalid --set {text!r}: use DETECTOR.PARAM=VALUE, e.g. DASAD.epochs=5")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw  # a bare string such as auto
    return detector, param, value


def add_grid_arguments(parser: argparse.ArgumentParser) -> None:
    """The grid's arguments, shared by ``adbench-runs run`` and ADBench's baselines
    (``python -m adbench_runs.legacy_baselines``): datasets, protocol, budgets, seeds, noise,
    data directory, and which stored rows to redo; read back by :func:`grid_config_kwargs`."""
    parser.add_argument("--datasets", nargs="+", default=["default"], metavar="NAME",
                        help="dataset names, groups (paper, adbench, mvtec, default) or file paths")
    parser.add_argument("--protocol", choices=("adbench", "devnet"), default="adbench")
    parser.add_argument("--la", nargs="+", type=budget_arg, default=None, metavar="BUDGET",
                        help=("label budgets: ratios with a decimal point (0.01 0.05 0.1) or counts "
                              "(30). Default: 0.1 for adbench; 30 (15 for arrhythmia) for devnet"))
    parser.add_argument("--seeds", nargs="+", type=int, default=None,
                        help="seeds. Default: 1 2 3 for adbench, 0..9 (ten runs) for devnet")
    parser.add_argument("--noise-type", default=None,
                        choices=("duplicated_anomalies", "irrelevant_features", "label_contamination"),
                        help="adbench robustness setting")
    parser.add_argument("--noise-ratio", nargs="+", type=ratio_arg, default=None, metavar="RATIO",
                        help="noise ratios of the adbench robustness sweep (with --noise-type "
                             "irrelevant_features or label_contamination)")
    parser.add_argument("--duplicate-times", nargs="+", type=duplicate_times_arg, default=None,
                        metavar="TIMES",
                        help="duplication factors of the duplicated_anomalies sweep (ADBench: "
                             "1 2 3 4 5 6); stored in the noise_ratio column")
    parser.add_argument("--contamination", nargs="+", type=ratio_arg, default=None, metavar="RATIO",
                        help="devnet protocol: contamination sweep of the unlabelled set (default 0.02)")
    parser.add_argument("--data-dir", default=None,
                        help="data directory (default: $PYOD_DASAD_DATA, else the user cache)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="redo fits whose stored status is 'error' or 'timeout'")
    parser.add_argument("--skip-timed-out", action="store_true",
                        help="do not fit a detector on a split when it timed out on another seed of the "
                             "same dataset and setting (stored, or earlier in this run); those fits get no "
                             "row")
    parser.add_argument("--redo", nargs="+", default=[], metavar="NAME",
                        help="delete the stored rows of these detectors in this grid and fit them again "
                             "(e.g. after their defaults changed)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def grid_config_kwargs(args: argparse.Namespace) -> dict:
    """:class:`~adbench_runs.runner.RunConfig` arguments from :func:`add_grid_arguments`'s
    options and ``--set`` (exits with a message for ``--noise-ratio`` without ``--noise-type``,
    and unless ``duplicated_anomalies`` comes with ``--duplicate-times`` alone)."""
    if args.noise_ratio is not None and args.noise_type is None:
        raise SystemExit("error: --noise-ratio needs --noise-type")
    duplicated = args.noise_type == "duplicated_anomalies"
    if args.duplicate_times is not None and not duplicated:
        raise SystemExit("error: --duplicate-times needs --noise-type duplicated_anomalies")
    if duplicated and (args.noise_ratio is not None or args.duplicate_times is None):
        raise SystemExit("error: --noise-type duplicated_anomalies sweeps --duplicate-times "
                         "(ADBench: 1 2 3 4 5 6), not --noise-ratio")
    levels = args.duplicate_times if duplicated else args.noise_ratio
    overrides: dict = {}
    for detector, param, value in args.overrides:
        overrides.setdefault(detector, {})[param] = value
    return dict(
        datasets=args.datasets, protocol=args.protocol, budgets=args.la, seeds=args.seeds,
        noise_type=args.noise_type, noise_ratios=levels if levels is not None else (0.0,),
        contaminations=args.contamination, overrides=overrides, data_dir=args.data_dir,
        retry_failed=args.retry_failed, redo=args.redo, skip_timed_out=args.skip_timed_out,
        progress=not args.no_progress,
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``adbench-runs`` (subcommands ``run``, ``report``, ``list``)."""
    parser = argparse.ArgumentParser(
        prog="adbench-runs",
        description=("Benchmark anomaly detectors (DASAD and baselines) under the ADBench and "
                     "DevNet protocols. Without a subcommand, runs the embedded offline default "
                     "and prints its leaderboard."),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--log-level", default="WARNING",
                        choices=("DEBUG", "INFO", "WARNING", "ERROR"), help="logging level (stderr)")
    sub = parser.add_subparsers(dest="command", metavar="{run,report,list}")

    run = sub.add_parser("run", help="run a benchmark grid into a SQLite database",
                         formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_grid_arguments(run)
    run.add_argument("--detectors", nargs="+", default=list(DEFAULT_DETECTORS), metavar="NAME",
                     help="detector names, groups (unsupervised, semi-supervised, supervised) or all")
    run.add_argument("--set", dest="overrides", action="append", type=override_arg, default=[],
                     metavar="DETECTOR.PARAM=VALUE",
                     help="override a detector hyper-parameter (repeatable), e.g. DASAD.epochs=5")
    run.add_argument("--jobs", type=int, default=1, help="parallel fits (joblib backend); -1 = all cores")
    run.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP/torch threads per fit")
    run.add_argument("--timeout", type=positive_float, default=None, metavar="SECONDS",
                     help=("time limit of one fit plus scoring; each fit then runs in its own "
                           "process, killed at the limit (status 'timeout')"))
    run.add_argument("--backend", choices=("joblib", "dask"), default="joblib")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="Dask scheduler address for --backend dask, e.g. tcp://127.0.0.1:8786")
    run.add_argument("--db", default=DEFAULT_DB, help="SQLite results database (created if missing)")
    run.add_argument("--report", default=None, metavar="DIR",
                     help="also write the report (markdown, CSV, plots) to DIR when done")
    run.add_argument("--leaderboard", action="store_true",
                     help="print the markdown leaderboard of the database to stdout when done")

    rep = sub.add_parser("report", help="leaderboard, CSV and plots from a results database",
                         formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    rep.add_argument("--db", default=DEFAULT_DB, help="SQLite results database")
    rep.add_argument("--out", default=None, metavar="DIR",
                     help="output folder for report.md, CSV files and PNG plots; "
                          "without it, only the markdown leaderboard is printed")
    rep.add_argument("--metric", choices=("auc_pr", "auc_roc"), default="auc_pr",
                     help="metric of ranks, CD diagram and curves")
    rep.add_argument("--focus", default=None, metavar="DETECTOR",
                     help="open the report with this detector's margins over the best other detector "
                          "of its group, its ranks and its losses per setting (default: DASAD when it "
                          "has results); 'none' to leave it out")
    rep.add_argument("--leave-out", nargs="+", default=[], metavar="DETECTOR",
                     help="detectors shown in the tables but kept out of ranks, wins, CD diagrams and "
                          "rank box plots (for one that fails on some datasets, which would otherwise "
                          "take those datasets out of every detector's ranks)")

    lst = sub.add_parser("list", help="list detectors or dataset groups")
    lst.add_argument("what", choices=("detectors", "datasets"))
    lst.add_argument("--data-dir", default=None)
    return parser


def _config_from_args(args: argparse.Namespace):
    from .runner import RunConfig  # noqa: PLC0415

    return RunConfig(detectors=args.detectors, timeout=args.timeout, jobs=args.jobs, threads=args.threads,
                     backend=args.backend, scheduler=args.scheduler, **grid_config_kwargs(args))


def _run(args: argparse.Namespace) -> int:
    from .runner import resolve_datasets, resolve_detectors, run_grid  # noqa: PLC0415
    from .store import ResultStore  # noqa: PLC0415

    try:
        config = _config_from_args(args)
        config.validate()
        # a typo in a dataset or detector name fails here, before the store is made
        resolve_datasets(config.datasets, config.data_dir)
        resolve_detectors(config.detectors, config.custom_detectors)
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"error: {exc}") from None
    with ResultStore(args.db) as store:
        try:
            summary = run_grid(config, store)
        except (ValueError, TypeError) as exc:
            raise SystemExit(f"error: {exc}") from None
        sys.stderr.write(f"{summary}\n")
        if args.report or args.leaderboard:
            from .report import leaderboard_markdown, load_results, write_report  # noqa: PLC0415

            frame = load_results(store)
            if args.report:
                paths = write_report(frame, args.report)
                sys.stderr.write(f"report written to {paths['markdown']}\n")
            if args.leaderboard:
                sys.stdout.write(leaderboard_markdown(frame) + "\n")
                from .standings import standings_markdown  # noqa: PLC0415

                standing = standings_markdown(frame)  # "" when DASAD has no results
                if standing:
                    sys.stdout.write("\n" + standing + "\n")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report import leaderboard_markdown, load_results, write_report  # noqa: PLC0415
    from .store import ResultStore  # noqa: PLC0415

    if not os.path.exists(args.db):
        raise SystemExit(f"error: database {args.db!r} does not exist")
    with ResultStore(args.db) as store:
        frame = load_results(store)
    if frame.empty:
        raise SystemExit(f"error: database {args.db!r} holds no results")
    present = set(frame["detector"])
    if args.focus is None:
        focus = "DASAD" if "DASAD" in present else None
    else:
        focus = None if args.focus.lower() == "none" else args.focus
    if focus and focus not in present:
        raise SystemExit(f"error: --focus {focus!r} has no results in {args.db!r}; "
                         f"detectors there: {', '.join(sorted(present))}")
    unknown = sorted(set(args.leave_out) - present)
    if unknown:
        raise SystemExit(f"error: --leave-out names detectors with no rows in {args.db!r}: {', '.join(unknown)}")
    if args.out:
        paths = write_report(frame, args.out, metric=args.metric, focus=focus, leave_out=args.leave_out)
        sys.stderr.write(f"wrote {paths['markdown']}, {paths['results_csv']}, {paths['summary_csv']} "
                         f"and {len(paths['plots'])} plots\n")
    sys.stdout.write(leaderboard_markdown(frame, metric=args.metric, leave_out=args.leave_out) + "\n")
    if focus:  # last, where a terminal leaves it in view
        from .standings import standings_markdown  # noqa: PLC0415

        sys.stdout.write("\n" + standings_markdown(frame, focus) + "\n")
    return 0


def _list(args: argparse.Namespace) -> int:
    if args.what == "detectors":
        from .detectors import DETECTORS  # noqa: PLC0415

        for name, spec in DETECTORS.items():
            reason = spec.unavailable_reason()
            sys.stdout.write(f"{name:16s} {spec.group:16s} {'available' if reason is None else reason}\n")
    else:
        from .datasets import list_datasets  # noqa: PLC0415
        from .runner import DATASET_GROUPS  # noqa: PLC0415

        for group in DATASET_GROUPS:
            sys.stdout.write(f"{group}: {' '.join(list_datasets(group, data_dir=args.data_dir))}\n")
    return 0


def _default_run(log_level: str) -> int:
    """The embedded offline default benchmark, then its leaderboard on stdout."""
    from .detectors import get_detector  # noqa: PLC0415

    detectors = []
    for name in DEFAULT_DETECTORS:
        reason = get_detector(name).unavailable_reason()
        if reason is None:
            detectors.append(name)
        else:  # say so: a leaderboard one detector short should not look complete
            sys.stderr.write(f"{name} left out of the default run: {reason} ({DEFAULT_INSTALL_HINT})\n")
    jobs = max(1, min(2, os.cpu_count() or 1))
    argv = ["--log-level", log_level, "run", "--datasets", "default", "--protocol", "adbench",
            "--la", str(DEFAULT_LA), "--seeds", *map(str, DEFAULT_SEEDS), "--detectors", *detectors,
            "--jobs", str(jobs), "--db", DEFAULT_DB, "--leaderboard"]
    sys.stderr.write("running the embedded default benchmark: adbench-runs " + " ".join(argv) + "\n")
    return main(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``adbench-runs`` and ``python -m adbench_runs``.

    Parameters
    ----------
    argv : sequence of str or None
        Arguments (``sys.argv[1:]`` when None).

    Returns
    -------
    int
        Exit status.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=getattr(logging, args.log_level),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command is None:
        return _default_run(args.log_level)
    if args.command == "run":
        return _run(args)
    if args.command == "report":
        return _report(args)
    return _list(args)
