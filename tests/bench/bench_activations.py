#!/usr/bin/python3
"""The performance harness: Eigenscope against the numpy/h5py peers, on synthetic dumps, in one run.

    bench_activations.py [--sizes S,M] [--layouts contiguous,chunked,gzip] [--reps 5]
                         [--analyses trajectory,spectrum] [--dir DIR] [--cli PATH]
                         [--naive-spectrum-layers N] [--spectrum-layouts chunked]
                         [--write docs/PERFORMANCE.md]

For every dump (size x layout) and analysis, three implementations run interleaved (the order
rotates each repetition, so drift and cache effects fall on all alike), with the same
OPENBLAS_NUM_THREADS: eigenscope-cli, the naive and the tuned numpy script (numpy_peers.py).
Each run is its own process: wall time, CPU time and peak RSS come from wait4(). The page cache is
warmed before timing (warm-cache figures, as the targets ask).

The floor is what the machine cannot beat, measured here in the same run: the dump's bytes over
the measured read bandwidth (a plain sequential read of the file from the warm page cache) plus
the essential flops over the measured SGEMM rate (numpy float32 matmul). Essential flops:
trajectories 3 x 2 T d per state (norm and two dot products); spectra T d^2 (the Gram matrix,
symmetric) + 4/3 d^3 (the tridiagonal reduction every symmetric eigensolver does) per state.

Spectra are singular values only (`--top 0`), as both peers compute them.

Accuracy: Eigenscope's numbers against float64 (the naive peer computes in float64): relative
error of the per-layer mean norms and of the leading 64 singular values.
Results go to stdout and, with --write, between markers in docs/PERFORMANCE.md.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"
BEGIN, END = "<!-- bench:activations:begin -->", "<!-- bench:activations:end -->"
STATES = {"S": 4, "M": 33, "L": 33}
SHAPE = {"S": (1024, 1024), "M": (4096, 4096), "L": (16384, 4096)}


def run(cmd, env):
    """Runs cmd; returns (wall s, cpu s, peak RSS MB, stdout)."""
    out = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {err[-2000:]}")
    out.seek(0)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, out.read().decode()


def read_bandwidth(path):
    """Best of 3 sequential reads of the whole file (warm page cache), bytes per second."""
    best = 0.0
    size = os.path.getsize(path)
    for _ in range(3):
        t0 = time.perf_counter()
        with open(path, "rb", buffering=0) as f:
            buf = bytearray(16 << 20)
            view = memoryview(buf)
            while f.readinto(view):
                pass
        best = max(best, size / (time.perf_counter() - t0))
    return best


def gemm_rate(n=2048):
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    best = 0.0
    a @ a
    for _ in range(3):
        t0 = time.perf_counter()
        a @ a
        best = max(best, 2 * n**3 / (time.perf_counter() - t0))
    return best


def essential_flops(analysis, size):
    t, d = SHAPE[size]
    s = STATES[size]
    if analysis == "trajectory":
        return s * 3 * 2 * t * d
    return s * (t * d * d + 4 / 3 * d**3)


def cli_numbers(analysis, text):
    j = json.loads(text)
    if analysis == "trajectory":
        return {"norm_mean": j["norm"]["mean"]}
    return {"singular_values": [layer["singular_values"] for layer in j["layers"]]}


def rel_err(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-30)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="S,M")
    ap.add_argument("--layouts", default="contiguous,chunked,gzip")
    ap.add_argument("--analyses", default="trajectory,spectrum")
    ap.add_argument("--spectrum-layouts", default="",
                    help="layouts the spectrum runs on (default: all of --layouts); spectra are "
                         "compute-bound, so one layout shows them and saves an hour per layout")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--dir", default=os.environ.get("EIGENSCOPE_BENCH_DIR", "/var/tmp/eigenscope-bench"))
    ap.add_argument("--cli", default=os.path.join(ROOT, "build/app/eigenscope-cli"))
    ap.add_argument("--naive-spectrum-layers", type=int, default=3,
                    help="states the naive spectrum runs on at M/L size (extrapolated to all)")
    ap.add_argument("--write", help="update this Markdown file between the bench markers")
    ap.add_argument("--merge", action="store_true",
                    help="keep the rows of the previous run (DIR/bench_activations.json) that this "
                         "run does not measure again; each keeps a note of its own run")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    env = dict(os.environ, OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "2"))
    gemm = gemm_rate()
    print(f"SGEMM {gemm / 1e9:.0f} GFLOP/s, OPENBLAS_NUM_THREADS={env['OPENBLAS_NUM_THREADS']}", flush=True)
    rows = []
    for size in a.sizes.split(","):
        for layout in a.layouts.split(","):
            path = os.path.join(a.dir, f"{size}_{layout}.h5")
            if not os.path.exists(path):
                free = os.statvfs(a.dir).f_bavail * os.statvfs(a.dir).f_frsize
                need = STATES[size] * SHAPE[size][0] * SHAPE[size][1] * 2 * 1.2
                if free < need + (2 << 30):
                    print(f"skipping {size}/{layout}: {free / 1e9:.0f} GB free, {need / 1e9:.0f} GB needed",
                          flush=True)
                    continue
                subprocess.run([PY, os.path.join(HERE, "make_bench_dumps.py"), "--size", size,
                                "--layout", layout, "--out", path], check=True, stderr=subprocess.DEVNULL)
            bw = read_bandwidth(path)  # also warms the page cache
            raw_bytes = STATES[size] * SHAPE[size][0] * SHAPE[size][1] * 2
            for analysis in a.analyses.split(","):
                if analysis == "spectrum" and a.spectrum_layouts and \
                        layout not in a.spectrum_layouts.split(","):
                    continue
                naive_layers = 0
                if analysis == "spectrum" and size != "S":
                    naive_layers = a.naive_spectrum_layers
                impls = {
                    "eigenscope": [a.cli, analysis, path, "--json"] + (["--all-layers", "--top", "0"] if analysis == "spectrum" else []),
                    "tuned": [PY, os.path.join(HERE, "numpy_peers.py"), "tuned", analysis, path],
                    "naive": [PY, os.path.join(HERE, "numpy_peers.py"), "naive", analysis, path]
                    + (["--layers", str(naive_layers)] if naive_layers else []),
                }
                names = list(impls)
                times = {n: [] for n in names}
                cpu = {n: [] for n in names}
                rss = {n: 0.0 for n in names}
                outputs = {}
                for rep in range(a.reps):
                    order = names[rep % 3:] + names[:rep % 3]
                    for n in order:
                        wall, c, r, out = run(impls[n], env)
                        scale = STATES[size] / naive_layers if (n == "naive" and naive_layers) else 1.0
                        times[n].append(wall * scale)
                        cpu[n].append(c * scale)
                        rss[n] = max(rss[n], r)
                        outputs[n] = out
                    print(f"  {size}/{layout}/{analysis} rep {rep + 1}: " +
                          ", ".join(f"{n} {times[n][-1]:.2f} s" for n in names), flush=True)
                ours = cli_numbers(analysis, outputs["eigenscope"])
                ref = json.loads(outputs["naive"])
                if analysis == "trajectory":
                    err = rel_err(ours["norm_mean"], ref["norm_mean"])
                else:
                    k = len(ref["singular_values"])
                    err = max(rel_err(ours["singular_values"][i][:64], ref["singular_values"][i][:64])
                              for i in range(k))
                floor = raw_bytes / bw + essential_flops(analysis, size) / gemm
                med = {n: statistics.median(times[n]) for n in names}
                rows.append({
                    "size": size, "layout": layout, "analysis": analysis,
                    "file_gb": os.path.getsize(path) / 1e9, "read_gbs": bw / 1e9, "floor_s": floor,
                    "median_s": med, "min_s": {n: min(times[n]) for n in names},
                    "cpu_s": {n: statistics.median(cpu[n]) for n in names}, "rss_mb": rss,
                    "vs_floor": med["eigenscope"] / floor,
                    "vs_naive": med["naive"] / med["eigenscope"],
                    "vs_tuned": med["tuned"] / med["eigenscope"],
                    "naive_extrapolated_from": naive_layers, "rel_err": err, "reps": a.reps,
                })
                r = rows[-1]
                print(f"{size}/{layout}/{analysis}: eigenscope {med['eigenscope']:.2f} s "
                      f"({r['vs_floor']:.2f}x floor {floor:.2f} s), naive/ours {r['vs_naive']:.1f}x, "
                      f"tuned/ours {r['vs_tuned']:.1f}x, RSS {rss['eigenscope']:.0f} MB, "
                      f"rel err {err:.1e}", flush=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    for r in rows:
        r.update(measured=stamp, sgemm_gflops=gemm / 1e9)
    saved = os.path.join(a.dir, "bench_activations.json")
    if a.merge and os.path.exists(saved):
        key = lambda r: (r["size"], r["layout"], r["analysis"])
        fresh = {key(r) for r in rows}
        rows = [r for r in json.load(open(saved)) if key(r) not in fresh] + rows
        order = {n: i for i, n in enumerate(["trajectory", "spectrum"])}
        rows.sort(key=lambda r: (r["size"], order.get(r["analysis"], 9), r["layout"]))
    report = markdown(rows, gemm, env["OPENBLAS_NUM_THREADS"], stamp)
    print(report)
    if a.write:
        text = open(a.write).read() if os.path.exists(a.write) else "# Performance\n"
        block = f"{BEGIN}\n{report}\n{END}"
        if BEGIN in text and END in text:
            text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
        tmp = a.write + ".tmp"
        with open(tmp, "w") as o:
            o.write(text)
        os.replace(tmp, a.write)
        with open(saved + ".tmp", "w") as o:
            json.dump(rows, o, indent=1)
        os.replace(saved + ".tmp", saved)


TARGETS = {"trajectory": (2.0, 20.0, 3.0), "spectrum": (1.5, 10.0, 1.5)}


def markdown(rows, gemm, threads, stamp):
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    lines = [
        f"Measured {datetime.date.today().isoformat()} by `tests/bench/bench_activations.py` on "
        f"{os.cpu_count()} x {cpu}, {platform.platform()}; SGEMM {gemm / 1e9:.0f} GFLOP/s "
        f"(numpy float32, measured in the run), OPENBLAS_NUM_THREADS={threads}; warm page cache; "
        f"median of {rows[-1]['reps'] if rows else 0} interleaved repetitions (run of {stamp}).",
        "",
        "| dump | analysis | Eigenscope s | floor s (x) | naive s (ours faster x) | tuned s (ours faster x) "
        "| peak RSS MB ours / tuned / naive | rel. error vs float64 | targets (floor, naive, tuned) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        tf, tn, tt = TARGETS[r["analysis"]]
        met = lambda ok: "met" if ok else "**not met**"
        naive_note = (f" (extrapolated from {r['naive_extrapolated_from']} states)"
                      if r["naive_extrapolated_from"] else "")
        lines.append(
            f"| {r['size']} {r['layout']} ({r['file_gb']:.2f} GB, read {r['read_gbs']:.1f} GB/s) "
            f"| {r['analysis']} | {r['median_s']['eigenscope']:.2f} | {r['floor_s']:.2f} ({r['vs_floor']:.2f}x) "
            f"| {r['median_s']['naive']:.1f}{naive_note} ({r['vs_naive']:.1f}x) "
            f"| {r['median_s']['tuned']:.2f} ({r['vs_tuned']:.1f}x) "
            f"| {r['rss_mb']['eigenscope']:.0f} / {r['rss_mb']['tuned']:.0f} / {r['rss_mb']['naive']:.0f} "
            f"| {r['rel_err']:.1e} "
            f"| {met(r['vs_floor'] <= tf)} ≤{tf}x, {met(r['vs_naive'] >= tn)} ≥{tn}x, "
            f"{met(r['vs_tuned'] >= tt)} ≥{tt}x |")
    earlier = [r for r in rows if r.get("measured", "?") != stamp]
    if earlier:
        lines.append("")
        lines.append("Rows from an earlier run of the harness (their floors use that run's SGEMM rate):")
        for r in earlier:
            sg = r.get("sgemm_gflops")
            lines.append(f"- {r['size']} {r['layout']} {r['analysis']}: measured {r.get('measured', 'earlier')}"
                         + (f", SGEMM {sg:.0f} GFLOP/s" if sg else "") + f", {r['reps']} repetitions.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
