"""Every output table: its Arrow schema and how a processed document fills it.

This module is the single definition of the tables; `docs/schema.md` documents
them column by column and a test checks that the two agree.
"""
from __future__ import annotations

import datetime as dt

import pyarrow as pa

from pipeline.model import ProcessedDocument, ThemeLabel

PERIOD = pa.struct([("period", pa.string()), ("status", pa.string())])

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


def _theme_rows(doc_id: str, level: str, unit_id: int | None, labels: list[ThemeLabel],
                shares: dict[str, float]) -> list[dict]:
    return [{
        "doc_id": doc_id, "level": level, "unit_id": unit_id, "theme": label.theme,
        "score": round(label.score, 6), "share": round(shares.get(label.theme, 0.0), 6),
        "evidence": list(label.evidence),
    } for label in labels]


def document_rows(processed: ProcessedDocument) -> dict[str, list[dict]]:
    """The rows one processed document contributes to each document table."""
    doc, meta = processed.document, processed.meta
    doc_id = doc.doc_id
    rows: dict[str, list[dict]] = {}
    rows["documents"] = [{
        "doc_id": doc_id, "source_file": doc.source_file, "title": meta.title,
        "publisher": meta.publisher, "region": meta.region, "region_code": meta.region_code,
        "province": meta.province, "admin_level": meta.admin_level, "doc_type": meta.doc_type,
        "publish_date": _date(meta.publish_date),
        "periods": [{"period": p.period, "status": p.status} for p in meta.periods],
        "text": doc.text, "n_chars": len(doc.text),
        "duplicate_of": None,  # set by the run, which sees the documents before this one
    }]
    rows["sections"] = [{
        "doc_id": doc_id, "section_id": s.section_id, "parent_id": s.parent_id, "level": s.level,
        "marker": s.marker, "heading": s.heading, "period": s.period, "status": s.status,
        "char_start": s.char_start, "char_end": s.char_end,
    } for s in processed.sections]
    rows["sentences"] = [{
        "doc_id": doc_id, "sentence_id": s.sentence_id, "section_id": s.section_id,
        "char_start": s.char_start, "char_end": s.char_end, "text": s.text,
        "themes": [label.theme for label in labels],
    } for s, labels in zip(processed.sentences, processed.sentence_themes)]
    rows["indicators"] = [{
        "doc_id": doc_id, "sentence_id": m.sentence_id, "section_id": m.section_id,
        "char_start": m.char_start, "char_end": m.char_end, "surface": m.surface,
        "value": m.value, "unit": m.unit, "qualifier": m.qualifier, "subject": m.subject,
        "indicator_code": m.indicator_code, "status": m.status, "period": m.period,
        "theme": m.theme, "region_code": meta.region_code,
    } for m in processed.mentions]
    rows["themes"] = _themes_table_rows(processed)
    return rows


def _themes_table_rows(processed: ProcessedDocument) -> list[dict]:
    doc_id = processed.document.doc_id
    out: list[dict] = []
    for sentence, labels in zip(processed.sentences, processed.sentence_themes):
        out += _theme_rows(doc_id, "sentence", sentence.sentence_id, labels,
                           {label.theme: 1.0 for label in labels})
    for section, labels in zip(processed.sections, processed.section_themes):
        out += _theme_rows(doc_id, "section", section.section_id, labels,
                           processed.theme_shares.get(("section", section.section_id), {}))
    out += _theme_rows(doc_id, "document", None, processed.document_themes,
                       processed.theme_shares.get(("document", None), {}))
    return out


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
    ("qualifier", pa.string()),
    ("conflict", pa.bool_()),
    ("values_reported", pa.list_(pa.float64())),
    ("n_mentions", pa.int32()),
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
