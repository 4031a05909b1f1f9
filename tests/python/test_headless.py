#!/usr/bin/env python3
"""eigenscope without a display (over SSH, in CI): --help and --version work and exit 0; opening
the window exits 2 with a sentence saying what to do (xvfb-run, --export, eigenscope-cli), never
Qt's abort. Needs EIGENSCOPE_APP = the built desktop executable."""
import os
import subprocess
import unittest

APP = os.environ.get("EIGENSCOPE_APP", "")
DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "demo", "demo.h5")


def run(*args):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return subprocess.run([APP, *args], capture_output=True, text=True, timeout=60, env=env)


class Headless(unittest.TestCase):
    def setUp(self):
        self.assertTrue(APP and os.access(APP, os.X_OK), "EIGENSCOPE_APP must name the built eigenscope")

    def test_help(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--export", r.stdout)
        self.assertIn("projection3d", r.stdout)

    def test_version(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"Eigenscope \d+\.\d+")

    def test_window_without_display_says_what_to_do(self):
        r = run(DEMO)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("no display", r.stderr)
        self.assertIn("xvfb-run -a eigenscope", r.stderr)
        self.assertIn("eigenscope-cli", r.stderr)
        self.assertNotIn("platform plugin", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
