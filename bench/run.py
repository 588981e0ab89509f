"""End-to-end benchmark: `make bench` (N generated documents) or `make bench DIR=folder` (its .txt files).

Measures in one run, on the same text, in CPU seconds of the whole process tree
(the run and every worker it started) and in wall time:
- `policymine extract` with one worker and with two: characters per CPU-second,
  the speed-up in wall time and what the second worker costs in CPU;
- a rerun over the unchanged corpus (incremental: nothing is reprocessed);
- references on the same text, in this process: plain `jieba.lcut`, rjieba (the
  pipeline's segmenter, with how often its word boundaries agree with jieba's),
  and the floor of what any run must do: read, decode, OpenCC, one pass of the
  pipeline's theme automaton and a parquet write of the text;
- the peak memory of the process tree (PSS and RSS, sampled every 0.1 s) at N and at
  4N documents (with a folder: a quarter of its files, then all of them).
Writes a markdown report (build/bench-report.md by default) and prints it. The machine
may be shared: CPU seconds are what to compare; `--repeat` takes the best of several runs.

    python bench/run.py --documents 400 [--dir FOLDER] [--repeat 1] [--report build/bench-report.md]
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the whole process tree
    peak_rss: int  # bytes, the process tree's resident memory at its highest sample (shared pages once a process)
    peak_pss: int  # bytes, the same as proportional set size: pages shared after the fork counted once in all


def timed_extract(corpus: Path, out: Path, workers: int, force: bool = True) -> Run:
    """Run `policymine extract`; wall and CPU time of the process tree, its peak memory."""
    command = [str(BIN / "policymine"), "extract", str(corpus), str(out), "--workers", str(workers), "--quiet"]
    if force:
        command.append("--force")
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, peak_pss, done = [0], [0], threading.Event()

    def sample() -> None:
        try:
            root = psutil.Process(process.pid)
            while not done.is_set():
                try:
                    tree = [root, *root.children(recursive=True)]
                    memory = [p.memory_full_info() for p in tree if p.is_running()]
                    peak[0] = max(peak[0], sum(m.rss for m in memory))
                    peak_pss[0] = max(peak_pss[0], sum(m.pss for m in memory))
                except psutil.Error:
                    pass
                done.wait(0.1)
        except psutil.Error:
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    errors = process.stderr.read()
    # wait4: the rusage of the run and of every descendant it waited for (its workers)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"extract failed ({process.returncode}):\n{errors.decode()[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, peak[0], peak_pss[0])


def best(runs: list[Run]) -> Run:
    """The run with least CPU (the one least disturbed by other load), with the highest peak seen."""
    chosen = min(runs, key=lambda r: r.cpu)
    return Run(chosen.wall, chosen.cpu, max(r.peak_rss for r in runs), max(r.peak_pss for r in runs))


def repeated(repeat: int, *args, **kwargs) -> Run:
    return best([timed_extract(*args, **kwargs) for _ in range(repeat)])


def text_files(corpus: Path) -> list[Path]:
    return sorted(corpus.rglob("*.txt"))


def cpu_rate(work, repeat: int) -> float:
    """The least CPU seconds (this process) of `work()` over `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def references(files: list[Path], scratch: Path, repeat: int) -> dict[str, float]:
    """CPU seconds of plain jieba, rjieba and the floor over the texts of `files`, and rjieba's agreement."""
    import logging

    import jieba
    import pyarrow as pa
    import pyarrow.parquet as pq

    from extractors.themes import lexicon
    from pipeline.ingest import simplifier
    from pipeline.readers import decode_bytes
    from pipeline.tokens import tokenizer
    from pipeline.writer import PARQUET_OPTIONS

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    texts = [decode_bytes(path.read_bytes()) for path in files]
    matcher, convert, fast = lexicon().matcher, simplifier().convert, tokenizer()

    def floor(paths: list[Path]) -> None:
        simplified = []
        for path in paths:
            text = convert(decode_bytes(path.read_bytes()))
            matcher.find_matches_as_indexes(text)
            simplified.append(text)
        pq.write_table(pa.table({"text": simplified}), scratch / "floor.parquet", **PARQUET_OPTIONS)

    floor(files[:1])  # first calls (OpenCC's tables, the parquet codec) are set-up, not the floor
    out = {
        "jieba": cpu_rate(lambda: [jieba.lcut(text) for text in texts], 1),  # slow and steady: once
        "rjieba": cpu_rate(lambda: [fast.cut(text, True) for text in texts], repeat),
        "floor": cpu_rate(lambda: floor(files), repeat),
    }
    agree = total = 0
    for text in texts[:200]:
        bounds_jieba, bounds_ours = _boundaries(jieba.lcut(text)), _boundaries(fast.cut(text, True))
        agree += len(bounds_jieba & bounds_ours)
        total += len(bounds_jieba)
    out["agreement"] = agree / total
    return out


def _boundaries(tokens: list[str]) -> set[int]:
    out, pos = set(), 0
    for token in tokens:
        pos += len(token)
        out.add(pos)
    return out


def corpora(args, work: Path) -> tuple[Path, Path, str]:
    """The corpus at N documents and the one at 4N, and how to describe them."""
    if args.dir:
        files = text_files(args.dir)
        if len(files) < 4:
            raise SystemExit(f"{args.dir} has fewer than 4 .txt files")
        quarter = work / "dir-quarter"
        shutil.rmtree(quarter, ignore_errors=True)
        quarter.mkdir(parents=True)
        for path in files[: len(files) // 4]:
            target = quarter / path.relative_to(args.dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        return args.dir, quarter, f"the .txt files of {args.dir}"
    made = []
    for documents in (args.documents, 4 * args.documents):
        corpus = work / f"corpus-{documents}"
        if not corpus.exists():
            subprocess.run([sys.executable, str(ROOT / "bench" / "make_corpus.py"), str(corpus),
                            "--documents", str(documents)], check=True, stdout=subprocess.DEVNULL)
        made.append(corpus)
    return made[0], made[1], "generated reports (bench/make_corpus.py)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=400, help="N, for the generated corpus")
    parser.add_argument("--dir", type=Path, help="a folder of .txt reports instead of the generator")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measure; the least CPU counts")
    parser.add_argument("--work", type=Path, default=Path("/tmp/policymine-bench"))
    # bench/REPORT.md holds the figures compared by hand (before and after a change); a run writes its own
    parser.add_argument("--report", type=Path, default=ROOT / "build" / "bench-report.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    corpus, other, described = corpora(args, args.work)
    if args.dir:  # the folder is the main corpus (4N); its quarter is N
        small, large = other, corpus
    else:
        small, large = corpus, other
    files = text_files(corpus)
    from pipeline.readers import decode_bytes
    chars = sum(len(decode_bytes(path.read_bytes())) for path in files)

    one = repeated(args.repeat, corpus, args.work / "out-1", workers=1)
    two = repeated(args.repeat, corpus, args.work / "out-2", workers=2)
    rerun = repeated(args.repeat, corpus, args.work / "out-2", workers=2, force=False)
    memory_small = repeated(1, small, args.work / "out-mem-small", workers=2)
    memory_large = repeated(1, large, args.work / "out-mem-large", workers=2)
    reference = references(files, args.work, args.repeat)

    def rate(seconds: float) -> str:
        return f"{chars / seconds / 1e6:.2f} M chars/CPU-s"

    small_chars = sum(len(decode_bytes(path.read_bytes())) for path in text_files(small))
    large_chars = sum(len(decode_bytes(path.read_bytes())) for path in text_files(large))
    # What each further document costs, without the fixed costs of a run (imports, lexicons, start-up)
    marginal_rate = (large_chars - small_chars) / max(memory_large.cpu - memory_small.cpu, 1e-9)
    jieba_rate = chars / reference["jieba"]
    mib = 2 ** 20
    small_n, large_n = len(text_files(small)), len(text_files(large))
    command = f"python bench/run.py {f'--dir {args.dir}' if args.dir else f'--documents {args.documents}'}"
    lines = [
        "# policymine benchmark",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB; Python {platform.python_version()}; "
        f"load average at the end {os.getloadavg()[0]:.1f}.",
        f"Corpus: {len(files):,} {described}, {chars:,} characters.",
        f"Command: `{command}`" + (f" (best of {args.repeat})" if args.repeat > 1 else ""),
        "CPU: user + system seconds of the whole process tree (the run and its workers).",
        "",
        "| measure | CPU s | wall s | rate | vs plain jieba |",
        "|---|---|---|---|---|",
        f"| extract, 1 worker | {one.cpu:.1f} | {one.wall:.1f} | {rate(one.cpu)} | "
        f"**{reference['jieba'] / one.cpu:.2f}×** |",
        f"| extract, 2 workers | {two.cpu:.1f} | {two.wall:.1f} | {rate(two.cpu)} | "
        f"{reference['jieba'] / two.cpu:.2f}× |",
        f"| rerun, unchanged corpus | {rerun.cpu:.1f} | {rerun.wall:.1f} | | |",
        f"| plain `jieba.lcut` | {reference['jieba']:.1f} | | {rate(reference['jieba'])} | 1× |",
        f"| rjieba (the pipeline's segmenter) | {reference['rjieba']:.1f} | | {rate(reference['rjieba'])} | "
        f"{reference['jieba'] / reference['rjieba']:.1f}× |",
        f"| floor: read, decode, OpenCC, theme automaton, parquet | {reference['floor']:.1f} | | "
        f"{rate(reference['floor'])} | {reference['jieba'] / reference['floor']:.1f}× |",
        "",
        f"- marginal rate, 2 workers ({small_n:,} → {large_n:,} documents: {memory_small.cpu:.1f} → "
        f"{memory_large.cpu:.1f} CPU s): **{marginal_rate / 1e6:.2f} M chars/CPU-s = "
        f"{marginal_rate / jieba_rate:.2f}× plain jieba**, the run's fixed costs left out.",
        f"- speed-up at 2 workers (wall): **{one.wall / two.wall:.2f}×**; the second worker costs "
        f"{two.cpu / one.cpu - 1:+.0%} CPU.",
        f"- the pipeline at 1 worker is **{reference['floor'] / one.cpu:.0%}** of the floor's rate.",
        f"- rjieba's word boundaries agree with jieba's on {reference['agreement']:.2%} (first 200 texts).",
        f"- peak memory of the process tree, as the sum of its processes' proportional set sizes (the "
        f"sum of resident sizes, which counts pages shared after the fork in every process, in brackets): "
        f"{one.peak_pss / mib:.0f} ({one.peak_rss / mib:.0f}) MiB at 1 worker, "
        f"{two.peak_pss / mib:.0f} ({two.peak_rss / mib:.0f}) MiB at 2; at 2 workers **{memory_small.peak_pss / mib:.0f} "
        f"({memory_small.peak_rss / mib:.0f}) MiB at {small_n:,} documents, {memory_large.peak_pss / mib:.0f} "
        f"({memory_large.peak_rss / mib:.0f}) MiB at {large_n:,}** ({memory_large.peak_pss / memory_small.peak_pss - 1:+.0%}).",
        "",
    ]
    report = "\n".join(lines)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
