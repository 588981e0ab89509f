"""Normalise a decoded report: simplified characters, clean spacing, no page furniture.

The text this stage returns is the one every offset in every table points into.
Steps, in order: line ends; traditional → simplified (OpenCC keeps the length);
pinyin conversion debris such as 創(chuàng) dropped; full-width digits, letters
and ％ folded to ASCII; odd spaces replaced, spaces next to Chinese characters
removed; page debris of document-sharing sites removed and furniture lines lifted
into the header; blank lines dropped; the title of a page flattened to one line put
on a line of its own.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
from functools import cache, lru_cache

import opencc

from pipeline.lexicons import load_yaml
from pipeline.model import Document, RawDocument

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014\u00b7"

# A Han character followed by its romanisation in brackets, as left behind by
# pages that were converted character by character (區(qū), 創（chuàng）). The pattern
# starts at the bracket, which the matcher skips to; the Han character before it is
# checked on each match.
ROMANISED = "[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}"
PINYIN_DEBRIS = re.compile(rf"[(（]({ROMANISED})[)）]")
# Most texts have none: whether they do is asked from each bracket, which the matcher skips to
# several times faster than to either (a class it tests at every character).
PINYIN_DEBRIS_FROM = [re.compile(rf"{bracket}{ROMANISED}[)）]") for bracket in (r"\(", "（")]
HAN_CHAR = re.compile(rf"[{HAN}]")

# Runs of characters of one class are written [C][C]* rather than [C]+: a pattern that starts
# with a character class has the matcher skip to the next character of the class (~3x faster
# over a text with few of them), one that starts with a repeat is tried at every position.
SPACES = r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
# A run of spaces (odd ones included: tabs, no-break, ideographic) goes next to a Chinese
# character or punctuation mark and is one plain space elsewhere; one pass does both.
SPACE_RUN = re.compile(f"{SPACES}{SPACES}*")
CJK_CHAR = re.compile(rf"[{HAN}{CJK_PUNCT}]")
ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
ZERO_WIDTH = re.compile(f"[{ZERO_WIDTH_CHARS}]")
FULL_WIDTH_DOT_IN_NUMBER = re.compile(r"．(?<=[0-9]．)(?=[0-9])")  # the dot first: the matcher skips to it

# Full-width digits and letters and the per-cent sign fold to ASCII; full-width
# punctuation (，：（）) is left alone because it is ordinary Chinese punctuation.
WIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
WIDTH_TABLE.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})
WIDTH_TABLE.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})
WIDTH_TABLE[0xFF05] = ord("%")
# str.translate with a table looks up every character; the runs of full-width forms are
# few and short, so only they are translated.
FULL_WIDTH = "[\uff05\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
FULL_WIDTH_RUN = re.compile(f"{FULL_WIDTH}{FULL_WIDTH}*")

TONELESS = str.maketrans(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ",
    "aaaaeeeeiiiioooouuuuvvvvnnnm",
)


@cache
def simplifier() -> opencc.OpenCC:
    """OpenCC's traditional → simplified converter, one per process (each takes ~0.05 s to load)."""
    return opencc.OpenCC("t2s")


@cache
def _character_readings() -> dict[str, str]:
    """pypinyin's readings of each character ("zhōng,zhòng" under its decimal code point), read
    from its data file: importing pypinyin also loads its phrase dictionary and trains its
    segmenter (~0.3 s per process), which a single character's readings do not need."""
    package = importlib.util.find_spec("pypinyin").submodule_search_locations[0]
    with open(os.path.join(package, "pinyin_dict.json"), encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=4096)
def _is_reading_of(char: str, romanised: str) -> bool:
    readings = _character_readings().get(str(ord(char)))
    if not readings:
        return False
    wanted = romanised.lower().replace("ü", "v").translate(TONELESS)
    return any(r.replace("ü", "v").translate(TONELESS) == wanted for r in readings.split(","))


def remove_pinyin_debris(text: str) -> str:
    if not any(pattern.search(text) for pattern in PINYIN_DEBRIS_FROM):
        return text

    def keep_or_drop(match: re.Match) -> str:
        before = match.start() - 1
        if before < 0 or not HAN_CHAR.match(text, before):
            return match.group(0)
        return "" if _is_reading_of(text[before], match.group(1)) else match.group(0)

    return PINYIN_DEBRIS.sub(keep_or_drop, text)


