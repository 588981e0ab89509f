"""Run the pipeline over a folder: plan, process in workers, write the tables.

Every input file gets one manifest row: `ok`, `failed` (with the reason, also
printed to stderr) or `skipped` (not a report format, or the same bytes as an
earlier file). One bad file never stops the run.

Runs are incremental. Each table records the fingerprint of the pipeline that
wrote it (version, code and lexicons). An input whose path and content hash are
unchanged under the same fingerprint is not processed again: its rows are
copied from the previous tables, in order, so the result is byte-identical to a
fresh run. When nothing changed at all the tables are left as they are.
"""
from __future__ import annotations

import gc
import hashlib
import logging
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePath
from typing import Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

import pipeline
from pipeline import duplicates, readers
from pipeline.duplicates import NearDuplicateIndex
from pipeline.errors import NothingReadable
from pipeline.inputs import Input, printable, walk
from pipeline.lexicons import code_fingerprint, lexicons_fingerprint
from pipeline.pool import OVER_BUDGET, Budget, budgeted_map, memory_exhausted_reason
from pipeline.schema import DERIVED_TABLES, DOCUMENT_TABLES, TABLES, Columns, convert_without_pandas, from_ipc
from pipeline.writer import HELD_LOCKS, Dataset, OutputSet

FINGERPRINT_KEY = b"policymine.fingerprint"
log = logging.getLogger("policymine")


@cache
def pipeline_fingerprint() -> str:
    """Version, code and lexicons: what decides whether an old result still holds."""
    return hashlib.sha256(f"{pipeline.__version__}\n{lexicons_fingerprint()}\n{code_fingerprint()}".encode()
                          ).hexdigest()[:16]


@dataclass
class RunSummary:
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    reused: int = 0
    up_to_date: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def line(self, output_dir: Path) -> str:
        if self.up_to_date:
            return f"{output_dir} is up to date ({self.ok} ok, {self.failed} failed, {self.skipped} skipped)"
        reused = f", {self.reused} unchanged" if self.reused else ""
        return (f"{self.ok} ok, {self.failed} failed, {self.skipped} skipped{reused}; "
                f"{self.rows.get('sentences', 0)} sentences, {self.rows.get('indicators', 0)} indicators "
                f"→ {output_dir} in {self.seconds:.1f}s")


def discover(input_dir: Path) -> list[Input]:
    """Every path below `input_dir`, each with its fate when the walk already decides it."""
    return walk(input_dir)


@dataclass
class FileResult:
    """What processing one file gives the run: its manifest row and, when it was read, its rows
    of each document table as Arrow IPC bytes (each text sent once per table that holds it, no
    Python objects to rebuild) and its near-duplicate signature."""

    manifest: dict
    tables: dict[str, bytes] | None = None
    signature: duplicates.Signature | None = None

    def batches(self) -> dict[str, pa.RecordBatch]:
        return {name: from_ipc(name, data) for name, data in self.tables.items()}


def process_file(path: str | Path, root: Path) -> FileResult:
    """Read and process one file; failures become a manifest row, never an exception."""
    from pipeline.process import process_document
    from pipeline.schema import document_batches, to_ipc

    started = time.perf_counter()
    path = Path(path)
    source_file = path.relative_to(root).as_posix()
    manifest = {"source_file": source_file, "doc_id": None, "status": "ok", "error": None, "seconds": 0.0}
    tables = signature = None
    if not readers.is_supported(path):
        manifest.update(status="skipped", error=f"not a report format ({path.suffix or 'no extension'})")
    else:
        try:
            raw = readers.read_file(path, root)
            manifest["doc_id"] = raw.doc_id
            processed = process_document(raw)
            tables = {name: to_ipc(batch) for name, batch in document_batches(processed).items()}
            signature = duplicates.signature([sentence.text for sentence in processed.sentences])
        except readers.ReadError as exc:
            manifest.update(status="failed", error=str(exc))
        except MemoryError:
            manifest.update(status="failed", error=memory_exhausted_reason())
        except Exception as exc:  # a bug on one input must not end the run; the trace goes to stderr
            traceback.print_exc(file=sys.stderr)
            manifest.update(status="failed", error=f"internal error: {type(exc).__name__}: {exc}")
    if manifest["doc_id"] is None:
        # unread files get their content id too, so that an unchanged failure is recognised next run
        try:
            manifest["doc_id"] = readers.file_doc_id(path)
        except OSError:
            pass
    manifest["seconds"] = round(time.perf_counter() - started, 3)
    return FileResult(manifest, tables, signature)


