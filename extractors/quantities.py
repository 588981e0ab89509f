"""Quantities: a numeral with its qualifier words, multiplier and unit.

    [rate prefix][qualifier] NUMERAL [余|多|许 [multiplier]] [unit] [以上|左右 …]

`find_quantities(text)` returns every quantity of a text that measures
something, with character offsets into `text`. The lexicon is
`lexicons/units.yaml`. What is *not* a quantity is decided by grammar, not by
lists of phrases:

* no measure word → nothing (years 2020年, dates 7月31日, durations 连续12年,
  24小时, outline markers 1. 一、, slogans 十四五, codes 12345热线), except
  numbers with a 万/亿 multiplier whose unit the nearby words tell (公益金256万,
  8万多老年人);
* a measure word that starts another word is not one (名单, 单位, 个月 …);
* ordinals and ranks: right after 第 or a rank 前 (第七届, 前10名);
* codes and grades: digits glued to Latin letters, + or other digits
  (3A级, 5G, 1+8+2, 9+N个), ranges' first members (2021-2035年);
* names, slogans and codes in quotation marks or title marks
  (“民政30条”, “44211”, 《报告2020》, 鄂发〔2020〕14号);
* Chinese numerals only with a magnitude (二百余万元, 五十人, 过千人), never
  bare digits glued to words (一盘棋, 进一步, 三位一体, 一人一档) or as counts of
  fewer than a hundred things (六个最, 四大原则, 十件实事), which are slogans
  or, at best, the GUIDELINE's optional mentions.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from functools import cache

from extractors.numbers import (
    BIG_UNITS, CN_DIGIT_VALUES, CN_NUMERAL_CHARS, NUMERAL_RE, SMALL_UNITS, TENS_LIGATURES, Numeral, parsed_run,
)
from pipeline.lexicons import load_yaml
from pipeline.model import Quantity

CLAUSE_BREAK = re.compile(r"[，,。；;：:！？!?\n]")
PERCENT_AHEAD = re.compile(r"[\d.]+\s*[%％]")
RANGE_AFTER = re.compile(r"\s*[-~～—－至到]\s*[\d一二三四五六七八九十两]")
# 前 right before a number is a rank (前10名, 居全国前3) unless it ends a time
# word (目前, 此前, 提前 …).
TIME_BEFORE_QIAN = set("目此之以提当事节会日年月空从战生届赛")
BARE_MAGNITUDES = {"十", "百", "千", "万", "亿", "千万", "百万", "万亿"}

# Quotation and title marks whose content is a name, slogan or code. The
# second value caps the distance to the closing mark, so that a lost closing
# mark does not swallow a paragraph.
# A numeral needs one of these or a digit to be a quantity (see `_quantity`).
_MAGNITUDE_CHARS = "".join(SMALL_UNITS) + "".join(BIG_UNITS) + "".join(TENS_LIGATURES)

QUOTE_PAIRS = {
    "“": ("”", 25), "‘": ("’", 25), "「": ("」", 25), "『": ("』", 25), '"': ('"', 25),
    "《": ("》", 80), "〈": ("〉", 80), "〔": ("〕", 12), "【": ("】", 30), "［": ("］", 12),
}


@dataclass(frozen=True, slots=True)
class _Unit:
    word: str
    unit: str
    factor: int
    not_before: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Qualifier:
    word: str
    qualifier: str
    not_after: tuple[str, ...]
    round_only: bool
    bare_magnitude_only: bool


class Grammar:
    """`lexicons/units.yaml` compiled for matching."""

    def __init__(self, spec: dict):
        self.units = sorted(
            (_Unit(u["word"], u["unit"], int(u.get("factor", 1)), tuple(u.get("not_before", ())))
             for u in spec["units"]),
            key=lambda u: -len(u.word),
        )
        self.units_by_first: dict[str, list[_Unit]] = {}
        for unit in self.units:
            self.units_by_first.setdefault(unit.word[0], []).append(unit)
        self.rate_prefixes = sorted(((r["prefix"], r["unit"]) for r in spec["rate_prefixes"]),
                                    key=lambda r: -len(r[0]))
        self.bed_words = tuple(spec["bed_words"])
        self.multipliers = sorted(spec["multipliers"].items(), key=lambda m: -len(m[0]))

        def quals(items):
            return sorted(
                (_Qualifier(q["word"], q["qualifier"], tuple(q.get("not_after", ())),
                            bool(q.get("round_only")), bool(q.get("bare_magnitude_only")))
                 for q in items),
                key=lambda q: -len(q.word),
            )

        qs = spec["qualifiers"]
        self.prefix_q = quals(qs["prefix"])
        self.prefix_q_by_last: dict[str, list[_Qualifier]] = {}
        for q in self.prefix_q:
            self.prefix_q_by_last.setdefault(q.word[-1], []).append(q)
        self.suffix_q_by_first: dict[str, list[_Qualifier]] = {}  # longest first
        for q in quals(qs["suffix"]):
            self.suffix_q_by_first.setdefault(q.word[0], []).append(q)
        self.inner_q = {q["word"]: q["qualifier"] for q in qs["inner"]}
        # What may follow a numeral that has a unit: the unit, 余/多 before it, or the space of 12.5 %.
        self.unit_openers = frozenset(self.units_by_first) | frozenset(self.inner_q) | {" "}
        # Where a quantity may be (see `_may_have_unit`): a digit or a magnitude that is a 万/亿, the
        # 百 of 百分之, or followed by numeral characters up to a unit opener. Checked on a whole
        # document before any sentence is parsed: most sentences with numerals hold only years and
        # dates (2021年, 7月31日) or counts in words (一个, 一批). (One character class first: the
        # regex engine skips to it.)
        openers = re.escape("".join(sorted(self.unit_openers)))
        self.may_hold_quantity = re.compile(
            f"[\\d{_MAGNITUDE_CHARS}]"
            f"(?:(?<=[{''.join(BIG_UNITS)}])|(?<=百)分之|[\\d{CN_NUMERAL_CHARS},.点]*[{openers}])")
        unitless = spec["unitless"]
        self.money_words = tuple(unitless["money_words"])
        self.person_words = tuple(unitless["person_words"])
        self.household_words = tuple(unitless["household_words"])
        self.population_words = re.compile("|".join(map(re.escape, unitless["population_words"])))
        standard = spec["standard_amounts"]
        self.clause_rates = tuple((r["word"], r["unit"]) for r in standard["rate_words"])
        self.standard_words = tuple(standard["standard_words"])
        self.spending_words = tuple(standard["spending_words"])
        self.max_standard = float(standard["max_value"])
        change = spec["change"]
        verbs = "|".join(map(re.escape, sorted(change["verbs"], key=len, reverse=True)))
        joints = "|".join(map(re.escape, change["joints"]))
        # between the two numbers of a change: 提高至, 提高到, 精减为, 调整为 (a bare 至 / 到 is a range)
        self.change_joint = re.compile(rf"^\s*(?:分别)?(?:{verbs})(?:了)?(?:{joints})?\s*$")
        self.change_from = tuple(change["from_words"])
        self.decrease_words = tuple(spec["decrease_words"])

    def unit_at(self, text: str, pos: int) -> _Unit | None:
        for unit in self.units_by_first.get(text[pos:pos + 1], ()):
            if text.startswith(unit.word, pos) and not text.startswith(unit.not_before, pos + len(unit.word)):
                return unit
        return None


@cache
def grammar() -> Grammar:
    return Grammar(load_yaml("units.yaml"))


class _Spans:
    """Sorted, non-overlapping spans with a containment test."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]

    def contains(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]


