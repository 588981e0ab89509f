"""The tables for spreadsheets and SQL: CSV files, an Excel workbook, a DuckDB database.

Every export is written to a temporary file beside its destination and moved
into place when complete, so an interrupted export never leaves half a file.

Text cells of the CSV files and the workbook that start with a character a
spreadsheet reads as a formula (= + - @, tab, carriage return) get a leading
single quote, as OWASP recommends against CSV injection: report text and file
names are not trusted.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.lexicons import load_yaml
from pipeline.tables import require_tables

# The derived tables first: they are what most readers of a spreadsheet want.
EXPORT_ORDER = ["panel", "theme_shares_region", "theme_shares_document", "documents", "indicators",
                "sentences", "sections", "themes", "manifest"]

FORMATS = ("csv", "xlsx", "duckdb")
EXCEL_CELL_LIMIT = 32_767
EXCEL_DATA_ROWS = 1_048_576 - 1  # one row per sheet holds the headings
WIDE_COLUMNS = {"text", "title", "evidence_sentence", "heading", "source_file", "error", "indicator_name_en"}

ENGLISH_README = {
    "sheet": "README", "table": "table", "rows": "rows", "note": "note",
    "truncated": ("{count} cells were longer than Excel's 32,767-character cell limit and were cut; "
                  "the full text is in {table}.parquet and in the CSV and DuckDB exports"),
    "marker": "… [truncated: full text in {table}.parquet]",
    "split": "more rows than an Excel sheet holds: split over {sheets} sheets",
}


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """A text cell a spreadsheet will not run: a leading formula trigger is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _temporary(destination: Path) -> Path:
    return destination.with_name(f".{destination.name}.{os.getpid()}.tmp")


def _is_nested(data_type: pa.DataType) -> bool:
    return pa.types.is_list(data_type) or pa.types.is_large_list(data_type) or pa.types.is_struct(data_type)


# Rows of a table read, flattened and written at a time: a corpus's tables are never all in memory.
EXPORT_BATCH_ROWS = 20_000

# A table to export: in memory, or the path of its parquet file (read a batch at a time).
TableSource = pa.Table | Path


def _batches(source: TableSource) -> Iterator[pa.RecordBatch]:
    if isinstance(source, pa.Table):
        yield from source.to_batches(max_chunksize=EXPORT_BATCH_ROWS)
    else:
        yield from pq.ParquetFile(source).iter_batches(batch_size=EXPORT_BATCH_ROWS)


def _schema(source: TableSource) -> pa.Schema:
    return source.schema if isinstance(source, pa.Table) else pq.read_schema(source)


def _num_rows(source: TableSource) -> int:
    return source.num_rows if isinstance(source, pa.Table) else pq.ParquetFile(source).metadata.num_rows


def flat_frames(source: TableSource) -> Iterator[pd.DataFrame]:
    """The table's rows in frames of at most EXPORT_BATCH_ROWS, with list and struct columns as JSON
    text, for formats that hold only scalars."""
    for batch in _batches(source):
        frame = batch.to_pandas(integer_object_nulls=True)  # an int column with nulls stays int, not 2.0
        for name, data_type in zip(batch.schema.names, batch.schema.types):
            if _is_nested(data_type):
                frame[name] = [None if value is None else json.dumps(value, ensure_ascii=False, default=str)
                               for value in batch.column(name).to_pylist()]
        yield frame


def chinese_headings(table: str, columns: list[str]) -> list[str]:
    """Headings from lexicons/column_names_zh.yaml; a column it does not name yet keeps its own name."""
    names = load_yaml("column_names_zh.yaml")
    overrides = names["tables"].get(table, {})
    return [overrides.get(column) or names["columns"].get(column, column) for column in columns]


def headings(table: str, columns: list[str], chinese: bool) -> list[str]:
    return chinese_headings(table, columns) if chinese else list(columns)


