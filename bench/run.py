"""End-to-end benchmark: `make bench` (N=10000 documents by default).

Builds a corpus with bench/make_corpus.py, then measures in one run:
- `policymine extract` with one worker and with two: characters per second per
  core, the speed-up, and the peak memory of the whole process tree;
- a rerun over the unchanged corpus (incremental: nothing is reprocessed);
- the reference: a plain `jieba.lcut` pass over a sample of the same text, and
  how often rjieba (the pipeline's segmenter) agrees with jieba on it.
Writes a markdown report (bench/REPORT.md by default) and prints it.

    python bench/run.py --documents 10000 [--report bench/REPORT.md] [--work /tmp/policymine-bench]
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
JIEBA_SAMPLE_CHARS = 3_000_000


def timed_extract(corpus: Path, out: Path, workers: int, force: bool) -> tuple[float, int]:
    """Wall seconds and peak resident memory (bytes) of the extract process tree."""
    command = [str(BIN / "policymine"), "extract", str(corpus), str(out), "--workers", str(workers)]
    if force:
        command.append("--force")
    started = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    out_text, err_text = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"extract failed ({process.returncode}):\n{err_text.decode()[-2000:]}")
    return seconds, peak


def corpus_texts(corpus: Path):
    from pipeline.readers import decode_bytes
    for path in sorted(corpus.rglob("*.txt")):
        yield decode_bytes(path.read_bytes())


def reference_rates(corpus: Path) -> dict[str, float]:
    import jieba
    import logging
    jieba.setLogLevel(logging.WARNING)
    from pipeline.tokens import tokenizer

    sample, size = [], 0
    for text in corpus_texts(corpus):
        sample.append(text)
        size += len(text)
        if size >= JIEBA_SAMPLE_CHARS:
            break
    jieba.initialize()
    fast = tokenizer()
    started = time.perf_counter()
    reference = [jieba.lcut(text) for text in sample]
    jieba_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ours = [fast.cut(text, True) for text in sample]
    rjieba_seconds = time.perf_counter() - started
    agree = total = 0
    for a, b in zip(reference, ours):
        bounds_a, bounds_b = _boundaries(a), _boundaries(b)
        agree += len(bounds_a & bounds_b)
        total += len(bounds_a)
    return {"chars": size, "jieba_rate": size / jieba_seconds, "rjieba_rate": size / rjieba_seconds,
            "agreement": agree / total}


def _boundaries(tokens: list[str]) -> set[int]:
    out, pos = set(), 0
    for token in tokens:
        pos += len(token)
        out.add(pos)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/policymine-bench"))
    parser.add_argument("--report", type=Path, default=ROOT / "bench" / "REPORT.md")
    args = parser.parse_args()
    corpus = args.work / f"corpus-{args.documents}"
    if not corpus.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_corpus.py"), str(corpus),
                        "--documents", str(args.documents)], check=True)
    chars = sum(len(text) for text in corpus_texts(corpus))

    one_seconds, one_peak = timed_extract(corpus, args.work / "out-1", workers=1, force=True)
    two_seconds, two_peak = timed_extract(corpus, args.work / "out-2", workers=2, force=True)
    rerun_seconds, _ = timed_extract(corpus, args.work / "out-2", workers=2, force=False)
    reference = reference_rates(corpus)

    rate_one = chars / one_seconds
    lines = [
        "# policymine benchmark",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB; Python {platform.python_version()}.",
        f"Corpus: {args.documents:,} generated reports (bench/make_corpus.py), {chars:,} characters.",
        f"Command: `python bench/run.py --documents {args.documents}`",
        "",
        "| measure | value |",
        "|---|---|",
        f"| end to end, 1 worker | {one_seconds:.1f} s, **{rate_one / 1e6:.2f} M chars/s/core** |",
        f"| end to end, 2 workers | {two_seconds:.1f} s, {chars / two_seconds / 1e6:.2f} M chars/s, "
        f"speed-up **{one_seconds / two_seconds:.2f}×** |",
        f"| peak memory (process tree), 1 worker / 2 workers | {one_peak / 2**20:.0f} MiB / {two_peak / 2**20:.0f} MiB |",
        f"| rerun over the unchanged corpus | {rerun_seconds:.1f} s = **{rerun_seconds / two_seconds:.1%}** of the first run |",
        f"| reference: plain `jieba.lcut` ({reference['chars']:,} chars of the same corpus) | "
        f"{reference['jieba_rate'] / 1e3:.0f} k chars/s; the pipeline end to end is "
        f"**{rate_one / reference['jieba_rate']:.1f}×** that |",
        f"| rjieba (the pipeline's segmenter) on the same sample | {reference['rjieba_rate'] / 1e6:.2f} M chars/s; "
        f"word boundaries agreeing with jieba: {reference['agreement']:.2%} |",
        "",
    ]
    report = "\n".join(lines)
    args.report.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
