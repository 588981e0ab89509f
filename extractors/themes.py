"""Policy themes (GUIDELINE section 2) of sentences, sections and documents.

Every label is explained: its evidence is the list of lexicon phrases that fired
(lexicons/themes.yaml), each exactly as it occurs in the sentence or in one of its headings.

A phrase is `strong` (names its field), `weak` (field vocabulary also used loosely: 社区, 治理,
救助 alone) or `context` (平台, 队伍建设: only ever confirms the field of the enclosing heading).
How a text is labelled:
  - page furniture and ceremony lines (索引号…, 同志们:) get nothing;
  - it gets the themes it names: strong phrases, or weak ones that add up to a strong one;
  - plus the themes of its context that a phrase of its own confirms (社区 in a sentence under a
    community heading). The context is the labels of the innermost enclosing heading that has
    any; a heading is labelled like any text, so it passes on what it inherited;
  - a heading that names nothing that way takes its best weak cues: headings are terse
    (二是推动帮扶救助机制精准化);
  - what is still unlabelled inherits its context whole: 加强综合监管。 under
    二是用心服务老年群体。 is elderly care.

Matching is one leftmost-longest pass of an Aho-Corasick automaton over the text as the
pipeline normalises it (simplified, pinyin debris like 區(qū) dropped, full-width forms folded),
so raw traditional input is read like the pipeline's own, and an alignment brings each phrase
back to the caller's characters. A match that begins inside one word and ends inside another is
no occurrence (军队 in 铁军|队伍).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

import ahocorasick
import opencc

from pipeline.ingest import normalise_text
from pipeline.lexicons import load_yaml
from pipeline.model import Section, Sentence, ThemeLabel
from pipeline.tokens import tokenizer

LEXICON = "themes.yaml"
# A theme counts as named by a body sentence once its phrases weigh as much as one strong phrase.
NAMED = 1.0
# Inherited labels are less certain than the heading's own.
INHERITED_DISCOUNT = 0.8
# Evidence listed for a section or document label: its most frequent phrases.
AGGREGATE_EVIDENCE = 8


@dataclass(frozen=True, slots=True)
class Cue:
    phrase: str  # as written in the lexicon (matching key form)
    themes: tuple[str, ...]  # empty for a phrase that names no field (a misleading cue)
    weight: float


@dataclass(frozen=True, slots=True)
class ThemeLexicon:
    codes: tuple[str, ...]
    order: dict[str, int]  # position of each code in the lexicon: ties go to the one listed first
    automaton: ahocorasick.Automaton
    boilerplate: re.Pattern


@cache
def lexicon() -> ThemeLexicon:
    data = load_yaml(LEXICON)
    tiers = data["tiers"]
    cues: dict[str, Cue] = {}

    def add(phrase: str, themes: tuple[str, ...], weight: float) -> None:
        key = matching_key(str(phrase))[0]
        known = cues.get(key)
        if known and known.themes != themes:
            raise ValueError(f"{LEXICON}: {phrase!r} is listed for {known.themes} and {themes}")
        cues[key] = Cue(key, themes, max(weight, known.weight) if known else weight)

    codes = tuple(theme["code"] for theme in data["themes"])
    for theme in data["themes"]:
        for tier, weight in tiers.items():
            for phrase in theme.get(tier) or ():
                add(phrase, (theme["code"],), weight)
    # Shared and misleading phrases are more specific than the single-theme lists: they win.
    for entry in data["shared"] + data["misleading"]:
        themes = tuple(entry["themes"]) if "themes" in entry else ((entry["theme"],) if entry["theme"] else ())
        unknown = set(themes) - set(codes)
        if unknown:
            raise ValueError(f"{LEXICON}: unknown theme {unknown} for {entry['phrase']!r}")
        cues.pop(matching_key(str(entry["phrase"]))[0], None)
        add(entry["phrase"], themes, tiers[entry.get("tier", "strong")])

    automaton = ahocorasick.Automaton()
    for key, cue in cues.items():
        automaton.add_word(key, cue)
    automaton.make_automaton()
    boilerplate = re.compile("|".join(f"(?:{pattern})" for pattern in data["boilerplate"]))
    return ThemeLexicon(codes, {code: i for i, code in enumerate(codes)}, automaton, boilerplate)


# Folds that matching needs on top of the pipeline's normalisation: reports write brackets in
# either width (村（居）委会, 村(居)委会) and Latin in either case (APP, app).
_MATCH_FOLD = {ord("（"): "(", ord("）"): ")"} | {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def _comparable(ch: str) -> str:
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    return " " if ch.isspace() else ch


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _align(text: str, normalised: str) -> list[int] | None:
    """For each character of `normalise_text(text)`, the offset of the character of `text` it
    comes from, or None if the two cannot be aligned. Normalisation maps characters one to one
    (OpenCC keeps the length, width folds) or drops them (pinyin debris, spaces, zero-width
    characters), so the normalised text is a subsequence of the character-wise simplified text."""
    simplified = _t2s().convert(text)
    if len(simplified) != len(text):
        simplified = text
    offsets, j = [], 0
    for i, ch in enumerate(simplified):
        if j < len(normalised) and _comparable(ch) == _comparable(normalised[j]):
            offsets.append(i)
            j += 1
    return offsets if j == len(normalised) else None


def matching_key(text: str, already_normalised: bool = False) -> tuple[str, str, Sequence[int]]:
    """The text as the lexicon is matched against it (`pipeline.ingest.normalise_text`, then
    `_MATCH_FOLD`), the text phrases are quoted from, and for each key character the offset of
    its source character. The source is `text` itself unless its normalisation cannot be aligned
    with it; then it is the normalised text. `already_normalised` says that `text` went through
    `normalise_text` before (a `Document.text` did), which saves doing it again."""
    if already_normalised:
        return text.translate(_MATCH_FOLD), text, range(len(text))
    normalised = normalise_text(text)
    key = normalised.translate(_MATCH_FOLD)
    offsets = list(range(len(text))) if normalised == text else _align(text, normalised)
    if offsets is None:
        return key, normalised, list(range(len(normalised)))
    return key, text, offsets


@dataclass(frozen=True, slots=True)
class Reading:
    """What the lexicon finds in one text."""

    key: str  # the text as matched
    raw: dict[str, float]  # theme → summed weight of its distinct phrases
    evidence: dict[str, tuple[str, ...]]  # theme → phrases as written in the text, in text order
    boilerplate: bool


def _word_boundaries(text: str) -> list[int]:
    """Offsets where the dictionary words of `text` start or end. jieba's HMM is off: it glues
    unknown characters into made-up words (一是织|密涉|军维稳) that would hide real phrases."""
    return [0, *accumulate(map(len, tokenizer().cut(text, False)))]


def _straddles(start: int, end: int, boundaries: list[int]) -> bool:
    """Whether the span [start, end) begins inside one word and ends inside another, like 军队 in
    铁军|队伍 or 军人 in 领军|人才. A phrase nested in one word (养老 in 居家养老) or meeting a word
    boundary at either end (婚姻登记 in 婚姻|登记证) is a real occurrence."""
    i = bisect_left(boundaries, start)
    if i < len(boundaries) and boundaries[i] == start:
        return False
    j = bisect_left(boundaries, end)
    if j < len(boundaries) and boundaries[j] == end:
        return False
    return j > i  # some boundary lies strictly inside the span


def read(text: str, already_normalised: bool = False) -> Reading:
    """The lexicon phrases in `text`, each distinct phrase counted once per theme."""
    lex = lexicon()
    key, source, offsets = matching_key(text, already_normalised)
    if lex.boilerplate.search(key):
        return Reading(key, {}, {}, True)
    raw: dict[str, float] = defaultdict(float)
    evidence: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    matches = list(lex.automaton.iter_long(key)) if key else []
    boundaries = _word_boundaries(key) if matches else []
    for end, cue in matches:
        start = end - len(cue.phrase) + 1
        if _straddles(start, end + 1, boundaries):
            continue
        surface = source[offsets[start]:offsets[end] + 1]
        for theme in cue.themes:
            if (theme, cue.phrase) in seen:
                continue
            seen.add((theme, cue.phrase))
            raw[theme] += cue.weight
            evidence[theme].append(surface)
    return Reading(key, dict(raw), {t: tuple(v) for t, v in evidence.items()}, False)


def _confidence(raw: float) -> float:
    return round(raw / (raw + 0.5), 4)


def _label(reading: Reading, context: Sequence[ThemeLabel], heading: bool) -> list[ThemeLabel]:
    """Labels of one text from what it names and from its context (see the module's doc)."""
    if reading.boilerplate:
        return []
    labels = {t: ThemeLabel(t, _confidence(raw), reading.evidence[t])
              for t, raw in reading.raw.items() if raw >= NAMED}
    for label in context:
        if label.theme in reading.raw and label.theme not in labels:  # a cue of its own confirms it
            # context and cue together are as sure as a named theme
            labels[label.theme] = ThemeLabel(label.theme, _confidence(reading.raw[label.theme] + NAMED),
                                             reading.evidence[label.theme] + label.evidence)
    if not labels and heading:
        best = max(reading.raw.values(), default=0.0)
        labels = {t: ThemeLabel(t, _confidence(raw), reading.evidence[t])
                  for t, raw in reading.raw.items() if best > 0 and raw == best}
    if not labels:
        labels = {label.theme: ThemeLabel(label.theme, round(label.score * INHERITED_DISCOUNT, 4), label.evidence)
                  for label in context}
    order = lexicon().order
    return sorted(labels.values(), key=lambda l: (-l.score, -len(l.evidence), order[l.theme]))


class _HeadingLabels:
    """Labels of heading chains, each computed once: reports repeat the same chain for every
    sentence of a section."""

    def __init__(self, already_normalised: bool = False) -> None:
        self._cache: dict[tuple[str, ...], list[ThemeLabel]] = {(): []}
        self._already_normalised = already_normalised

    def __call__(self, chain: tuple[str, ...]) -> list[ThemeLabel]:
        if chain not in self._cache:
            self._cache[chain] = _label(read(chain[-1], self._already_normalised), self(chain[:-1]), heading=True)
        return self._cache[chain]


def tag_sentences(texts: Sequence[str], headings: Sequence[Sequence[str]]) -> list[list[ThemeLabel]]:
    """Theme labels of each sentence, most relevant first.

    `headings[i]` are the headings of the sections enclosing sentence i, outermost first. A
    sentence that starts with an outline marker (see `outline_level`) is read as a heading. Each
    label's evidence occurs in the sentence or in one of its headings."""
    return _tag(texts, headings, [outline_level(text) is not None for text in texts])


def _tag(texts: Sequence[str], headings: Sequence[Sequence[str]], heading_flags: Sequence[bool],
         already_normalised: bool = False) -> list[list[ThemeLabel]]:
    if len(texts) != len(headings):
        raise ValueError(f"{len(texts)} sentences but {len(headings)} heading chains")
    heading_labels = _HeadingLabels(already_normalised)
    return [_label(read(text, already_normalised), heading_labels(tuple(chain)), heading)
            for text, chain, heading in zip(texts, headings, heading_flags)]


def _ancestors(section_id: int | None, by_id: dict[int, Section]) -> list[Section]:
    """The section and its enclosing sections, outermost first."""
    chain = []
    while section_id is not None:
        section = by_id[section_id]
        chain.append(section)
        section_id = section.parent_id
    return chain[::-1]


def _is_heading(sentence: Sentence, by_id: dict[int, Section]) -> bool:
    return sentence.section_id is not None and sentence.char_start < by_id[sentence.section_id].heading_end


def _heading_chain(sentence: Sentence, by_id: dict[int, Section]) -> list[str]:
    """Headings of the sections enclosing the sentence, outermost first, less its own if the
    sentence is a heading."""
    chain = _ancestors(sentence.section_id, by_id)
    if _is_heading(sentence, by_id):
        chain = chain[:-1]
    return [section.heading for section in chain]


Unit = tuple[str, int | None]  # ("section", section_id) or ("document", None)


def _units(sentence: Sentence, parent_of: dict[int, int | None]) -> list[Unit]:
    units: list[Unit] = [("document", None)]
    section_id = sentence.section_id
    while section_id is not None:
        units.append(("section", section_id))
        section_id = parent_of[section_id]
    return units


def theme_shares(sections: Sequence[Section], sentences: Sequence[Sentence],
                 sentence_labels: Sequence[Sequence[ThemeLabel]]) -> dict[Unit, dict[str, float]]:
    """For each section and the document, the share of each theme: the fraction of the unit's
    sentence characters that are in sentences carrying the theme. A section's sentences include
    those of its subsections; the shares of one unit may add up to more than 1, as a sentence may
    carry several themes. Keys are ("section", section_id) and ("document", None)."""
    parent_of = {section.section_id: section.parent_id for section in sections}
    totals: Counter[Unit] = Counter()
    carried: dict[Unit, Counter[str]] = defaultdict(Counter)
    for sentence, labels in zip(sentences, sentence_labels):
        size = sentence.char_end - sentence.char_start
        for unit in _units(sentence, parent_of):
            totals[unit] += size
            for label in labels:
                carried[unit][label.theme] += size
    return {unit: {theme: round(chars / totals[unit], 4) for theme, chars in carried[unit].most_common()}
            for unit in totals if totals[unit]}


def _aggregate_labels(sections: Sequence[Section], sentences: Sequence[Sentence],
                      sentence_labels: Sequence[Sequence[ThemeLabel]]) -> dict[Unit, list[ThemeLabel]]:
    """Each unit's labels by decreasing share: score is the character-weighted mean of its
    sentences' scores (0 where a sentence lacks the theme), evidence its most frequent phrases."""
    parent_of = {section.section_id: section.parent_id for section in sections}
    shares = theme_shares(sections, sentences, sentence_labels)
    totals: Counter[Unit] = Counter()
    confidence: dict[Unit, Counter[str]] = defaultdict(Counter)
    phrases: dict[tuple[Unit, str], Counter[str]] = defaultdict(Counter)
    for sentence, labels in zip(sentences, sentence_labels):
        size = sentence.char_end - sentence.char_start
        for unit in _units(sentence, parent_of):
            totals[unit] += size
            for label in labels:
                confidence[unit][label.theme] += size * label.score
                phrases[unit, label.theme].update(label.evidence)
    return {unit: [ThemeLabel(theme, round(confidence[unit][theme] / totals[unit], 4),
                              tuple(p for p, _ in phrases[unit, theme].most_common(AGGREGATE_EVIDENCE)))
                   for theme in by_theme]
            for unit, by_theme in shares.items()}


def tag_document(sections: list[Section], sentences: list[Sentence]) -> tuple[
        list[list[ThemeLabel]], list[list[ThemeLabel]], list[ThemeLabel]]:
    """Labels of each sentence (in order), of each section (in the order of `sections`) and of
    the document, whose texts are pipeline-normalised (`pipeline.ingest.normalise`).

    A section's or the document's labels aggregate its sentences (a section's include its
    subsections'): they come by decreasing share of characters (`theme_shares` gives the shares),
    each with the character-weighted mean of its sentences' scores (a sentence without the theme
    counts as 0) and the unit's most frequent phrases for it as evidence."""
    by_id = {section.section_id: section for section in sections}
    sentence_labels = _tag([s.text for s in sentences], [_heading_chain(s, by_id) for s in sentences],
                           [_is_heading(s, by_id) for s in sentences], already_normalised=True)
    aggregated = _aggregate_labels(sections, sentences, sentence_labels)
    return (sentence_labels, [aggregated.get(("section", section.section_id), []) for section in sections],
            aggregated.get(("document", None), []))


# Outline markers of official documents (GB/T 9704) at the start of a line, outermost first.
_OUTLINE = [
    (1, re.compile(r"^\s*[一二三四五六七八九十百]+\s*[、.．]")),
    (2, re.compile(r"^\s*[(（]\s*[一二三四五六七八九十百]+\s*[)）]")),
    (3, re.compile(r"^\s*\d{1,2}\s*(?:[、．]|\.(?!\d))")),
    (4, re.compile(r"^\s*[(（]\s*\d{1,2}\s*[)）]")),
    (5, re.compile(r"^\s*[一二三四五六七八九十]+是")),
]
# A part heading outside the numbered outline: a report's (part) title line, an appendix, or the
# closing address of a speech (同志们, …).
_PART = re.compile(r"^[^。；;！？!?]*(?:工作(?:总结|要点|安排|计划|思路|报告)|(?:上|下)半年.{0,6}思路)\s*$|^\s*(?:附\s*件|同志们)")
_NEXT_ITEM = re.compile(r"[;；]\s*[二三四五六七八九十]+是")


def outline_level(line: str) -> int | None:
    """The outline level of a heading line (1 = 一、, 2 = （一）, 3 = 1., 4 = （1）, 5 = 一是;
    0 = a part heading such as a report title or 附件), or None for a body line."""
    return _outline_level_of_key(matching_key(line)[0])


def _outline_level_of_key(key: str) -> int | None:
    for level, marker in _OUTLINE:
        if marker.match(key):
            return None if level == 5 and _NEXT_ITEM.search(key) else level
    return 0 if _PART.search(key) else None


def tag_records(records: Iterable[dict], explain: bool = False) -> Iterator[dict]:
    """Tag dicts with a `text` field, keeping all other fields and their order.

    Lines of one `doc` come in document order: heading lines (see `outline_level`) are carried as
    context for the lines after them until a heading of the same or a higher level. Each record
    gets `themes` (codes, most relevant first); with `explain`, also `theme_scores` {code: score}
    and `theme_evidence` {code: [phrases as written in the text or its headings]}."""
    heading_labels = _HeadingLabels()
    stack: list[tuple[int, str]] = []
    current_doc = object()
    for record in records:
        if record.get("doc") != current_doc:
            current_doc = record.get("doc")
            stack = []
            heading_labels = _HeadingLabels()
        text = record.get("text") or ""
        reading = read(text)
        level = None if reading.boilerplate else _outline_level_of_key(reading.key)
        if level is not None:
            while stack and stack[-1][0] >= level:
                stack.pop()
        labels = _label(reading, heading_labels(tuple(heading for _, heading in stack)), heading=level is not None)
        if level is not None:
            stack.append((level, text))
        out = dict(record)
        out["themes"] = [label.theme for label in labels]
        if explain:
            out["theme_scores"] = {label.theme: label.score for label in labels}
            out["theme_evidence"] = {label.theme: list(label.evidence) for label in labels}
        yield out
