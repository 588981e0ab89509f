"""Atomic, batched parquet output.

Each table is streamed into a temporary file beside its destination in row
groups, so memory stays flat in the number of documents, and is moved into
place with `os.replace` only when the whole run has succeeded. A run that is
killed leaves the previous tables intact and readable.
"""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROWS_PER_GROUP = 50_000
# A documents row holds a whole report's text: flush those sooner so memory stays flat.
ROWS_PER_GROUP_WITH_TEXT = 500
# Fixed writer settings: the same rows give the same bytes.
PARQUET_OPTIONS = dict(compression="zstd", use_dictionary=True, write_statistics=True)


class TableWriter:
    def __init__(self, destination: Path, schema: pa.Schema, rows_per_group: int = ROWS_PER_GROUP):
        self.destination = destination
        self.schema = schema
        self.rows_per_group = rows_per_group
        self.temporary = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
        self._writer = pq.ParquetWriter(self.temporary, schema, **PARQUET_OPTIONS)
        self._pending: dict[str, list] = {name: [] for name in schema.names}
        self._pending_rows = 0

    def add(self, columns: dict[str, list]) -> None:
        """Append a batch of rows given column by column (every column of the schema)."""
        for name, values in columns.items():
            self._pending[name].extend(values)
        self._pending_rows += len(columns[self.schema.names[0]])
        if self._pending_rows >= self.rows_per_group:
            self._flush()

    def _flush(self) -> None:
        if self._pending_rows:
            self._writer.write_table(pa.Table.from_pydict(self._pending, schema=self.schema))
            self._pending = {name: [] for name in self.schema.names}
            self._pending_rows = 0

    def finish(self) -> Path:
        """Complete the file; it is moved into place by `commit`."""
        self._flush()
        self._writer.close()
        return self.temporary

    def commit(self) -> None:
        with open(self.temporary, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self.temporary, self.destination)

    def abort(self) -> None:
        try:
            self._writer.close()
        except Exception:  # the writer may already be closed or broken; the file is dropped anyway
            pass
        self.temporary.unlink(missing_ok=True)


class OutputSet:
    """The tables of one run, committed together at the end."""

    def __init__(self, output_dir: Path, schemas: dict[str, pa.Schema], metadata: dict[bytes, bytes] | None = None):
        output_dir.mkdir(parents=True, exist_ok=True)
        self.writers = {name: TableWriter(output_dir / f"{name}.parquet", schema.with_metadata(metadata or {}),
                                          ROWS_PER_GROUP_WITH_TEXT if name == "documents" else ROWS_PER_GROUP)
                        for name, schema in schemas.items()}

    def add(self, table: str, columns: dict[str, list]) -> None:
        self.writers[table].add(columns)

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