_QUOTE_OPENERS = re.compile("[" + re.escape("".join(QUOTE_PAIRS)) + "]")


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of short quotations and titles (marks included)."""
    spans = []
    n = len(text)
    opener = _QUOTE_OPENERS.search(text)
    while opener:
        i = opener.start()
        close, limit = QUOTE_PAIRS[text[i]]
        j = text.find(close, i + 1, min(n, i + 2 + limit))
        if j != -1 and "\n" not in text[i + 1:j] and (close == text[i] or text[i] not in text[i + 1:j]):
            spans.append((i, j + 1))
            opener = _QUOTE_OPENERS.search(text, j + 1)
        else:
            opener = _QUOTE_OPENERS.search(text, i + 1)
    return spans


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause (between ，；。： and line ends) around text[start:end]."""
    breaks = _clause_breaks(text)
    before = bisect.bisect_left(breaks, start)
    after = bisect.bisect_left(breaks, end)
    return (breaks[before - 1] + 1 if before else 0), (breaks[after] if after < len(breaks) else len(text))


# The clause breaks of the last few texts asked about, by identity: the figures of a sentence ask
# for their clauses one after another with the same string. Not an lru_cache: a key equal to an
# earlier sentence (boilerplate repeated across reports) would be compared in full on every lookup.
_BREAKS_KEPT = 8
_recent_breaks: dict[int, tuple[str, list[int]]] = {}


