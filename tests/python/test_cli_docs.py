#!/usr/bin/python3
"""The CLI's verb table is the reference for its documentation: every verb that
`eigenscope-cli --help` lists has the same usage line in the man page and in docs/CLI.md (as
`eigenscope-cli USAGE`, under a heading named after the verb), and the global options of --help
are in both. The man page is generated at build time: the prose of packaging/man/eigenscope-cli.1.in
with its VERBS section from the table (`eigenscope-cli --man`).

Needs EIGENSCOPE_CLI = the built CLI and EIGENSCOPE_CLI_MAN = the man page the build generated.
"""
import os
import re
import shutil
import subprocess
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("EIGENSCOPE_CLI", "")
MAN = os.environ.get("EIGENSCOPE_CLI_MAN", "")
MAN_TEMPLATE = os.path.join(ROOT, "packaging", "man", "eigenscope-cli.1.in")
DOC = os.path.join(ROOT, "docs", "CLI.md")


def help_usages():
    out = subprocess.run([CLI, "--help"], capture_output=True, text=True, check=True).stdout
    usages = {}
    for line in out.splitlines():
        m = re.match(r"^  ([a-z]+)( .*)?$", line)
        if m:
            usages[m.group(1)] = line.strip()
    return usages, out


def man_text(line):
    """A man page line as it reads: font escapes dropped, \\- as -."""
    line = re.sub(r"\\f[BIRP]", "", line)
    return line.replace("\\-", "-").strip()


class CliDocs(unittest.TestCase):
    def setUp(self):
        self.assertTrue(CLI and os.access(CLI, os.X_OK), "EIGENSCOPE_CLI must name the built eigenscope-cli")
        self.assertTrue(MAN and os.path.isfile(MAN), "EIGENSCOPE_CLI_MAN must name the generated man page")
        self.usages, self.help = help_usages()
        self.assertGreaterEqual(len(self.usages), 13)

    def test_the_man_page_has_every_usage_line(self):
        lines = [man_text(l[3:]) for l in open(MAN).read().splitlines() if l.startswith(".B ")]
        for verb, usage in self.usages.items():
            with self.subTest(verb=verb):
                self.assertTrue(usage in lines, f"man page: no '.B {usage}'")

    def test_the_man_page_is_its_template_with_the_tables_verbs(self):
        verbs = subprocess.run([CLI, "--man"], capture_output=True, text=True, check=True).stdout
        self.assertTrue(verbs.startswith(".SH VERBS\n"))
        self.assertEqual(len(re.findall(r"(?m)^\.TP\n\.B ", verbs)), len(self.usages))
        template = open(MAN_TEMPLATE).read()
        self.assertEqual(template.count("@CLI_VERBS@\n"), 1)
        self.assertNotIn(".SH VERBS", template, "the template keeps no hand-written verb list")
        self.assertEqual(open(MAN).read(), template.replace("@CLI_VERBS@\n", verbs))
        if shutil.which("groff"):
            warnings = subprocess.run(["groff", "-man", "-ww", "-z", MAN], capture_output=True, text=True)
            self.assertEqual(warnings.stderr, "", "groff warns about the generated man page")

    def test_docs_cli_has_every_verb_with_its_usage_line(self):
        doc = open(DOC).read()
        for verb, usage in self.usages.items():
            with self.subTest(verb=verb):
                self.assertTrue(re.search(rf"(?m)^#+ {re.escape(verb)}\s*$", doc),
                                f"docs/CLI.md: no heading '{verb}'")
                self.assertTrue(f"`eigenscope-cli {usage}`" in doc, f"docs/CLI.md: no usage line '{usage}'")

    def test_the_global_options_are_documented(self):
        options = sorted(set(re.findall(r"(?m)^  (--[a-z-]+)", self.help)))
        self.assertIn("--no-isolation", options)
        man = man_text(open(MAN).read())
        doc = open(DOC).read()
        for option in options:
            with self.subTest(option=option):
                self.assertTrue(option in man, f"man page: no {option}")
                self.assertTrue(f"`{option}`" in doc, f"docs/CLI.md: no `{option}`")


if __name__ == "__main__":
    unittest.main(verbosity=2)
