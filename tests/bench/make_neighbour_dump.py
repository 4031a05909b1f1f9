#!/usr/bin/python3
"""A dump for the neighbour benchmark (bench_neighbours): one state (blocks.0.hook_resid_pre) of
TOKENS token states of width D, float16, contiguous (TOKENS x D x 2 bytes: 2 GB for 1M x 1024).

    make_neighbour_dump.py OUT --tokens N --d D

The states have the structure that makes neighbour search meaningful, as hidden states do: 256
cluster centres, a shared 32-dimensional subspace of variation, and small isotropic noise (pure
Gaussian noise in 1024 dimensions has no near neighbours and is no test of an index). Seeded;
written block by block (memory: one block), atomically (a temporary name, then os.replace).
"""
import argparse
import os

import h5py
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--tokens", type=int, required=True)
    ap.add_argument("--d", type=int, default=1024)
    a = ap.parse_args()
    positions = 1000 if a.tokens % 1000 == 0 else a.tokens
    prompts = a.tokens // positions
    rng = np.random.default_rng(21)
    centres = rng.standard_normal((256, a.d)).astype(np.float32) * 2
    basis = np.linalg.qr(rng.standard_normal((a.d, 32)))[0].T.astype(np.float32) * 3
    tmp = a.out + ".tmp"
    with h5py.File(tmp, "w") as f:
        ds = f.create_dataset("blocks.0.hook_resid_pre", (prompts, positions, a.d), dtype="f2")
        per = max(1, 65536 // positions)
        for p in range(0, prompts, per):
            q = min(prompts, p + per)
            n = (q - p) * positions
            x = centres[rng.integers(0, 256, n)]
            x += rng.standard_normal((n, 32), dtype=np.float32) @ basis
            x += 0.3 * rng.standard_normal((n, a.d), dtype=np.float32)
            ds[p:q] = x.reshape(q - p, positions, a.d).astype(np.float16)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
