"""DASAD speed and scale benchmark (issue #5): prints every figure and ratio and writes
``speed.json`` / ``speed.md`` (``--out-name``; and ``scale.png``) to ``--out-dir``.

Sections (all by default; pick with ``--sections``):

``fit``
    Fit time of DASAD, DeepOD RoSAS and DeepOD DevNet side by side, at equal epochs,
    batch size and steps per epoch, on the training split (ADBench protocol, seed 1,
    la=0.1) of each ``paper`` dataset found in the data directory.
``inference``
    Scoring throughput for d=30 float32: the model's FLOPs per row (counted by
    ``torch.utils.flop_counter``), this machine's dense float32 matmul throughput with the
    same thread count (measured here, in this run), and achieved / possible rows per
    second; plus the ratio to PyOD IForest's and DeepOD DevNet's scoring speed on the same
    rows. With ``--compile`` it also times ``torch.compile`` of the network (a C++
    compiler is needed for that).
``scale``
    Fit time and peak RSS for n = 10k ... 1M rows, d = 100, each size in a fresh process
    (peak RSS is per process), a linear fit of both against n, and a plot.
``gpu``
    Fit and scoring on CUDA with and without ``amp``; says it skipped when there is no CUDA.

The inference and scale data are Gaussian test matrices generated here (a workload for
timing, not a benchmark dataset). Not a CI test.

Usage::

    PYOD_DASAD_DATA=../shared/datasets python benchmarks/speed.py --threads 1 \
        --out-dir benchmarks/results
"""
import argparse
import json
import logging
import os
import platform
import resource
import shlex
import subprocess
import sys
import time

import numpy as np

log = logging.getLogger("speed")
#: The fit section's workload: epochs, batch size, and the training split it times (ADBench
#: protocol, this seed and label ratio).
FIT_EPOCHS, FIT_BATCH_SIZE, FIT_SEED, FIT_LA = 30, 256, 1, 0.1


def fit_section_split(name, data_dir=None):
    """The training split of ``name`` that the fit section times (``benchmarks/profile_fit.py``
    profiles the same one)."""
    from adbench_runs.datasets import load_dataset
    from adbench_runs.protocols import adbench_split

    ds = load_dataset(name, data_dir)
    return adbench_split(ds.X, ds.y, seed=FIT_SEED, la=FIT_LA)

SCALE_ROWS = (10_000, 30_000, 100_000, 300_000, 1_000_000)


# -- helpers ---------------------------------------------------------------------------------
def machine():
    import torch
    from adbench_runs.provenance import cpu_model  # the result store names the CPU the same way
    return {"platform": platform.platform(), "cpu": cpu_model() or platform.machine(), "logical_cpus": os.cpu_count(),
            "python": sys.version.split()[0], "torch": torch.__version__, "threads": torch.get_num_threads(),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "load_average_at_start": os.getloadavg()}


def timed(fn, repeats=1):
    """Best wall time of ``repeats`` calls (the least disturbed by other work)."""
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def peak_rss_gib():
    """Peak resident memory of this process's address space, in GiB.

    Linux's ``VmHWM`` (``/proc/self/status``) starts afresh at ``exec``; ``ru_maxrss`` does
    not - a child started from a large parent inherits the parent's peak - so it is only
    the fallback where ``/proc`` is missing.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024 ** 2  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2  # KiB on Linux


def matmul_gflops(threads, size=2048, repeats=5):
    """Dense float32 matmul throughput of torch on this machine (best of ``repeats``)."""
    import torch
    torch.set_num_threads(threads)
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    seconds, _ = timed(lambda: a @ b, repeats)
    return 2.0 * size ** 3 / seconds / 1e9


def gaussian(n, d, seed=0, outlier_share=0.005, n_labelled=1000):
    """Gaussian rows with a shifted 0.5% (timing workload; labels for the first outliers)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d), dtype=np.float32)
    n_out = max(1, int(n * outlier_share))
    X[:n_out] += 2.0
    y = np.zeros(n, dtype=np.int64)
    y[:min(n_labelled, n_out)] = 1
    return X, y


