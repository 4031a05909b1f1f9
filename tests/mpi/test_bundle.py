#!/usr/bin/env python3
"""Results bundles of a dump written here with h5py, made alone and under mpirun -n 2: after the
dump is moved away, `eigenscope-cli info` reads the bundle (its provenance: path, SHA-256 and
size, equal to hashlib's), `eigenscope --export trajectory` and `--export spectrum` of the bundle
give the numbers the CLI computes on the dump (1e-10), the sampled token states are the dump's
rows at the recorded indices, a view that needs raw states says what the bundle lacks, and the
bundle made under MPI holds the same results as the one made alone. Every view a bundle backs
(trajectory, spectrum, cka, equaliser, lens, weight_spectrum, heads) exports from the bundle, dump moved
away, the numbers `eigenscope --export` gives on the dump itself (1e-10): the equaliser and the
lens of sampled token j equal those of the dump's token sample_token_index[j].

Needs EIGENSCOPE_CLI, EIGENSCOPE_APP and mpirun; Debian's python (numpy, h5py)."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import h5py
import numpy as np

from mpi_support import APP, CLI, assert_close, resid_states, run, write_dump


def export(view, bundle, out, *extra):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([APP, "--export", view, "--out", out, *extra, bundle],
                          capture_output=True, text=True, timeout=300, env=env)


# The views a bundle backs, with the app's options for them (TOKEN: the token followed).
VIEWS = [("trajectory", []), ("spectrum", []), ("cka", []),
         ("equaliser", ["--token", "TOKEN"]), ("lens", ["--token", "TOKEN"]),
         ("weight_spectrum", ["--set", "matrix=blocks.2.mlp.W_in"]),
         ("heads", []), ("heads", ["--set", "metric=ov_cosine", "--set", "all_layers=true"])]
# What differs between a sampled token and the dump's token it copies: its index and place.
TOKEN_KEYS = {"token", "vocab_source"}


def count_numbers(x):
    """How many numbers a JSON document holds (a comparison of none would prove nothing)."""
    if isinstance(x, dict):
        return sum(count_numbers(v) for v in x.values())
    if isinstance(x, list):
        return sum(count_numbers(v) for v in x)
    return 1 if isinstance(x, (int, float)) and not isinstance(x, bool) else 0


class Bundle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        t = cls.tmp.name
        cls.dump = os.path.join(t, "run.h5")
        write_dump(cls.dump, np.random.default_rng(7), n_layers=4, n_prompts=3, P=40, d=24)
        # A final LayerNorm and its eps, so that the lens of the bundle normalises as the dump's.
        with h5py.File(cls.dump, "a") as f:
            rng = np.random.default_rng(8)
            f["ln_final.w"] = (1 + 0.1 * rng.standard_normal(24)).astype(np.float32)
            f["ln_final.b"] = (0.1 * rng.standard_normal(24)).astype(np.float32)
            f.attrs["eps"] = 1e-5
        with open(cls.dump, "rb") as f:
            cls.sha = hashlib.sha256(f.read()).hexdigest()
        cls.size = os.path.getsize(cls.dump)
        cls.states = resid_states(cls.dump)
        # What the CLI computes on the dump itself, before it is moved away.
        cls.direct = {}
        for verb, args in (("trajectory", ["--json", "--per-token"]),
                           ("spectrum", ["--all-layers", "--json"]),
                           ("cka", ["--json"]),
                           ("equaliser", ["--layer", "0", "--token", "3", "--bands", "32",
                                          "--json"])):
            r = run([verb, cls.dump, *args])
            assert r.returncode == 0, r.stderr
            cls.direct[verb] = json.loads(r.stdout)
        # The app's exports of every bundled view on the dump itself: the equaliser and lens of
        # the dump's token behind sampled token 3 of the 50-token bundles (sample_tokens).
        cls.token3 = 3 * 119 // 49
        cls.on_dump = {}
        for view, extra in VIEWS:
            out = os.path.join(t, f"dump-{view}.json")
            key = view + "".join(extra)
            extra = [str(cls.token3) if a == "TOKEN" else a for a in extra]
            r = export(view, cls.dump, out, *extra)
            assert r.returncode == 0, f"{view}: {r.stderr}"
            with open(out) as f:
                cls.on_dump[key] = json.load(f)["data"]
            os.remove(out)
        cls.full = os.path.join(t, "full.h5")
        cls.made_full = run(["bundle", cls.dump, "--out", cls.full, "--sample", "1000"])
        cls.alone = os.path.join(t, "alone.h5")
        cls.dist = os.path.join(t, "dist.h5")
        cls.made = {
            "alone": run(["bundle", cls.dump, "--out", cls.alone, "--sample", "50"]),
            "dist": run(["bundle", cls.dump, "--out", cls.dist, "--sample", "50"], ranks=2),
        }
        # Away with the dump: the bundles must stand on their own.
        cls.out = tempfile.mkdtemp(prefix="exports", dir=t)
        cls.moved = os.path.join(t, "elsewhere")
        os.mkdir(cls.moved)
        shutil.move(cls.dump, os.path.join(cls.moved, "run.h5"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.assertTrue(CLI and os.access(CLI, os.X_OK), "EIGENSCOPE_CLI must name the built CLI")
        self.assertTrue(APP and os.access(APP, os.X_OK), "EIGENSCOPE_APP must name the built app")
        self.assertFalse(os.path.exists(self.dump))

    def test_made_alone_and_under_mpi(self):
        for name, r in self.made.items():
            self.assertEqual(r.returncode, 0, f"{name}: {r.stderr}")
            self.assertEqual(r.stderr, "", name)
            out = json.loads(r.stdout)
            self.assertEqual(out["ranks"], 2 if name == "dist" else 1)
            self.assertEqual(out["sampled_tokens"], 50)
        # No temporary file left beside the outputs.
        self.assertEqual(sorted(os.listdir(self.tmp.name)),
                         sorted(["alone.h5", "dist.h5", "full.h5", "elsewhere",
                                 os.path.basename(self.out)]))

    def test_info_reads_provenance(self):
        r = run(["info", self.alone, "--json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        info = json.loads(r.stdout)
        b = info["bundle"]
        self.assertEqual(b["source"], self.dump)
        self.assertEqual(b["files"], [{"path": self.dump, "sha256": self.sha, "bytes": self.size}])
        self.assertEqual((b["tokens"], b["sampled_tokens"], b["states"], b["d"]), (120, 50, 5, 24))
        self.assertIn("trajectory/resid/final_norm=0", b["results"])
        self.assertIn("spectrum/resid/centred=1/top=16", b["results"])
        self.assertIn("cka/resid", b["results"])
        self.assertIn("weights", b["results"])
        text = run(["info", self.dist])
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn(self.sha, text.stdout)
        self.assertIn("2 ranks", text.stdout)

    def test_sample_is_the_dumps_rows(self):
        with h5py.File(self.alone, "r") as f:
            idx = f["eigenscope_bundle/sample_token_index"][()]
            self.assertEqual(len(idx), 50)
            self.assertEqual((idx[0], idx[-1]), (0, 119))
            # Bit for bit: the bundle copies the sampled rows of the dump, it computes nothing.
            np.testing.assert_array_equal(f["blocks.0.hook_resid_pre"][()], self.states[0][idx])
            np.testing.assert_array_equal(f["blocks.3.hook_resid_post"][()], self.states[4][idx])
            tokens = [t.decode() for t in f["tokens"][()]]
            self.assertEqual(tokens[1], f"w{int(idx[1]) // 40}_{int(idx[1]) % 40}")

    def test_export_trajectory_equals_direct(self):
        direct = self.direct["trajectory"]
        x = self.states
        norms = np.linalg.norm(x, axis=2)
        for bundle in (self.alone, self.dist):
            out = os.path.join(self.out, "t.json")
            r = export("trajectory", bundle, out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                got = json.load(f)["data"]
            for key in ("stream", "layers", "tokens", "excluded_tokens", "norm", "cos_prev",
                        "cos_first", "growth_ratio"):
                assert_close(self, direct[key], got[key], where=key)
            # Per-layer means over all 120 tokens, not the 50 sampled: numpy's.
            np.testing.assert_allclose(got["norm"]["mean"], norms.mean(axis=1), rtol=1e-6)
            os.remove(out)

    def test_export_spectrum_equals_direct(self):
        out = os.path.join(self.out, "s.json")
        r = export("spectrum", self.dist, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            got = json.load(f)["data"]
        for a, b in zip(self.direct["spectrum"]["layers"], got["layers"]):
            assert_close(self, a["singular_values"], b["singular_values"])
            assert_close(self, a["effective_rank"], b["effective_rank"])
        os.remove(out)

    def test_every_bundled_view_equals_the_dumps_export(self):
        with h5py.File(self.alone, "r") as f:
            self.assertEqual(int(f["eigenscope_bundle/sample_token_index"][3]), self.token3)
        for bundle in (self.alone, self.dist):
            for view, extra in VIEWS:
                out = os.path.join(self.out, f"b-{view}.json")
                key = view + "".join(extra)
                extra = ["3" if a == "TOKEN" else a for a in extra]
                r = export(view, bundle, out, *extra)
                self.assertEqual(r.returncode, 0, f"{view}: {r.stderr}")
                with open(out) as f:
                    got = json.load(f)["data"]
                os.remove(out)
                want = self.on_dump[key]
                if view == "trajectory":  # per-token lines: those of the sampled tokens only
                    got = {k: v for k, v in got.items() if k != "per_token"}
                    want = {k: v for k, v in want.items() if k != "per_token"}
                if view in ("equaliser", "lens"):
                    got = {k: v for k, v in got.items() if k not in TOKEN_KEYS}
                    want = {k: v for k, v in want.items() if k not in TOKEN_KEYS}
                self.assertGreaterEqual(count_numbers(want), 10, view)
                assert_close(self, want, got, where=f"{os.path.basename(bundle)}:{view}")
        # And the numbers are numpy's: the lens of token3 at the last state.
        x = self.states[-1][self.token3]
        with h5py.File(os.path.join(self.moved, "run.h5"), "r") as f:
            w, b, wu = f["ln_final.w"][()], f["ln_final.b"][()], f["unembed.W_U"][()]
        xn = (x - x.mean()) / np.sqrt(x.var() + 1e-5) * w + b
        logits = xn @ wu.astype(np.float64)
        top = int(np.argmax(logits))
        last = self.on_dump["lens--tokenTOKEN"]["layers"][-1]
        self.assertEqual(last["top"][0]["id"], top)
        self.assertAlmostEqual(last["top"][0]["logit"], logits[top], delta=1e-4 * abs(logits[top]))

    def test_view_without_bundled_result_says_what_lacks(self):
        out = os.path.join(self.out, "e.json")
        r = export("timescales", self.alone, out)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("holds no timescales", r.stderr)
        self.assertIn("50 of 120 tokens", r.stderr)
        self.assertIn(self.dump, r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_equaliser_from_a_sample_of_every_token(self):
        # A bundle whose sample is every token: a view without a bundled result computes from it.
        self.assertEqual(self.made_full.returncode, 0, self.made_full.stderr)
        out = os.path.join(self.out, "eq.json")
        r = export("equaliser", self.full, out, "--token", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            got = json.load(f)["data"]
        direct = self.direct["equaliser"]
        common = [k for k in direct if k in got]
        self.assertIn("frames", common)
        for k in common:
            assert_close(self, direct[k], got[k], where=k)
        os.remove(out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
