#!/usr/bin/python3
"""Scaling of eigenscope-cli over MPI ranks on this machine, and the per-layer costs the estimate
in docs/SCALING.md is made from. Figures, not pass/fail; every ratio is against a reference
measured in the same run.

    bench_mpi_scaling.py --cli build/app/eigenscope-cli [--dir DIR] [--reps 3] [--write docs/SCALING.md]
    bench_mpi_scaling.py --cli ... --verbs [--write docs/SCALING.md]   (block mpi_scaling_verbs)

1. Ranks: `spectrum --all-layers` and `bundle` of a 9-state x 8192-token x 1024 float16 dump,
   alone (OpenBLAS on 2 threads, and on 1: the per-core reference) and under mpirun -n 1 and
   -n 2 (one OpenBLAS thread per rank, each rank bound to a core). Wall time, median of --reps.
2. Per-layer cost model t(T, D) = c0 + a T D + b T D^2 + c D^3 (read and decode; the streamed
   D x D scatter; the eigensolve with the top directions), fitted to `spectrum --layer 1` on
   single-layer dumps (T, D) = (16384, 1024), (4096, 2048), (16384, 2048), (8192, 2048) by least
   squares, c0 = the process start measured with `info`. One OpenBLAS thread: a per-core figure.
3. With --verbs, instead: the verbs distributed since (spectrum of one state by token blocks,
   spectrum --all-layers by token blocks, cka, series), alone on 1 and 2 threads and under
   mpirun -n 1 and -n 2, on the same dump (cka: on 9 x 4096 x 512) and on a checkpoint folder of
   6 steps of a 2048 x 2048 weight; CPU time (user + system of all ranks) beside the wall time.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import h5py
import numpy as np


def write_dump(path, states, T, d, seed=3):
    if os.path.exists(path):
        return
    rng = np.random.default_rng(seed)
    r = 64
    basis = rng.standard_normal((r, d)).astype(np.float32)
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        for s in range(states):
            x = np.empty((T, d), np.float16)
            for b in range(0, T, 4096):
                n = min(4096, T - b)
                z = rng.standard_normal((n, r)).astype(np.float32) * (np.arange(1, r + 1) ** -0.5)
                x[b:b + n] = (z @ basis + 0.1 * rng.standard_normal((n, d))).astype(np.float16)
            name = "blocks.0.hook_resid_pre" if s == 0 else f"blocks.{s - 1}.hook_resid_post"
            f.create_dataset(name, data=x.reshape(T // 1024, 1024, d), chunks=(1, 256, d))
    os.replace(tmp, path)


def timed(cmd, reps, env, cpu=None):
    """Median wall time of reps runs; with cpu (a list), the median CPU time of the children
    (user + system, every rank) is appended to it."""
    times, cpus = [], []
    for _ in range(reps):
        before = os.times()
        t = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        times.append(time.perf_counter() - t)
        after = os.times()
        cpus.append(after.children_user - before.children_user
                    + after.children_system - before.children_system)
        if r.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed: {r.stderr}")
    if cpu is not None:
        cpu.append(statistics.median(cpus))
    return statistics.median(times)


def write_series(folder, steps=6, d=2048, seed=5):
    """A checkpoint folder: one drifting d x d weight per step (the step attribute orders them)."""
    if os.path.isdir(folder):
        return
    rng = np.random.default_rng(seed)
    os.makedirs(folder + ".tmp", exist_ok=True)
    w = rng.standard_normal((d, d)).astype(np.float32)
    for i in range(steps):
        with h5py.File(os.path.join(folder + ".tmp", f"step_{i}.h5"), "w") as f:
            f.attrs["step"] = i * 100
            f["blocks.0.mlp.W_in"] = w
        w = (w + 0.05 * rng.standard_normal((d, d))).astype(np.float32)
    os.replace(folder + ".tmp", folder)


def verbs(a, mpirun, env1, env2, say):
    dump = os.path.join(a.dir, "scaling_9x8192x1024_f16.h5")
    write_dump(dump, 9, 8192, 1024)
    small = os.path.join(a.dir, "scaling_9x4096x512_f16.h5")  # CKA: 54 pairs of T D^2
    write_dump(small, 9, 4096, 512, seed=4)
    series = os.path.join(a.dir, "series_6x2048")
    write_series(series)
    subprocess.run(["cat", dump], stdout=subprocess.DEVNULL)  # warm the page cache
    say(f"ranks on {os.path.basename(dump)} (9 states x 8192 tokens x 1024, float16; one state "
        f"by token blocks, all states by blocks of states), {os.path.basename(small)} (CKA, "
        f"cross-covariance form) and {os.path.basename(series)} (6 checkpoints of a 2048 x 2048 "
        f"weight); wall (CPU of all processes), median of {a.reps}:")
    for name, args in (
            ("spectrum --layer 4", ["spectrum", dump, "--layer", "4", "--json"]),
            ("spectrum --all-layers", ["spectrum", dump, "--all-layers", "--json"]),
            ("cka", ["cka", small, "--json"]),
            ("series --top 8", ["series", series, "--matrix", "blocks.0.mlp.W_in", "--top", "8",
                                "--json"])):
        cpu = []
        alone2 = timed([a.cli, *args], a.reps, env2, cpu)
        alone1 = timed([a.cli, *args], a.reps, env1, cpu)
        n1 = timed(mpirun[:1] + ["-n", "1"] + mpirun[1:] + [a.cli, *args], a.reps, env1, cpu)
        n2 = timed(mpirun[:1] + ["-n", "2"] + mpirun[1:] + [a.cli, *args], a.reps, env1, cpu)
        load = os.getloadavg()[0]
        say(f"  {name:22s} alone 2 threads {alone2:6.2f} s ({cpu[0]:6.2f}) | alone 1 thread "
            f"{alone1:6.2f} s ({cpu[1]:6.2f}) | mpirun -n 1 {n1:6.2f} s ({cpu[2]:6.2f}) | "
            f"mpirun -n 2 {n2:6.2f} s ({cpu[3]:6.2f}) | 2 ranks vs 1 rank {n1 / n2:4.2f}x, "
            f"vs alone on 2 threads {alone2 / n2:4.2f}x | load {load:.1f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--dir", default=os.environ.get("EIGENSCOPE_BENCH_DIR", "/var/tmp/eigenscope-bench"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--write")
    ap.add_argument("--verbs", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    mpirun = ["mpirun", "--oversubscribe", "-x", "OPENBLAS_NUM_THREADS=1"]
    if os.geteuid() == 0:
        mpirun.append("--allow-run-as-root")
    env1 = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env2 = dict(os.environ, OPENBLAS_NUM_THREADS="2")
    lines = []

    def say(s):
        print(s, flush=True)
        lines.append(s)

    if a.verbs:
        verbs(a, mpirun, env1, env2, say)
        if a.write:
            subprocess.run([sys.executable,
                            os.path.join(os.path.dirname(__file__), "write_block.py"), a.write,
                            "mpi_scaling_verbs"], input="\n".join(lines), text=True, check=True)
        return
    dump = os.path.join(a.dir, "scaling_9x8192x1024_f16.h5")
    write_dump(dump, 9, 8192, 1024)
    subprocess.run(["cat", dump], stdout=subprocess.DEVNULL)  # warm the page cache
    say(f"ranks on {dump} (9 states x 8192 tokens x 1024, float16), median of {a.reps}:")
    out = os.path.join(a.dir, "scaling_bundle.h5")
    for verb, args in (("spectrum --all-layers", ["spectrum", dump, "--all-layers", "--json"]),
                       ("bundle --sample 2000", ["bundle", dump, "--out", out, "--sample", "2000"])):
        alone2 = timed([a.cli, *args], a.reps, env2)
        alone1 = timed([a.cli, *args], a.reps, env1)
        n1 = timed(mpirun[:1] + ["-n", "1"] + mpirun[1:] + [a.cli, *args], a.reps, env1)
        n2 = timed(mpirun[:1] + ["-n", "2"] + mpirun[1:] + [a.cli, *args], a.reps, env1)
        say(f"  {verb:22s} alone 2 threads {alone2:6.2f} s | alone 1 thread {alone1:6.2f} s | "
            f"mpirun -n 1 {n1:6.2f} s | mpirun -n 2 {n2:6.2f} s | speed-up 2 ranks vs 1 rank "
            f"{n1 / n2:4.2f}x, vs alone on 2 threads {alone2 / n2:4.2f}x")

    # Per-layer cost model (one thread).
    start = timed([a.cli, "info", dump, "--no-health"], a.reps, env1)
    points = [(16384, 1024), (4096, 2048), (16384, 2048), (8192, 2048)]
    rows, ts = [], []
    for T, d in points:
        p = os.path.join(a.dir, f"layer_{T}x{d}_f16.h5")
        write_dump(p, 2, T, d, seed=T + d)
        subprocess.run(["cat", p], stdout=subprocess.DEVNULL)
        t = timed([a.cli, "spectrum", p, "--layer", "1", "--json"], a.reps, env1) - start
        rows.append([T * d, T * d * d, d ** 3])
        ts.append(t)
        say(f"  one layer T={T:6d} D={d:5d}: {t:6.2f} s (process start {start:.2f} s excluded)")
    coef, *_ = np.linalg.lstsq(np.array(rows, float), np.array(ts), rcond=None)
    ca, cb, cc = coef
    say(f"per-layer model, one core: t = {ca:.3e} T D + {cb:.3e} T D^2 + {cc:.3e} D^3 s "
        f"(scatter {2 / cb / 1e9:.1f} GFLOP/s per core)")
    T, d, layers = 1_000_000, 8192, 81
    per = ca * T * d + cb * T * d * d + cc * d ** 3
    say(f"1.3 TB case (81 states x 1M tokens x 8192, float16), one layer on one core: "
        f"{per / 3600:.1f} h (read+decode {ca * T * d:.0f} s, scatter {cb * T * d * d / 3600:.1f} h, "
        f"eigensolve {cc * d ** 3:.0f} s)")
    if a.write:
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "write_block.py"),
                        a.write, "mpi_scaling"], input="\n".join(lines), text=True, check=True)


if __name__ == "__main__":
    main()