# Long enough for the reader's checks.
WARM_UP_TEXT = ("民政局工作总结\n一、养老服务\n全年新增养老床位3182张，创新居家养老服务模式。\n"
                "二、社会救助\n发放临时救助资金1907万元，保障困难群众基本生活。\n")


# A document allocates many small objects and keeps few: collecting the youngest generation every
# 50,000 allocations instead of 700 spends less time collecting (7–14% of a generated report's CPU).
YOUNG_GENERATION_THRESHOLD = 50_000


def _warm_up() -> None:
    """Load the lexicons, the tokenizer, the code catalogue and the reader's character tables by
    checking and processing a tiny document: workers forked afterwards share them. The loaded
    objects are then frozen out of garbage collection, which need not scan them again and so
    leaves the pages the workers share unwritten."""
    from pipeline.model import RawDocument
    from pipeline.process import process_document

    readers.check_report_text(WARM_UP_TEXT)
    process_document(RawDocument(source_file="warm-up.txt", doc_id="warm-up", text=WARM_UP_TEXT, fields={}))
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])


def _process_job(job: Job) -> FileResult:
    return process_file(*job)


def failed_result(job: Job, reason: str) -> FileResult:
    path, root = Path(job[0]), job[1]
    manifest = {"source_file": path.relative_to(root).as_posix(), "doc_id": None, "status": "failed",
                "error": reason, "seconds": 0.0}
    try:
        manifest["doc_id"] = readers.file_doc_id(path)
    except OSError:
        pass
    return FileResult(manifest, None)


# A file to process: its path (a string: a run holds one for every input, and a Path costs
# ~450 bytes more) and the input folder it was found in.
Job = tuple[str, Path]
Engine = Callable[[list[Job]], Iterator[FileResult]]


def local_engine(workers: int, budget: Budget = Budget()) -> Engine:
    """Results in input order, from `workers` processes; a file over `budget` fails alone."""
    def run(jobs: list[Job]) -> Iterator[FileResult]:
        if jobs:
            _warm_up()  # workers fork from a process with everything loaded: a file's budget is its own
        yield from budgeted_map(_process_job, jobs, workers, budget, failed_result, tuple(HELD_LOCKS),
                                initializer=convert_without_pandas)
    return run


# ---------------------------------------------------------------- previous run


@dataclass
class PreviousRun:
    """What the tables in the output folder already hold, if a compatible run wrote them."""

    manifest: dict[str, dict]  # source_file → manifest row
    position: dict[str, int]  # doc_id → its order in the previous tables

    @classmethod
    def load(cls, output_dir: Path, fingerprint: str) -> "PreviousRun | None":
        paths = [output_dir / f"{name}.parquet" for name in TABLES]
        if not all(p.exists() for p in paths):
            return None
        try:
            for p in paths:
                if (pq.read_schema(p).metadata or {}).get(FINGERPRINT_KEY) != fingerprint.encode():
                    return None
            rows = pq.read_table(output_dir / "manifest.parquet").to_pylist()
        except Exception:  # unreadable previous output: it is rebuilt from scratch
            return None
        position = {row["doc_id"]: i for i, row in enumerate(rows) if row["status"] == "ok"}
        return cls({row["source_file"]: row for row in rows}, position)

    def reusable(self, source_file: str, doc_id: str) -> dict | None:
        """The previous row of an unchanged input that was read (not a copy of another file,
        not over a budget that the next run may have raised)."""
        row = self.manifest.get(source_file)
        if row is None or row["doc_id"] != doc_id or row["status"] == "skipped" and (row["error"] or "").startswith(
                "same bytes as") or (row["error"] or "").startswith(OVER_BUDGET):
            return None
        return row