def write_csv(tables: dict[str, TableSource], folder: Path, chinese: bool) -> list[Path]:
    """One UTF-8 file per table, with a byte-order mark so that Excel reads the Chinese right."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, source in tables.items():
        destination = folder / f"{name}.csv"
        temporary = _temporary(destination)
        try:
            with open(temporary, "w", encoding="utf-8-sig", newline="") as handle:
                header = headings(name, _schema(source).names, chinese)
                for frame in flat_frames(source):
                    for column in frame.columns:
                        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column].dtype):
                            frame[column] = pd.Series([neutralised(value) for value in frame[column]],
                                                      index=frame.index, dtype=object)
                    frame.columns = header
                    frame.to_csv(handle, index=False, header=header if handle.tell() == 0 else False)
                if handle.tell() == 0:  # a table without rows still gets its headings
                    pd.DataFrame(columns=header).to_csv(handle, index=False)
            os.replace(temporary, destination)
        finally:
            temporary.unlink(missing_ok=True)
        written.append(destination)
    return written


@dataclass
class _SheetNotes:
    truncated: int = 0
    sheets: list[str] = field(default_factory=list)


def _excel_cell(value, marker: str, notes: _SheetNotes):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        value = neutralised(ILLEGAL_CHARACTERS_RE.sub("", value))  # control characters make openpyxl refuse the cell
        if len(value) > EXCEL_CELL_LIMIT:
            notes.truncated += 1
            return value[:EXCEL_CELL_LIMIT - len(marker)] + marker
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_xlsx(tables: dict[str, TableSource], destination: Path, chinese: bool) -> Path:
    """One sheet per table (split where a table outgrows a sheet), after a README sheet that lists them."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    chinese_names = load_yaml("column_names_zh.yaml")
    texts = chinese_names["readme"] if chinese else ENGLISH_README
    sheet_names = chinese_names["sheets"] if chinese else {name: name for name in tables}
    workbook = Workbook(write_only=True)
    readme = workbook.create_sheet(texts["sheet"])
    notes: dict[str, _SheetNotes] = {}
    rows: dict[str, int] = {}
    for name, source in tables.items():
        names = _schema(source).names
        columns = headings(name, names, chinese)
        marker = texts["marker"].format(table=name)
        notes[name] = table_notes = _SheetNotes()

        def new_sheet():
            number = len(table_notes.sheets) + 1
            title = sheet_names[name] if number == 1 else f"{sheet_names[name]} ({number})"
            sheet = workbook.create_sheet(title)
            table_notes.sheets.append(title)
            for index, column in enumerate(names, 1):
                sheet.column_dimensions[get_column_letter(index)].width = 60 if column in WIDE_COLUMNS else 16
            sheet.freeze_panes = "A2"
            sheet.append(columns)
            return sheet

        sheet, in_sheet = new_sheet(), 0
        rows[name] = _num_rows(source)
        for frame in flat_frames(source):
            for row in frame.itertuples(index=False):
                if in_sheet == EXCEL_DATA_ROWS:
                    sheet, in_sheet = new_sheet(), 0
                sheet.append([_excel_cell(value, marker, table_notes) for value in row])
                in_sheet += 1

    readme.column_dimensions["A"].width = 24
    readme.column_dimensions["B"].width = 12
    readme.column_dimensions["C"].width = 100
    readme.append([texts["table"], texts["rows"], texts["note"]])
    for name in tables:
        table_notes = notes[name]
        remarks = []
        if len(table_notes.sheets) > 1:
            remarks.append(texts["split"].format(sheets=len(table_notes.sheets)))
        if table_notes.truncated:
            remarks.append(texts["truncated"].format(count=table_notes.truncated, table=name))
        readme.append([table_notes.sheets[0], rows[name], "; ".join(remarks) or None])

    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary(destination)
    try:
        workbook.save(temporary)
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)
    return destination


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _panel_wide_sql(codes: list[str], status: str) -> str:
    """Region × period rows, one column per indicator: DuckDB's PIVOT cannot be a view, so spell it out."""
    columns = "".join(f",\n  max(value) FILTER (WHERE indicator_code = {_literal(code)}) AS {_quoted(code)}"
                      for code in codes)
    return (f"SELECT region_code, region, province, admin_level, period{columns}\n"
            f"FROM panel WHERE status = {_literal(status)}\n"
            "GROUP BY region_code, region, province, admin_level, period\n"
            "ORDER BY region_code, period")


INDICATOR_EVIDENCE_SQL = """
SELECT i.doc_id, d.title, d.publisher, d.region, i.region_code, d.publish_date,
       i.indicator_code, i.subject, i.surface, i.value, i.unit, i.qualifier, i.status, i.period, i.theme,
       i.sentence_id, i.char_start, i.char_end, s.text AS sentence
FROM indicators AS i
LEFT JOIN sentences AS s ON s.doc_id = i.doc_id AND s.sentence_id = i.sentence_id
LEFT JOIN documents AS d ON d.doc_id = i.doc_id
ORDER BY i.doc_id, i.char_start
"""


def write_duckdb(processed: Path, destination: Path) -> Path:
    """Every table, plus the views panel_wide, panel_wide_target and indicator_evidence."""
    import duckdb

    require_tables(processed)
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary(destination)
    wal = temporary.with_name(temporary.name + ".wal")
    temporary.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(temporary)) as connection:
            for name in EXPORT_ORDER:
                path = str((processed / f"{name}.parquet").resolve())
                connection.execute(f"CREATE TABLE {_quoted(name)} AS SELECT * FROM read_parquet({_literal(path)})")
            codes = [code for (code,) in connection.execute(
                "SELECT DISTINCT indicator_code FROM panel ORDER BY indicator_code").fetchall()]
            connection.execute(f"CREATE VIEW panel_wide AS {_panel_wide_sql(codes, 'actual')}")
            connection.execute(f"CREATE VIEW panel_wide_target AS {_panel_wide_sql(codes, 'target')}")
            connection.execute(f"CREATE VIEW indicator_evidence AS {INDICATOR_EVIDENCE_SQL}")
            connection.execute("CHECKPOINT")
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)
    return destination


def export(processed: Path, formats: list[str], destination: Path | None = None,
           chinese_headers: bool = False) -> list[Path]:
    """Write the requested exports of the tables in `processed`; the paths written.

    CSV files go to DESTINATION/csv/, the workbook and the database to
    DESTINATION (default: PROCESSED/exports). `chinese_headers` applies to csv
    and xlsx: the database keeps the column names its views and queries use.
    """
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown export format {', '.join(sorted(unknown))}; choose from {', '.join(FORMATS)}")
    destination = destination or processed / "exports"
    require_tables(processed)
    tables = {name: processed / f"{name}.parquet" for name in EXPORT_ORDER}
    written: list[Path] = []
    for kind in formats:
        if kind == "csv":
            written += write_csv(tables, destination / "csv", chinese_headers)
        elif kind == "xlsx":
            written.append(write_xlsx(tables, destination / "policymine.xlsx", chinese_headers))
        else:
            written.append(write_duckdb(processed, destination / "policymine.duckdb"))
    return written
