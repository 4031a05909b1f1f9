#!/usr/bin/env python3
"""eigenscope-cli under mpirun -n 2 (and 3, more ranks than some blocks) prints what one process
prints, to 1e-10, for spectrum (layers, and token blocks of the D x D scatter when T > D), weights,
heads, trajectory, cka (Gram rows and cross-covariance pairs over the ranks), series (checkpoints
over the ranks) and report on dumps written here with h5py; parts are also sent in messages of a
few hundred bytes (EIGENSCOPE_MPI_MESSAGE_BYTES) to exercise the bounded transfer; the numbers themselves are numpy's (float64 SVD); a failure on the ranks is reported
once by rank 0 with exit 2; a run without mpirun prints no MPI messages.

Needs EIGENSCOPE_CLI and Open MPI's mpirun; run with Debian's python (numpy, h5py)."""
import json
import os
import tempfile
import unittest

import numpy as np

from mpi_support import CLI, assert_close, resid_states, run, sign_fixed, write_dump


class MpiCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        rng = np.random.default_rng(24)
        # T > D (60 tokens, d 24: the streamed D x D scatter) and T < D (12 tokens, d 32: Gram).
        cls.tall = os.path.join(cls.tmp.name, "tall.h5")
        cls.wide = os.path.join(cls.tmp.name, "wide.h5")
        write_dump(cls.tall, rng, n_layers=5)
        write_dump(cls.wide, rng, n_layers=3, n_prompts=2, P=6, d=32)
        # Many tokens, few dimensions: CKA by cross-covariances (fewer flops than Grams).
        cls.long = os.path.join(cls.tmp.name, "long.h5")
        write_dump(cls.long, rng, n_layers=3, n_prompts=4, P=100, d=8, n_heads=2, d_head=4)
        # A checkpoint folder: four steps of a drifting model (the step attribute orders them).
        cls.series = os.path.join(cls.tmp.name, "series")
        os.mkdir(cls.series)
        for i, step in enumerate((0, 100, 200, 300)):
            path = os.path.join(cls.series, f"ckpt_{step}.h5")
            write_dump(path, np.random.default_rng(7), n_layers=2)
            import h5py
            with h5py.File(path, "a") as f:
                f.attrs["step"] = step
                w = f["blocks.0.mlp.W_in"][()]
                del f["blocks.0.mlp.W_in"]
                f["blocks.0.mlp.W_in"] = (w + 0.3 * i * rng.standard_normal(w.shape)).astype(np.float32)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.assertTrue(CLI and os.access(CLI, os.X_OK), "EIGENSCOPE_CLI must name the built CLI")

    def same(self, args, ranks, as_json=True, env=None):
        alone = run(args)
        self.assertEqual(alone.returncode, 0, alone.stderr)
        dist = run(args, ranks=ranks, env=env)
        self.assertEqual(dist.returncode, 0, dist.stderr)
        self.assertEqual(dist.stderr, "", "a distributed run that succeeds prints nothing on stderr")
        if as_json:
            a, b = json.loads(alone.stdout), json.loads(dist.stdout)
            assert_close(self, a, b)
            return a
        self.assertEqual(alone.stdout.splitlines()[0], dist.stdout.splitlines()[0])
        rows_a = [r.split(",") for r in alone.stdout.splitlines()[1:]]
        rows_b = [r.split(",") for r in dist.stdout.splitlines()[1:]]
        self.assertEqual(len(rows_a), len(rows_b))
        for ra, rb in zip(rows_a, rows_b):
            for x, y in zip(ra, rb):
                try:
                    fx, fy = float(x), float(y)
                except ValueError:
                    self.assertEqual(x, y)
                    continue
                self.assertLessEqual(abs(fx - fy), 1e-10 * max(1, abs(fx)))
        return None

    def check_spectra_against_numpy(self, path, out):
        xs = resid_states(path)
        self.assertEqual(len(out["layers"]), xs.shape[0])
        for l, x in zip(out["layers"], xs):
            xc = x - x.mean(axis=0)
            _, s, vt = np.linalg.svd(xc, full_matrices=False)
            k = len(l["singular_values"])
            np.testing.assert_allclose(l["singular_values"], s[:k], rtol=1e-5, atol=1e-5 * s[0])
            for c, v in zip(l["components"][:3], vt[:3]):
                np.testing.assert_allclose(sign_fixed(c), sign_fixed(v), atol=1e-4)

    def test_spectrum_all_layers_two_ranks(self):
        for path in (self.tall, self.wide):
            out = self.same(["spectrum", path, "--all-layers", "--json"], 2)
            self.check_spectra_against_numpy(path, out)

    def test_spectrum_more_ranks_than_layers(self):
        # 4 states on 3 ranks, and 4 ranks on the 4-state wide dump (one each).
        self.same(["spectrum", self.wide, "--all-layers", "--json"], 3)
        self.same(["spectrum", self.wide, "--all-layers", "--csv"], 4, as_json=False)

    def test_weights_two_ranks(self):
        out = self.same(["weights", self.tall, "--json"], 2)
        names = [m["name"] for m in out["matrices"]]
        self.assertIn("blocks.4.mlp.W_out", names)
        self.assertEqual(len(out["heads"]), 5 * 3)
        import h5py
        with h5py.File(self.tall, "r") as f:
            for m in out["matrices"]:
                s = np.linalg.svd(f[m["name"]][()].astype(np.float64), compute_uv=False)
                np.testing.assert_allclose(m["singular_values"], s, rtol=1e-6, atol=1e-6 * s[0])
            for h in out["heads"]:
                q = f[f"blocks.{h['layer']}.attn.W_Q"][h["head"]].astype(np.float64)
                k = f[f"blocks.{h['layer']}.attn.W_K"][h["head"]].astype(np.float64)
                s = np.linalg.svd(q @ k.T, compute_uv=False)[: len(h["qk"]["singular_values"])]
                np.testing.assert_allclose(h["qk"]["singular_values"], s, rtol=1e-6, atol=1e-6 * s[0])
        self.same(["weights", self.tall, "--csv"], 2, as_json=False)
        self.same(["weights", self.tall, "--csv", "--heads"], 3, as_json=False)

    def test_heads_rows_over_ranks(self):
        # 15 heads of 5 layers: rows 0, 2, 4, ... on rank 0 and 1, 3, ... on rank 1 (3 ranks too).
        for metric in ("qk_cosine", "subspace_overlap"):
            for ranks in (2, 3):
                out = self.same(["heads", self.tall, "--all-layers", "--metric", metric, "--json"],
                                ranks)
            m = np.array(out["matrix"], dtype=float)
            self.assertEqual(m.shape, (15, 15))
            np.testing.assert_allclose(m, m.T)
            np.testing.assert_allclose(np.diag(m), 1.0, atol=1e-12)
        import h5py
        with h5py.File(self.tall, "r") as f:
            a = [(f[f"blocks.{l}.attn.W_Q"][h] @ f[f"blocks.{l}.attn.W_K"][h].T).astype(np.float64)
                 for l in range(5) for h in range(3)]
        out = self.same(["heads", self.tall, "--all-layers", "--metric", "qk_cosine", "--json"], 2)
        ref = np.array([[np.sum(x * y) / np.linalg.norm(x) / np.linalg.norm(y) for y in a] for x in a])
        np.testing.assert_allclose(np.array(out["matrix"], dtype=float), ref, atol=1e-6)
        self.same(["heads", self.tall, "--layer", "2", "--metric", "ov_cosine", "--csv"], 2,
                  as_json=False)

    def test_failure_reported_once(self):
        missing = os.path.join(self.tmp.name, "missing.h5")
        r = run(["spectrum", missing, "--all-layers", "--json"], ranks=2)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, "")
        errors = [l for l in r.stderr.splitlines() if l.startswith("error:")]
        self.assertEqual(len(errors), 1, r.stderr)
        self.assertIn("missing.h5", errors[0])

    def test_trajectory_token_blocks(self):
        # 60 tokens in blocks of 30 (2 ranks) and 20 (3 ranks): medians and percentiles over all.
        for ranks in (2, 3):
            out = self.same(["trajectory", self.tall, "--json", "--per-token"], ranks)
        x = resid_states(self.tall)
        norms = np.linalg.norm(x, axis=2)
        np.testing.assert_allclose(out["norm"]["mean"], norms.mean(axis=1), rtol=1e-6)
        np.testing.assert_allclose(out["norm"]["median"], np.median(norms, axis=1), rtol=1e-6)
        self.assertEqual([t["token"] for t in out["per_token"]], list(range(60)))
        self.same(["trajectory", self.tall, "--csv"], 2, as_json=False)

    def test_spectrum_token_blocks(self):
        # One state of tall (60 tokens > d 24): its scatter in token blocks (30 + 30, 20 x 3)
        # merged on rank 0, the parts sent in 700-byte messages.
        small = {"EIGENSCOPE_MPI_MESSAGE_BYTES": "700"}
        x = resid_states(self.tall)[3]
        s = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
        for ranks in (2, 3):
            one = self.same(["spectrum", self.tall, "--layer", "3", "--json"], ranks, env=small)
            np.testing.assert_allclose(one["singular_values"], s, rtol=1e-6, atol=1e-6 * s[0])
        self.same(["spectrum", self.tall, "--layer", "0", "--uncentered", "--csv"], 2,
                  as_json=False)
        # long: 4 states of 400 tokens > d 8 on 5 ranks (fewer states than ranks): every state
        # by token blocks of 80, against one process and numpy.
        out = self.same(["spectrum", self.long, "--all-layers", "--json"], 5, env=small)
        self.check_spectra_against_numpy(self.long, out)
        # As many states as ranks: blocks of states (the tall dump's 6 on 3 ranks).
        self.same(["spectrum", self.tall, "--all-layers", "--json"], 3)

    def check_cka_against_numpy(self, path, out):
        xs = resid_states(path)
        def cka(a, b):
            a, b = a - a.mean(axis=0), b - b.mean(axis=0)
            return np.sum((a.T @ b) ** 2) / np.linalg.norm(a.T @ a) / np.linalg.norm(b.T @ b)
        ref = np.array([[cka(a, b) for b in xs] for a in xs])
        np.testing.assert_allclose(np.array(out["matrix"], dtype=float), ref, rtol=1e-6, atol=1e-9)

    def test_cka_over_ranks(self):
        # wide (12 tokens < d 32) and tall: the Gram form, rows split; long (400 tokens, d 8):
        # the cross-covariance form, norms and pairs split.
        for path, method in ((self.wide, "gram"), (self.tall, "gram"), (self.long, "cross_covariance")):
            for ranks in (2, 3):
                out = self.same(["cka", path, "--json"], ranks,
                                env={"EIGENSCOPE_MPI_MESSAGE_BYTES": "256"})
            self.assertEqual(out["method"], method)
            self.check_cka_against_numpy(path, out)
        self.same(["cka", self.long, "--csv"], 2, as_json=False)
        # Two dumps with the same tokens: rows of one against columns of the other.
        out = self.same(["cka", self.tall, self.tall, "--json"], 3)
        self.check_cka_against_numpy(self.tall, out)

    def test_series_over_ranks(self):
        import h5py
        from scipy.linalg import subspace_angles
        for ranks in (2, 3):
            out = self.same(["series", self.series, "--matrix", "blocks.0.mlp.W_in", "--top", "4",
                             "--json"], ranks)
        self.assertEqual(out["steps"], [0, 100, 200, 300])
        bases = []
        for step, sv in zip(out["steps"], out["singular_values"]):
            with h5py.File(os.path.join(self.series, f"ckpt_{step}.h5"), "r") as f:
                w = f["blocks.0.mlp.W_in"][()].astype(np.float64)
            _, s, vt = np.linalg.svd(w, full_matrices=False)
            np.testing.assert_allclose(sv, s[:4], rtol=1e-6)
            bases.append(vt[:4].T)
        for i in range(1, 4):
            ref = np.sort(np.degrees(subspace_angles(bases[i - 1], bases[i])))
            np.testing.assert_allclose(sorted(out["angles_prev_deg"][i]), ref, atol=1e-4)
        self.same(["series", self.series, "--matrix", "blocks.1.attn.OV[2]", "--top", "3",
                   "--csv"], 4, as_json=False)

    def test_report_over_ranks(self):
        # Rank 0 draws what the ranks computed: the same pages as one process, a real PDF.
        pages = []
        for ranks in (0, 2):
            pdf = os.path.join(self.tmp.name, f"report{ranks}.pdf")
            r = run(["report", self.tall, "--out", pdf], ranks=ranks,
                    env={"QT_QPA_PLATFORM": "offscreen"})
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(pdf, "rb") as f:
                self.assertEqual(f.read(5), b"%PDF-")
            pages.append(r.stderr.strip().splitlines()[-1].split("(")[-1])
        self.assertEqual(pages[0], pages[1])
        self.assertIn("pages", pages[0])

    def test_other_verbs_run_on_rank_zero(self):
        alone = run(["info", self.tall, "--json"])
        dist = run(["info", self.tall, "--json"], ranks=2)
        self.assertEqual(dist.returncode, 0, dist.stderr)
        self.assertEqual(alone.stdout, dist.stdout)

    def test_alone_no_mpi_noise(self):
        r = run(["spectrum", self.wide, "--layer", "1", "--json"])
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stderr, "")
        self.assertEqual(json.loads(r.stdout)["layer"], 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
