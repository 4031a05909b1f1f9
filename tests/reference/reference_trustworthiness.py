#!/usr/bin/python3
"""Trustworthiness (Venna & Kaski 2001; scikit-learn's definition) of a project layout, in numpy
float64, as the reference for eigenscope's numerics::trustworthiness.

usage: reference_trustworthiness.py DUMP.h5 PROJECT.json K

Reads the states the layout was made of from the dump itself (the JSON's "layers", every token,
all finite; the layout's trustworthiness must have been computed on all of them), the layout's coordinates from the JSON, fits its own PCA (eigh of the float64
covariance) for the PCA-3D baseline, and prints {"n", "layout", "pca3"} as JSON.
"""
import json
import sys

import h5py
import numpy as np


def trustworthiness(x, y, k):
    n = len(x)

    def sqdist(a):
        g = a @ a.T
        sq = np.diag(g)
        return sq[:, None] + sq[None, :] - 2 * g

    dx = sqdist(x)
    np.fill_diagonal(dx, np.inf)
    dy = sqdist(y)
    np.fill_diagonal(dy, np.inf)
    # Ranks in the original space, 1-based among the other points; ties by index (stable sort).
    order_x = np.argsort(dx, axis=1, kind="stable")
    rank = np.empty((n, n), dtype=np.int64)
    rank[np.arange(n)[:, None], order_x] = np.arange(1, n + 1)[None, :]
    near_y = np.argsort(dy, axis=1, kind="stable")[:, :k]
    r = rank[np.arange(n)[:, None], near_y] - k
    t = r[r > 0].sum()
    return 1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * t


def main():
    dump, layout_json, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(layout_json) as f:
        r = json.load(f)
    assert not r["spherized"], "the reference covers unspherized layouts"
    rows, coords = [], []
    with h5py.File(dump, "r") as f:
        for name, layer in zip(r["layers"], r["coordinates"]):
            x = np.asarray(f[name][...], dtype=np.float64).reshape(-1, r_width(f, name))
            for t, c in enumerate(layer):
                if c is None:
                    continue
                rows.append(x[t])
                coords.append(c[: r["dims"]])
    x = np.array(rows)
    y = np.array(coords, dtype=np.float64)
    assert r["trustworthiness"]["states"] == len(x), "run project with --trustworthiness >= states"
    xs, ys = x, y
    xc = xs - x.mean(axis=0)
    # PCA-3D of all the states (the basis is fit on every state, the score taken on the sample).
    cov = np.cov((x - x.mean(axis=0)).T, bias=True)
    w, v = np.linalg.eigh(cov)
    pcs = v[:, np.argsort(w)[::-1][:3]]
    print(json.dumps({"n": len(xs), "layout": trustworthiness(xs, ys, k),
                      "pca3": trustworthiness(xs, xc @ pcs, k)}))


def r_width(f, name):
    return f[name].shape[-1]


if __name__ == "__main__":
    main()
