#!/usr/bin/python3
"""What the CLI's supervised child costs: `info --no-health` (open: metadata and token table) with
and without `--no-isolation`, interleaved, on each dump given.

    bench_isolation.py --cli build/app/eigenscope-cli [--reps 21] DUMP...

Prints, per dump, the median and best wall time of both and their difference. The reference is the
same command in-process, measured in the same run. The isolation is a fork before any HDF5 call
and a wait on a pidfd: its cost should not depend on the dump's size.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def wall(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--reps", type=int, default=21)
    ap.add_argument("dumps", nargs="+")
    a = ap.parse_args()
    print(f"Supervised child vs in-process: `eigenscope-cli info --no-health`, {a.reps} interleaved "
          f"repetitions each, warm page cache; ms")
    print()
    print("| dump | size | in-process median (best) | supervised median (best) | cost of isolation (median) |")
    print("|---|---|---|---|---|")
    for dump in a.dumps:
        base = [a.cli, "info", dump, "--no-health"]
        wall(base)  # warm the page cache
        direct, supervised = [], []
        for _ in range(a.reps):
            direct.append(wall(base + ["--no-isolation"]))
            supervised.append(wall(base))
        d, s = statistics.median(direct), statistics.median(supervised)
        size = os.path.getsize(dump)
        print(f"| {os.path.basename(dump)} | {size / 2**20:.0f} MiB | {d * 1e3:.1f} ({min(direct) * 1e3:.1f}) "
              f"| {s * 1e3:.1f} ({min(supervised) * 1e3:.1f}) | {(s - d) * 1e3:+.1f} ms ({s / d:.3f}x) |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
