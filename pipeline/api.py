"""The Python API: what the command line does, for notebooks and scripts.

    import pipeline
    run = pipeline.extract("data/raw", "data/processed")   # the tables, as `policymine extract`
    tables = pipeline.read_tables("data/processed")       # name → DataFrame
    pipeline.indicators("全年新增养老床位3182张。")          # a passage or a file → DataFrame
    pipeline.write_review("data/processed")               # HTML pages: each figure in its text

Predictable conditions (a missing folder, no report in it, nothing readable, an
output folder that cannot be written) raise a `pipeline.errors.PolicymineError`
with a one-line message, before any table is replaced.
"""
from __future__ import annotations

import errno
import importlib.util
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from pipeline.errors import InputNotFound, MissingExtra, NoReports, NothingReadable, OutputNotWritable

if TYPE_CHECKING:
    import pandas as pd

# Past this many failed files the summary gives their number and points to the manifest.
FAILURES_NAMED = 5
# Errors of the file system that mean "this place cannot be written", not a bug.
WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR, errno.ENOENT}


@dataclass
class ExtractReport:
    """What a run did and where its results are; `str()` gives the end-of-run summary."""

    output_dir: Path
    ok: int
    failed: int
    skipped: int
    reused: int
    up_to_date: bool
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (source file, reason)
    duplicates: int = 0  # documents marked as a near-duplicate of an earlier one

    @property
    def manifest(self) -> Path:
        return self.output_dir / "manifest.parquet"

    def lines(self) -> list[str]:
        counts = f"{self.ok} ok, {self.failed} failed, {self.skipped} skipped"
        if self.up_to_date:
            lines = [f"{counts}; up to date, nothing changed since the last run"]
        else:
            reused = f", {self.reused} unchanged" if self.reused else ""
            lines = [f"{counts}{reused}; {self.rows.get('sentences', 0):,} sentences, "
                     f"{self.rows.get('indicators', 0):,} indicators in {self.seconds:.1f}s"]
        if self.failures and len(self.failures) <= FAILURES_NAMED:
            lines.append("failed: " + ", ".join(f"{name} ({reason})" for name, reason in self.failures))
        elif self.failures:
            lines.append(f"failed: {len(self.failures)} files, each with its reason in the manifest")
        if self.duplicates:
            lines.append(f"near-duplicates: {self.duplicates} reports marked in documents.duplicate_of "
                         f"(left out of the panel)")
        lines.append(f"tables: {self.output_dir}/*.parquet")
        lines.append(f"manifest: {self.manifest}")
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())


def report_files(input_dir: Path) -> list[Path]:
    from pipeline.readers import is_supported
    from pipeline.run import discover

    return [Path(item.path) for item in discover(input_dir) if item.status is None and is_supported(item.path)]


def check_input_dir(input_dir: Path) -> None:
    if not input_dir.exists():
        raise InputNotFound(f"no such folder: {input_dir}")
    if not input_dir.is_dir():
        raise InputNotFound(f"{input_dir} is a file; extract takes the folder that holds the reports")
    if not report_files(input_dir):
        raise NoReports(f"no report file (.txt, .html, .docx, .pdf) under {input_dir}; nothing to extract")


def check_output_dir(output_dir: Path) -> None:
    """Fail now, before any work, if the tables could not be written into `output_dir`."""
    if output_dir.exists() and not output_dir.is_dir():
        raise OutputNotWritable(f"{output_dir} is a file, not a folder for the tables")
    if not output_dir.exists() and not output_dir.parent.is_dir():
        raise OutputNotWritable(f"cannot create {output_dir}: the folder {output_dir.parent} does not exist")
    # A real write, not os.access: permission bits say nothing of a read-only mount, an immutable
    # folder or a user (root) who ignores them.
    target = output_dir if output_dir.exists() else output_dir.parent
    try:
        with tempfile.TemporaryFile(dir=target, prefix=".policymine-probe-"):
            pass
    except OSError as exc:
        raise OutputNotWritable(f"cannot write into {target}: {exc.strerror or exc}") from None


def make_engine(engine: str, workers: int, scheduler: str | None, budget=None, dask_timeout: float = 60):
    if engine == "local":
        from pipeline.run import local_engine

        return local_engine(workers, budget)
    if importlib.util.find_spec("distributed") is None:
        raise MissingExtra("dask", "the dask engine")
    from pipeline.distributed import dask_engine

    return dask_engine(scheduler, budget=budget, worker_timeout=dask_timeout)


def extract(input_dir: str | os.PathLike, output_dir: str | os.PathLike, *, workers: int = 1,
            force: bool = False, engine: str = "local", scheduler: str | None = None,
            on_file: Callable | None = None, file_timeout: float = 300, file_memory: int = 4096,
            dask_timeout: float = 60) -> ExtractReport:
    """Extract every report under `input_dir` into the parquet tables of `output_dir`.

    Same as `policymine extract`: incremental (unchanged inputs are not redone, `force=True`
    redoes them), one bad file never stops the run, tables are replaced only when the run
    completes. `engine="dask"` runs on a Dask cluster (`scheduler` its address, `dask_timeout`
    how long to wait for a worker). A file still processing after `file_timeout` seconds or
    needing more than `file_memory` MB fails with the reason (0: no limit); the run goes on.
    """
    from pipeline.run import run_extract

    input_dir, output_dir = Path(input_dir), Path(output_dir)
    check_input_dir(input_dir)
    check_output_dir(output_dir)
    from pipeline.pool import Budget

    chosen = make_engine(engine, workers, scheduler, Budget(seconds=file_timeout, memory_mb=file_memory),
                         dask_timeout)
    try:
        summary = run_extract(input_dir, output_dir, force=force, engine=chosen, on_file=on_file)
    except OSError as exc:
        if exc.errno in WRITE_ERRNOS and _is_within(exc.filename, output_dir):
            raise OutputNotWritable(f"cannot write {exc.filename}: {exc.strerror}") from None
        raise
    return _report(output_dir, summary)


