#!/usr/bin/python3
"""CKA between all layers: eigenscope-cli against a tuned float32 numpy CKA, in the same run.

    bench_cka.py [--layers 33] [--tokens 4096] [--d 1024] [--dir DIR] [--cli PATH] [--json]

Writes (once) a TransformerLens-layout float16 dump of LAYERS states x TOKENS tokens x D with
layer-dependent structure, then times `eigenscope-cli cka FILE --json` and the numpy peer
(float32 centred states, one T x T Gram per layer with sgemm, float64 inner products: what a
careful numpy user writes) and reports seconds, peak RSS, their ratio and the largest difference
between the two matrices. A figure, never a pass/fail test (docs/PERFORMANCE.md, "CKA").
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import h5py
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def write_dump(path, layers, tokens, d):
    if os.path.exists(path):
        return
    rng = np.random.default_rng(5)
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        x = rng.standard_normal((tokens, d)).astype(np.float32)
        for l in range(layers):
            name = "blocks.0.hook_resid_pre" if l == 0 else f"blocks.{l - 1}.hook_resid_post"
            x = x + 0.3 * rng.standard_normal((tokens, d)).astype(np.float32)  # a drifting stream
            f.create_dataset(name, data=(x * (1 + l)).astype(np.float16)[None],
                             chunks=(1, min(tokens, 256), d))
    os.replace(tmp, path)


def numpy_cka(path):
    """The tuned peer: float32 Grams of the centred states (sgemm), float64 inner products."""
    with h5py.File(path, "r") as f:
        names = ["blocks.0.hook_resid_pre"]
        while f"blocks.{len(names) - 1}.hook_resid_post" in f:
            names.append(f"blocks.{len(names) - 1}.hook_resid_post")
        grams = []
        for n in names:
            x = f[n][0].astype(np.float32)
            x -= x.mean(axis=0, dtype=np.float64).astype(np.float32)
            grams.append(x @ x.T)
    L = len(grams)
    inner = np.empty((L, L))
    for i in range(L):
        for j in range(i, L):
            inner[i, j] = inner[j, i] = np.dot(grams[i].ravel().astype(np.float64),
                                               grams[j].ravel().astype(np.float64))
    norms = np.sqrt(np.diag(inner))
    return inner / np.outer(norms, norms)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=33)
    ap.add_argument("--tokens", type=int, default=4096)
    ap.add_argument("--d", type=int, default=1024)
    ap.add_argument("--dir", default=os.environ.get("EIGENSCOPE_BENCH_DIR",
                                                    "/var/tmp/eigenscope-bench"))
    ap.add_argument("--cli", default=os.path.join(ROOT, "build/app/eigenscope-cli"))
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    path = os.path.join(a.dir, f"cka_{a.layers}x{a.tokens}x{a.d}_f16.h5")
    write_dump(path, a.layers, a.tokens, a.d)

    # The CLI in a child; its peak RSS from /usr/bin/time's %M (kilobytes).
    # CPU seconds (user + system) beside wall time: on a shared machine they are the steadier
    # figure (the CLI's from its child's rusage, numpy's from this process's, BLAS threads included).
    def cpu(who):
        r = resource.getrusage(who)
        return r.ru_utime + r.ru_stime

    t0, c0 = time.perf_counter(), cpu(resource.RUSAGE_CHILDREN)
    p = subprocess.run(["/usr/bin/time", "-f", "%M", a.cli, "cka", path, "--json"],
                       capture_output=True, text=True, check=True)
    cli_s = time.perf_counter() - t0
    cli_cpu = cpu(resource.RUSAGE_CHILDREN) - c0
    cli_rss_mb = int(p.stderr.strip().splitlines()[-1]) / 1024
    ours = json.loads(p.stdout)

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0, c0 = time.perf_counter(), cpu(resource.RUSAGE_SELF)
    peer = numpy_cka(path)
    numpy_s = time.perf_counter() - t0
    numpy_cpu = cpu(resource.RUSAGE_SELF) - c0
    numpy_rss_mb = max(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024

    diff = float(np.max(np.abs(np.array(ours["matrix"], dtype=float) - peer)))
    out = {"shape": [a.layers, a.tokens, a.d], "method": ours["method"],
           "eigenscope_s": round(cli_s, 2), "eigenscope_peak_rss_mb": round(cli_rss_mb),
           "numpy_float32_s": round(numpy_s, 2), "numpy_peak_rss_mb": round(numpy_rss_mb),
           "ratio_eigenscope_over_numpy": round(cli_s / numpy_s, 3),
           "eigenscope_cpu_s": round(cli_cpu, 2), "numpy_float32_cpu_s": round(numpy_cpu, 2),
           "cpu_ratio_eigenscope_over_numpy": round(cli_cpu / numpy_cpu, 3),
           "load_average": os.getloadavg()[0], "max_abs_diff": diff}
    if a.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:32s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