def normalise_text(text: str) -> str:
    """Normalise characters and spacing of any report text (no furniture handling)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(char in text for char in ZERO_WIDTH_CHARS):  # a few `in` scans are much quicker than one regex scan
        text = ZERO_WIDTH.sub("", text)
    text = simplifier().convert(text)
    text = remove_pinyin_debris(text)
    text = FULL_WIDTH_RUN.sub(_fold_width, text)
    if "．" in text:
        text = FULL_WIDTH_DOT_IN_NUMBER.sub(".", text)
    text = _fold_spaces(text)
    return "\n".join(line.strip() for line in text.split("\n"))


def _fold_width(match: re.Match) -> str:
    return match.group(0).translate(WIDTH_TABLE)


def _fold_spaces(text: str) -> str:
    """Spaces next to a Chinese character or punctuation mark removed, other runs made one space."""
    def fold(match: re.Match) -> str:
        start, end = match.span()
        if (start > 0 and CJK_CHAR.match(text, start - 1)) or CJK_CHAR.match(text, end):
            return ""
        return " "
    return SPACE_RUN.sub(fold, text)


class Furniture:
    """The furniture lexicon compiled into matchers."""

    def __init__(self, spec: dict):
        labels = sorted(spec["metadata_labels"], key=len, reverse=True)
        label_alt = "|".join(re.escape(label) for label in labels)
        # Repost sites print their timestamp before the first label ("2021-12-05 16:40:56 来源网站：…").
        self.leading_timestamp = re.compile(r"^((?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?)\s*")
        self.label_line = re.compile(rf"^(?:{label_alt})\s*[:：]")
        self.pair = re.compile(rf"({label_alt})\s*[:：]\s*(.*?)\s*(?=(?:{label_alt})\s*[:：]|$)")
        self.colonless_pair = re.compile(rf"({label_alt})(.*?)(?=(?:{label_alt})|$)")
        self.breadcrumb_prefixes = tuple(spec["breadcrumb_prefixes"])
        self.control_lines = {line.replace(" ", "") for line in spec["control_lines"]}
        self.control_prefixes = tuple(spec["control_prefixes"])
        self.timestamp_line = re.compile(spec["timestamp_line"])
        self.page_debris = re.compile("|".join(f"(?:{p})" for p in spec["page_debris"]))
        # Whether a text has any is asked of each pattern: they start with a literal, which the
        # matcher skips to several times faster than to any of their alternation.
        self.page_debris_parts = [re.compile(p) for p in spec["page_debris"]]
        extensions = "|".join(map(re.escape, spec["image_file_extensions"]))
        self.image_line = re.compile(rf"^[\w.\-]+\.(?:{extensions})$", re.I)
        self.repost_blurbs = [re.compile(p) for p in spec["repost_blurbs"]]
        self.repost_blurb_max_chars = spec["repost_blurb_max_chars"]
        self.tail_markers = tuple(spec["tail_markers"])

    def is_breadcrumb(self, line: str) -> bool:
        return line.startswith(self.breadcrumb_prefixes)

    def is_control(self, line: str) -> bool:
        return (line.replace(" ", "") in self.control_lines or line.startswith(self.control_prefixes)
                or self.image_line.match(line) is not None)

    def lone_timestamp(self, line: str) -> str | None:
        match = self.timestamp_line.match(line)
        return match.group("timestamp") if match else None

    def repost_title(self, line: str) -> str | None:
        """The report's title as a repost site's blurb gives it ("" when it names none),
        or None when the line is not such a blurb."""
        if len(line) > self.repost_blurb_max_chars:
            return None
        for pattern in self.repost_blurbs:
            match = pattern.search(line)
            if match:
                return match.group("title").strip()
        return None

    def starts_tail(self, line: str) -> bool:
        return len(line) <= 80 and line.startswith(self.tail_markers)

    def metadata_pairs(self, line: str) -> list[tuple[str, str]] | None:
        """The label/value pairs of a metadata-table line, or None for a body line."""
        if ":" not in line and "：" not in line:
            return None  # every label is followed by its colon
        compact = SPACE_BETWEEN_LETTERS.sub("", line) if " " in line else line
        timestamp = self.leading_timestamp.match(compact)
        labelled = compact[timestamp.end():] if timestamp else compact
        if len(compact) > 200 or not self.label_line.match(labelled):
            return None
        pairs = [(label, value.strip("| ")) for label, value in self.pair.findall(labelled)]
        return ([(UNLABELLED_TIMESTAMP, timestamp.group(1))] if timestamp else []) + pairs

    def colonless_pairs(self, line: str) -> list[tuple[str, str]] | None:
        """The pairs of a metadata-table line copied without its colons ("成文日期 2024-01-11
        发布机构 县民政局", its spaces gone): several labels, or one long label on a short
        line, and no sentence punctuation; None for a body line."""
        if len(line) > COLONLESS_LINE_MAX_CHARS or SENTENCE_PUNCTUATION.search(line):
            return None
        pairs = self.colonless_pair.findall(line) if self.colonless_pair.match(line) else []
        if not pairs or not all(value for _, value in pairs):
            return None
        if len(pairs) == 1 and (len(pairs[0][0]) < COLONLESS_LABEL_MIN_CHARS or len(line) > COLONLESS_SINGLE_MAX_CHARS):
            return None
        return pairs


# Spaces between letters (发 布 机 构：) are dropped before a metadata line's labels are read.
SPACE_BETWEEN_LETTERS = re.compile(r"(?<=[^\W\d_]) +(?=[^\W\d_])")

# A metadata line without colons is short; a lone label on it is a specific one
# (成文日期, 组配分类), not a word that also opens sentences (来源, 时间).
COLONLESS_LINE_MAX_CHARS = 120
COLONLESS_SINGLE_MAX_CHARS = 30
COLONLESS_LABEL_MIN_CHARS = 4
SENTENCE_PUNCTUATION = re.compile(r"[。，,；;！？!?]")

# Header keys under which a repost site's blurb and the title it gives are kept.
REPOST_NOTE, REPOST_TITLE = "转载说明", "转载标题"
# The header key of a timestamp printed without a label before a page's labels.
UNLABELLED_TIMESTAMP = "时间"


@cache
def furniture() -> Furniture:
    return Furniture(load_yaml("furniture.yaml"))


def strip_furniture(text: str) -> tuple[str, dict[str, str]]:
    """Remove furniture lines; return the body and the metadata they carried."""
    rules = furniture()
    header: dict[str, str] = {}
    kept: list[str] = []
    if any(pattern.search(text) for pattern in rules.page_debris_parts):
        text = rules.page_debris.sub("", text)
    for line in text.split("\n"):
        if not line:
            continue
        if rules.starts_tail(line):
            break
        if rules.is_breadcrumb(line):
            header.setdefault("当前位置", line)
            continue
        if rules.is_control(line):
            continue
        timestamp = rules.lone_timestamp(line)
        if timestamp:
            header.setdefault(UNLABELLED_TIMESTAMP, timestamp)
            continue
        repost_title = rules.repost_title(line)
        if repost_title is not None:
            header.setdefault(REPOST_NOTE, line)
            if repost_title:
                header.setdefault(REPOST_TITLE, repost_title)
            continue
        pairs = rules.metadata_pairs(line) or rules.colonless_pairs(line)
        if pairs is not None:
            for label, value in pairs:
                if value and label not in header:
                    header[label] = value
            continue
        kept.append(line)
    return "\n".join(kept), header


# A title is at most this long (extractors/metadata.py); a flattened page may print it twice.
TITLE_MAX_CHARS = 80
TITLE_MIN_CHARS = 6
FIRST_CLAUSE_END = re.compile(r"[。，,；;！？!?：:]")


@cache
def _glued_title_rules() -> tuple[re.Pattern, re.Pattern]:
    spec = load_yaml("report_genres.yaml")
    title_words = "|".join(sorted(map(re.escape, spec["title_words"]), key=len, reverse=True))
    return re.compile(title_words), re.compile("|".join(f"(?:{p})" for p in spec["body_openings"]))


def split_glued_title(text: str) -> str:
    """A page flattened to one line glues its title to its first sentence; the title
    (printed twice on some pages) is put on a line of its own. It is the first clause's
    start up to a title word where the report's first sentence visibly begins."""
    first, newline, rest = text.partition("\n")
    clause_end = FIRST_CLAUSE_END.search(first)
    if clause_end is None:
        return text
    title_words, body_openings = _glued_title_rules()
    head = first[:clause_end.start()]
    if body_openings.match(head):
        return text
    for end in reversed([m.end() for m in title_words.finditer(head)]):
        title = head[:end]
        if not body_openings.match(first, end):
            continue
        half = len(title) // 2
        lines = [title[:half]] * 2 if title[:half] * 2 == title else [title]
        if TITLE_MIN_CHARS <= len(lines[0]) <= TITLE_MAX_CHARS:
            return "\n".join([*lines, first[end:]]) + newline + rest
    return text


def normalise(raw: RawDocument) -> Document:
    text, header = strip_furniture(normalise_text(raw.text))
    text = split_glued_title(text)
    for label, value in raw.fields.items():
        header.setdefault(label, normalise_text(value))
    return Document(source_file=raw.source_file, doc_id=raw.doc_id, text=text, header=header)
