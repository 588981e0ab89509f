"""Run the pipeline over a folder: find inputs, process them in workers, write the tables.

Every input file gets one manifest row: `ok`, `failed` (with the reason, also
printed to stderr) or `skipped` (not a report format, or the same bytes as an
earlier file). One bad file never stops the run.
"""
from __future__ import annotations

import multiprocessing
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from pipeline import readers
from pipeline.schema import DOCUMENT_TABLES, TABLES
from pipeline.writer import OutputSet


@dataclass
class RunSummary:
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def line(self, output_dir: Path) -> str:
        return (f"{self.ok} ok, {self.failed} failed, {self.skipped} skipped; "
                f"{self.rows.get('sentences', 0)} sentences, {self.rows.get('indicators', 0)} indicators "
                f"→ {output_dir} in {self.seconds:.1f}s")


def discover(input_dir: Path) -> list[Path]:
    """All files below `input_dir`, hidden ones excluded, in a stable order."""
    return sorted(
        (p for p in input_dir.rglob("*")
         if p.is_file() and not any(part.startswith(".") for part in p.relative_to(input_dir).parts)),
        key=lambda p: p.relative_to(input_dir).as_posix(),
    )


@dataclass
class FileResult:
    manifest: dict
    rows: dict[str, list[dict]] | None


def process_file(path: Path, root: Path) -> FileResult:
    """Read and process one file; failures become a manifest row, never an exception."""
    from pipeline.process import process_document
    from pipeline.schema import document_rows

    started = time.perf_counter()
    source_file = path.relative_to(root).as_posix()
    manifest = {"source_file": source_file, "doc_id": None, "status": "ok", "error": None, "seconds": 0.0}
    rows = None
    if not readers.is_supported(path):
        manifest.update(status="skipped", error=f"not a report format ({path.suffix or 'no extension'})")
    else:
        try:
            raw = readers.read_file(path, root)
            manifest["doc_id"] = raw.doc_id
            rows = document_rows(process_document(raw))
        except readers.ReadError as exc:
            manifest.update(status="failed", error=str(exc))
        except Exception as exc:  # a bug on one input must not end the run; the trace goes to stderr
            traceback.print_exc(file=sys.stderr)
            manifest.update(status="failed", error=f"internal error: {type(exc).__name__}: {exc}")
    manifest["seconds"] = round(time.perf_counter() - started, 3)
    return FileResult(manifest, rows)


def _process_star(args: tuple[Path, Path]) -> FileResult:
    return process_file(*args)


def _results(paths: list[Path], root: Path, workers: int) -> Iterator[FileResult]:
    jobs = [(path, root) for path in paths]
    if workers <= 1 or len(jobs) <= 1:
        yield from map(_process_star, jobs)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_process_star, jobs, chunksize=1)


def run_extract(input_dir: Path, output_dir: Path, workers: int = 1,
                on_file: Callable[[FileResult], None] | None = None) -> RunSummary:
    started = time.perf_counter()
    summary = RunSummary(rows={name: 0 for name in DOCUMENT_TABLES})
    paths = discover(input_dir)
    seen_ids: dict[str, str] = {}
    results = _results(paths, input_dir, workers)
    with OutputSet(output_dir, TABLES) as out:
        for result in results:
            manifest = result.manifest
            doc_id = manifest["doc_id"]
            if manifest["status"] == "ok" and doc_id in seen_ids:
                manifest.update(status="skipped", error=f"same bytes as {seen_ids[doc_id]}")
            if manifest["status"] == "ok":
                seen_ids[doc_id] = manifest["source_file"]
                for table, rows in result.rows.items():
                    out.add(table, rows)
                    summary.rows[table] += len(rows)
                summary.ok += 1
            elif manifest["status"] == "failed":
                summary.failed += 1
                message = f"policymine: {manifest['source_file']}: {manifest['error']}"
                summary.errors.append(message)
                print(message, file=sys.stderr)
            else:
                summary.skipped += 1
            out.add("manifest", [manifest])
            if on_file:
                on_file(result)
    summary.seconds = time.perf_counter() - started
    return summary
