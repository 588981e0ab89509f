"""The stages for one document, in order: ingest → segment → metadata → themes → indicators."""
from __future__ import annotations

from extractors.indicators import extract_mentions
from extractors.metadata import assign_section_periods, extract_metadata
from extractors.themes import document_themes
from pipeline.ingest import normalise
from pipeline.model import ProcessedDocument, RawDocument
from pipeline.segment import outline, sentences


def process_document(raw: RawDocument) -> ProcessedDocument:
    document = normalise(raw)
    sections = outline(document.text)
    meta = extract_metadata(document, sections)
    sections = assign_section_periods(document, sections, meta)
    sentence_list = sentences(document.text, sections)
    themes = document_themes(sections, sentence_list)
    mentions = extract_mentions(document, sections, sentence_list, themes.sentences, meta)
    return ProcessedDocument(
        document=document,
        meta=meta,
        sections=sections,
        sentences=sentence_list,
        sentence_themes=themes.sentences,
        section_themes=themes.sections,
        document_themes=themes.document,
        theme_shares=themes.shares,
        mentions=mentions,
    )