def _document_groups(path: Path) -> Iterator[tuple[str, Columns]]:
    """The rows of a previous table, grouped by document (column by column), in file order."""
    current_id, current = None, None
    for batch in pq.ParquetFile(path).iter_batches(batch_size=20_000):
        columns = batch.to_pydict()
        doc_ids = columns["doc_id"]
        start = 0
        while start < len(doc_ids):
            end = start + 1
            while end < len(doc_ids) and doc_ids[end] == doc_ids[start]:
                end += 1
            piece = {name: values[start:end] for name, values in columns.items()}
            if doc_ids[start] == current_id:  # a document cut by a batch boundary
                for name, values in piece.items():
                    current[name].extend(values)
            else:
                if current is not None:
                    yield current_id, current
                current_id, current = doc_ids[start], piece
            start = end
    if current is not None:
        yield current_id, current


class PreviousRows:
    """Hands out a previous table's rows document by document, in increasing order."""

    def __init__(self, path: Path, schema: pa.Schema, position: dict[str, int]):
        self.groups = _document_groups(path)
        self.schema = schema
        self.position = position
        self.pending = next(self.groups, None)

    def take(self, doc_id: str) -> Columns:
        target = self.position[doc_id]
        while self.pending is not None and self.position.get(self.pending[0], -1) < target:
            self.pending = next(self.groups, None)
        if self.pending is not None and self.pending[0] == doc_id:
            columns, self.pending = self.pending[1], next(self.groups, None)
            return columns
        return {name: [] for name in self.schema.names}  # the document has no rows in this table


# ---------------------------------------------------------------- the run


def run_extract(input_dir: Path, output_dir: Path, force: bool = False, engine: Engine | None = None,
                on_file: Callable[[FileResult], None] | None = None) -> RunSummary:
    """Extract every input under `input_dir` into the tables in `output_dir`.

    Raises `OutputBusy` when another run is writing into `output_dir`.
    """
    started = time.perf_counter()
    engine = engine or local_engine(1)
    fingerprint = pipeline_fingerprint()
    summary = RunSummary(rows={name: 0 for name in DOCUMENT_TABLES})
    with Dataset(output_dir, [*TABLES, *DERIVED_TABLES]) as dataset:
        dataset.repair()
        committed = dataset.committed_dir()
        previous = None if force or committed is None else PreviousRun.load(committed, fingerprint)
        plan = _plan(discover(input_dir), previous)
        derived_exist = committed is not None and all(
            (committed / f"{name}.parquet").exists() for name in DERIVED_TABLES)
        if previous and derived_exist and all(step.row is not None for step in plan) \
                and [_identity(step.row) for step in plan] == [_identity(row) for row in previous.manifest.values()]:
            for step in plan:
                _count(summary, step.row)
                if step.row["status"] == "failed":
                    _report_failure(step.row)
            summary.up_to_date = True
            summary.seconds = time.perf_counter() - started
            return summary

        run_dir = dataset.new_run()
        _write_document_tables(run_dir, plan, engine, input_dir, previous, committed, fingerprint, summary, on_file)
        if summary.ok == 0:  # the new run is never switched in: the old tables stay
            dataset.discard(run_dir)
            raise NothingReadable(f"no report under {input_dir} could be read "
                                  f"({summary.failed} failed, {summary.skipped} skipped); no table was replaced")
        from pipeline import panel  # DuckDB: imported by the runs that build the derived tables

        del plan, previous  # a few hundred bytes an input: the derived phase starts without them
        panel.build_derived_tables(run_dir)
        dataset.commit(run_dir)
    summary.seconds = time.perf_counter() - started
    return summary


def _write_document_tables(run_dir: Path, plan: list["_Step"], engine: Engine, input_dir: Path,
                           previous: "PreviousRun | None", committed: Path | None, fingerprint: str,
                           summary: RunSummary, on_file: Callable[[FileResult], None] | None) -> None:
    """The document tables and the manifest of `plan` in `run_dir`, counted in `summary`. The workers,
    the near-duplicate index and the previous tables' readers are gone when it returns, before the
    derived tables are built."""
    fresh = engine([(step.path, input_dir) for step in plan if step.row is None])
    previous_rows = ({name: PreviousRows(committed / f"{name}.parquet", schema, previous.position)
                      for name, schema in DOCUMENT_TABLES.items()} if previous else {})
    near_duplicates = NearDuplicateIndex()
    try:
        with OutputSet(run_dir, TABLES, metadata={FINGERPRINT_KEY: fingerprint.encode()}) as out:
            for step in plan:
                result, batches, signature = _rows_of(step, fresh, previous_rows)
                summary.reused += step.reused
                manifest = result.manifest
                if manifest["status"] == "failed":
                    _report_failure(manifest)
                if manifest["status"] == "ok":
                    batches["documents"] = _with_duplicate_of(
                        batches["documents"], near_duplicates.original_of(manifest["doc_id"], signature))
                    for table, batch in batches.items():
                        out.add(table, batch)
                        summary.rows[table] += batch.num_rows
                _count(summary, manifest)
                out.add("manifest", {name: [value] for name, value in manifest.items()})
                if on_file:
                    on_file(result)
    finally:
        fresh.close()


