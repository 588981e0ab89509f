"""The in-memory records that flow between stages.

Data moves one way: a file is read into a `RawDocument`, normalised into a
`Document`, outlined into `Section`s and split into `Sentence`s, tagged with
`ThemeLabel`s, and mined for `Mention`s. Every character offset in every record
points into `Document.text`, the normalised text that is written to the
`documents` table.

Records are not changed once made. The ones made by the hundred thousand (sentences, theme
labels, quantities, mentions) are plain slotted dataclasses, not frozen ones: a frozen
dataclass sets each field through `object.__setattr__`, which makes it ~4× slower to build.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RawDocument:
    """A file decoded to text by a reader, before normalisation."""

    source_file: str  # path relative to the input folder, with forward slashes
    doc_id: str  # stable hash of the raw bytes
    text: str
    # Metadata that the container itself carries (an HTML page's <title> and
    # 发布日期 table, a .docx's core properties), keyed like the portal labels.
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Document:
    """A normalised report: simplified Chinese, page furniture removed."""

    source_file: str
    doc_id: str
    text: str
    # Label → value pairs lifted from the stripped furniture (发布单位, 发布日期,
    # 公开日期, 发文日期, 来源, 索引号, 文号, 名称 …) and from the reader's fields.
    header: dict[str, str]


@dataclass(frozen=True, slots=True)
class Period:
    period: str  # "2020", "2020H1", "2020H2"
    status: str  # "actual" or "target"


@dataclass(frozen=True, slots=True)
class Section:
    """One node of the outline tree (一、 → （一） → 1. → （1） → 一是 …).

    The span covers the marker, the heading and the body up to the next
    heading of the same or a higher level; `heading_end` ends the heading.
    """

    section_id: int  # 0-based, in document order
    parent_id: int | None
    level: int  # 1 = outermost
    marker: str  # "一、", "（二）", "3.", "一是", or "" for an unnumbered part heading
    heading: str
    char_start: int
    char_end: int
    heading_end: int
    period: str | None = None
    status: str | None = None

    def with_period(self, period: str | None, status: str | None) -> Section:
        """The section with its period and status set (a few times cheaper than `dataclasses.replace`)."""
        return Section(self.section_id, self.parent_id, self.level, self.marker, self.heading,
                       self.char_start, self.char_end, self.heading_end, period, status)


@dataclass(slots=True)
class Sentence:
    sentence_id: int  # 0-based, in document order
    section_id: int | None  # innermost enclosing section
    char_start: int
    char_end: int
    text: str


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    title: str | None
    publisher: str | None
    region: str | None
    region_code: str | None
    province: str | None
    admin_level: str | None  # province / prefecture / county
    doc_type: str | None  # work_summary / work_plan / work_report / summary_and_plan
    publish_date: str | None  # YYYY-MM-DD
    periods: tuple[Period, ...]
    # (field, what decided it) for title, place, doc_type, publish_date and periods.
    evidence: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class ThemeLabel:
    theme: str  # one of the 18 codes of lexicons/themes.yaml
    score: float  # 0..1, higher is more confident
    evidence: tuple[str, ...]  # the terms that fired, as they occur in the text or heading


@dataclass(slots=True)
class Quantity:
    """A number with its multiplier, unit word and qualifier, found by grammar."""

    char_start: int
    char_end: int
    surface: str
    value: float  # in base units (yuan, persons, percent points …)
    unit: str  # canonical unit code (GUIDELINE section 1)
    qualifier: str  # exact / approx / more_than / at_least / at_most
    unit_word: str  # the measure word as written (名, 万元, 张, 元/人/月 …)


@dataclass(slots=True)
class Mention:
    """An indicator mention: a quantity with its meaning in context."""

    sentence_id: int
    section_id: int | None
    char_start: int
    char_end: int
    surface: str
    value: float
    unit: str
    qualifier: str
    subject: str | None
    indicator_code: str | None
    status: str | None
    period: str | None
    theme: str | None
    # GUIDELINE 1b: stock, flow, standard, spending, ratio, share, or change (a difference such as
    # 下降2个百分点); the kind of the indicator code when there is one, else read from cues and unit.
    measure_kind: str | None = None
    kind_evidence: str | None = None  # the cue word that decided stock or flow (新增, 共有, 截至 …)
    is_previous_value: bool = False  # the value before a stated change (由X提高至Y: X)


@dataclass(slots=True)
class ProcessedDocument:
    """Everything the pipeline derives from one input file."""

    document: Document
    meta: DocumentMeta
    sections: list[Section]
    sentences: list[Sentence]
    sentence_themes: list[list[ThemeLabel]]
    section_themes: list[list[ThemeLabel]]
    document_themes: list[ThemeLabel]
    # ("section", section_id) or ("document", None) → theme → share of the unit's
    # characters in sentences carrying that theme.
    theme_shares: dict[tuple[str, int | None], dict[str, float]]
    mentions: list[Mention]
