#!/usr/bin/python3
"""Synthetic activation dumps with planted structure, for the performance harness (bench_activations.py).

    make_bench_dumps.py --size S|M|L --layout contiguous|chunked|gzip --out FILE

Sizes (states x tokens x d, float16): S = 4 x 1024 x 1024, M = 33 x 4096 x 4096 (1.1 GB),
L = 33 x 16384 x 4096 (4.4 GB). Layouts: one dataset per state, (batch, positions, d) with
1024 positions; contiguous, chunked (1, 256, d), or chunked with gzip level 4 + shuffle.

What is planted (so the numbers mean something and centring is stressed):
- every layer is G diag(s) R^T with s_i = i^-0.5 (a power-law spectrum), one random rotation R
  for all layers, plus 4 dimensions with a mean 40x the typical entry (a naive uncentred analysis
  finds those instead of the spectrum);
- the norm grows by 8% a layer while consecutive layers keep a correlation of 0.95 (cosines to the
  previous layer near 0.95, to the first layer decaying), as a residual stream does.
Deterministic (seeded). Written by Debian's h5py; tokens and a `step` attribute included.
"""
import argparse
import os
import sys
import time

import h5py
import numpy as np

SIZES = {"S": (4, 1024, 1024), "M": (33, 4096, 4096), "L": (33, 16384, 4096)}
POSITIONS = 1024


def layers(states, tokens, d, seed=1):
    rng = np.random.default_rng(seed)
    # One rotation for all layers (QR of a Gaussian), computed in float32 to keep M/L fast.
    q, _ = np.linalg.qr(rng.standard_normal((d, d), dtype=np.float32))
    s = (np.arange(1, d + 1, dtype=np.float32) ** -0.5) * np.float32(4.0)
    big = rng.choice(d, 4, replace=False)
    mean = np.zeros(d, np.float32)
    typical = float(np.sqrt(np.sum(s.astype(np.float64) ** 2) / d))  # rms of a coordinate
    mean[big] = 40.0 * typical
    g = rng.standard_normal((tokens, d), dtype=np.float32)
    for layer in range(states):
        if layer:
            g = np.float32(0.95) * g + np.float32(np.sqrt(1 - 0.95**2)) * rng.standard_normal(
                (tokens, d), dtype=np.float32)
        x = (g * s) @ q.T
        x *= np.float32(1.08**layer)
        x += mean
        yield layer, x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", choices=SIZES, required=True)
    ap.add_argument("--layout", choices=["contiguous", "chunked", "gzip"], required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    states, tokens, d = SIZES[a.size]
    batch = tokens // POSITIONS if tokens >= POSITIONS else 1
    positions = tokens // batch
    kw = {}
    if a.layout != "contiguous":
        kw["chunks"] = (1, min(256, positions), d)
    if a.layout == "gzip":
        kw.update(compression="gzip", compression_opts=4, shuffle=True)
    tmp = a.out + ".part"
    t0 = time.time()
    with h5py.File(tmp, "w") as f:
        f.attrs["step"] = 0
        f.attrs["generator"] = "tests/bench/make_bench_dumps.py"
        f.attrs["planted"] = "power-law s_i = i^-0.5, 4 large-mean dims, norm x1.08/layer, rho 0.95"
        f.create_dataset("tokens", data=np.arange(tokens, dtype=np.int64).reshape(batch, positions) % 50000)
        for layer, x in layers(states, tokens, d):
            name = "blocks.0.hook_resid_pre" if layer == 0 else f"blocks.{layer - 1}.hook_resid_post"
            f.create_dataset(name, data=x.reshape(batch, positions, d).astype(np.float16), **kw)
            print(f"  {name} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    os.replace(tmp, a.out)
    print(f"wrote {a.out}: {states} x {tokens} x {d} float16, {a.layout}, "
          f"{os.path.getsize(a.out) / 1e9:.2f} GB in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
