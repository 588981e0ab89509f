"""CPU seconds of each per-document stage, in one process (no workers, no writes).

    python bench/stages.py FOLDER [--limit N] [--profile]

Reads the .txt files of FOLDER, processes one document to load the lexicons, then times
ingest → outline → metadata → section periods → sentences → themes → indicators over all of
them, and what a worker adds to each processed document: its rows as Arrow record batches,
their IPC bytes and its near-duplicate signature; `--profile` also prints cProfile's top
functions by own time (stages only). Where `make bench` says how fast a run is, this says which
stage to work on.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path

from extractors.indicators import extract_mentions
from extractors.metadata import assign_section_periods, extract_metadata
from extractors.themes import document_themes
from pipeline import duplicates
from pipeline.ingest import normalise
from pipeline.process import process_document
from pipeline.readers import read_file
from pipeline.schema import convert_without_pandas, document_batches, to_ipc
from pipeline.segment import outline, sentences

STAGES = ("normalise", "outline", "metadata", "periods", "sentences", "themes", "indicators")
WORKER_STEPS = ("arrow rows", "ipc", "signature")


def timed_stages(raws) -> dict[str, float]:
    seconds = dict.fromkeys(STAGES, 0.0)

    def timed(stage, function, *args):
        started = time.process_time()
        result = function(*args)
        seconds[stage] += time.process_time() - started
        return result

    for raw in raws:
        document = timed("normalise", normalise, raw)
        sections = timed("outline", outline, document.text)
        meta = timed("metadata", extract_metadata, document, sections)
        sections = timed("periods", assign_section_periods, document, sections, meta)
        sentence_list = timed("sentences", sentences, document.text, sections)
        themes = timed("themes", document_themes, sections, sentence_list)
        timed("indicators", extract_mentions, document, sections, sentence_list, themes.sentences, meta)
    return seconds


def timed_worker_steps(raws) -> dict[str, float]:
    """What `run.process_file` does to a processed document besides the stages."""
    seconds = dict.fromkeys(WORKER_STEPS, 0.0)
    for raw in raws:
        processed = process_document(raw)
        started = time.process_time()
        batches = document_batches(processed)
        arrow_done = time.process_time()
        [to_ipc(batch) for batch in batches.values()]
        ipc_done = time.process_time()
        duplicates.signature([sentence.text for sentence in processed.sentences])
        seconds["arrow rows"] += arrow_done - started
        seconds["ipc"] += ipc_done - arrow_done
        seconds["signature"] += time.process_time() - ipc_done
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int, help="only the first N files")
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top functions")
    args = parser.parse_args()
    files = sorted(args.folder.rglob("*.txt"))[:args.limit]
    raws = [read_file(path, args.folder) for path in files]
    if not raws:
        raise SystemExit(f"no .txt files under {args.folder}")
    convert_without_pandas()  # as in a worker
    process_document(raws[0])
    if args.profile:
        profiler = cProfile.Profile()
        seconds = profiler.runcall(timed_stages, raws)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    else:
        seconds = timed_stages(raws)
    total = sum(seconds.values())
    characters = sum(len(raw.text) for raw in raws)
    print(f"{len(raws)} documents, {characters:,} characters: {total:.2f} CPU s, "
          f"{characters / total / 1e6:.2f} M chars/CPU-s")
    for stage, value in seconds.items():
        print(f"  {stage:<11} {value:6.2f} s {100 * value / total:5.1f}%")
    worker_steps = timed_worker_steps(raws)
    print(f"and in a worker, {sum(worker_steps.values()):.2f} CPU s more:")
    for step, value in worker_steps.items():
        print(f"  {step:<11} {value:6.2f} s {100 * value / total:5.1f}% of the stages")


if __name__ == "__main__":
    main()
