"""The stages for one document, in order: ingest → segment → metadata → themes → indicators."""
from __future__ import annotations

from collections import defaultdict

from extractors.indicators import extract_mentions
from extractors.metadata import assign_section_periods, extract_metadata
from extractors.themes import tag_document
from pipeline.ingest import normalise
from pipeline.model import ProcessedDocument, RawDocument, Section, Sentence, ThemeLabel
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


def theme_shares(sections: list[Section], sentence_list: list[Sentence],
                 sentence_themes: list[list[ThemeLabel]]) -> dict[tuple[str, int | None], dict[str, float]]:
    """For each section and the document: the share of its sentence characters under each theme."""
    chars: dict[tuple[str, int | None], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[tuple[str, int | None], int] = defaultdict(int)
    parent_of = {s.section_id: s.parent_id for s in sections}
    for sentence, labels in zip(sentence_list, sentence_themes):
        units: list[tuple[str, int | None]] = [("document", None)]
        section_id = sentence.section_id
        while section_id is not None:
            units.append(("section", section_id))
            section_id = parent_of[section_id]
        length = sentence.char_end - sentence.char_start
        for unit in units:
            totals[unit] += length
            for label in labels:
                chars[unit][label.theme] += length
    return {unit: {theme: n / totals[unit] for theme, n in by_theme.items()}
            for unit, by_theme in chars.items() if totals[unit]}
