"""Parquet output: batched table writers, and the output folder as one consistent dataset.

Each table is streamed in row groups, so memory stays flat in the number of
documents. A run writes all its tables into a fresh folder of its own,
OUTPUT/.runs/<run id>/, and makes them visible in one step: the symbolic link
OUTPUT/.runs/current is switched to the new folder with `os.replace`. The
tables keep their plain paths (OUTPUT/indicators.parquet …): each is a link
to .runs/current/<table>.parquet, so pandas, DuckDB and the notebooks read them
as before, and every table a reader opens belongs to the same run.

Commit steps, in order (a run killed at any point leaves the old dataset or
the new one, never a mix; `POLICYMINE_CRASH_AT=<step>` ends the process at that
step, for the tests that prove it): `written` (the run's tables complete and on
disk), `switch` (current points to the new run), `links` (top-level paths are
links), `cleanup` (folders and temporary files of earlier or dead runs removed).

Only one run writes into an output folder at a time: a second one is refused
with `OutputBusy` while the first holds the lock (an flock on .runs/lock, which
the system releases when its process dies, however it dies).
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import OutputBusy

ROWS_PER_GROUP = 50_000
# A documents row holds a whole report's text: flush those sooner so memory stays flat.
ROWS_PER_GROUP_WITH_TEXT = 500
# Batches held before they are joined into one. A run adds each document's rows to each table as a
# batch of its own, and the manifest's one-row batches of 40,000 reports, waiting for their row
# group, were a growing share of the run's memory.
PENDING_BATCHES = 1000
# Fixed writer settings: the same rows give the same bytes.
PARQUET_OPTIONS = dict(compression="zstd", use_dictionary=True, write_statistics=True)

RUNS = ".runs"
CURRENT = "current"
LOCK = "lock"
COMMIT_STEPS = ("written", "switch", "links", "cleanup")
CRASH_AT_VARIABLE = "POLICYMINE_CRASH_AT"
# File descriptors of held locks: worker processes forked during a run close them, so that
# a worker outliving a killed run does not keep the output folder locked.
HELD_LOCKS: set[int] = set()


class TableWriter:
    def __init__(self, destination: Path, schema: pa.Schema, rows_per_group: int = ROWS_PER_GROUP):
        self.destination = destination
        self.schema = schema
        self.rows_per_group = rows_per_group
        self.temporary = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
        self._writer = pq.ParquetWriter(self.temporary, schema, **PARQUET_OPTIONS)
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0

    def add(self, rows: dict[str, list] | pa.RecordBatch) -> None:
        """Append a batch of rows: a record batch of the table's columns, or every column of the
        schema given as a list."""
        if isinstance(rows, dict):
            rows = pa.RecordBatch.from_pydict(rows, schema=self.schema)
        self._pending.append(rows)
        self._pending_rows += rows.num_rows
        if self._pending_rows >= self.rows_per_group:
            self._flush()
        elif len(self._pending) >= PENDING_BATCHES:
            self._pending = pa.Table.from_batches(self._pending, schema=self.schema).combine_chunks().to_batches()

    def _flush(self) -> None:
        if self._pending_rows:
            self._writer.write_table(pa.Table.from_batches(self._pending, schema=self.schema))
            self._pending = []
            self._pending_rows = 0

    def finish(self) -> Path:
        """Complete the file; it is moved into place by `commit`."""
        self._flush()
        self._writer.close()
        return self.temporary

    def commit(self) -> None:
        _fsync(self.temporary)
        os.replace(self.temporary, self.destination)

    def abort(self) -> None:
        try:
            self._writer.close()
        except Exception:  # the writer may already be closed or broken; the file is dropped anyway
            pass
        self.temporary.unlink(missing_ok=True)


class OutputSet:
    """Tables written side by side in one folder, each moved into place when all are complete."""

    def __init__(self, output_dir: Path, schemas: dict[str, pa.Schema], metadata: dict[bytes, bytes] | None = None):
        output_dir.mkdir(parents=True, exist_ok=True)
        self.writers = {name: TableWriter(output_dir / f"{name}.parquet", schema.with_metadata(metadata or {}),
                                          ROWS_PER_GROUP_WITH_TEXT if name == "documents" else ROWS_PER_GROUP)
                        for name, schema in schemas.items()}

    def add(self, table: str, rows: dict[str, list] | pa.RecordBatch) -> None:
        self.writers[table].add(rows)

    def commit(self) -> None:
        for writer in self.writers.values():
            writer.finish()
        for writer in self.writers.values():
            writer.commit()

    def abort(self) -> None:
        for writer in self.writers.values():
            writer.abort()

    def __enter__(self) -> "OutputSet":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


class Dataset:
    """The output folder: the committed run's tables behind stable top-level paths."""

    def __init__(self, output_dir: Path, table_names: list[str]):
        self.output_dir = Path(output_dir)
        self.table_names = list(table_names)
        self.runs = self.output_dir / RUNS
        self._lock_fd: int | None = None

    # --- the lock ---------------------------------------------------------------------

    def __enter__(self) -> "Dataset":
        self.runs.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.runs / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise OutputBusy(f"another policymine run ({holder}) is writing into {self.output_dir}; "
                             f"wait for it to finish or choose another output folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        self._lock_fd = fd
        HELD_LOCKS.add(fd)
        return self

    def __exit__(self, *exc) -> None:
        if self._lock_fd is not None:
            HELD_LOCKS.discard(self._lock_fd)
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None

    # --- reading the committed state --------------------------------------------------

    def committed_dir(self) -> Path | None:
        """The folder holding the committed tables: the current run's, or (written before runs
        had folders of their own) the output folder itself; None when there is none."""
        current = self.runs / CURRENT
        if current.is_dir():
            return current.resolve()
        if any((self.output_dir / f"{name}.parquet").is_file() for name in self.table_names):
            return self.output_dir
        return None

    # --- writing a run ----------------------------------------------------------------

    def new_run(self) -> Path:
        """A fresh, empty folder for this run's tables."""
        run_dir = Path(tempfile.mkdtemp(prefix=f"{time.strftime('%Y%m%dT%H%M%S')}-", dir=self.runs))
        run_dir.chmod(0o755)  # mkdtemp's folder is private; the tables are as readable as the folder they are in
        return run_dir

    def discard(self, run_dir: Path) -> None:
        """Drop a run that will not be committed (the dataset stays as it was)."""
        shutil.rmtree(run_dir, ignore_errors=True)

    def commit(self, run_dir: Path) -> None:
        """Make the tables in `run_dir` the dataset, all at once."""
        for name in self.table_names:
            _fsync(run_dir / f"{name}.parquet")
        _fsync(run_dir)
        _checkpoint("written")
        self._point_current_to(run_dir)
        _checkpoint("switch")
        self._link_tables()
        _checkpoint("links")
        self._remove_leftovers()
        _checkpoint("cleanup")

    def repair(self) -> None:
        """Bring the folder to its committed state before a run reads it: tables of an older
        layout (plain files) adopted as a run, top-level links in place, the leftovers of
        earlier and killed runs removed."""
        current = self.runs / CURRENT
        if current.is_dir() and not current.is_symlink():
            # the folder was copied by a tool that follows links: the copied run is a run again
            run_dir = self.new_run()
            os.replace(current, run_dir)
            self._point_current_to(run_dir)
        if not current.is_symlink():
            self._adopt_plain_tables()
        self._link_tables()
        self._remove_leftovers()

    def _point_current_to(self, run_dir: Path) -> None:
        link = self.runs / f".{CURRENT}.{os.getpid()}.tmp"
        link.unlink(missing_ok=True)
        os.symlink(run_dir.name, link)
        os.replace(link, self.runs / CURRENT)
        _fsync(self.runs)

    def _adopt_plain_tables(self) -> None:
        """Tables written as plain files (older versions) become the current run, without copying:
        each file is hard-linked into a run folder, then replaced by a link to it."""
        plain = [name for name in self.table_names
                 if (self.output_dir / f"{name}.parquet").is_file()
                 and not (self.output_dir / f"{name}.parquet").is_symlink()]
        if not plain:
            return
        run_dir = self.new_run()
        for name in plain:
            source = self.output_dir / f"{name}.parquet"
            try:
                os.link(source, run_dir / source.name)
            except OSError:  # a file system without hard links
                shutil.copy2(source, run_dir / source.name)
        self._point_current_to(run_dir)

    def _link_tables(self) -> None:
        for name in self.table_names:
            path = self.output_dir / f"{name}.parquet"
            target = f"{RUNS}/{CURRENT}/{name}.parquet"
            if path.is_symlink() and os.readlink(path) == target:
                continue
            if not (self.runs / CURRENT / f"{name}.parquet").exists():
                continue
            temporary = self.output_dir / f".{name}.parquet.link.{os.getpid()}.tmp"
            temporary.unlink(missing_ok=True)
            os.symlink(target, temporary)
            os.replace(temporary, path)
        _fsync(self.output_dir)

    def _remove_leftovers(self) -> None:
        """Run folders other than the current one and temporary files of dead runs; we hold the lock,
        so no other run is writing them."""
        current = (self.runs / CURRENT).resolve() if (self.runs / CURRENT).is_dir() else None
        for entry in self.runs.iterdir():
            if entry.name in (CURRENT, LOCK) or (current is not None and entry.resolve() == current):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        for entry in self.output_dir.glob(".*.tmp"):
            if entry.is_file() or entry.is_symlink():
                entry.unlink(missing_ok=True)


def _checkpoint(step: str) -> None:
    """Fault injection for the commit tests: end the process, as a kill would, at `step`."""
    if os.environ.get(CRASH_AT_VARIABLE) == step:
        os._exit(70)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
