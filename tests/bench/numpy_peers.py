#!/usr/bin/python3
"""What a researcher would run instead of Eigenscope: the two numpy/h5py peers of the harness.

    numpy_peers.py naive|tuned trajectory|spectrum FILE [--layers N] [--out JSON]

naive: written the way users write it (and the way notebooks in the wild do): load each layer
    whole, cast to float64, np.linalg.svd of the centred matrix, norms with np.linalg.norm.
tuned: what a careful numpy user writes: float32, reads in token slabs of the chunk size, a Gram
    matrix accumulated per slab (centred by the mean afterwards, in float64), eigvalsh (LAPACK
    syevd) for the values, trajectories streamed with only the previous/first states kept.
Outputs JSON with the same numbers Eigenscope's CLI gives (norm means per layer; singular values
per layer), so the harness can check all three agree. --layers N: only the first N states (the
naive spectrum takes minutes a layer at M size; the harness extrapolates and says so).
"""
import argparse
import json
import sys

import h5py
import numpy as np


def state_names(f):
    names = ["blocks.0.hook_resid_pre"]
    l = 0
    while f"blocks.{l}.hook_resid_post" in f:
        names.append(f"blocks.{l}.hook_resid_post")
        l += 1
    return names


def naive_trajectory(f, names):
    xs = [f[n][()].astype(np.float64).reshape(-1, f[n].shape[-1]) for n in names]  # all in memory
    norms = [np.linalg.norm(x, axis=1) for x in xs]
    cos_prev = [None] + [np.sum(xs[i] * xs[i - 1], axis=1) / (norms[i] * norms[i - 1])
                         for i in range(1, len(xs))]
    return {"norm_mean": [float(n.mean()) for n in norms],
            "cos_prev_mean": [None] + [float(c.mean()) for c in cos_prev[1:]]}


def naive_spectrum(f, names):
    out = []
    for n in names:
        x = f[n][()].astype(np.float64).reshape(-1, f[n].shape[-1])
        x = x - x.mean(axis=0)
        out.append(np.linalg.svd(x, compute_uv=False).tolist())
    return {"singular_values": out}


def slabs(ds, step):
    b, p, d = ds.shape
    for i in range(b):
        for j in range(0, p, step):
            yield ds[i, j:j + step, :].astype(np.float32)


def tuned_trajectory(f, names):
    ds0 = f[names[0]]
    step = ds0.chunks[1] if ds0.chunks else 256
    t = ds0.shape[0] * ds0.shape[1]
    prev = None
    norm_mean, cos_prev_mean = [], []
    first_norm = None
    for li, n in enumerate(names):
        cur = np.empty((t, ds0.shape[-1]), np.float32)
        k = 0
        for s in slabs(f[n], step):
            cur[k:k + len(s)] = s
            k += len(s)
        nn = np.sqrt(np.einsum("ij,ij->i", cur, cur, dtype=np.float64))
        norm_mean.append(float(nn.mean()))
        if prev is None:
            cos_prev_mean.append(None)
        else:
            dots = np.einsum("ij,ij->i", cur, prev, dtype=np.float64)
            cos_prev_mean.append(float(np.mean(dots / (nn * prev_norm))))
        prev, prev_norm = cur, nn
    return {"norm_mean": norm_mean, "cos_prev_mean": cos_prev_mean}


def tuned_spectrum(f, names):
    out = []
    for n in names:
        ds = f[n]
        d = ds.shape[-1]
        step = ds.chunks[1] if ds.chunks else 256
        gram = np.zeros((d, d), np.float32)
        total = np.zeros(d, np.float64)
        count = 0
        for s in slabs(ds, step):
            gram += s.T @ s
            total += s.sum(axis=0, dtype=np.float64)
            count += len(s)
        mu = total / count
        c = gram.astype(np.float64) - count * np.outer(mu, mu)  # centred, in float64
        w = np.linalg.eigvalsh(c.astype(np.float32))[::-1]
        out.append(np.sqrt(np.clip(w, 0, None)).astype(np.float64).tolist())
    return {"singular_values": out}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("impl", choices=["naive", "tuned"])
    ap.add_argument("analysis", choices=["trajectory", "spectrum"])
    ap.add_argument("file")
    ap.add_argument("--layers", type=int, default=0)
    ap.add_argument("--out")
    a = ap.parse_args()
    with h5py.File(a.file, "r") as f:
        names = state_names(f)
        if a.layers:
            names = names[:a.layers]
        fn = {("naive", "trajectory"): naive_trajectory, ("naive", "spectrum"): naive_spectrum,
              ("tuned", "trajectory"): tuned_trajectory, ("tuned", "spectrum"): tuned_spectrum}
        result = fn[(a.impl, a.analysis)](f, names)
    result["layers"] = len(names)
    text = json.dumps(result)
    if a.out:
        with open(a.out, "w") as o:
            o.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
