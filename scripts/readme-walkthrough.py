"""Keeps the README's walkthrough true: runs its commands against a fresh `ehealth` and
compares what they print with the output shown under each command.

The walkthrough is the part of README.md between `<!-- walkthrough:start -->` and
`<!-- walkthrough:end -->`. Each ```sh block is run, in order, in one bash session (so
variables carry over) in a scratch folder where `./target/release/ehealth` is the binary
under test and `scripts/` is the repository's; the ```text block right after it is what
it printed. Ids, tokens, codes, keys and times differ from run to run, so both sides are
compared with those replaced by placeholders. `EHR=` and `KEY=` lines take the demo
patient's values from the banner of this run.

usage: python3 scripts/readme-walkthrough.py [--record] [--binary PATH]
  --record   run the commands and write their real output into README.md
  --binary   the ehealth binary (default: target/release/ehealth)
"""
import argparse
import difflib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
START, END = "<!-- walkthrough:start -->", "<!-- walkthrough:end -->"
BLOCK = re.compile(r"```sh\n(.*?)```\n(?:\n?```text\n(.*?)```\n)?", re.S)


def normalise(text):
    rules = [
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>"),
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00|Z)?", "<time>"),
        (r"\d{8}T\d{6}", "<stamp>"),
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "<local time>"),
        (r"\d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2}", "<spoken time>"),
        (r'"token":"[A-Za-z0-9_-]+"', '"token":"<token>"'),
        (r"\b\d{6,12}\b", "<digits>"),
        (r"notifier-\d+-[0-9a-f]+", "<worker>"),
    ]
    for pattern, placeholder in rules:
        text = re.sub(pattern, placeholder, text)
    return text.strip()


def wait_ready(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{url} did not become ready")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/release/ehealth"))
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    readme = open(README, encoding="utf-8").read()
    head, rest = readme.split(START, 1)
    section, tail = rest.split(END, 1)
    blocks = list(BLOCK.finditer(section))
    if not blocks:
        sys.exit("no walkthrough blocks in README.md")

    work = tempfile.mkdtemp(prefix="ehealth-walkthrough-")
    os.makedirs(os.path.join(work, "target/release"))
    os.symlink(args.binary, os.path.join(work, "target/release/ehealth"))
    shutil.copytree(os.path.join(ROOT, "scripts"), os.path.join(work, "scripts"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EHEALTH_", "DATABASE_URL", "TWILIO_", "SMTP_", "FCM_"))}
    server = subprocess.Popen([args.binary], cwd=work, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    failures = 0
    try:
        banner = ""
        for line in server.stdout:
            banner += line
            if "demo patient" in line:
                break
        found = re.search(r"eHR number (\d{12}), access key (\d{8})", banner)
        if not found:
            sys.exit(f"no demo patient in the banner:\n{banner}")
        ehr, key = found.groups()
        wait_ready("http://127.0.0.1:8080/readyz")
        wait_ready("http://127.0.0.1:8081/readyz")
        shell = subprocess.Popen(["bash"], cwd=work, env=env, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        outputs, commands = [], []
        for n, block in enumerate(blocks):
            command = block.group(1)
            command = re.sub(r"^EHR=\d+", f"EHR={ehr}", command, flags=re.M)
            command = re.sub(r"^KEY=\d+", f"KEY={key}", command, flags=re.M)
            commands.append(command)
            marker = f"@@walkthrough-{n}@@"
            if "audit verify" in command:
                # The count of leaves is the whole log's once the sequencer has integrated
                # the last entries (within a second of their commit): not a race with it.
                time.sleep(2)
            shell.stdin.write(command + f"\necho; echo {marker}\n")
            shell.stdin.flush()
            out = []
            for line in shell.stdout:
                if line.strip() == marker:
                    break
                out.append(line)
            printed = "".join(out).rstrip("\n")
            outputs.append(printed)
            shown = block.group(2)
            if not args.record and shown is not None and normalise(shown) != normalise(printed):
                failures += 1
                print(f"--- block {n + 1} prints something else than README.md shows:")
                print(command)
                sys.stdout.writelines(difflib.unified_diff(
                    normalise(shown).splitlines(True), normalise(printed).splitlines(True),
                    "README.md", "this run"))
                print()
        shell.stdin.close()
        shell.wait()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    if args.record:
        pieces, last = [], 0
        for block, command, printed in zip(blocks, commands, outputs):
            pieces.append(section[last:block.start()])
            pieces.append(f"```sh\n{command}```\n")
            if printed.strip():
                pieces.append(f"```text\n{printed}\n```\n")
            last = block.end()
        pieces.append(section[last:])
        open(README, "w", encoding="utf-8").write(head + START + "".join(pieces) + END + tail)
        print(f"recorded the output of {len(blocks)} blocks into README.md")
    elif failures:
        sys.exit(f"{failures} of {len(blocks)} walkthrough blocks print something else than README.md shows")
    else:
        print(f"README walkthrough: all {len(blocks)} blocks print what README.md shows")


if __name__ == "__main__":
    main()
