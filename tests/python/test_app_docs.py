#!/usr/bin/python3
"""The views' setting declarations are the reference for their documentation: docs/CLI.md holds
`eigenscope --list-options --markdown` between its view-settings markers, the generated man page is
its template with the VIEW SETTINGS section `eigenscope --list-options --man` prints, and the
options of `eigenscope --help` for headless export are in both.

Needs EIGENSCOPE_APP = the built eigenscope and EIGENSCOPE_APP_MAN = the man page the build
generated. Runs the app without a display (as --list-options must work).
"""
import json
import os
import re
import shutil
import subprocess
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
APP = os.environ.get("EIGENSCOPE_APP", "")
MAN = os.environ.get("EIGENSCOPE_APP_MAN", "")
MAN_TEMPLATE = os.path.join(ROOT, "packaging", "man", "eigenscope.1.in")
DOC = os.path.join(ROOT, "docs", "CLI.md")


def read(path):
    with open(path) as f:
        return f.read()


def headless_env():
    env = dict(os.environ)
    for key in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(key, None)
    return env


def app(*args):
    r = subprocess.run([APP, *args], capture_output=True, text=True, env=headless_env(), timeout=120)
    return r


def man_text(text):
    text = re.sub(r"\\f[BIRP]", "", text)
    return text.replace("\\-", "-").replace("\\e", "\\")


class AppDocs(unittest.TestCase):
    def setUp(self):
        self.assertTrue(APP and os.access(APP, os.X_OK), "EIGENSCOPE_APP must name the built eigenscope")
        self.assertTrue(MAN and os.path.isfile(MAN), "EIGENSCOPE_APP_MAN must name the generated man page")

    def test_docs_cli_has_the_generated_settings_tables(self):
        r = app("--list-options", "--markdown")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        doc = read(DOC)
        m = re.search(r"<!-- view-settings:[^\n]*-->\n(.*?)<!-- /view-settings -->", doc, re.S)
        self.assertTrue(m, "docs/CLI.md: no view-settings markers")
        self.assertEqual(m.group(1), r.stdout,
                         "docs/CLI.md's view settings differ from `eigenscope --list-options --markdown`")

    def test_every_setting_of_every_view_is_documented(self):
        r = app("--list-options", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        views = json.loads(r.stdout)["views"]
        self.assertEqual(len(views), 13)
        doc = read(DOC)
        man = man_text(read(MAN))
        for view in views:
            for setting in view["settings"]:
                with self.subTest(view=view["view"], setting=setting["name"]):
                    self.assertIn(f"| `{setting['name']}` | {setting['type']} |", doc)
                    self.assertIn(setting["help"], man)

    def test_the_man_page_is_its_template_with_the_settings(self):
        r = app("--list-options", "--man")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(".SH VIEW SETTINGS\n"))
        template = read(MAN_TEMPLATE)
        self.assertEqual(template.count("@VIEW_SETTINGS@\n"), 1)
        self.assertEqual(read(MAN), template.replace("@VIEW_SETTINGS@\n", r.stdout))
        if shutil.which("groff"):
            warnings = subprocess.run(["groff", "-man", "-ww", "-z", MAN], capture_output=True, text=True)
            self.assertEqual(warnings.stderr, "", "groff warns about the generated man page")

    def test_the_export_options_are_documented(self):
        r = app("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        options = sorted(set(re.findall(r"(?m)^  (?:-\w, )?(--[a-z-]+)", r.stdout)))
        for option in ("--set", "--stream", "--compare", "--session", "--from-provenance",
                       "--format", "--list-options"):
            self.assertIn(option, options)
        man = man_text(read(MAN))
        doc = read(DOC)
        for option in options:
            if option in ("--help", "--help-all", "--version", "--json", "--view"):
                continue
            with self.subTest(option=option):
                self.assertIn(option, man, f"man page: no {option}")
                self.assertIn(option, doc, f"docs/CLI.md: no {option}")


if __name__ == "__main__":
    unittest.main()