# -- sections --------------------------------------------------------------------------------
def bench_fit(args):
    from deepod.models.tabular import DevNet, RoSAS

    from adbench_runs.datasets import DatasetUnavailable, list_datasets
    from pyod_dasad import DASAD

    e, b, s, device = args.epochs, args.batch_size, args.steps, args.fit_device
    # DeepOD ends an epoch when its loader is exhausted (about n / batch_size batches) or
    # once its step counter exceeds epoch_steps, so epoch_steps = s - 1 caps it at s
    # batches. Each peer's batches are counted as it trains, and DASAD is then timed with
    # the same epochs, batch size and steps per epoch as that peer.
    peers = {"DeepOD-RoSAS": RoSAS, "DeepOD-DevNet": DevNet}
    rows = []
    for name in args.datasets or list_datasets("paper", args.data_dir):
        try:
            split = fit_section_split(name, args.data_dir)
        except DatasetUnavailable as exc:
            log.warning("fit: %s skipped (%s)", name, exc)
            continue
        X, y = split.X_train, split.y_train
        row = {"dataset": name, "n_train": int(X.shape[0]), "d": int(X.shape[1])}
        for peer, cls in peers.items():
            model = cls(epochs=e, batch_size=b, epoch_steps=s - 1, device=device, verbose=0, random_state=0)
            steps = _count_steps(model)
            peer_s, _ = timed(lambda: model.fit(X, y), args.repeats)
            per_epoch = max(1, round(steps[0] / (e * args.repeats)))
            dasad_s, _ = timed(lambda: DASAD(epochs=e, batch_size=b, steps_per_epoch=per_epoch, device=device,
                                             n_jobs=args.threads, random_state=0, **args.dasad_params).fit(X, y),
                               args.repeats)
            short = peer.split("-")[1]
            row.update({peer: round(peer_s, 2), "steps/epoch vs " + short: per_epoch,
                        "DASAD vs " + short: round(dasad_s, 2), "DASAD / " + short: round(dasad_s / peer_s, 2)})
        log.info("fit %-11s n=%-5d d=%-4d RoSAS %.2fs, DASAD %.2fs (%d steps/epoch): x%.2f (target <= 1) | "
                 "DevNet %.2fs, DASAD %.2fs (%d steps/epoch): x%.2f (target <= 2)", name, row["n_train"], row["d"],
                 row["DeepOD-RoSAS"], row["DASAD vs RoSAS"], row["steps/epoch vs RoSAS"], row["DASAD / RoSAS"],
                 row["DeepOD-DevNet"], row["DASAD vs DevNet"], row["steps/epoch vs DevNet"], row["DASAD / DevNet"])
        rows.append(row)
    return {"epochs": e, "batch_size": b, "max_steps_per_epoch": s, "repeats": args.repeats, "device": device,
            "dasad_params": args.dasad_params, "rows": rows}


def _count_steps(model):
    """Count a DeepOD model's training batches (it calls ``self.training_forward`` once per batch)."""
    count = [0]
    original = model.training_forward

    def counted(*a, **k):
        count[0] += 1
        return original(*a, **k)

    model.training_forward = counted
    return count


def _count_flops(net, xb):
    import torch
    try:
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:  # torch < 2.1
        return None
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        net(xb)
    return counter.get_total_flops() / xb.shape[0]


def _op_breakdown(net, xb, flops_row, repeats=20):
    """Where a scoring batch's time goes: the share spent in matrix products and the
    throughput those products reach on their own (torch.profiler, CPU self time)."""
    import torch
    from torch.profiler import ProfilerActivity, profile
    with torch.inference_mode():
        net(xb)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(repeats):
                net(xb)
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    matmul = sum(e.self_cpu_time_total for e in events if e.key in ("aten::addmm", "aten::mm", "aten::mv",
                                                                   "aten::addmv_", "aten::bmm"))
    top = sorted(events, key=lambda e: -e.self_cpu_time_total)[:8]
    out = {"matmul_share_of_time": round(matmul / total, 3),
           "top_ops_self_time_share": {e.key: round(e.self_cpu_time_total / total, 3) for e in top}}
    if flops_row:
        out["matmul_gflops_inside_network"] = round(flops_row * xb.shape[0] * repeats / (matmul * 1e-6) / 1e9, 1)
    log.info("inference: matrix products take %.0f%% of a batch's time%s; top ops %s",
             100 * out["matmul_share_of_time"],
             " and run at %.1f GFLOP/s" % out["matmul_gflops_inside_network"] if flops_row else "",
             out["top_ops_self_time_share"])
    return out


