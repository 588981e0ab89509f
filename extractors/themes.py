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

A document's texts (`document_themes`, `tag_document`) are already normalised and read as they
are: its sentences (and then its headings) joined by line breaks, in one pass of the automaton
and with the boilerplate patterns tried on each where it lies in the joined text; only the
sentences with a match are worked on one by one (most name nothing, and take their context's
labels); the labels of the sections and the document and their theme shares come from one pass
over the sentences. Only phrases that dictionary words may cross at both ends need the text
segmented to tell whether they straddle two words.
"""
from __future__ import annotations

import importlib.util
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate, compress, count, repeat
from operator import add, itemgetter
from pathlib import Path

import ahocorasick_rs

from extractors import TEXT_CACHE_ENTRIES
from pipeline.ingest import normalise_text, simplifier
from pipeline.lexicons import derived, load_yaml
from pipeline.model import Section, Sentence, ThemeLabel
from pipeline.segment import line_marker
from pipeline.tokens import tokenizer, user_words

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
    cues: tuple[Cue, ...]
    # Leftmost-longest over the cues' phrases; a match is (index into `cues`, start, end).
    matcher: ahocorasick_rs.AhoCorasick
    # The boilerplate patterns anchored at the start of the text, tried there only (searching
    # them with the others would try them at every offset), and the others.
    boilerplate_start: re.Pattern
    boilerplate_anywhere: re.Pattern
    # The same in multiline mode, tried on each line where it lies in the lines of a document
    # joined by line breaks (see `_boilerplate_lines`).
    boilerplate_start_of_line: re.Pattern
    boilerplate_in_line: re.Pattern
    # Pairs of characters that a dictionary word of the segmenter holds side by side, of those
    # whose second character begins a phrase or whose first character ends one (see `_joined`).
    word_pairs: frozenset[str]

    def is_boilerplate(self, key: str) -> bool:
        return bool(self.boilerplate_start.match(key) or self.boilerplate_anywhere.search(key))


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

    if any(LINE_BREAK in key for key in cues):
        raise ValueError(f"{LEXICON}: a phrase holds a line break")
    # The DFA costs a few ms to build and matches about twice as fast as the NFA.
    matcher = ahocorasick_rs.AhoCorasick(list(cues), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                                         implementation=ahocorasick_rs.Implementation.DFA)
    boilerplate = data["boilerplate"]
    if any(anchor in pattern for pattern in boilerplate for anchor in (r"\A", r"\Z")):
        raise ValueError(f"{LEXICON}: boilerplate is anchored with ^ and $, which hold at each line")
    return ThemeLexicon(codes, {code: i for i, code in enumerate(codes)}, tuple(cues.values()), matcher,
                        _alternatives(p for p in boilerplate if p.startswith("^")),
                        _alternatives(p for p in boilerplate if not p.startswith("^")),
                        _alternatives((p for p in boilerplate if p.startswith("^")), re.MULTILINE),
                        _alternatives((p for p in boilerplate if not p.startswith("^")), re.MULTILINE),
                        _word_pairs({key[0] for key in cues}, {key[-1] for key in cues}))


def _alternatives(patterns: Iterable[str], flags: int = 0) -> re.Pattern:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns) or "(?!)", flags)  # (?!) never matches


# Folds that matching needs on top of the pipeline's normalisation: reports write brackets in
# either width (村（居）委会, 村(居)委会) and Latin in either case (APP, app).
_MATCH_FOLD = {"（": "(", "）": ")"} | {chr(code): chr(code + 32) for code in range(ord("A"), ord("Z") + 1)}
_FOLDED = re.compile("[" + re.escape("".join(_MATCH_FOLD)) + "]")
# Lines of a document are matched joined by this: no phrase holds it, so no match spans two lines.
LINE_BREAK = "\n"


def _fold(text: str) -> str:
    # Texts hold few characters to fold, if any: replacing those found is much cheaper than
    # translating every character (str.translate looks each one up).
    for ch in set(_FOLDED.findall(text)):
        text = text.replace(ch, _MATCH_FOLD[ch])
    return text


def _comparable(ch: str) -> str:
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    return " " if ch.isspace() else ch


def _align(text: str, normalised: str) -> list[int] | None:
    """For each character of `normalise_text(text)`, the offset of the character of `text` it
    comes from, or None if the two cannot be aligned. Normalisation maps characters one to one
    (OpenCC keeps the length, width folds) or drops them (pinyin debris, spaces, zero-width
    characters), so the normalised text is a subsequence of the character-wise simplified text."""
    simplified = simplifier().convert(text)
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
        return _fold(text), text, range(len(text))
    normalised = normalise_text(text)
    key = _fold(normalised)
    offsets = range(len(text)) if normalised == text else _align(text, normalised)
    if offsets is None:
        return key, normalised, range(len(normalised))
    return key, text, offsets


@dataclass(frozen=True, slots=True)
class Reading:
    """What the lexicon finds in one text."""

    key: str  # the text as matched
    raw: dict[str, float]  # theme → summed weight of its distinct phrases
    evidence: dict[str, tuple[str, ...]]  # theme → phrases as written in the text, in text order
    boilerplate: bool
    # The labels of the themes it names (`NAMED`), made once for the lines of a document: documents
    # repeat stock sentences and headings, and `_label` starts from these. None where not made
    # (`read`: most of its texts are clauses and subjects that the indicators only weigh). Derived
    # from `raw` and `evidence`, so two readings of a text are equal whether it was made or not.
    named: dict[str, ThemeLabel] | None = field(compare=False)


def _dictionary() -> str:
    """The words the segmenter knows, one a line: rjieba ships jieba's dictionary (a word, its
    frequency and its tag a line), and `tokenizer` adds the civil-affairs user words."""
    # found through the import system without importing jieba (its import alone takes ~0.2 s)
    jieba_dir = importlib.util.find_spec("jieba").submodule_search_locations[0]
    jieba_words = Path(jieba_dir, "dict.txt").read_text(encoding="utf-8")
    return jieba_words + "\n" + "\n".join(word for word, _ in user_words())


def _word_pairs(first_chars: set[str], last_chars: set[str]) -> frozenset[str]:
    """Pairs of adjacent characters in the dictionary's words whose second character is one of
    `first_chars` or whose first is one of `last_chars`. Its frequency and tag columns add a few
    pairs of ASCII letters and digits, which the segmenter may join anyway (`_joined`)."""
    pair = f"(?=(\\S[{re.escape(''.join(sorted(first_chars)))}]|[{re.escape(''.join(sorted(last_chars)))}]\\S))"
    dictionary = _dictionary()
    # findall: no match objects, twice as fast; kept on disk, it is a third of the warm-up
    return frozenset(derived("theme-word-pairs", (pair, dictionary), lambda: sorted(set(re.findall(pair, dictionary)))))


def _joined(pair: str, word_pairs: frozenset[str]) -> bool:
    """Whether the segmenter may put the two characters of `pair` into one word. With the HMM off
    a word of several characters is a dictionary word, or a run of ASCII letters and digits."""
    return pair in word_pairs or (pair.isascii() and pair.isalnum())


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


# Readings of texts, shared by `read` and `_read_lines`, by whether the text is already normalised:
# the indicators read again the sentences that hold a figure, and headings and stock sentences
# recur across reports. Each is emptied when full, at the size of the other per-text caches: a
# reading holds its whole text, and one process over 4,000 generated reports used 14 MiB more
# (USS) keeping 16,384, at the same CPU.
_READINGS: dict[bool, dict[str, Reading]] = {False: {}, True: {}}
READINGS_KEPT = TEXT_CACHE_ENTRIES


def read(text: str, already_normalised: bool = False) -> Reading:
    """The lexicon phrases in `text`, each distinct phrase counted once per theme (shared: do not
    mutate)."""
    reading = _READINGS[already_normalised].get(text)
    if reading is None:
        lex = lexicon()
        key, source, offsets = matching_key(text, already_normalised)
        if lex.is_boilerplate(key):
            reading = Reading(key, {}, {}, True, {})
        elif matches := lex.matcher.find_matches_as_indexes(key):
            reading = Reading(key, *_tally(key, source, offsets, matches, 0, len(key)), False, None)
        else:  # most clauses and subjects the indicators read
            reading = Reading(key, {}, {}, False, {})
        _remember(text, already_normalised, reading)
    return reading


def _named(raw: dict[str, float], evidence: dict[str, tuple[str, ...]]) -> dict[str, ThemeLabel]:
    """`Reading.named` of a reading with these `raw` and `evidence`."""
    return {t: ThemeLabel(t, _confidence(weight), evidence[t]) for t, weight in raw.items() if weight >= NAMED}


def _remember(text: str, already_normalised: bool, reading: Reading) -> None:
    readings = _READINGS[already_normalised]
    if len(readings) >= READINGS_KEPT:
        readings.clear()
    readings[text] = reading


def _tally(key: str, source: str, offsets: Sequence[int], matches: Iterable[tuple[int, int, int]],
           start_of_text: int, end_of_text: int) -> tuple[dict[str, float], dict[str, tuple[str, ...]]]:
    """`Reading.raw` and `Reading.evidence` of the text key[start_of_text:end_of_text], from the
    automaton's matches in it. `key`, `source` and `offsets` are as `matching_key` gives them
    (they may hold other texts around this one)."""
    lex = lexicon()
    cues, word_pairs = lex.cues, lex.word_pairs
    raw: dict[str, float] = {}
    evidence: dict[str, tuple[str, ...]] = {}  # a theme has a phrase or two in a text: tuples grow cheaply
    counted: set[int] = set()
    boundaries = None  # the text is segmented when a phrase first needs it
    last = end_of_text - 1
    for index, start, stop in matches:
        if index in counted:
            continue
        end = stop - 1
        # A phrase only straddles two words if words of several characters cross both its ends;
        # a boundary is certain where no dictionary word holds the two characters around it.
        if (start_of_text < start < end < last and _joined(key[start - 1:start + 1], word_pairs)
                and _joined(key[end:end + 2], word_pairs)):
            boundaries = boundaries or _word_boundaries(key[start_of_text:end_of_text])
            if _straddles(start - start_of_text, stop - start_of_text, boundaries):
                continue
        counted.add(index)
        surface = source[offsets[start]:offsets[end] + 1]
        cue = cues[index]
        for theme in cue.themes:
            raw[theme] = raw.get(theme, 0.0) + cue.weight
            evidence[theme] = evidence.get(theme, ()) + (surface,)
    return raw, evidence


@cache  # raw scores are sums of a few weights: few distinct values
def _confidence(raw: float) -> float:
    return round(raw / (raw + 0.5), 4)


def _label(reading: Reading, context: Sequence[ThemeLabel], heading: bool) -> list[ThemeLabel]:
    """Labels of one text from what it names and from its context (see the module's doc)."""
    if reading.boilerplate:
        return []
    raw = reading.raw
    labels = reading.named if reading.named is not None else _named(raw, reading.evidence)
    if raw and context:
        confirmed = [label for label in context if label.theme in raw and label.theme not in labels]
        if confirmed:  # a cue of its own confirms it: context and cue together are as sure as a named theme
            labels = labels.copy()
            for label in confirmed:
                labels[label.theme] = ThemeLabel(label.theme, _confidence(raw[label.theme] + NAMED),
                                                 reading.evidence[label.theme] + label.evidence)
    if not labels and heading and raw:
        best = max(raw.values())
        labels = {t: ThemeLabel(t, _confidence(weight), reading.evidence[t])
                  for t, weight in raw.items() if best > 0 and weight == best}
    if labels:
        labels = list(labels.values())
    else:
        labels = [ThemeLabel(label.theme, round(label.score * INHERITED_DISCOUNT, 4), label.evidence)
                  for label in context]
    if len(labels) < 2:
        return labels
    order = lexicon().order
    return sorted(labels, key=lambda l: (-l.score, -len(l.evidence), order[l.theme]))


class _HeadingLabels:
    """Labels of heading chains, each computed once: reports repeat the same chain for every
    sentence of a section."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, ...], list[ThemeLabel]] = {(): []}

    def __call__(self, chain: tuple[str, ...]) -> list[ThemeLabel]:
        if chain not in self._cache:
            self._cache[chain] = _label(read(chain[-1]), self(chain[:-1]), heading=True)
        return self._cache[chain]


def tag_sentences(texts: Sequence[str], headings: Sequence[Sequence[str]]) -> list[list[ThemeLabel]]:
    """Theme labels of each sentence, most relevant first.

    `headings[i]` are the headings of the sections enclosing sentence i, outermost first. A
    sentence that starts with an outline marker (see `outline_level`) is read as a heading. Each
    label's evidence occurs in the sentence or in one of its headings."""
    if len(texts) != len(headings):
        raise ValueError(f"{len(texts)} sentences but {len(headings)} heading chains")
    heading_labels = _HeadingLabels()
    return [_label(read(text), heading_labels(tuple(chain)), outline_level(text) is not None)
            for text, chain in zip(texts, headings)]


Unit = tuple[str, int | None]  # ("section", section_id) or ("document", None)


@dataclass(frozen=True, slots=True)
class DocumentThemes:
    """The themes of a document's sentences, sections and whole, and its theme shares."""

    sentences: list[list[ThemeLabel]]  # in the order of the sentences
    sections: list[list[ThemeLabel]]  # in the order of the sections
    document: list[ThemeLabel]
    shares: dict[Unit, dict[str, float]]  # as `theme_shares` gives them


def document_themes(sections: list[Section], sentences: list[Sentence]) -> DocumentThemes:
    """`tag_document` and `theme_shares` of a document in one go, for texts that are
    pipeline-normalised (`pipeline.ingest.normalise`)."""
    parent_of = {section.section_id: section.parent_id for section in sections}
    heading_end = {section.section_id: section.heading_end for section in sections}
    heading_reading = dict(zip(parent_of, _read_lines([section.heading for section in sections])))
    passed_on: dict[int | None, list[ThemeLabel]] = {None: []}
    inherited: dict[int | None, list[ThemeLabel]] = {}

    def context_of(section_id: int | None) -> list[ThemeLabel]:
        """What a section passes on to its sentences and subsections: the labels of its heading
        in the context of its parent's (those of the chain of headings down to it)."""
        if section_id not in passed_on:
            passed_on[section_id] = _label(heading_reading[section_id] or _NOTHING_NAMED,
                                           context_of(parent_of[section_id]), heading=True)
        return passed_on[section_id]

    def inherited_from(section_id: int | None) -> list[ThemeLabel]:
        """The labels of a text that names nothing in the section: its context's, discounted."""
        if section_id not in inherited:
            inherited[section_id] = _label(_NOTHING_NAMED, context_of(section_id), heading=False)
        return inherited[section_id]

    lines = _read_lines([sentence.text for sentence in sentences])
    sentence_labels = []
    for sentence, reading in zip(sentences, lines):
        section_id = sentence.section_id
        heading = section_id is not None and sentence.char_start < heading_end[section_id]
        # A heading sentence reads in the context of the headings above its own.
        enclosing = parent_of[section_id] if heading else section_id
        if reading is None:
            labels = inherited.get(enclosing)
            sentence_labels.append((labels if labels is not None else inherited_from(enclosing)).copy())
        else:
            sentence_labels.append(_label(reading, context_of(enclosing), heading))
    aggregated, shares = _aggregate(sections, sentences, sentence_labels)
    return DocumentThemes(sentence_labels, [aggregated.get(("section", s.section_id), []) for s in sections],
                          aggregated.get(("document", None), []), shares)


# What `read` gives for a text without boilerplate or phrases, but for its key. `_label` gives
# it the labels of its context whether it is a heading or not.
_NOTHING_NAMED = Reading("", {}, {}, False, {})


def _read_lines(lines: Sequence[str]) -> list[Reading | None]:
    """`read` of each of the pipeline-normalised lines; None for a line that is neither
    boilerplate nor names a phrase (most of a report). The lines not read before are read
    together, joined by line breaks, in one pass of the automaton (no phrase holds a line break,
    so a line may hold some) and with the boilerplate patterns tried on each where it lies."""
    readings = list(map(_READINGS[True].get, lines))
    fresh = [index for index, reading in enumerate(readings) if reading is None]
    if len(fresh) == len(lines):
        return _read_fresh_lines(lines)
    for index, reading in zip(fresh, _read_fresh_lines([lines[index] for index in fresh])):
        readings[index] = reading
    return readings


def _read_fresh_lines(lines: Sequence[str]) -> list[Reading | None]:
    if not lines:
        return []
    lex = lexicon()
    text = LINE_BREAK.join(lines)
    key = _fold(text)
    starts = list(accumulate(map(add, map(len, lines[:-1]), repeat(len(LINE_BREAK))), initial=0))
    readings: list[Reading | None] = [None] * len(lines)
    for index in _boilerplate_lines(key, starts, lines):
        readings[index] = Reading(key[starts[index]:starts[index] + len(lines[index])], {}, {}, True, {})
        _remember(lines[index], True, readings[index])
    matches = lex.matcher.find_matches_as_indexes(key)
    match_starts = [start for _, start, _ in matches]
    offsets = range(len(text))
    first = 0
    while first < len(matches):
        index = bisect_right(starts, match_starts[first]) - 1
        start, end = starts[index], starts[index] + len(lines[index])
        stop = bisect_left(match_starts, end, first)
        if readings[index] is None:
            raw, evidence = _tally(key, text, offsets, matches[first:stop], start, end)
            readings[index] = Reading(key[start:end], raw, evidence, False, _named(raw, evidence))
            _remember(lines[index], True, readings[index])
        first = stop
    return readings


def _boilerplate_lines(key: str, starts: Sequence[int], lines: Sequence[str]) -> set[int]:
    """Indexes of the lines that are boilerplate, given their keys joined by line breaks in
    `key` and where each starts. The patterns anchored at a line's start are tried at each line's
    start, bound to the line (endpos: a search over the whole key would let their leading space
    run on through blank lines, once from every line), in multiline mode so that ^ holds there.
    The others are searched in the whole key, once from each line where the last one matched on:
    a match bound to a line is one in the whole key, so every line where one matches is found,
    with at most a few where one only matches across a line break. A line found is tried alone,
    to be sure: that mode differs from trying the line alone only for a line break inside one."""
    lex = lexicon()
    ends = list(map(add, starts, map(len, lines)))
    candidates = set(compress(count(), map(lex.boilerplate_start_of_line.match, repeat(key), starts, ends)))
    search = lex.boilerplate_in_line.search
    found = search(key)
    while found:
        index = bisect_right(starts, found.start()) - 1
        candidates.add(index)
        found = search(key, starts[index + 1]) if index + 1 < len(starts) else None
    return {index for index in sorted(candidates) if lex.is_boilerplate(key[starts[index]:ends[index]])}


def tag_document(sections: list[Section], sentences: list[Sentence]) -> tuple[
        list[list[ThemeLabel]], list[list[ThemeLabel]], list[ThemeLabel]]:
    """Labels of each sentence (in order), of each section (in the order of `sections`) and of
    the document, whose texts are pipeline-normalised (`pipeline.ingest.normalise`).

    A section's or the document's labels aggregate its sentences (a section's include its
    subsections'): they come by decreasing share of characters (`theme_shares` gives the shares),
    each with the character-weighted mean of its sentences' scores (a sentence without the theme
    counts as 0) and the unit's most frequent phrases for it as evidence. `document_themes` gives
    the shares as well."""
    themes = document_themes(sections, sentences)
    return themes.sentences, themes.sections, themes.document


def theme_shares(sections: Sequence[Section], sentences: Sequence[Sentence],
                 sentence_labels: Sequence[Sequence[ThemeLabel]]) -> dict[Unit, dict[str, float]]:
    """For each section and the document, the share of each theme: the fraction of the unit's
    sentence characters that are in sentences carrying the theme. A section's sentences include
    those of its subsections; the shares of one unit may add up to more than 1, as a sentence may
    carry several themes. Keys are ("section", section_id) and ("document", None)."""
    return _aggregate(sections, sentences, sentence_labels)[1]


def _most_common(counts: dict[str, int]) -> list[tuple[str, int]]:
    """`Counter.most_common`: by decreasing count, ties in the order first counted."""
    return sorted(counts.items(), key=itemgetter(1), reverse=True)


def _aggregate(sections: Sequence[Section], sentences: Sequence[Sentence],
               sentence_labels: Sequence[Sequence[ThemeLabel]]) -> tuple[dict[Unit, list[ThemeLabel]],
                                                                         dict[Unit, dict[str, float]]]:
    """Each unit's labels by decreasing share, and its shares. A label's score is the
    character-weighted mean of its sentences' scores (0 where a sentence lacks the theme), its
    evidence its most frequent phrases.

    Characters and evidence are collected for each run of sentences in the same section and then
    added to the run's units; scores are added sentence by sentence, so that every unit sums the
    same floats in the same order whatever its runs. Evidence is counted by tuple, as a label
    carries it: the sentences that inherit a heading's labels all carry its tuple, and only each
    unit's distinct tuples are spelled out into phrases at the end (`_top_phrases`)."""
    parent_of = {section.section_id: section.parent_id for section in sections}
    totals: dict[Unit, int] = {}
    carried: dict[Unit, dict[str, int]] = {}
    confidence: dict[Unit, dict[str, float]] = {}
    evidence: dict[Unit, dict[str, dict[tuple[str, ...], int]]] = {}  # tuples in the order first met
    units_of: dict[int | None, list[Unit]] = {}  # a section's units: the document, it and its ancestors
    confidences_of: dict[int | None, list[dict[str, float]]] = {}
    first, count = 0, len(sentences)
    while first < count:
        section_id = sentences[first].section_id
        if section_id not in units_of:
            units: list[Unit] = [("document", None)]
            ancestor = section_id
            while ancestor is not None:
                units.append(("section", ancestor))
                ancestor = parent_of[ancestor]
            units_of[section_id] = units
            confidences_of[section_id] = [confidence.setdefault(unit, {}) for unit in units]
        unit_confidences = confidences_of[section_id]
        run_chars = 0
        run_carried: dict[str, int] = {}
        run_evidence: dict[str, dict[tuple[str, ...], int]] = {}
        stop = first
        while stop < count and sentences[stop].section_id == section_id:
            sentence = sentences[stop]
            size = sentence.char_end - sentence.char_start
            run_chars += size
            for label in sentence_labels[stop]:
                theme = label.theme
                run_carried[theme] = run_carried.get(theme, 0) + size
                weighted = size * label.score
                for unit_confidence in unit_confidences:
                    unit_confidence[theme] = unit_confidence.get(theme, 0) + weighted
                counted = run_evidence.get(theme)
                if counted is None:
                    run_evidence[theme] = {label.evidence: 1}
                else:
                    counted[label.evidence] = counted.get(label.evidence, 0) + 1
            stop += 1
        for unit in units_of[section_id]:
            totals[unit] = totals.get(unit, 0) + run_chars
            unit_carried = carried.setdefault(unit, {})
            for theme, chars in run_carried.items():
                unit_carried[theme] = unit_carried.get(theme, 0) + chars
            unit_evidence = evidence.setdefault(unit, {})
            for theme, counted in run_evidence.items():
                unit_counted = unit_evidence.get(theme)
                if unit_counted is None:
                    unit_evidence[theme] = counted.copy()
                else:
                    for phrases, times in counted.items():
                        unit_counted[phrases] = unit_counted.get(phrases, 0) + times
        first = stop
    shares = {unit: {theme: round(chars / total, 4) for theme, chars in _most_common(carried[unit])}
              for unit, total in totals.items() if total}
    aggregated = {unit: [ThemeLabel(theme, round(confidence[unit][theme] / totals[unit], 4),
                                    _top_phrases(evidence[unit][theme]))
                         for theme in by_theme]
                  for unit, by_theme in shares.items()}
    return aggregated, shares


def _top_phrases(counted: dict[tuple[str, ...], int]) -> tuple[str, ...]:
    """The most frequent (AGGREGATE_EVIDENCE) of the phrases of the evidence tuples, each tuple
    counted as often as it was met; ties in text order (the order in which phrases were first met)."""
    if len(counted) == 1:
        phrases = next(iter(counted))
        if len(set(phrases)) == len(phrases):  # each phrase as often as the others: text order is the answer
            return phrases[:AGGREGATE_EVIDENCE]
    counts: dict[str, int] = {}
    get = counts.get
    for phrases, times in counted.items():
        for phrase in phrases:
            counts[phrase] = get(phrase, 0) + times
    # as Counter.most_common (a stable sort), without its heap
    return tuple(sorted(counts, key=counts.__getitem__, reverse=True)[:AGGREGATE_EVIDENCE])


# Levels of the numbered outline markers (GB/T 9704) that pipeline.segment recognises. A line
# stream has no whole document to learn the nesting from, so the standard order is assumed.
NUMBERED_LEVELS = {"cn": 1, "cn_paren": 2, "num": 3, "num_paren": 4}
_ENUMERATOR_AT_START = re.compile(r"^\s*[一二三四五六七八九十]+是")
# A part heading outside the numbered outline: a report's (part) title line, an appendix, or the
# closing address of a speech (同志们, …).
_PART = re.compile(r"^[^。；;！？!?]*(?:工作(?:总结|要点|安排|计划|思路|报告)|(?:上|下)半年.{0,6}思路)\s*$|^\s*(?:附\s*件|同志们)")
_NEXT_ITEM = re.compile(r"[;；]\s*[二三四五六七八九十]+是")


def outline_level(line: str) -> int | None:
    """The outline level of a heading line (1 = 一、, 2 = （一）, 3 = 1., 4 = （1）, 5 = 一是;
    0 = a part heading such as a report title or 附件), or None for a body line."""
    return _outline_level_of_key(matching_key(line)[0])


def _outline_level_of_key(key: str) -> int | None:
    found = line_marker(key)
    if found is not None and found[0] in NUMBERED_LEVELS:
        return NUMBERED_LEVELS[found[0]]
    if _ENUMERATOR_AT_START.match(key):
        return None if _NEXT_ITEM.search(key) else 5
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