def _rows_of(step: "_Step", fresh: Iterator[FileResult], previous_rows: dict[str, PreviousRows]) -> tuple[
        FileResult, dict[str, pa.RecordBatch] | None, duplicates.Signature | None]:
    """A step's manifest row, its rows of each document table (None when it was not read) and its
    near-duplicate signature: from the engine, or copied from the previous tables."""
    if step.row is None:
        result = next(fresh)
        result.manifest["source_file"] = step.source_file
        return result, result.batches() if result.tables is not None else None, result.signature
    if step.reused and step.row["status"] == "ok":
        columns = {name: previous_rows[name].take(step.row["doc_id"]) for name in DOCUMENT_TABLES}
        batches = {name: pa.RecordBatch.from_pydict(columns[name], schema=schema)
                   for name, schema in DOCUMENT_TABLES.items()}
        return FileResult(dict(step.row)), batches, duplicates.signature(columns["sentences"]["text"])
    return FileResult(dict(step.row)), None, None


def _with_duplicate_of(documents: pa.RecordBatch, original: str | None) -> pa.RecordBatch:
    """A document's row with `duplicate_of` set: only the run sees the documents before it."""
    position = documents.schema.get_field_index("duplicate_of")
    if original is None and documents.column(position).null_count == documents.num_rows:
        return documents  # as a worker sends it, and as most documents stay
    return documents.set_column(position, documents.schema.field(position), pa.array([original], pa.string()))


@dataclass(slots=True)
class _Step:
    """What the run does with one input: process it (row None), reuse its previous rows,
    or record the row the plan already knows (skipped or failed without reading). A run
    holds one for every input until its document tables are written."""

    source_file: str
    path: str  # as `Job` has it
    row: dict | None = None
    reused: bool = False


def _plan(inputs: list[Input], previous: "PreviousRun | None") -> list[_Step]:
    """Each input's fate, decided from the current input set: the first of identical report
    files (in input order) is read, the others are recorded as the same bytes as it."""
    plan = []
    first_with: dict[str, str] = {}  # doc_id → the first report file with those bytes
    for item in inputs:
        step = _Step(item.source_file, item.path)
        if item.status is not None:
            step.row = _row(item.source_file, None, item.status, item.reason)
            plan.append(step)
            continue
        try:
            doc_id = readers.file_doc_id(item.path)
        except OSError as exc:
            step.row = _row(item.source_file, None, "failed",
                            f"cannot read the file: {(exc.strerror or type(exc).__name__).lower()}")
            plan.append(step)
            continue
        if not readers.is_supported(item.path):
            step.row = _row(item.source_file, doc_id, "skipped",
                            f"not a report format ({PurePath(item.path).suffix or 'no extension'})")
            plan.append(step)
            continue
        if doc_id in first_with:
            step.row = _row(item.source_file, doc_id, "skipped", f"same bytes as {first_with[doc_id]}")
            plan.append(step)
            continue
        first_with[doc_id] = item.source_file
        old = previous.reusable(item.source_file, doc_id) if previous else None
        if old is not None:
            step.row, step.reused = old, True
        plan.append(step)
    return plan


def _row(source_file: str, doc_id: str | None, status: str, error: str | None) -> dict:
    return {"source_file": source_file, "doc_id": doc_id, "status": status, "error": error, "seconds": 0.0}


def _identity(row: dict) -> tuple:
    """A manifest row without its timing."""
    return row["source_file"], row["doc_id"], row["status"], row["error"]


def _report_failure(manifest: dict) -> None:
    log.warning("%s: %s", printable(manifest["source_file"]), printable(manifest["error"] or ""))


def _count(summary: RunSummary, manifest: dict) -> None:
    if manifest["status"] == "ok":
        summary.ok += 1
    elif manifest["status"] == "failed":
        summary.failed += 1
    else:
        summary.skipped += 1