def _is_within(filename, folder: Path) -> bool:
    return bool(filename) and Path(os.path.abspath(filename)).is_relative_to(os.path.abspath(folder))


def _report(output_dir: Path, summary) -> ExtractReport:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    manifest = pq.read_table(output_dir / "manifest.parquet", columns=["source_file", "status", "error"])
    failed = manifest.filter(pc.equal(manifest["status"], "failed")).to_pylist()
    duplicate_of = pq.read_table(output_dir / "documents.parquet", columns=["duplicate_of"])["duplicate_of"]
    return ExtractReport(
        output_dir=output_dir, ok=summary.ok, failed=summary.failed, skipped=summary.skipped,
        reused=summary.reused, up_to_date=summary.up_to_date, seconds=summary.seconds, rows=dict(summary.rows),
        failures=[(row["source_file"], row["error"]) for row in failed],
        duplicates=len(duplicate_of) - duplicate_of.null_count,
    )


def read_tables(output_dir: str | os.PathLike | None = None, names: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """The tables `extract` wrote into `output_dir` (default: $POLICYMINE_PROCESSED or
    data/processed), as DataFrames keyed by table name: documents, sections, sentences,
    indicators, themes, manifest, panel, theme_shares_document, theme_shares_region.
    `names` picks some of them."""
    from pipeline import tables

    return tables.read_tables(output_dir, list(names) if names is not None else tables.ALL_TABLES)


# ---------------------------------------------------------------- indicators of one text

# A file suffix that says "this was meant as a path" even when no such file exists.
PATH_LIKE_SUFFIXES = {".txt", ".text", ".html", ".htm", ".shtml", ".xhtml", ".docx", ".doc", ".pdf", ".wps",
                      ".md", ".csv", ".json", ".jsonl"}
# Longer than a file name may be on common file systems: certainly a passage.
MAX_NAME_BYTES = 255


def as_path(text_or_path: str | os.PathLike) -> Path | None:
    """The file meant by `text_or_path`, or None when it is a passage.

    A string names a file when such a file exists, or when it looks like a path (a document
    suffix, or a separator and no Chinese): then a missing file is an error, not text.
    """
    if isinstance(text_or_path, os.PathLike):
        path = Path(text_or_path)
    else:
        text = str(text_or_path)
        if "\n" in text or not text.strip() or any(len(part.encode()) > MAX_NAME_BYTES for part in text.split("/")):
            return None
        path = Path(text).expanduser()
        try:
            if path.exists():
                return _existing_file(path)
        except OSError:  # not a name the file system takes: a passage
            return None
        looks_like_path = path.suffix.lower() in PATH_LIKE_SUFFIXES or (
            ("/" in text or "\\" in text) and not any("\u4e00" <= ch <= "\u9fff" for ch in text))
        if not looks_like_path:
            return None
    if not path.exists():
        raise InputNotFound(f"no such file: {path}")
    return _existing_file(path)


def _existing_file(path: Path) -> Path:
    if path.is_dir():
        raise InputNotFound(f"{path} is a folder; `policymine extract` reads a folder of reports")
    return path


def indicators(text_or_path: str | os.PathLike) -> pd.DataFrame:
    """The indicator mentions of a passage or of one report file, one row per mention.

    A file is read and processed like `extract` does (HTML, .docx, .pdf, any text encoding):
    its periods, place and sections give each figure its period, status and region. A passage
    is read alone: status and period come from its own cue words. Columns are those of the
    indicators table (docs/schema.md); offsets point into the normalised text.
    """
    import pandas as pd

    from pipeline.schema import INDICATORS

    return pd.DataFrame(indicator_rows(text_or_path), columns=INDICATORS.names)


def indicator_rows(text_or_path: str | os.PathLike) -> list[dict]:
    """`indicators` as a list of dicts, without pandas (the command line prints these)."""
    path = as_path(text_or_path)
    if path is None:
        return _passage_rows(str(text_or_path))
    columns = _file_columns(path)
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def _file_columns(path: Path) -> dict[str, list]:
    from pipeline import readers
    from pipeline.process import process_document
    from pipeline.schema import document_columns

    try:
        raw = readers.read_file(path.resolve(), path.resolve().parent)
    except readers.ReadError as exc:
        raise NothingReadable(f"cannot read {path} as a report: {exc}") from None
    except OSError as exc:
        raise InputNotFound(f"cannot open {path}: {exc.strerror or exc}") from None
    return document_columns(process_document(raw))["indicators"]


def _passage_rows(text: str) -> list[dict]:
    from extractors.indicators import mentions_in_text

    return [{"doc_id": None, "sentence_id": m.sentence_id, "section_id": m.section_id,
             "char_start": m.char_start, "char_end": m.char_end, "surface": m.surface, "value": m.value,
             "unit": m.unit, "qualifier": m.qualifier, "subject": m.subject, "indicator_code": m.indicator_code,
             "status": m.status, "period": m.period, "theme": m.theme, "region_code": None}
            for m in mentions_in_text(text)]
