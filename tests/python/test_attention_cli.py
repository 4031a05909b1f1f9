#!/usr/bin/env python3
"""eigenscope-cli attention against h5py: the pattern (and scores) of every head of a dump written
here with random softmax rows, and of the demo, equal the stored float32/float16 values (a copy
is a contract: bit-identical); the tokens are the prompt's; bad indices exit 2 naming the file.

Needs EIGENSCOPE_CLI = the built CLI; run with Debian's python (numpy, h5py)."""
import json
import os
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

CLI = os.environ.get("EIGENSCOPE_CLI", "")
DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "demo", "demo.h5")


def cli(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)


def write_dump(path, rng, n_layers=3, n_prompts=2, n_heads=3, P=7, d=16):
    """A small TransformerLens-layout dump: residual stream, tokens, patterns and scores."""
    with h5py.File(path, "w") as f:
        f.attrs.update({"n_layers": n_layers, "n_heads": n_heads, "d_model": d, "d_head": d // n_heads})
        f["hook_embed"] = rng.standard_normal((n_prompts, P, d)).astype(np.float32)
        for layer in range(n_layers):
            f[f"blocks.{layer}.hook_resid_pre"] = rng.standard_normal((n_prompts, P, d)).astype(np.float32)
            f[f"blocks.{layer}.hook_resid_post"] = rng.standard_normal((n_prompts, P, d)).astype(np.float32)
            scores = rng.standard_normal((n_prompts, n_heads, P, P)).astype(np.float32)
            mask = np.triu(np.ones((P, P), bool), 1)
            masked = np.where(mask, -np.inf, scores)
            pattern = np.exp(masked - masked.max(-1, keepdims=True))
            pattern /= pattern.sum(-1, keepdims=True)
            f[f"blocks.{layer}.attn.hook_pattern"] = pattern.astype(np.float32)
            f[f"blocks.{layer}.attn.hook_attn_scores"] = scores
        words = np.array([[f"w{p}_{i}" for i in range(P)] for p in range(n_prompts)], dtype=object)
        f.create_dataset("tokens", data=words, dtype=h5py.string_dtype())
        f["token_ids"] = np.arange(n_prompts * P, dtype=np.int32).reshape(n_prompts, P)


class AttentionCli(unittest.TestCase):
    def setUp(self):
        self.assertTrue(CLI and os.access(CLI, os.X_OK), "EIGENSCOPE_CLI must name the built eigenscope-cli")

    def check(self, path, layer, head, prompt, scores=False):
        name = "hook_attn_scores" if scores else "hook_pattern"
        with h5py.File(path, "r") as f:
            want = np.asarray(f[f"blocks.{layer}.attn.{name}"][prompt, head], dtype=np.float32)
            tokens = [t.decode() if isinstance(t, bytes) else t for t in f["tokens"][prompt]]
        extra = ["--scores"] if scores else []
        args = ["attention", path, "--layer", str(layer), "--head", str(head), "--prompt", str(prompt)]
        j = cli(*args, "--json", *extra)
        self.assertEqual(j.returncode, 0, j.stderr)
        out = json.loads(j.stdout)
        self.assertEqual((out["layer"], out["head"], out["prompt"]), (layer, head, prompt))
        self.assertEqual(out["positions"], want.shape[0])
        self.assertEqual(out["tokens"], tokens)
        got = np.array(out["weights"], dtype=np.float64).astype(np.float32)
        np.testing.assert_array_equal(got, want)  # stored values copied: bit-identical
        c = cli(*args, "--csv", *extra)
        self.assertEqual(c.returncode, 0, c.stderr)
        rows = [r.split(",") for r in c.stdout.strip().splitlines()]
        self.assertEqual(rows[0], ["query", "key", "weight"])
        self.assertEqual(len(rows) - 1, want.size)
        for q, k, w in rows[1:]:
            self.assertEqual(np.float32(float(w)), want[int(q), int(k)])

    def test_random_dump_every_head(self):
        rng = np.random.default_rng(20261206)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "attn.h5")
            write_dump(path, rng)
            for layer in range(3):
                for head in range(3):
                    self.check(path, layer, head, prompt=(layer + head) % 2)
            self.check(path, 2, 1, 1, scores=True)
            # Out of range: exit 2, the message names the file; nothing on stdout.
            bad = cli("attention", path, "--layer", "3", "--head", "0", "--json")
            self.assertEqual(bad.returncode, 2, bad.stderr)
            self.assertIn("attn.h5", bad.stderr)
            self.assertEqual(bad.stdout, "")
            usage = cli("attention", path, "--json")
            self.assertEqual(usage.returncode, 2, usage.stderr)  # a usage error
            self.assertIn("--layer", usage.stderr)

    def test_demo_float16(self):
        self.check(DEMO, 1, 2, 0)
        self.check(DEMO, 3, 0, 5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
