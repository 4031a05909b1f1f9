"""What the MPI and bundle tests share: the CLI, mpirun as this machine needs it, a real
TransformerLens-layout dump with activations and weights written with h5py, and a comparison of
two JSON documents to a relative tolerance."""
import json
import math
import os
import subprocess

import h5py
import numpy as np

CLI = os.environ.get("EIGENSCOPE_CLI", "")
APP = os.environ.get("EIGENSCOPE_APP", "")
MPIRUN = os.environ.get("EIGENSCOPE_MPIRUN", "mpirun")


def mpirun(n):
    """mpirun -n N: --oversubscribe beyond the cores, --allow-run-as-root only as root."""
    cmd = [MPIRUN, "-n", str(n), "--oversubscribe"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    return cmd


def run(args, ranks=0, timeout=300, env=None):
    """The CLI alone (ranks=0) or under mpirun -n ranks."""
    cmd = (mpirun(ranks) if ranks else []) + [CLI, *args]
    e = dict(os.environ, **(env or {}))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e)


def write_dump(path, rng, n_layers=4, n_prompts=3, P=20, d=24, n_heads=3, d_head=8, d_mlp=40,
               vocab=50):
    """Residual stream (embed + every block's output), tokens, and the weights of every block."""
    with h5py.File(path, "w") as f:
        f.attrs.update({"n_layers": n_layers, "n_heads": n_heads, "d_model": d, "d_head": d_head})
        x = rng.standard_normal((n_prompts, P, d)).astype(np.float32)
        for layer in range(n_layers):
            if layer == 0:
                f["blocks.0.hook_resid_pre"] = x
            # Each block adds a low-rank update, so spectra differ from layer to layer.
            u = rng.standard_normal((d, 3)).astype(np.float32)
            x = (x + 0.7 * np.tanh(x @ u) @ u.T / 3).astype(np.float32)
            f[f"blocks.{layer}.hook_resid_post"] = x
            for w, shape in (("W_Q", (n_heads, d, d_head)), ("W_K", (n_heads, d, d_head)),
                             ("W_V", (n_heads, d, d_head)), ("W_O", (n_heads, d_head, d))):
                f[f"blocks.{layer}.attn.{w}"] = (rng.standard_normal(shape) / math.sqrt(d)).astype(np.float32)
            f[f"blocks.{layer}.mlp.W_in"] = rng.standard_normal((d, d_mlp)).astype(np.float32)
            f[f"blocks.{layer}.mlp.W_out"] = rng.standard_normal((d_mlp, d)).astype(np.float32)
        f["embed.W_E"] = rng.standard_normal((vocab, d)).astype(np.float32)
        f["unembed.W_U"] = rng.standard_normal((d, vocab)).astype(np.float32)
        words = np.array([[f"w{p}_{i}" for i in range(P)] for p in range(n_prompts)], dtype=object)
        f.create_dataset("tokens", data=words, dtype=h5py.string_dtype())
        f["token_ids"] = rng.integers(0, vocab, size=(n_prompts, P)).astype(np.int64)


def resid_states(path):
    """The residual stream as numpy float64: [states, tokens, d]."""
    with h5py.File(path, "r") as f:
        n = sum(1 for k in f if k.startswith("blocks.") and k.endswith("hook_resid_post"))
        xs = [f["blocks.0.hook_resid_pre"][()]] + [f[f"blocks.{l}.hook_resid_post"][()] for l in range(n)]
    return np.stack([x.reshape(-1, x.shape[-1]) for x in xs]).astype(np.float64)


def assert_close(tc, a, b, tol=1e-10, where="$"):
    """Same structure, strings and integers equal, floats equal to tol relative (absolute below
    magnitude 1)."""
    if isinstance(a, dict):
        tc.assertIsInstance(b, dict, where)
        tc.assertEqual(sorted(a), sorted(b), where)
        for k in a:
            assert_close(tc, a[k], b[k], tol, f"{where}.{k}")
    elif isinstance(a, list):
        tc.assertIsInstance(b, list, where)
        tc.assertEqual(len(a), len(b), where)
        for i, (x, y) in enumerate(zip(a, b)):
            assert_close(tc, x, y, tol, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        tc.assertIsNotNone(b, where)
        tc.assertIsNotNone(a, where)
        tc.assertLessEqual(abs(a - b), tol * max(1.0, abs(a), abs(b)), f"{where}: {a} vs {b}")
    else:
        tc.assertEqual(a, b, where)


def sign_fixed(v):
    """A unit vector with its largest-magnitude entry positive (directions are defined up to sign)."""
    v = np.asarray(v, dtype=np.float64)
    return v if v[np.argmax(np.abs(v))] >= 0 else -v
