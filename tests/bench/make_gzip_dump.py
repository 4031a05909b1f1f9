"""Synthetic Hugging Face-layout dump for the benchmarks (run with Debian's /usr/bin/python3).

usage: make_gzip_dump.py OUT.h5 [L P D] [--dtype f2|f4] [--plain]
hidden_states (L, P, D), chunks (1, 256, D); gzip level 4 + shuffle unless --plain (then
contiguous). Each layer is a rank-64 signal with a power-law spectrum plus noise, so the
values look like activations (and compress like them: mostly mantissa noise).
"""
import sys

import h5py
import numpy as np

args = [a for a in sys.argv[1:] if not a.startswith("--")]
flags = [a for a in sys.argv[1:] if a.startswith("--")]
out = args[0]
L, P, D = (int(v) for v in args[1:4]) if len(args) >= 4 else (8, 4096, 4096)
dtype = "f4" if "--dtype=f4" in flags else "f2"
plain = "--plain" in flags

rng = np.random.default_rng(1)
with h5py.File(out, "w") as f:
    kw = {} if plain else dict(chunks=(1, min(256, P), D), compression="gzip",
                               compression_opts=4, shuffle=True)
    ds = f.create_dataset("hidden_states", shape=(L, P, D), dtype=dtype, **kw)
    ds.attrs["final_norm_applied"] = False
    k = 64
    scale = (np.arange(1, k + 1) ** -0.7).astype(np.float32) * 20
    for layer in range(L):
        a = rng.standard_normal((P, k), dtype=np.float32) * scale
        b = rng.standard_normal((k, D), dtype=np.float32)
        x = a @ b / np.sqrt(k) + rng.standard_normal((P, D), dtype=np.float32)
        ds[layer] = x.astype(dtype)