def _clause_breaks(text: str) -> list[int]:
    """Offsets of the clause breaks of `text` (shared: do not mutate)."""
    kept = _recent_breaks.get(id(text))
    if kept is not None and kept[0] is text:
        return kept[1]
    breaks = [match.start() for match in CLAUSE_BREAK.finditer(text)]
    if len(_recent_breaks) >= _BREAKS_KEPT:
        del _recent_breaks[next(iter(_recent_breaks))]
    _recent_breaks[id(text)] = (text, breaks)
    return breaks


def _prefix_qualifier(text: str, start: int, numeral: Numeral, g: Grammar) -> tuple[_Qualifier | None, int]:
    for q in g.prefix_q_by_last.get(text[start - 1:start], ()):
        begin = start - len(q.word)
        if begin < 0 or not text.startswith(q.word, begin):
            continue
        if begin > 0 and text[begin - 1] in q.not_after:
            continue
        if q.bare_magnitude_only and numeral.text not in BARE_MAGNITUDES:
            continue
        if q.round_only and numeral.arabic and not numeral.big:
            continue
        return q, begin
    return None, start


def _is_bed(text: str, clause_start: int, start: int, after: int, g: Grammar) -> bool:
    window = text[max(clause_start, start - 15):start] + text[after:after + 4]
    return any(word in window for word in g.bed_words)


def _unitless_unit(text: str, clause_start: int, start: int, after: int, g: Grammar) -> str:
    """The unit of 公益金256万 / 8万多老年人 / 40万墓位 from the words around it."""
    _, clause_end = clause_bounds(text, start, after)
    right = g.population_words.sub(lambda m: "人" * len(m.group()), text[after:clause_end])
    best = None
    for unit, words in (("CNY", g.money_words), ("person", g.person_words), ("household", g.household_words)):
        for word in words:
            i = right.find(word)
            if i != -1 and (best is None or i < best[0]):
                best = (i, unit)
    if best is not None:
        return best[1]
    left = g.population_words.sub(lambda m: "人" * len(m.group()), text[clause_start:start])
    tail = left.rstrip("为达到有共计约近超过逾")[-3:]  # the noun right before: 认定低收入人口86.4万
    for unit, words in (("person", g.person_words), ("household", g.household_words)):
        if any(word in tail for word in words):
            return unit
    if any(word in left for word in g.money_words):
        return "CNY"
    return "count"


