"""How quickly the command line starts: wall time of whole runs, the median of several.

    python bench/startup.py [--runs 7]

Runs the `policymine` next to this interpreter (the project's virtualenv) in a
subprocess, as a user types it, and prints one line per command. Targets: `--help`
under 0.5 s, a one-sentence `indicators` under 1.5 s.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = {
    "policymine --help": ["--help"],
    'policymine indicators "全年新增养老床位3182张。"': ["indicators", "全年新增养老床位3182张。"],
}
TARGETS = {"policymine --help": 0.5, 'policymine indicators "全年新增养老床位3182张。"': 1.5}


def wall_times(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    executable = Path(sys.executable).parent / "policymine"
    for name, arguments in COMMANDS.items():
        wall_times([str(executable), *arguments], 1)  # warm the file cache: measure the start, not the disk
        times = wall_times([str(executable), *arguments], args.runs)
        median = statistics.median(times)
        verdict = "ok" if median < TARGETS[name] else f"over the {TARGETS[name]} s target"
        print(f"{name}: median {median:.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
              f"{args.runs} runs) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
