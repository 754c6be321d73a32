"""Benchmark harness for pyod_dasad: datasets, evaluation protocols and runners.

Submodules are imported explicitly (``from adbench_runs.datasets import load_dataset``);
importing the package itself loads nothing heavy and has no side effects.
"""