def _quantity(text: str, numeral: Numeral, offset: int, g: Grammar, quotes: _Spans) -> Quantity | None:
    """The quantity of `numeral`, whose offsets are relative to its run at `offset` in `text`."""
    start, end = offset + numeral.start, offset + numeral.end
    percent_prefix = start >= 3 and text[start - 3:start] == "百分之"
    if not numeral.arabic and not numeral.magnitude and not percent_prefix:
        return None  # 三个, 两名, 一盘棋
    if numeral.partial or quotes.contains(start):
        return None
    prev = text[start - 1] if start else ""
    nxt = text[end] if end < len(text) else ""
    # codes, versions, grades and formulas: digits glued to Latin letters, digits or + . - / #
    if prev and prev.isascii() and (prev.isalnum() or prev in "+.-/#_&*"):
        return None
    if (prev and prev in "＋") or (nxt and nxt in "+＋") \
            or (nxt.isascii() and nxt.isalpha() and not text.startswith(("m2", "m²"), end)):
        return None
    if text.startswith("分之", end):  # the 百 of 百分之
        return None
    lead = start - 3 if percent_prefix else start
    before = text[lead - 1] if lead else ""
    if before == "第":
        return None
    if before == "前" and (lead < 2 or text[lead - 2] not in TIME_BEFORE_QIAN):
        return None
    if RANGE_AFTER.match(text, end):
        return None

    # after the numeral: 余/多 [multiplier], unit, 以上/左右 …
    pos = end
    inner = g.inner_q.get(text[pos:pos + 1])
    multiplier = 1
    mult_word = ""
    if inner:
        pos += 1
        for word, factor in g.multipliers:
            if text.startswith(word, pos):
                multiplier, mult_word = factor, word
                pos += len(word)
                break
    unit_pos = pos + 1 if text[pos:pos + 2] == " %" else pos
    unit = g.unit_at(text, unit_pos)
    if unit is not None:
        pos = unit_pos + len(unit.word)
        unit_code, factor = unit.unit, unit.factor
        if unit_code == "count" and unit.word in ("张", "个") \
                and _is_bed(text, clause_bounds(text, start, end)[0], lead, pos, g):
            unit_code = "bed"
        unit_word = unit.word
    elif percent_prefix:
        unit_code, factor, unit_word = "percent", 1, "百分之"
    elif numeral.big or multiplier >= 10000:
        unit_code, factor = _unitless_unit(text, clause_bounds(text, start, end)[0], lead, pos, g), 1
        unit_word = mult_word or numeral.text.lstrip("0123456789.,")[-1:]
    else:
        return None
    if unit_code == "count" and text[pos:pos + 1].isdigit() and (unit_word == "个" or PERCENT_AHEAD.match(text, pos)):
        return None  # 2个100%: the count of the figures that follow (but 学习56次205篇 is two figures)
    suffix = None
    for q in g.suffix_q_by_first.get(text[pos:pos + 1], ()):
        if text.startswith(q.word, pos):
            suffix = q
            pos += len(q.word)
            break

    # before the numeral: qualifier, then a rate prefix (每人每月)
    prefix, begin = _prefix_qualifier(text, lead, numeral, g)
    if not numeral.arabic:
        if numeral.text in BARE_MAGNITUDES and numeral.text != "十" and prefix is None:
            return None  # 千家万户, 万人, 百千万
        if unit_code == "count" and numeral.value < 100:
            return None  # 六个最, 十件实事
        if text[pos:pos + 1] in CN_DIGIT_VALUES:
            return None  # 十人一组, 一年两训: a pattern, not a count
    if unit_code == "CNY":
        for word, rate in g.rate_prefixes:
            if begin >= len(word) and text.startswith(word, begin - len(word)):
                unit_code = rate
                begin -= len(word)
                break

    value = numeral.value * multiplier * factor
    if unit_code == "percentage_point" and text[max(0, begin - 6):begin].rstrip("了分别 ").endswith(g.decrease_words):
        value = -value  # 下降2个百分点: a fall
    qualifier = (prefix.qualifier if prefix else None) or inner or (suffix.qualifier if suffix else None) or "exact"
    if unit_code in ("CNY", "m2") and unit is not None:
        big = "".join(c for c in numeral.text if c in "万亿")
        unit_word = (mult_word or big) + unit_word
    return Quantity(
        char_start=begin,
        char_end=pos,
        surface=text[begin:pos],
        value=float(value),
        unit=unit_code,
        qualifier=qualifier,
        unit_word=unit_word,
    )


# Between two amounts that share one rate: 每人每月850元、680元.
RATE_SHARED_GAP = re.compile(r"^[、和及与或\s]*$")


_BIG_UNIT_CHARS = frozenset(BIG_UNITS)
_DIGIT_OR_MAGNITUDE = re.compile(f"[\\d{_MAGNITUDE_CHARS}]")


