"""Outline sections and sentences of a normalised report.

Official documents number their headings 一、 → （一） → 1. → （1） (GB/T 9704),
and bodies enumerate with 一是/二是. Reports skip levels and mix variants, so
nesting is learned per document: the first marker kind seen is the outermost, a
new kind nests under the current one, and a kind seen before closes everything
opened after it. Unnumbered part headings ("2021年工作安排") open a new part at
the top. Sentences end at 。！？ (GB/T 15834) and at line ends; ； stays inside.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.model import Section, Sentence

CN_DIGITS = "一二三四五六七八九十"

# Marker kinds at the start of a line, most specific first.
LINE_MARKERS: list[tuple[str, re.Pattern]] = [
    ("part", re.compile(rf"^第[{CN_DIGITS}]+部分[、,，:：\s]?")),
    ("cn_paren", re.compile(rf"^[（(][{CN_DIGITS}]+[)）][、.]?")),
    ("num_paren", re.compile(r"^[（(]\d{1,2}[)）][、.]?")),
    ("cn", re.compile(rf"^[{CN_DIGITS}]+(?:、|[．.](?![{CN_DIGITS}\d]))")),
    ("num", re.compile(r"^\d{1,2}(?:[、．]|\.(?!\d))")),
    ("circled", re.compile(r"^[\u2460-\u2473]")),
]

# The first characters a line marker can start with (\d is any decimal digit).
_MARKER_STARTS = frozenset("第（(" + CN_DIGITS)
_CIRCLED_FIRST, _CIRCLED_LAST = "\u2460", "\u2473"

# 一是 … 二是 …: at a line start or right after the end of a sentence or clause
# (`ENUMERATOR_AFTER`), checked on each match, so that one pass over the text finds them all.
# The pattern starts at 是, which the matcher skips to (a leading class of numerals it would
# test at every character), and reads the numeral behind it.
ENUMERATOR = re.compile(rf"是(?<=[{CN_DIGITS}]是)(?=[^，,、。\n])")
ENUMERATOR_AFTER = frozenset("\n。；;！？!?")

# An unnumbered line that names a part of the report ("广州市民政局2021年工作安排",
# "下半年工作思路"): short, no sentence punctuation, and a part-naming word.
PART_WORDS = re.compile(
    r"(工作总结|工作要点|工作安排|工作计划|工作思路|工作打算|重点工作|工作回顾|主要工作|总体要求|主要目标|目标任务)"
)
SENTENCE_PUNCT = re.compile(r"[。！？!?；;，,：:]")

# A sentence: up to and with its end marks and the closing quotes after them, or the rest of a line.
SENTENCE = re.compile(r"[^\n。！？!?]*[。！？!?]+[”’」』）)》\"']*|[^\n。！？!?]+")
HEADING_END = re.compile(r"[。！？!?]")
MAX_HEADING_CHARS = 60


@dataclass(slots=True)
class _Heading:
    kind: str
    marker: str
    start: int  # offset of the marker
    heading_start: int
    heading_end: int


def line_marker(line: str) -> tuple[str, str] | None:
    """The kind and text of the outline marker that `line` starts with, or None."""
    first = line[:1]
    if not first or not (first in _MARKER_STARTS or first.isdecimal() or _CIRCLED_FIRST <= first <= _CIRCLED_LAST):
        return None
    for kind, pattern in LINE_MARKERS:
        match = pattern.match(line)
        if match:
            return kind, match.group(0)
    return None


def _cn_value(numeral: str) -> int:
    return CN_DIGITS.index(numeral) + 1


def _heading_span(text: str, start: int, line_end: int) -> int:
    """End of the heading that starts at `start`: its first sentence, or the line."""
    match = HEADING_END.search(text, start, line_end)
    end = match.start() if match else line_end
    if end - start > MAX_HEADING_CHARS and match is None:
        comma = re.compile(r"[，,；;：:]").search(text, start, line_end)
        end = comma.start() if comma else end
    return end


def _is_part_heading_line(line: str) -> bool:
    return len(line) <= 40 and not SENTENCE_PUNCT.search(line) and PART_WORDS.search(line) is not None


def _in_title_block(line: str) -> bool:
    """A short line without sentence punctuation: the lines before a report's first
    sentence or numbered heading are its title block (a title, a title repeated, a
    subtitle), never its parts."""
    return len(line) <= MAX_HEADING_CHARS and not SENTENCE_PUNCT.search(line)


def _find_headings(text: str) -> list[_Heading]:
    headings: list[_Heading] = []
    pos = 0
    in_title_block = True
    title_block: set[str] = set()  # a title printed again further down is still the title
    enumerator_run = [1]  # the next 一是-number expected; a new heading restarts it
    enumerators = _enumerator_starts(text)
    next_enumerator = 0
    for line in text.split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if not line:
            continue
        found = line_marker(line)
        in_title_block = in_title_block and not found and _in_title_block(line)
        if in_title_block:
            title_block.add(line)
        if found:
            kind, marker = found
            heading_start = line_start + len(marker)
            headings.append(_Heading(kind, marker, line_start, heading_start, _heading_span(text, heading_start, line_end)))
            enumerator_run[0] = 1
        elif not in_title_block and line not in title_block and _is_part_heading_line(line):
            headings.append(_Heading("unnumbered", "", line_start, line_start, line_end))
            enumerator_run[0] = 1
        line_enumerators = next_enumerator
        while next_enumerator < len(enumerators) and enumerators[next_enumerator] < line_end:
            next_enumerator += 1
        if next_enumerator > line_enumerators:
            headings.extend(_enumerators(text, enumerators[line_enumerators:next_enumerator], line_end, enumerator_run))
    headings.sort(key=lambda h: h.start)
    return headings


def _enumerator_starts(text: str) -> list[int]:
    """Where the text has 一是, 二是 … at a line start or after a sentence or clause end."""
    starts = (match.start() - 1 for match in ENUMERATOR.finditer(text))  # the numeral's
    return [start for start in starts if start == 0 or text[start - 1] in ENUMERATOR_AFTER]


def _enumerators(text: str, starts: list[int], line_end: int, run: list[int]) -> list[_Heading]:
    """一是/二是 … (at `starts`, on a line ending at `line_end`) accepted only as a run
    counting up from 一 within one section."""
    out: list[_Heading] = []
    for start in starts:
        numeral = text[start]
        value = _cn_value(numeral)
        if value != 1 and value != run[0]:
            continue
        heading_start = start + 2
        out.append(_Heading("enumerator", numeral + "是", start, heading_start,
                            _heading_span(text, heading_start, line_end)))
        run[0] = value + 1
    return out


def outline(text: str) -> list[Section]:
    """The outline tree of a report, as sections in document order."""
    headings = _find_headings(text)
    levels: list[int] = []
    kinds_open: list[str] = []  # marker kinds on the path from the top
    for heading in headings:
        if heading.kind == "unnumbered":
            kinds_open = ["unnumbered"]
        elif heading.kind == "enumerator" and heading.kind in kinds_open:
            del kinds_open[kinds_open.index(heading.kind) + 1:]
        elif heading.kind in kinds_open:
            del kinds_open[kinds_open.index(heading.kind):]
            kinds_open.append(heading.kind)
        else:
            kinds_open.append(heading.kind)
        levels.append(len(kinds_open))

    # a section ends where the next heading of its level or above starts (one pass, from the end)
    ends: list[int] = [len(text)] * len(headings)
    waiting: list[int] = []  # headings after the current one, each above all that follow it
    for index in range(len(headings) - 1, -1, -1):
        while waiting and levels[waiting[-1]] > levels[index]:
            waiting.pop()
        if waiting:
            ends[index] = headings[waiting[-1]].start
        waiting.append(index)

    sections: list[Section] = []
    parents: list[int] = []  # section ids on the path from the top
    for index, (heading, level) in enumerate(zip(headings, levels)):
        end = ends[index]
        while end > heading.start and text[end - 1] in " \n":
            end -= 1
        del parents[level - 1:]
        sections.append(Section(
            section_id=index,
            parent_id=parents[-1] if parents else None,
            level=level,
            marker=heading.marker,
            heading=text[heading.heading_start:heading.heading_end],
            char_start=heading.start,
            char_end=end,
            heading_end=heading.heading_end,
        ))
        parents.append(index)
    return sections


def sentences(text: str, sections: list[Section]) -> list[Sentence]:
    """Sentences with spans, each tied to the innermost section it starts in.

    Sections nest, so the innermost one holding an offset is the last section starting
    at or before it, or the nearest of that section's ancestors that still holds it;
    sentences come in order, so the last section starting before each is found by
    walking the sections along with them.
    """
    by_id = {section.section_id: section for section in sections}
    out = []
    last = -1  # the last section starting at or before the sentence
    for sentence_id, match in enumerate(SENTENCE.finditer(text)):
        start, end = match.span()
        while last + 1 < len(sections) and sections[last + 1].char_start <= start:
            last += 1
        section = sections[last] if last >= 0 else None
        while section is not None and start >= section.char_end:
            section = by_id.get(section.parent_id)
        out.append(Sentence(sentence_id, section.section_id if section is not None else None, start, end,
                            match.group()))
    return out
