"""Every output table: its Arrow schema and how a processed document fills it.

This module is the single definition of the tables; `docs/schema.md` documents
them column by column and a test checks that the two agree.
"""
from __future__ import annotations

import datetime as dt

import pyarrow as pa

from pipeline.model import ProcessedDocument, ThemeLabel

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


def _columns(schema: pa.Schema, records: list[tuple]) -> Columns:
    """Rows given as tuples in schema order, turned into columns."""
    if not records:
        return {name: [] for name in schema.names}
    return {name: list(values) for name, values in zip(schema.names, zip(*records))}


def document_columns(processed: ProcessedDocument) -> dict[str, Columns]:
    """What one processed document contributes to each document table, column by column.

    Columnar batches are cheap to send from a worker process and to turn into Arrow.
    """
    doc, meta = processed.document, processed.meta
    doc_id = doc.doc_id
    out: dict[str, Columns] = {}
    out["documents"] = _columns(DOCUMENTS, [(
        doc_id, doc.source_file, meta.title, meta.publisher, meta.region, meta.region_code,
        meta.province, meta.admin_level, meta.doc_type, _date(meta.publish_date),
        [{"period": p.period, "status": p.status} for p in meta.periods],
        [{"field": field, "evidence": reason} for field, reason in meta.evidence],
        doc.text, len(doc.text),
        None,  # duplicate_of: set by the run, which sees the documents before this one
    )])
    out["sections"] = _columns(SECTIONS, [
        (doc_id, s.section_id, s.parent_id, s.level, s.marker, s.heading, s.period, s.status,
         s.char_start, s.char_end)
        for s in processed.sections])
    out["sentences"] = _columns(SENTENCES, [
        (doc_id, s.sentence_id, s.section_id, s.char_start, s.char_end, s.text,
         [label.theme for label in labels])
        for s, labels in zip(processed.sentences, processed.sentence_themes)])
    out["indicators"] = _columns(INDICATORS, [
        (doc_id, m.sentence_id, m.section_id, m.char_start, m.char_end, m.surface, m.value, m.unit,
         m.qualifier, m.subject, m.indicator_code, m.status, m.period, m.theme, meta.region_code,
         m.measure_kind, m.kind_evidence, m.is_previous_value)
        for m in processed.mentions])
    out["themes"] = _columns(THEMES, _theme_records(processed))
    return out


def document_batches(processed: ProcessedDocument) -> dict[str, pa.RecordBatch]:
    """`document_columns` as Arrow record batches, built where the document is processed."""
    return {name: pa.RecordBatch.from_pydict(columns, schema=DOCUMENT_TABLES[name])
            for name, columns in document_columns(processed).items()}


def to_ipc(batch: pa.RecordBatch) -> bytes:
    """A record batch as Arrow IPC bytes: a worker sends these, the parent reads them without a copy."""
    return batch.serialize().to_pybytes()


def from_ipc(table: str, data: bytes) -> pa.RecordBatch:
    return pa.ipc.read_record_batch(pa.py_buffer(data), DOCUMENT_TABLES[table])


def _theme_records(processed: ProcessedDocument) -> list[tuple]:
    doc_id = processed.document.doc_id
    records = []
    for sentence, labels in zip(processed.sentences, processed.sentence_themes):
        records += [(doc_id, "sentence", sentence.sentence_id, label.theme, round(label.score, 6), 1.0,
                     list(label.evidence)) for label in labels]
    units = [(("section", s.section_id), labels) for s, labels in zip(processed.sections, processed.section_themes)]
    units.append((("document", None), processed.document_themes))
    for (level, unit_id), labels in units:
        shares = processed.theme_shares.get((level, unit_id), {})
        records += [(doc_id, level, unit_id, label.theme, round(label.score, 6),
                     round(shares.get(label.theme, 0.0), 6), list(label.evidence)) for label in labels]
    return records


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
