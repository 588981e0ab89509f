"""Complexity check: every stage is (near) linear in its input on pathological shapes.

Each shape is a text that once made a stage rescan what it had scanned (a run of
numerals, a sentence of many figures, thousands of headings). Each stage is
timed on the shape repeated n and 4n times; a linear stage takes about 4× as
long, a quadratic one 16×. The ratio must stay at or below `MAX_RATIO`.

    python bench/complexity.py [--n 200]     # exit status 1 when a ratio is above MAX_RATIO
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extractors.indicators import mentions_in_text  # noqa: E402
from extractors.numbers import scan_numerals  # noqa: E402
from pipeline.model import RawDocument  # noqa: E402
from pipeline.process import process_document  # noqa: E402
from pipeline.segment import outline, sentences  # noqa: E402

MAX_RATIO = 5.0
SCALE = 4
REPEATS = 5

# name → (the repeated unit, how many units at n=1 relative to --n)
SHAPES: dict[str, tuple[str, int]] = {
    "numeral run `1.2万`×n": ("1.2万", 20),
    "numerals in a sentence `共1.2万元`×n": ("共1.2万元", 20),
    "period cues `每人每月850元、`×n": ("每人每月850元、", 10),
    "year cues `2021年发放850元、`×n": ("2021年发放850元、", 10),
    "headings `一、\\n`×n": ("一、\n", 40),
    "nested headings `一、甲\\n（一）乙\\n1.丙\\n`×n": ("一、甲\n（一）乙\n1.丙\n", 15),
}


def _outline_and_sentences(text: str) -> None:
    sentences(text, outline(text))


def _whole_document(text: str) -> None:
    process_document(RawDocument(source_file="bench.txt", doc_id="bench", text="民政工作总结\n" + text, fields={}))


STAGES: dict[str, Callable[[str], object]] = {
    "numerals": scan_numerals,
    "indicators": mentions_in_text,
    "outline+sentences": _outline_and_sentences,
    "whole document": _whole_document,
}


def best_time(stage: Callable[[str], object], text: str) -> float:
    """The fastest of `REPEATS` runs, the garbage collector paused (its passes scale with the heap)."""
    times = []
    for _ in range(REPEATS):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            stage(text)
            times.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="units of each shape in the small input")
    args = parser.parse_args()
    _whole_document("一、养老服务\n全年新增床位3182张。")  # load lexicons and the tokenizer outside the timings

    print(f"| shape | stage | n | time at n (s) | time at {SCALE}n (s) | ratio |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    for shape, (unit, factor) in SHAPES.items():
        n = args.n * factor
        for name, stage in STAGES.items():
            small = best_time(stage, unit * n)
            large = best_time(stage, unit * (SCALE * n))
            ratio = large / max(small, 1e-4)
            worst = max(worst, ratio)
            flag = "" if ratio <= MAX_RATIO else "  ← above the limit"
            print(f"| {shape} | {name} | {n} | {small:.4f} | {large:.4f} | {ratio:.1f}{flag} |")
    print(f"\nworst ratio {worst:.1f} (limit {MAX_RATIO} for {SCALE}× input)")
    return 0 if worst <= MAX_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
