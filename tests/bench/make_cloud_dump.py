#!/usr/bin/python3
"""A dump whose states form clusters, for the 3-D view at a million points and UMAP's timing.

    make_cloud_dump.py --states L --tokens T [--d 64] --out FILE

L states x T tokens x d, float16, one dataset per state laid out (T / 1024, 1024, d). Each token
belongs to one of 12 clusters (random centres, spread 1/4 of the distance between them); from
state to state every token drifts towards its cluster's next centre and the norm grows by 4%, so
paths, clusters and density all have something to show. Per-token metadata (token_meta/,
docs/FORMAT.md): `cluster`, each token's cluster (categorical), and `offset`, the length of its
offset from the cluster centre at the first state (a number). Deterministic (seeded); written to
FILE.part and renamed.
"""
import argparse
import os

import h5py
import numpy as np

POSITIONS = 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--states", type=int, required=True)
    ap.add_argument("--tokens", type=int, required=True)
    ap.add_argument("--d", type=int, default=64)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.tokens % POSITIONS:
        raise SystemExit(f"--tokens must be a multiple of {POSITIONS}")
    rng = np.random.default_rng(5)
    clusters = 12
    centres = rng.standard_normal((a.states + 1, clusters, a.d)).astype(np.float32) * 4
    label = rng.integers(0, clusters, a.tokens)
    offset = rng.standard_normal((a.tokens, a.d)).astype(np.float32)
    batch = a.tokens // POSITIONS
    tmp = a.out + ".part"
    with h5py.File(tmp, "w") as f:
        f.attrs["generator"] = "tests/bench/make_cloud_dump.py"
        f.create_dataset("tokens", data=(np.arange(a.tokens) % 50000).reshape(batch, POSITIONS))
        cluster = f.create_dataset("token_meta/cluster", data=label.reshape(batch, POSITIONS))
        cluster.attrs["categorical"] = 1
        f.create_dataset("token_meta/offset",
                         data=np.linalg.norm(offset, axis=1).reshape(batch, POSITIONS))
        for s in range(a.states):
            t = s / max(1, a.states - 1)
            x = (1 - t) * centres[0][label] + t * centres[-1][label] + offset
            x *= np.float32(1.04 ** s)
            name = "blocks.0.hook_resid_pre" if s == 0 else f"blocks.{s - 1}.hook_resid_post"
            f.create_dataset(name, data=x.reshape(batch, POSITIONS, a.d).astype(np.float16))
            offset = 0.97 * offset + 0.25 * rng.standard_normal(offset.shape).astype(np.float32)
    os.replace(tmp, a.out)
    print(f"wrote {a.out}: {a.states} x {a.tokens} x {a.d}")


if __name__ == "__main__":
    main()
