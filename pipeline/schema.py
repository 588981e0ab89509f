"""Every output table: its Arrow schema and how a processed document fills it.

This module is the single definition of the tables; `docs/schema.md` documents
them column by column and a test checks that the two agree.
"""
from __future__ import annotations

import datetime as dt
import sys

import pyarrow as pa

from pipeline.model import ProcessedDocument

PERIOD = pa.struct([("period", pa.string()), ("status", pa.string())])
EVIDENCE = pa.struct([("field", pa.string()), ("evidence", pa.string())])

DOCUMENTS = pa.schema([
    ("doc_id", pa.string()),
    ("source_file", pa.string()),
    ("title", pa.string()),
    ("publisher", pa.string()),
    ("region", pa.string()),
    ("region_code", pa.string()),
    ("province", pa.string()),
    ("admin_level", pa.string()),
    ("doc_type", pa.string()),
    ("publish_date", pa.date32()),
    ("periods", pa.list_(PERIOD)),
    ("metadata_evidence", pa.list_(EVIDENCE)),
    ("text", pa.string()),
    ("n_chars", pa.int32()),
    ("duplicate_of", pa.string()),
])

SECTIONS = pa.schema([
    ("doc_id", pa.string()),
    ("section_id", pa.int32()),
    ("parent_id", pa.int32()),
    ("level", pa.int16()),
    ("marker", pa.string()),
    ("heading", pa.string()),
    ("period", pa.string()),
    ("status", pa.string()),
    ("char_start", pa.int32()),
    ("char_end", pa.int32()),
])

SENTENCES = pa.schema([
    ("doc_id", pa.string()),
    ("sentence_id", pa.int32()),
    ("section_id", pa.int32()),
    ("char_start", pa.int32()),
    ("char_end", pa.int32()),
    ("text", pa.string()),
    ("themes", pa.list_(pa.string())),
])

INDICATORS = pa.schema([
    ("doc_id", pa.string()),
    ("sentence_id", pa.int32()),
    ("section_id", pa.int32()),
    ("char_start", pa.int32()),
    ("char_end", pa.int32()),
    ("surface", pa.string()),
    ("value", pa.float64()),
    ("unit", pa.string()),
    ("qualifier", pa.string()),
    ("subject", pa.string()),
    ("indicator_code", pa.string()),
    ("status", pa.string()),
    ("period", pa.string()),
    ("theme", pa.string()),
    ("region_code", pa.string()),
    ("measure_kind", pa.string()),
    ("kind_evidence", pa.string()),
    ("is_previous_value", pa.bool_()),
])

THEMES = pa.schema([
    ("doc_id", pa.string()),
    ("level", pa.string()),  # sentence / section / document
    ("unit_id", pa.int32()),  # sentence_id or section_id; null for the document
    ("theme", pa.string()),
    ("score", pa.float64()),
    ("share", pa.float64()),
    ("evidence", pa.list_(pa.string())),
])

MANIFEST = pa.schema([
    ("source_file", pa.string()),
    ("doc_id", pa.string()),
    ("status", pa.string()),  # ok / failed / skipped
    ("error", pa.string()),
    ("seconds", pa.float64()),
])

# Tables filled from processed documents, in the order they are written.
DOCUMENT_TABLES: dict[str, pa.Schema] = {
    "documents": DOCUMENTS,
    "sections": SECTIONS,
    "sentences": SENTENCES,
    "indicators": INDICATORS,
    "themes": THEMES,
}
TABLES: dict[str, pa.Schema] = {**DOCUMENT_TABLES, "manifest": MANIFEST}


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


Columns = dict[str, list]  # a batch of rows, column by column, in schema order

# Each document table's row as one Arrow struct: a document's rows are converted in one call per
# table, not one per column (for one document's few rows the per-call cost outweighs the values').
ROW_TYPES: dict[str, pa.StructType] = {name: pa.struct(list(schema)) for name, schema in DOCUMENT_TABLES.items()}


def document_rows(processed: ProcessedDocument) -> dict[str, list[tuple]]:
    """What one processed document contributes to each document table: rows as tuples in schema
    order, read straight from the stage records (a list column may hold a tuple)."""
    doc, meta = processed.document, processed.meta
    doc_id, region_code = doc.doc_id, meta.region_code
    return {
        "documents": [(
            doc_id, doc.source_file, meta.title, meta.publisher, meta.region, region_code,
            meta.province, meta.admin_level, meta.doc_type, _date(meta.publish_date),
            [(p.period, p.status) for p in meta.periods],
            meta.evidence,  # (field, evidence) pairs
            doc.text, len(doc.text),
            None,  # duplicate_of: set by the run, which sees the documents before this one
        )],
        "sections": [
            (doc_id, s.section_id, s.parent_id, s.level, s.marker, s.heading, s.period, s.status,
             s.char_start, s.char_end)
            for s in processed.sections],
        "sentences": [
            (doc_id, s.sentence_id, s.section_id, s.char_start, s.char_end, s.text,
             [label.theme for label in labels])
            for s, labels in zip(processed.sentences, processed.sentence_themes)],
        "indicators": [
            (doc_id, m.sentence_id, m.section_id, m.char_start, m.char_end, m.surface, m.value, m.unit,
             m.qualifier, m.subject, m.indicator_code, m.status, m.period, m.theme, region_code,
             m.measure_kind, m.kind_evidence, m.is_previous_value)
            for m in processed.mentions],
        "themes": _theme_rows(processed),
    }


