#!/usr/bin/python3
"""A dump written at test time for the memory gate's test (issue 20), and numpy's float64 values
of the two analyses whose numbers the gate could disturb most (the spectrum, computed one layer per
lease, and CKA, which sizes its Gram scheme by the memory the gate gives it).

usage: reference_gated.py OUT.h5 TOKENS D LAYERS

LAYERS float32 (1, TOKENS, D) states in the TransformerLens layout, each the previous one plus a
random low-rank update (so CKA between layers is neither 0 nor 1). Prints {"spectra": [[singular
values of each centred state, descending]], "cka": [[linear CKA of every pair of states]]}.
"""
import json
import sys

import h5py
import numpy as np


def main():
    out, tokens, d, layers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = np.random.default_rng(2020)
    x = rng.standard_normal((tokens, d)) * (np.arange(1, d + 1) ** -0.7)
    states = []
    with h5py.File(out, "w") as f:
        for layer in range(layers):
            if layer:
                x = x + rng.standard_normal((tokens, 8)) @ rng.standard_normal((8, d)) * 0.3
            x32 = x.astype(np.float32)
            name = "blocks.0.hook_resid_pre" if layer == 0 else f"blocks.{layer - 1}.hook_resid_post"
            f.create_dataset(name, data=x32[None])
            c = x32.astype(np.float64)
            states.append(c - c.mean(axis=0))
    spectra = [np.linalg.svd(c, compute_uv=False).tolist() for c in states]

    def cka(a, b):
        return np.linalg.norm(b.T @ a) ** 2 / (np.linalg.norm(a.T @ a) * np.linalg.norm(b.T @ b))

    matrix = [[cka(a, b) for b in states] for a in states]
    json.dump({"spectra": spectra, "cka": matrix}, sys.stdout)


if __name__ == "__main__":
    main()
