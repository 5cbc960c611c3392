#!/usr/bin/env python3
"""Reads one schemathesis run's JUnit report: exit 1 when an operation answered a 5xx or
a status its OpenAPI entry does not list (the contract's hard rules); the other checks'
findings are counted and printed, for a reader to judge."""
import sys
import xml.etree.ElementTree as ET

FATAL = ("Server error", "Undocumented status code")

name, report, log = sys.argv[1:4]
try:
    root = ET.parse(report).getroot()
except (OSError, ET.ParseError) as e:
    print(f"{name}: no report ({e}); schemathesis said:")
    print(open(log, encoding="utf-8", errors="replace").read()[-4000:])
    sys.exit(1)
cases = root.findall(".//testcase")
fatal, other = [], {}
for case in cases:
    for failure in case.findall("failure") + case.findall("error"):
        text = (failure.get("message") or "") + "\n" + (failure.text or "")
        # A test error is the server's when it could not be reached or answered; others
        # (a Hypothesis internal error) are the tool's, shown but not fatal.
        reached = any(w in text for w in ("Network Error", "Connection", "timed out"))
        if any(title in text for title in FATAL) or (failure.tag == "error" and reached):
            fatal.append((case.get("name"), text.strip()))
        else:
            first = text.strip().splitlines()[0] if text.strip() else "?"
            other.setdefault(case.get("name"), first)
print(f"{name}: {len(cases)} operations, {len(fatal)} with a server error or an "
      f"undocumented status, {len(other)} with other findings")
for op, first in sorted(other.items()):
    print(f"  (not fatal) {op}: {first[:160]}")
for op, text in fatal:
    print(f"--- {op}\n{text[:3000]}\n")
sys.exit(1 if fatal else 0)
