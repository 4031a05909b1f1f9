#!/usr/bin/python3
"""A dump with a slowly decaying spectrum, written at test time, and its exact singular values
from numpy in float64: the reference for numerics::top_singular_values (the randomized estimate)
and for the spectrum analysis' exact values that replace it.

usage: reference_top_spectrum.py OUT.h5 TOKENS D LAYERS

Each layer is G diag(s) R^T with s_i = i^-0.5 (the power law of the benchmark dumps: the hard case
for a randomized method, no gap), a random rotation R, two dimensions with a mean 30x a typical
entry (so an uncentred estimate would be wrong), stored as float16 (1, TOKENS, D) datasets in the
TransformerLens layout. Prints {"layers": [[singular values of the centred layer, descending]],
"uncentred_top": [[the 8 largest of the uncentred layer]]}, computed from the float16 values as
stored, upcast to float64 (numpy.linalg.svd).
"""
import json
import sys

import h5py
import numpy as np


def main():
    out, tokens, d, layers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = np.random.default_rng(20)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    s = np.arange(1, d + 1) ** -0.5 * 4.0
    mean = np.zeros(d)
    mean[rng.choice(d, 2, replace=False)] = 30.0 * np.sqrt(np.sum(s**2) / d)
    values, uncentred = [], []
    with h5py.File(out, "w") as f:
        for layer in range(layers):
            x = (rng.standard_normal((tokens, d)) * s) @ q.T * (1.1**layer) + mean
            x16 = x.astype(np.float16)
            name = "blocks.0.hook_resid_pre" if layer == 0 else f"blocks.{layer - 1}.hook_resid_post"
            f.create_dataset(name, data=x16[None])
            x64 = x16.astype(np.float64)
            uncentred.append(np.linalg.svd(x64, compute_uv=False)[:8].tolist())
            x64 -= x64.mean(axis=0)
            values.append(np.linalg.svd(x64, compute_uv=False).tolist())
    json.dump({"layers": values, "uncentred_top": uncentred}, sys.stdout)


if __name__ == "__main__":
    main()
