#!/usr/bin/python3
"""eigenscope-cli weights' power-law fits (alpha, xmin, KS) against R's poweRlaw, run in the
same test (issue 19). The spectra: every 2-D weight of resources/demo/demo.h5 and the seeded
synthetic samples of tests/reference/reference_powerlaw.py, written at test time as float64
matrices with those singular values; the eigenvalues given to poweRlaw are the squares of the
singular values the CLI reports, above 1e-5, so both fit the same numbers.

poweRlaw runs on the values rescaled below 0.5 by a power of two: there its continuous CDF's
round(xmin) line does nothing and the fit must agree (xmin equal, tail size equal, alpha to 1e-6
relative, KS to 1e-6). On the raw values it must agree too, except where that line zeroes the
fitted CDF of a tail value (reference_powerlaw.quirk_explains): issue 19's mlp.W_in case.
Also checks that poweRlaw reproduces the checked-in fixture of the core test.

Fails, not skips, without Rscript and poweRlaw (apt-get install r-cran-powerlaw).
Needs EIGENSCOPE_CLI = the built CLI.
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
import reference_powerlaw as ref  # noqa: E402

CLI = os.environ.get("EIGENSCOPE_CLI", "")


def cli_fits(path):
    """name -> (eigenvalues the fit saw, alpha, xmin, ks, n) from `weights --json`."""
    p = subprocess.run([CLI, "weights", path, "--json"], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    out = {}
    for m in json.loads(p.stdout)["matrices"]:
        ev = sorted(s * s for s in m["singular_values"] if s * s > ref.FLOOR)
        out[m["name"]] = (np.asarray(ev), m["alpha"], m["xmin"], m["ks"], m["alpha_n"])
    return out


def write_synthetic(path):
    """The synthetic spectra as float64 weights whose singular values are their square roots."""
    rng = np.random.default_rng(99)
    names = []
    with h5py.File(path, "w") as f:
        for i, (name, x, _) in enumerate(ref.synthetic_spectra()):
            n = len(x)
            u, _ = np.linalg.qr(rng.standard_normal((n, n)))
            v, _ = np.linalg.qr(rng.standard_normal((n + 16, n)))
            f.create_dataset(f"blocks.{i}.mlp.W_in", data=(u * np.sqrt(x)) @ v.T)
            names.append((f"blocks.{i}.mlp.W_in", name))
    return names


class PowerLawAgainstPoweRlaw(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        assert CLI and os.access(CLI, os.X_OK), "EIGENSCOPE_CLI must name the built eigenscope-cli"
        try:
            _, cls.version = ref.rscript()
        except RuntimeError as e:
            raise AssertionError(str(e)) from None
        cls.tmp = tempfile.TemporaryDirectory()
        synth = os.path.join(cls.tmp.name, "synthetic.h5")
        aliases = dict(write_synthetic(synth))
        cls.spectra = []  # (label, eigenvalues, alpha, xmin, ks, n) as the CLI gave them
        for path, label in ((ref.DEMO, lambda k: "demo " + k),
                            (synth, lambda k: "synthetic " + aliases[k])):
            for k, v in sorted(cli_fits(path).items()):
                cls.spectra.append((label(k),) + v)
        with open(ref.OUT) as f:
            cls.fixture = json.load(f)["cases"]
        cls.r = ref.poweRlaw_fits([s[1] for s in cls.spectra] +
                                  [np.asarray(c["eigenvalues"]) for c in cls.fixture])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_spectrum_agrees_with_poweRlaw(self):
        self.assertEqual(len(self.spectra), 11 + 5)
        worst_a = worst_ks = 0.0
        print(f"\npoweRlaw {self.version}: spectrum, alpha (Eigenscope), |rel diff| alpha, "
              "|diff| KS, xmin, n; raw poweRlaw's xmin if it differs", file=sys.stderr)
        for (label, x, alpha, xmin, ks, n), r in zip(self.spectra, self.r):
            with self.subTest(spectrum=label):
                s = r["rescaled"]
                self.assertIsNotNone(alpha)
                self.assertEqual(xmin, s["xmin"])
                self.assertEqual(n, s["n"])
                self.assertLessEqual(abs(alpha - s["alpha"]), 1e-6 * s["alpha"])
                self.assertLessEqual(abs(ks - s["ks"]), 1e-6)
                worst_a = max(worst_a, abs(alpha - s["alpha"]) / s["alpha"])
                worst_ks = max(worst_ks, abs(ks - s["ks"]))
                raw = r["raw"]
                if raw["xmin"] != xmin:
                    self.assertTrue(ref.quirk_explains(x, xmin),
                                    f"raw poweRlaw's xmin {raw['xmin']} != {xmin}, not round()")
                else:
                    self.assertLessEqual(abs(alpha - raw["alpha"]), 1e-6 * raw["alpha"])
                print(f"  {label:30s} a={alpha:.6f} {abs(alpha - s['alpha']) / s['alpha']:.1e} "
                      f"{abs(ks - s['ks']):.1e} xmin={xmin:.5g} n={n}"
                      + ("" if raw["xmin"] == xmin else
                         f"   raw poweRlaw: xmin={raw['xmin']:.5g} n={raw['n']} "
                         f"a={raw['alpha']:.4f} (round(xmin) = {round(xmin)})"), file=sys.stderr)
        print(f"  worst: alpha {worst_a:.2e} relative, KS {worst_ks:.2e}", file=sys.stderr)

    def test_issue_19_mlp_w_in_case(self):
        """A 13-value tail from 2.565: raw poweRlaw fits the bulk because round(2.565) = 3."""
        i = [s[0] for s in self.spectra].index("synthetic mW_in_like")
        _, x, alpha, xmin, ks, n = self.spectra[i]
        self.assertEqual(n, 13)
        self.assertAlmostEqual(xmin, 2.565, places=9)
        raw = self.r[i]["raw"]
        self.assertLess(raw["xmin"], 0.2)
        self.assertGreater(raw["n"], 100)
        self.assertTrue(ref.quirk_explains(x, xmin))
        self.assertEqual(ref.two_step_fit(x)["n"], 13, "the two-step KS picks this tail too")

    def test_poweRlaw_reproduces_the_fixture(self):
        fits = self.r[len(self.spectra):]
        self.assertEqual(len(fits), len(self.fixture))
        for c, r in zip(self.fixture, fits):
            for run in ("raw", "rescaled"):
                with self.subTest(case=c["name"], run=run):
                    self.assertEqual(r[run]["xmin"], c[run]["xmin"])
                    self.assertEqual(r[run]["n"], c[run]["n"])
                    self.assertTrue(math.isclose(r[run]["alpha"], c[run]["alpha"], rel_tol=1e-12))
                    self.assertTrue(math.isclose(r[run]["ks"], c[run]["ks"], abs_tol=1e-12))


if __name__ == "__main__":
    unittest.main(verbosity=2)
