#!/usr/bin/python3
"""Synthetic attention weights with planted structure, for the head-circuit performance target
("all head circuits with alpha for a 32-layer, 32-head, D = 4096 model: under 60 s").

    make_head_weights.py --out FILE [--layers 32] [--heads 32] [--d-model 4096] [--d-head 128]

Writes TransformerLens weight names blocks.{l}.attn.W_Q / W_K / W_V [H, D, d_head] and
blocks.{l}.attn.W_O [H, d_head, D], float16, contiguous (32 x 32 x 4096 x 128: about 4.3 GB),
plus a small residual-stream cache (blocks.0.hook_resid_pre, blocks.{l}.hook_resid_post, 1 x 16 x D)
and tokens, as tests/fixtures/make_fixtures.py does. No 2-D weights, so `weights --json` spends its
time on the head circuits alone.

What is planted: for head h of layer l, W_Q = A diag(s) R and W_K = B diag(s) R with A, B
orthonormal D x d_head bases, R a random d_head x d_head rotation shared by the pair, and
s_i = c * i^-p, p in [0.25, 1.0] varying over heads, so QK = A diag(s^2) B^T has a power-law
spectrum whose exponent differs from head to head; likewise W_V and W_O^T for OV. A small Gaussian
floor keeps every circuit full rank. Deterministic (seeded); written layer by layer, so the memory
stays around a few hundred MB.
"""
import argparse
import os
import sys
import time

import h5py
import numpy as np


def orthonormal(rng, n, d, k):
    """n stacked d x k matrices with orthonormal columns (float32)."""
    q, _ = np.linalg.qr(rng.standard_normal((n, d, k), dtype=np.float32))
    return q


def layer_weights(rng, H, D, dh):
    idx = np.arange(1, dh + 1, dtype=np.float32)
    p = rng.uniform(0.25, 1.0, size=(H, 1)).astype(np.float32)
    s = (idx[None, :] ** -p) * np.float32(4.0)  # H x dh; entries ~ 4 / sqrt(D) at the top
    floor = np.float32(2e-4)
    out = {}
    for first, second in (("W_Q", "W_K"), ("W_V", "W_O")):
        r = orthonormal(rng, H, dh, dh)          # shared inner rotation of the pair
        a = orthonormal(rng, H, D, dh)
        b = orthonormal(rng, H, D, dh)
        wa = (a * s[:, None, :]) @ r             # H x D x dh
        wb = (b * s[:, None, :]) @ r             # H x D x dh
        wa += floor * rng.standard_normal(wa.shape, dtype=np.float32)
        wb += floor * rng.standard_normal(wb.shape, dtype=np.float32)
        out[first] = wa.astype(np.float16)
        out[second] = (np.ascontiguousarray(wb.transpose(0, 2, 1)) if second == "W_O" else wb).astype(np.float16)
        del r, a, b, wa, wb
    return out, p[:, 0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--heads", type=int, default=32)
    ap.add_argument("--d-model", type=int, default=4096)
    ap.add_argument("--d-head", type=int, default=128)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    L, H, D, dh = a.layers, a.heads, a.d_model, a.d_head
    rng = np.random.default_rng(a.seed)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".part"
    t0 = time.time()
    P = 16
    with h5py.File(tmp, "w") as f:
        f.attrs["step"] = 0
        f.attrs["generator"] = "tests/bench/make_head_weights.py"
        f.attrs["planted"] = "per-head power-law circuit spectra s_i^2, s_i = 4 i^-p, p ~ U(0.25, 1)"
        f.create_dataset("tokens", data=np.arange(P, dtype=np.int64).reshape(1, P))
        x = rng.standard_normal((1, P, D), dtype=np.float32)
        f.create_dataset("blocks.0.hook_resid_pre", data=x.astype(np.float16))
        exps = np.zeros((L, H), np.float32)
        for l in range(L):
            w, exps[l] = layer_weights(rng, H, D, dh)
            for name in ("W_Q", "W_K", "W_V", "W_O"):
                f.create_dataset(f"blocks.{l}.attn.{name}", data=w[name])
            del w
            x = x + 0.5 * rng.standard_normal((1, P, D), dtype=np.float32)
            f.create_dataset(f"blocks.{l}.hook_resid_post", data=x.astype(np.float16))
            print(f"  layer {l + 1}/{L} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
        f.attrs["planted_exponents"] = exps  # p per (layer, head)
    os.replace(tmp, a.out)
    print(f"wrote {a.out}: {L} layers x {H} heads, D = {D}, d_head = {dh}, float16, "
          f"{os.path.getsize(a.out) / 1e9:.2f} GB in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
