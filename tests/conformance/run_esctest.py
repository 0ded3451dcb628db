#!/usr/bin/env python3
"""Runs the stock esctest2 suite (read in place from ../shared/tools/esctest2, never copied)
inside gpudeck-termcheck, i.e. against GPUDeck's terminal emulator, with the options the
comparison with xterm 379 used (docs/TERMINAL.md), and compares the result with the recorded
baseline: the test fails when fewer tests pass than recorded, or when a test that passed when
the baseline was recorded no longer passes.

Exit codes: 0 pass, 1 fail, 77 skipped (no ../shared). --record rewrites the baseline file."""

import argparse
import os
import re
import subprocess
import sys
import time

SKIP = 77


def results(log_text):
    status = {}
    current = None
    for line in log_text.splitlines():
        m = re.match(r"Run test: (\S+)", line)
        if m:
            current = m.group(1)
            continue
        if current is None:
            continue
        if line.startswith("Passed."):
            status[current] = "pass"
        elif line.startswith("*** TEST"):
            status[current] = "fail"
        elif line.startswith("Fails as expected") or line.startswith("Skipped"):
            status[current] = "expected"
    return status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--harness", required=True)
    parser.add_argument("--shared-dir", required=True)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--size", default="80x25")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()

    suite = os.path.join(args.shared_dir, "tools", "esctest2", "esctest")
    if not os.path.isfile(os.path.join(suite, "esctest.py")):
        print("SKIP: esctest2 not found at %s (GPUDECK_SHARED_DIR); the conformance run needs "
              "../shared/tools/esctest2" % suite)
        return SKIP

    command = [os.path.abspath(args.harness), "--size", args.size, "--",
               sys.executable, "esctest.py", "--expected-terminal=xterm", "--max-vt-level=4",
               "--options", "xtermWinopsEnabled", "--timeout=1",
               "--logfile=" + os.path.abspath(args.log), "--no-print-logs"]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    print("cd %s && %s" % (suite, " ".join(command)), flush=True)
    started = time.monotonic()
    run = subprocess.run(command, cwd=suite, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
    seconds = time.monotonic() - started
    try:
        with open(args.log, encoding="utf-8", errors="replace") as f:
            status = results(f.read())
    except OSError as e:
        print("FAIL: esctest2 wrote no log (%s); harness exit %d, output:\n%s"
              % (e, run.returncode, run.stdout.decode(errors="replace")[-2000:]))
        return 1

    passed = sorted(t for t, s in status.items() if s == "pass")
    failed = sorted(t for t, s in status.items() if s == "fail")
    expected = sorted(t for t, s in status.items() if s == "expected")
    print("esctest2 in %.0f s: %d passed, %d failed, %d expected failures or skipped "
          "(xterm 379: 513 / 15 / 40); log: %s"
          % (seconds, len(passed), len(failed), len(expected), args.log))

    if args.record:
        with open(args.baseline, "w", encoding="utf-8") as f:
            f.write("# esctest2 tests that pass through gpudeck-termcheck at %s; written by\n"
                    "# tests/conformance/run_esctest.py --record. The conformance test fails\n"
                    "# when one of them stops passing or fewer tests pass.\n" % args.size)
            for name in passed:
                f.write(name + "\n")
        print("recorded %d passing tests in %s" % (len(passed), args.baseline))
        return 0

    with open(args.baseline, encoding="utf-8") as f:
        baseline = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    lost = [t for t in baseline if status.get(t) != "pass"]
    for name in lost:
        print("REGRESSION: %s passed when the baseline was recorded, now: %s"
              % (name, status.get(name, "not run")))
    if len(passed) < len(baseline) or lost:
        print("FAIL: %d passed, the baseline records %d" % (len(passed), len(baseline)))
        return 1
    gained = [t for t in passed if t not in set(baseline)]
    if gained:
        print("%d more than recorded (run with --record to raise the baseline): %s"
              % (len(gained), ", ".join(gained)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
