#!/usr/bin/python3
"""A dump written at test time for CKA's first picture (issue 20), with numpy's float64 CKA over
every token finite in all layers (the exact matrix) and, from the tokens the estimate reads, the
bias-corrected estimate of it (cka_estimate): the reference for analysis::cka and cka_preview.

usage: reference_cka_estimate.py OUT.h5 TOKENS D LAYERS PREVIEW_TOKENS NAN_TOKEN NAN_LAYER

Layer l is the previous layer plus a fresh random part (so CKA falls off away from the diagonal),
with a strong mean direction, stored as float16 (1, TOKENS, D) datasets in the TransformerLens
layout; token NAN_TOKEN of layer NAN_LAYER is NaN (left out of both matrices). The estimate's
tokens are those of cka_preview: 4 runs of PREVIEW_TOKENS // 4 tokens starting at
(TOKENS - run) * k // 3, k = 0..3. Prints {"exact": [[...]], "estimate": [[...]],
"exact_tokens": n, "estimate_tokens": m}, computed from the float16 values as stored, upcast.
"""
import json
import sys

import h5py
import numpy as np


def cka(layers, rows):
    xs = [x[rows] - x[rows].mean(axis=0) for x in layers]
    grams = [x @ x.T for x in xs]
    norms = [np.sqrt(np.sum(g * g)) for g in grams]
    n = len(xs)
    return [[float(np.sum(grams[i] * grams[j]) / (norms[i] * norms[j])) for j in range(n)]
            for i in range(n)]


def hsic_unbiased(k, l):
    """Song et al. 2012's unbiased estimator of HSIC, here ||Sigma_xy||_F^2 (linear kernels)."""
    m = k.shape[0]
    k, l = k.copy(), l.copy()
    np.fill_diagonal(k, 0)
    np.fill_diagonal(l, 0)
    one = np.ones(m)
    return (np.sum(k * l) + k.sum() * l.sum() / ((m - 1) * (m - 2))
            - 2 / (m - 2) * (one @ k) @ (l @ one)) / (m * (m - 3))


def cka_estimate(layers, rows, tokens):
    """What the exact statistic over `tokens` tokens is expected to be, from the sample `rows`:
    the unbiased HSIC H plus the finite-sample bias at `tokens`, h = H + (M - 3H) / tokens with
    M the sample mean of |xc_t|^2 |yc_t|^2 (as analysis::cka_preview computes it)."""
    xs = [x[rows] - x[rows].mean(axis=0) for x in layers]
    grams = [x @ x.T for x in xs]
    n = len(xs)
    h = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            u = hsic_unbiased(grams[i], grams[j])
            m = np.mean(np.diag(grams[i]) * np.diag(grams[j]))
            h[i, j] = u + (m - 3 * u) / tokens
    d = np.sqrt(np.diag(h))
    return (h / np.outer(d, d)).tolist()


def main():
    out, tokens, d, layers, preview, nan_token, nan_layer = sys.argv[1:8]
    tokens, d, layers, preview = int(tokens), int(d), int(layers), int(preview)
    nan_token, nan_layer = int(nan_token), int(nan_layer)
    rng = np.random.default_rng(2020)
    mean = np.zeros(d)
    mean[:3] = [6.0, -4.0, 3.0]
    x = rng.standard_normal((tokens, d)) * np.linspace(2.0, 0.2, d)
    stored = []
    with h5py.File(out, "w") as f:
        for layer in range(layers):
            x = x + 0.8 * rng.standard_normal((tokens, d)) * np.linspace(0.3, 1.5, d)
            x16 = (x + mean).astype(np.float16)
            if layer == nan_layer:
                x16[nan_token, 5] = np.nan
            name = "blocks.0.hook_resid_pre" if layer == 0 else f"blocks.{layer - 1}.hook_resid_post"
            f.create_dataset(name, data=x16[None])
            stored.append(x16.astype(np.float64))
    finite = np.all([np.all(np.isfinite(s), axis=1) for s in stored], axis=0)
    run = preview // 4
    picked = np.concatenate([np.arange(b, b + run) for b in
                             [(tokens - run) * k // 3 for k in range(4)]])
    exact_rows = np.flatnonzero(finite)
    estimate_rows = picked[finite[picked]]
    json.dump({"exact": cka(stored, exact_rows), "estimate": cka_estimate(stored, estimate_rows, tokens),
               "exact_tokens": int(exact_rows.size), "estimate_tokens": int(estimate_rows.size)},
              sys.stdout)


if __name__ == "__main__":
    main()