def document_columns(processed: ProcessedDocument) -> dict[str, Columns]:
    """`document_rows` column by column."""
    return {name: {column: list(values) for column, values in zip(DOCUMENT_TABLES[name].names, zip(*rows))}
            if rows else {column: [] for column in DOCUMENT_TABLES[name].names}
            for name, rows in document_rows(processed).items()}


def document_batches(processed: ProcessedDocument) -> dict[str, pa.RecordBatch]:
    """`document_rows` as Arrow record batches, built where the document is processed."""
    return {name: pa.RecordBatch.from_struct_array(pa.array(rows, ROW_TYPES[name]))
            for name, rows in document_rows(processed).items()}


def convert_without_pandas() -> None:
    """Spare this process the import of pandas (0.45 CPU s): on its first conversion of Python
    values pyarrow imports pandas to recognise pandas objects among them, and the document tables
    hold none. Here that first look finds no pandas and pyarrow stops looking. Only for a process
    that hands pyarrow no pandas object afterwards (a worker, the command line's extract):
    `to_pandas` still imports pandas when asked to."""
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _NoPandas)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(_NoPandas)


class _NoPandas:
    """An import finder under which `import pandas` fails."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "pandas":
            raise ImportError("pandas is not used here")
        return None


def to_ipc(batch: pa.RecordBatch) -> bytes:
    """A record batch as Arrow IPC bytes: a worker sends these, the parent reads them without a copy."""
    return batch.serialize().to_pybytes()


def from_ipc(table: str, data: bytes) -> pa.RecordBatch:
    return pa.ipc.read_record_batch(pa.py_buffer(data), DOCUMENT_TABLES[table])


def _theme_rows(processed: ProcessedDocument) -> list[tuple]:
    doc_id = processed.document.doc_id
    rows = [(doc_id, "sentence", sentence.sentence_id, label.theme, round(label.score, 6), 1.0, label.evidence)
            for sentence, labels in zip(processed.sentences, processed.sentence_themes) for label in labels]
    units = [(("section", s.section_id), labels) for s, labels in zip(processed.sections, processed.section_themes)]
    units.append((("document", None), processed.document_themes))
    for (level, unit_id), labels in units:
        shares = processed.theme_shares.get((level, unit_id), {})
        rows += [(doc_id, level, unit_id, label.theme, round(label.score, 6),
                  round(shares.get(label.theme, 0.0), 6), label.evidence) for label in labels]
    return rows


# Tables derived from the document tables after a run (pipeline/panel.py).
PANEL = pa.schema([
    ("region_code", pa.string()),
    ("region", pa.string()),
    ("province", pa.string()),
    ("admin_level", pa.string()),
    ("period", pa.string()),
    ("indicator_code", pa.string()),
    ("indicator_name_zh", pa.string()),
    ("indicator_name_en", pa.string()),
    ("status", pa.string()),
    ("value", pa.float64()),
    ("unit", pa.string()),
    ("measure_kind", pa.string()),
    ("qualifier", pa.string()),
    ("conflict", pa.bool_()),
    ("values_reported", pa.list_(pa.float64())),
    ("n_values", pa.int32()),
    ("n_mentions", pa.int32()),
    ("n_refused", pa.int32()),
    ("doc_ids", pa.list_(pa.string())),
    ("evidence_doc_id", pa.string()),
    ("evidence_sentence_id", pa.int32()),
    ("evidence_char_start", pa.int32()),
    ("evidence_char_end", pa.int32()),
    ("evidence_surface", pa.string()),
    ("evidence_sentence", pa.string()),
])

THEME_SHARES_DOCUMENT = pa.schema([
    ("doc_id", pa.string()),
    ("region_code", pa.string()),
    ("region", pa.string()),
    ("period", pa.string()),
    ("theme", pa.string()),
    ("share", pa.float64()),
    ("n_chars", pa.int32()),
])

THEME_SHARES_REGION = pa.schema([
    ("region_code", pa.string()),
    ("region", pa.string()),
    ("province", pa.string()),
    ("admin_level", pa.string()),
    ("period", pa.string()),
    ("theme", pa.string()),
    ("share", pa.float64()),
    ("n_documents", pa.int32()),
    ("n_chars", pa.int64()),
])

DERIVED_TABLES: dict[str, pa.Schema] = {
    "panel": PANEL,
    "theme_shares_document": THEME_SHARES_DOCUMENT,
    "theme_shares_region": THEME_SHARES_REGION,
}
