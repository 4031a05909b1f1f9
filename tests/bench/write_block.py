#!/usr/bin/python3
"""Puts stdin, as a code block, between <!-- bench:NAME:begin/end --> markers in a Markdown file
(appended when the markers are missing), atomically. Used by packaging/bench.sh.

    ... | write_block.py DOC NAME
"""
import os
import sys

doc, name = sys.argv[1], sys.argv[2]
body = sys.stdin.read().strip()
begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
text = open(doc).read() if os.path.exists(doc) else "# Performance\n"
block = begin + "\n```\n" + body + "\n```\n" + end
if begin in text and end in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
with open(doc + ".tmp", "w") as o:
    o.write(text)
os.replace(doc + ".tmp", doc)