def bench_inference(args):
    import torch
    from deepod.models.tabular import DevNet
    from pyod.models.iforest import IForest

    from pyod_dasad import DASAD
    from pyod_dasad.device import resolve_inference_batch_size

    d, n = 30, args.inference_rows
    X_fit, y_fit = gaussian(20_000, d, seed=1, n_labelled=50)
    X, _ = gaussian(n, d, seed=2)
    clf = DASAD(epochs=3, device="cpu", n_jobs=args.threads, random_state=0).fit(X_fit, y_fit)
    net = clf.net_.eval()
    flops_row = _count_flops(net, torch.from_numpy(X[:4096]))
    peak = matmul_gflops(args.threads)
    clf.decision_function(X[:20_000])  # warm-up
    seconds, _ = timed(lambda: clf.decision_function(X), args.repeats)
    achieved = n / seconds
    batch = resolve_inference_batch_size(clf.inference_batch_size, clf.device_)
    result = {"d": d, "rows": n, "threads": args.threads, "inference_batch_size": batch,
              "flops_per_row": flops_row, "matmul_gflops": round(peak, 1),
              "dasad_rows_per_s": round(achieved)}
    if flops_row:
        possible = peak * 1e9 / flops_row
        result.update(possible_rows_per_s=round(possible), fraction_of_possible=round(achieved / possible, 3))
        log.info("inference d=%d: %.0f FLOPs/row, matmul %.1f GFLOP/s -> possible %.0f rows/s; "
                 "DASAD.decision_function %.0f rows/s = %.1f%% of possible (target >= 50%%)",
                 d, flops_row, peak, possible, achieved, 100 * achieved / possible)
    # the network alone on pre-scaled float32 tensors: what is left after the host-side work
    Xt = torch.from_numpy(X)

    def raw(forward):
        with torch.inference_mode():
            for start in range(0, n, batch):
                forward(Xt[start:start + batch])

    raw_s, _ = timed(lambda: raw(net), args.repeats)
    result["network_only_rows_per_s"] = round(n / raw_s)
    result.update(_op_breakdown(net, Xt[:batch], flops_row))
    if args.compile:
        compiled = torch.compile(net, dynamic=False)
        t0 = time.perf_counter()
        raw(compiled)
        result["compile_seconds"] = round(time.perf_counter() - t0, 1)
        comp_s, _ = timed(lambda: raw(compiled), args.repeats)
        result["compiled_network_rows_per_s"] = round(n / comp_s)
        if flops_row:
            result["compiled_fraction_of_possible"] = round(n / comp_s / possible, 3)
    iforest = IForest(random_state=0, n_jobs=args.threads).fit(X_fit)
    if_s, _ = timed(lambda: iforest.decision_function(X), 1)
    devnet = DevNet(epochs=3, device="cpu", verbose=0, random_state=0).fit(X_fit, y_fit)
    dn_s, _ = timed(lambda: devnet.decision_function(X), 1)
    result.update(iforest_rows_per_s=round(n / if_s), deepod_devnet_rows_per_s=round(n / dn_s),
                  ratio_to_iforest=round(achieved / (n / if_s), 2),
                  ratio_to_deepod_devnet=round(achieved / (n / dn_s), 2))
    log.info("inference: DASAD %.0f rows/s (network alone %.0f); IForest %.0f rows/s (DASAD x%.2f); "
             "DeepOD DevNet %.0f rows/s (DASAD x%.2f)", achieved, result["network_only_rows_per_s"],
             n / if_s, result["ratio_to_iforest"], n / dn_s, result["ratio_to_deepod_devnet"])
    return result


