"""The stages for one document, in order: ingest → segment → metadata → themes → indicators."""
from __future__ import annotations

from extractors.indicators import extract_mentions
from extractors.metadata import assign_section_periods, extract_metadata
from extractors.themes import tag_document, theme_shares
from pipeline.ingest import normalise
from pipeline.model import ProcessedDocument, RawDocument
from pipeline.segment import outline, sentences


def process_document(raw: RawDocument) -> ProcessedDocument:
    document = normalise(raw)
    sections = outline(document.text)
    meta = extract_metadata(document, sections)
    sections = assign_section_periods(document, sections, meta)
    sentence_list = sentences(document.text, sections)
    sentence_themes, section_themes, document_themes = tag_document(sections, sentence_list)
    mentions = extract_mentions(document, sections, sentence_list, sentence_themes, meta)
    return ProcessedDocument(
        document=document,
        meta=meta,
        sections=sections,
        sentences=sentence_list,
        sentence_themes=sentence_themes,
        section_themes=section_themes,
        document_themes=document_themes,
        theme_shares=theme_shares(sections, sentence_list, sentence_themes),
        mentions=mentions,
    )