def _may_have_unit(text: str, start: int, end: int, g: Grammar) -> bool:
    """Whether the run of numeral characters text[start:end] may give a quantity: it comes after
    百分之, or it has a digit or a magnitude (Chinese digits alone are none: 一个, 两名) and either a
    unit (or 余/多 before one, or the space of 12.5 %) follows it or it has 万/亿 to read a unit
    from. Most runs are none (2021年, 7月31日, 1., 一批); the parts of a run that does not parse
    whole are no quantities anyway."""
    if start >= 3 and text[start - 3:start] == "百分之":
        return True
    return (text[end:end + 1] in g.unit_openers or not _BIG_UNIT_CHARS.isdisjoint(text[start:end])) \
        and _DIGIT_OR_MAGNITUDE.search(text, start, end) is not None


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity of `text`, in order, with offsets into `text`."""
    g = grammar()
    if not g.may_hold_quantity.search(text):
        return []
    quotes: _Spans | None = None  # found on first need: few sentences get that far
    out: list[Quantity] = []
    for run in NUMERAL_RE.finditer(text):
        start, end = run.span()
        if not _may_have_unit(text, start, end, g):
            continue
        if quotes is None:
            quotes = _Spans(quoted_spans(text))
        for numeral in parsed_run(run.group()):
            try:
                quantity = _quantity(text, numeral, start, g, quotes)
            except (ArithmeticError, ValueError):  # pragma: no cover - defensive
                quantity = None
            if quantity is None:
                continue
            if out and quantity.unit == "CNY" and out[-1].unit.startswith("CNY/") \
                    and is_rate_shared(text, out[-1], quantity, g):
                quantity = replace(quantity, unit=out[-1].unit)  # the rate covers the list, or the change
            out.append(quantity)
    return _standard_amounts(text, out, g)


def is_change(text: str, before: Quantity, after: Quantity, g: Grammar | None = None) -> bool:
    """Whether two quantities of `text` are the values before and after a stated change:
    由每人每月1230元提高至1300元, 从16个精减为13个, 由X调整为Y."""
    g = g or grammar()
    if not g.change_joint.match(text[before.char_end:after.char_start]):
        return False
    clause_start, _ = clause_bounds(text, before.char_start, before.char_end)
    lead = text[clause_start:before.char_start]
    return any(word in lead for word in g.change_from)


def is_rate_shared(text: str, first: Quantity, second: Quantity, g: Grammar) -> bool:
    """每人每月850元、680元 (a list under one rate) or 由每人每月1230元提高至1300元 (a change)."""
    return bool(RATE_SHARED_GAP.match(text[first.char_end:second.char_start])) or is_change(text, first, second, g)


def _first_ends(text: str, start: int, end: int, g: Grammar) -> dict[str, int]:
    """Where each rate, standard and spending word first ends within text[start:end]."""
    ends = {}
    for word in (*(w for w, _ in g.clause_rates), *g.standard_words, *g.spending_words):
        at = text.find(word, start, end)
        if at != -1:
            ends[word] = at + len(word)
    return ends


def _nearest(rated: list[Quantity], starts: list[int], at: int) -> Quantity:
    """The rated figure nearest to offset `at`, the earlier one on a tie."""
    i = bisect.bisect_left(starts, at)
    if i == 0:
        return rated[0]
    if i == len(rated) or at - starts[i - 1] <= starts[i] - at:
        return rated[i - 1]
    return rated[i]


def _standard_amounts(text: str, quantities: list[Quantity], g: Grammar) -> list[Quantity]:
    """Bare 元 standards take their rate from the clause or the sentence (see units.yaml
    `standard_amounts`)."""
    rated = [q for q in quantities if q.unit.startswith("CNY/")]
    rated_starts = [r.char_start for r in rated]
    first_in_clause: dict[int, dict[str, int]] = {}  # clause start → word → where it first ends there
    out = []
    for q in quantities:
        if q.unit == "CNY" and q.unit_word == "元" and q.value <= g.max_standard:
            clause_start, clause_end = clause_bounds(text, q.char_start, q.char_end)
            if clause_start not in first_in_clause:
                first_in_clause[clause_start] = _first_ends(text, clause_start, clause_end, g)
            ends = first_in_clause[clause_start]

            def in_left(word: str) -> bool:  # the word lies between the clause start and the figure
                return ends.get(word, len(text) + 1) <= q.char_start

            rate = next((unit for word, unit in g.clause_rates if in_left(word)), None)
            if rate is None and rated and any(in_left(w) for w in g.standard_words) \
                    and not any(in_left(w) for w in g.spending_words):
                rate = _nearest(rated, rated_starts, q.char_start).unit
            if rate is not None:
                q = replace(q, unit=rate)
        out.append(q)
    return out


__all__ = ["find_quantities", "quoted_spans", "clause_bounds", "grammar"]