def scale_one(rows, features, epochs, threads):
    """Fit DASAD on one Gaussian matrix in this process; peak RSS is this process's."""
    from pyod_dasad import DASAD
    X, y = gaussian(rows, features)
    rss_data = peak_rss_gib()
    t0 = time.perf_counter()
    clf = DASAD(epochs=epochs, device="cpu", n_jobs=threads, random_state=0).fit(X, y)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    clf.decision_function(X)
    return {"rows": rows, "features": features, "fit_seconds": round(fit_s, 2),
            "decision_function_seconds": round(time.perf_counter() - t0, 2),
            "peak_rss_gib": round(peak_rss_gib(), 3), "rss_after_data_gib": round(rss_data, 3),
            "data_gib": round(X.nbytes / 1024 ** 3, 3)}


def bench_scale(args):
    from scipy.stats import linregress
    points = []
    for rows in args.scale_rows:
        cmd = [sys.executable, os.path.abspath(__file__), "--scale-one", str(rows), "--threads", str(args.threads),
               "--epochs", str(args.epochs_scale)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        point = json.loads(out.strip().splitlines()[-1])
        log.info("scale n=%-8d fit %7.2fs  peak RSS %.3f GiB (data %.3f GiB)", rows, point["fit_seconds"],
                 point["peak_rss_gib"], point["data_gib"])
        points.append(point)
    n = np.array([p["rows"] for p in points], dtype=float)
    summary = {"points": points, "epochs": args.epochs_scale,
               # the growth from each size to the next: at most linear means it never rises with n
               "fit_seconds_per_million_rows_between_sizes": [
                   round((b["fit_seconds"] - a["fit_seconds"]) / (b["rows"] - a["rows"]) * 1e6, 3)
                   for a, b in zip(points, points[1:])]}
    for key in ("fit_seconds", "peak_rss_gib"):
        fit = linregress(n, [p[key] for p in points])
        summary[key + "_linear_fit"] = {"per_million_rows": round(fit.slope * 1e6, 3),
                                        "intercept": round(fit.intercept, 3), "r2": round(fit.rvalue ** 2, 4)}
        log.info("scale: %s = %.3f + %.3f per 1M rows, R^2 = %.4f", key, fit.intercept, fit.slope * 1e6,
                 fit.rvalue ** 2)
    if args.out_dir:
        _plot_scale(points, summary, os.path.join(args.out_dir, "scale.png"))
    return summary


def _plot_scale(points, summary, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    n = np.array([p["rows"] for p in points])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label in zip(axes, ("fit_seconds", "peak_rss_gib"), ("fit time (s)", "peak RSS (GiB)")):
        ax.plot(n, [p[key] for p in points], "o-", label="measured")
        line = summary[key + "_linear_fit"]
        grid = np.linspace(0, n.max(), 50)
        ax.plot(grid, line["intercept"] + line["per_million_rows"] * grid / 1e6, "--",
                label="linear fit, R$^2$=%.4f" % line["r2"])
        if key == "peak_rss_gib":
            ax.axhline(4.0, color="red", lw=0.8, label="4 GiB budget")
        ax.set_xlabel("rows (d = 100)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("DASAD fit on CPU: time and memory against n (%d epochs)" % summary["epochs"])
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def bench_gpu(args):
    import torch
    if not torch.cuda.is_available():
        log.info("gpu: skipped - no CUDA device on this machine")
        return {"skipped": "no CUDA device"}
    from pyod_dasad import DASAD
    from pyod_dasad.device import resolve_inference_batch_size
    from pyod_dasad.estimator import _BatchTransform
    X, y = gaussian(args.gpu_rows, 30)
    batch = 65_536
    out = {"device": torch.cuda.get_device_name(0), "rows": args.gpu_rows, "repeats": args.repeats,
           "device_batch": batch}
    for amp in (False, True):
        clf = DASAD(device="cuda", amp=amp, random_state=0)
        fit_s, _ = timed(lambda: clf.fit(X, y), 1)
        out["inference_batch_size"] = resolve_inference_batch_size(clf.inference_batch_size, clf.device_)
        out["pseudo_label_rows"] = clf.pseudo_label_rows
        clf.decision_function(X[:100_000])
        torch.cuda.synchronize()
        score_s, _ = timed(lambda: clf.decision_function(X), args.repeats)
        # the network alone on rows already on the GPU (pre-scaled): what the host side costs
        net = clf.net_.eval()
        Xd = torch.from_numpy(_BatchTransform(clf.scaler_)(X)).to("cuda")

        def on_device():
            with torch.inference_mode(), torch.autocast("cuda", dtype=clf.amp_dtype_, enabled=amp):
                for start in range(0, len(Xd), batch):
                    net(Xd[start:start + batch])
            torch.cuda.synchronize()

        on_device()
        device_s, _ = timed(on_device, args.repeats)
        key = "amp" if amp else "float32"
        out[key] = {"fit_seconds": round(fit_s, 2), "rows_per_s": round(len(X) / score_s),
                    "device_rows_per_s": round(len(X) / device_s), "amp_dtype": str(clf.amp_dtype_)}
        log.info("gpu %s: fit %.2fs, decision_function %.0f rows/s, network on the GPU %.0f rows/s", key, fit_s,
                 len(X) / score_s, len(X) / device_s)
        del Xd
        torch.cuda.empty_cache()
    return out


# -- report ----------------------------------------------------------------------------------
def to_markdown(result, command):
    lines = ["# DASAD speed and scale", "", "Command: `%s`" % command, "",
             "Machine: %(cpu)s, %(logical_cpus)s logical CPUs, %(platform)s; Python %(python)s, torch "
             "%(torch)s, torch threads %(threads)s; load average at start %(load_average_at_start)s."
             % result["machine"]
             + (" GPU: %s." % result["machine"]["cuda"] if result["machine"].get("cuda") else ""), ""]
    if "fit" in result:
        f = result["fit"]
        lines += ["## Fit time at equal epochs (%d), batch size (%d) and steps per epoch (each peer's own, at most "
                  "%d), best of %d, device %s" % (f["epochs"], f["batch_size"], f["max_steps_per_epoch"], f["repeats"],
                                                  f.get("device", "cpu"))
                  + ("; DASAD with %s" % ", ".join("%s=%r" % kv for kv in sorted(f["dasad_params"].items()))
                     if f.get("dasad_params") else ""), "",
                  "| dataset | n_train | d | steps/epoch | RoSAS (s) | DASAD (s) | DASAD / RoSAS (target <= 1) | "
                  "steps/epoch | DevNet (s) | DASAD (s) | DASAD / DevNet (target <= 2) |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in f["rows"]:
            lines.append("| %s | %d | %d | %d | %.2f | %.2f | %.2f | %d | %.2f | %.2f | %.2f |" % (
                r["dataset"], r["n_train"], r["d"], r["steps/epoch vs RoSAS"], r["DeepOD-RoSAS"], r["DASAD vs RoSAS"],
                r["DASAD / RoSAS"], r["steps/epoch vs DevNet"], r["DeepOD-DevNet"], r["DASAD vs DevNet"],
                r["DASAD / DevNet"]))
        lines.append("")
    if "inference" in result:
        i = result["inference"]
        lines += ["## Scoring throughput, d = %d float32, %d rows, %d thread(s)" % (i["d"], i["rows"], i["threads"]),
                  "", "| figure | value |", "|---|---:|"]
        for key in ("flops_per_row", "matmul_gflops", "possible_rows_per_s", "dasad_rows_per_s",
                    "fraction_of_possible", "network_only_rows_per_s", "matmul_share_of_time",
                    "matmul_gflops_inside_network", "compiled_network_rows_per_s",
                    "compiled_fraction_of_possible", "compile_seconds", "iforest_rows_per_s", "ratio_to_iforest",
                    "deepod_devnet_rows_per_s", "ratio_to_deepod_devnet"):
            if key in i:
                lines.append("| %s | %s |" % (key.replace("_", " "), i[key]))
        lines.append("")
    if "scale" in result:
        s = result["scale"]
        lines += ["## Scale, d = 100, %d epochs, each size in a fresh process" % s["epochs"], "",
                  "| rows | fit (s) | decision_function (s) | peak RSS (GiB) | data (GiB) |",
                  "|---:|---:|---:|---:|---:|"]
        for p in s["points"]:
            lines.append("| %d | %.2f | %.2f | %.3f | %.3f |" % (p["rows"], p["fit_seconds"],
                                                                p["decision_function_seconds"], p["peak_rss_gib"],
                                                                p["data_gib"]))
        for key in ("fit_seconds", "peak_rss_gib"):
            line = s[key + "_linear_fit"]
            lines.append("\n%s = %.3f + %.3f per million rows (R^2 = %.4f)" % (
                key, line["intercept"], line["per_million_rows"], line["r2"]))
        steps = s.get("fit_seconds_per_million_rows_between_sizes")
        if steps:
            lines.append("\nfit time added per million rows from each size to the next: %s s"
                         % ", ".join("%.1f" % v for v in steps))
        lines += ["", "![scale](scale.png)", ""]
    if "gpu" in result:
        g = result["gpu"]
        lines += ["## GPU", ""]
        if "skipped" in g:
            lines += ["Skipped: %s." % g["skipped"], ""]
        else:
            # runs before pseudo_label_rows existed refreshed every row
            sample = g.get("pseudo_label_rows")
            refresh = "all %d rows" % g["rows"] if sample is None else "a sample of at most %d of the %d rows" % (
                sample, g["rows"])
            lines += ["%s; d = 30 float32 rows, default DASAD (30 epochs x 20 steps x 256 rows, pseudo-labels "
                      "refreshed over %s each epoch after the warm-up); scoring best of %d."
                      % (g["device"], refresh, g.get("repeats", 1)), "",
                      "| precision | autocast dtype | fit (s) | decision_function rows/s (host array in, "
                      "pinned batches of %s) | network alone on the GPU, rows/s (batches of %s) |"
                      % (g.get("inference_batch_size"), g.get("device_batch")),
                      "|---|---|---:|---:|---:|"]
            for key in ("float32", "amp"):
                if key in g:
                    r = g[key]
                    lines.append("| %s | %s | %.2f | %s | %s |" % (key, r["amp_dtype"], r["fit_seconds"],
                                                                  format(r["rows_per_s"], ","),
                                                                  format(r.get("device_rows_per_s", 0), ",")))
            lines.append("")
    return "\n".join(lines)


def _json_object(text):
    """argparse type: a JSON object (lists become tuples, as DASAD's tuple parameters expect)."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("not JSON: %s" % exc)
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object, got %r" % (text,))
    return {k: tuple(v) if isinstance(v, list) else v for k, v in value.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", nargs="+", default=["fit", "inference", "scale", "gpu"],
                    choices=["fit", "inference", "scale", "gpu"])
    ap.add_argument("--threads", type=int, default=1, help="torch threads for every detector (default 1)")
    ap.add_argument("--datasets", nargs="+", default=None, help="fit section (default: the paper group)")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--epochs", type=int, default=FIT_EPOCHS)
    ap.add_argument("--batch-size", type=int, default=FIT_BATCH_SIZE)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--inference-rows", type=int, default=1_000_000)
    ap.add_argument("--compile", action="store_true", help="also time torch.compile of the network")
    ap.add_argument("--scale-rows", type=int, nargs="+", default=list(SCALE_ROWS))
    ap.add_argument("--epochs-scale", type=int, default=30)
    ap.add_argument("--gpu-rows", type=int, default=1_000_000)
    ap.add_argument("--fit-device", default="cpu",
                    help="device of every detector in the fit section (e.g. cuda; default cpu)")
    ap.add_argument("--dasad-params", type=_json_object, default={},
                    help="fit section: DASAD keyword arguments as a JSON object, e.g. "
                         "'{\"hidden_dims\": [64, 32], \"token_dim\": 32}' (default: DASAD's defaults)")
    ap.add_argument("--out-dir", default=None)
    ap.add_argument("--out-name", default="speed", help="basename of the JSON and markdown written to --out-dir")
    ap.add_argument("--scale-one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    if args.scale_one is not None:
        print(json.dumps(scale_one(args.scale_one, 100, args.epochs_scale, args.threads)))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
    command = "python benchmarks/speed.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    result = {"machine": machine()}
    for section in args.sections:
        result[section] = {"fit": bench_fit, "inference": bench_inference, "scale": bench_scale,
                           "gpu": bench_gpu}[section](args)
        if args.out_dir:  # after every section, so a later failure loses nothing measured
            with open(os.path.join(args.out_dir, args.out_name + ".json"), "w") as fh:
                json.dump(dict(result, command=command), fh, indent=1)
            with open(os.path.join(args.out_dir, args.out_name + ".md"), "w") as fh:
                fh.write(to_markdown(result, command) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
