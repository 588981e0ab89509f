"""Indicator codes: map a mention to an entry of the catalogue in lexicons/indicators.yaml.

The catalogue is read, checked and compiled once per process. `assign_code` looks only at entries
whose unit is compatible with the mention's and matches their patterns against the mention's
subject. A short subject, or one made of generic words (床位, 覆盖率, 新增资金), cannot name an
indicator by itself; it is read in the clause of the sentence that holds it (or holds the number).
Among the entries that match, the most specific wins: more matched terms, then longer matched
text, then a satisfied context term, then the mention's theme, then catalogue order.
"""
from __future__ import annotations

import re
import re._constants as _sre_ops
import re._parser as _sre_parser
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from extractors import TEXT_CACHE_ENTRIES
from pipeline.lexicons import load_yaml

CATALOGUE_FILE = "indicators.yaml"

CANONICAL_UNITS = frozenset({
    "CNY", "CNY/month", "CNY/person/month", "CNY/person/year", "percent", "person", "person_time",
    "household", "household_time", "bed", "m2", "count",
})
# The GUIDELINE counts 元/月 and 元/人/月 as one family: reports drop 人 from the same standard.
UNIT_FAMILY = {"CNY/month": "CNY/person/month"}
THEMES = frozenset({
    "elderly_care", "social_assistance", "child_welfare", "disability_welfare", "funeral",
    "marriage_adoption", "community_governance", "social_organizations", "charity_lottery",
    "social_work_volunteer", "vagrant_assistance", "admin_divisions_names", "party_building",
    "pandemic", "digital_services", "resettlement", "veterans_military", "disaster_reduction",
})
PATTERN_KEYS = frozenset({"all", "any", "context"})
ENTRY_KEYS = frozenset({"code", "name_zh", "name_en", "unit", "kind", "theme", "patterns", "exclude", "twin",
                        "umbrella"})
OPTIONAL_KEYS = frozenset({"exclude", "twin", "umbrella"})
# GUIDELINE section 1b: what a figure measures. Two kinds never share a code.
KINDS = frozenset({"stock", "flow", "standard", "spending", "ratio", "share"})
# The kinds of things that persist (beds, recipients on the rolls, organisations): a report gives
# either the total in force or the number added in the period. A `twin` entry has a code for each,
# `<code>` for the total and `<code>` + ADDED_SUFFIX for the additions.
TWIN_KINDS = frozenset({"stock", "flow"})
ADDED_SUFFIX = "_added"
CODE_RE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")

# A subject with more characters than this left after removing generic words names its quantity by
# itself; a shorter one is read in its clause. Below MIN_INFORMATIVE_CHARS a subject or a clause
# says nothing by itself.
MAX_GENERIC_REMAINDER = 4
MIN_INFORMATIVE_CHARS = 2
_CLAUSE_END = re.compile(r"[,;。！？!?:：\n]")
_LIST_COMMA = re.compile("、")
_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Digits, number words and punctuation say nothing about what is counted.
_NON_INFORMATIVE = re.compile(r"[\d.%％,;。！？!?、:：()\n余多约近超过达到万亿千百十个家名人户次张元]")

# Quotes, title marks and spaces do not change what a phrase names (“儿童之家” = 儿童之家).
_NOISE = re.compile("[" + re.escape(" \t\r\n\u3000“”‘’\"'「」『』《》〈〉【】") + "]")
_HALF_WIDTH = {"（": "(", "）": ")", "，": ",", "；": ";"}


@dataclass(frozen=True, slots=True)
class IndicatorDef:
    code: str
    name_zh: str
    name_en: str
    unit: str
    kind: str
    theme: str
    # The total of several programmes (社会救助资金): a figure coded so yields to the one programme
    # that its section heading names.
    umbrella: bool = False


@dataclass(frozen=True, slots=True)
class _Pattern:
    required: tuple[re.Pattern[str], ...]  # the `all` terms, then the `any` terms as one alternation
    context: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class _Entry:
    definition: IndicatorDef  # the reading of a mention whose clause has no kind cue
    patterns: tuple[_Pattern, ...]
    exclude: re.Pattern[str] | None
    readings: dict[str, str]  # kind -> code, for a twin entry's stock and flow readings

    def code_for(self, kind_cue: str | None) -> str | None:
        if kind_cue == "exit" and self.definition.kind in TWIN_KINDS:
            return None  # 清退156户: neither the total on the rolls nor the additions
        return self.readings.get(kind_cue, self.definition.code)


@dataclass(frozen=True, slots=True)
class _Hit:
    entry: _Entry
    terms: int
    chars: int
    context: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class _Candidate:
    """One pattern of an entry, with characters that a text must hold for it to match: for each
    required term that has them, a set of which the text holds at least one (see `_term_keys`)."""
    entry: _Entry
    pattern: _Pattern
    keys: tuple[frozenset[str], ...]


@dataclass(frozen=True, slots=True)
class _FamilyIndex:
    """The patterns of one unit family in catalogue order, indexed by the key characters of their
    first keyed term: a text is matched only against the patterns that one of its characters
    names, and most subjects and clauses name few."""
    candidates: tuple[_Candidate, ...]
    by_char: dict[str, tuple[int, ...]]
    unkeyed: frozenset[int]  # patterns with no keyed term, tried on every text


@dataclass(frozen=True, slots=True)
class _Catalogue:
    definitions: dict[str, IndicatorDef]
    by_family: dict[str, tuple[_Entry, ...]]
    generic_words: re.Pattern[str]
    index: dict[str, _FamilyIndex]


def unit_family(unit: str) -> str:
    return UNIT_FAMILY.get(unit, unit)


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def normalise(text: str) -> str:
    # cached: every figure of a sentence brings the same sentence. A regex and str.replace are
    # several times faster than str.translate with a mapping on CJK text.
    text = _NOISE.sub("", text)
    for full, half in _HALF_WIDTH.items():
        text = text.replace(full, half)
    return text


def _alternation(terms: list[str], where: str) -> re.Pattern[str]:
    if not terms or not all(isinstance(t, str) and t for t in terms):
        raise ValueError(f"{where}: expected a non-empty list of terms, got {terms!r}")
    try:
        return re.compile("|".join(f"(?:{t})" for t in terms))
    except re.error as exc:
        raise ValueError(f"{where}: {exc}") from exc


def _compile_pattern(raw: dict, where: str) -> _Pattern:
    if not isinstance(raw, dict) or set(raw) - PATTERN_KEYS or "all" not in raw:
        raise ValueError(f"{where}: a pattern is a mapping with `all` and optional `any`, `context`")
    required = [_alternation([term], f"{where} all") for term in raw["all"]]
    if "any" in raw:
        required.append(_alternation(raw["any"], f"{where} any"))
    context = _alternation(raw["context"], f"{where} context") if "context" in raw else None
    return _Pattern(tuple(required), context)


def _compile_entry(raw: dict) -> _Entry:
    where = f"{CATALOGUE_FILE}: {raw.get('code', raw)!r}"
    if not isinstance(raw, dict) or set(raw) - ENTRY_KEYS or ENTRY_KEYS - OPTIONAL_KEYS - set(raw):
        raise ValueError(f"{where}: an entry has exactly the keys {sorted(ENTRY_KEYS)} "
                         f"({', '.join(sorted(OPTIONAL_KEYS))} optional)")
    if not CODE_RE.fullmatch(raw["code"]):
        raise ValueError(f"{where}: the code is not snake_case")
    if raw["unit"] not in CANONICAL_UNITS:
        raise ValueError(f"{where}: unit {raw['unit']!r} is not a canonical unit of the GUIDELINE")
    if raw["theme"] not in THEMES:
        raise ValueError(f"{where}: theme {raw['theme']!r} is not a GUIDELINE theme")
    if raw["kind"] not in KINDS:
        raise ValueError(f"{where}: kind {raw['kind']!r} is not a kind of GUIDELINE section 1b")
    if raw.get("twin") and raw["kind"] not in TWIN_KINDS:
        raise ValueError(f"{where}: only a stock or a flow has a twin")
    if not raw["patterns"]:
        raise ValueError(f"{where}: no patterns")
    code, unit = raw["code"], raw["unit"]
    readings = {}
    if raw.get("twin"):
        readings = {"stock": code, "flow": code + ADDED_SUFFIX}
        code = readings[raw["kind"]]
    definition = IndicatorDef(code, raw["name_zh"], raw["name_en"], unit, raw["kind"], raw["theme"],
                              bool(raw.get("umbrella")))
    patterns = tuple(_compile_pattern(p, f"{where} pattern {i}") for i, p in enumerate(raw["patterns"]))
    exclude = _alternation(raw["exclude"], f"{where} exclude") if "exclude" in raw else None
    return _Entry(definition, patterns, exclude, readings)


def _twin_definitions(entry: _Entry, raw: dict) -> list[IndicatorDef]:
    """Both readings of a twin entry (its own definition is the default one)."""
    if not entry.readings:
        return [entry.definition]
    stock = IndicatorDef(entry.readings["stock"], raw["name_zh"], raw["name_en"], raw["unit"], "stock", raw["theme"])
    flow = IndicatorDef(entry.readings["flow"], raw["name_zh"] + "（新增）", raw["name_en"] + " (added)",
                        raw["unit"], "flow", raw["theme"])
    return [stock, flow]


def _literal_alternatives(items: list) -> list[frozenset[str]] | None:
    """For a parsed regular expression (`re._parser`), the literal characters that each of its
    alternatives must hold, or None when an alternative must hold none (a class, a wildcard)."""
    if len(items) == 1:
        op, arg = items[0]
        if op is _sre_ops.BRANCH:
            out = []
            for branch in arg[1]:
                alternatives = _literal_alternatives(list(branch))
                if alternatives is None:
                    return None
                out.extend(alternatives)
            return out
        if op is _sre_ops.SUBPATTERN and not arg[1] and not arg[2]:  # a group without inline flags
            return _literal_alternatives(list(arg[3]))
    required = frozenset(chr(arg) for op, arg in items if op is _sre_ops.LITERAL)
    return [required] if required else None


def _term_keys(term: re.Pattern[str], frequency: Counter) -> frozenset[str] | None:
    """Characters of which every match of `term` holds at least one: the catalogue's rarest
    character of each alternative (烈 of 烈士褒扬). None when the term has no such set."""
    if term.flags & re.IGNORECASE:
        return None
    alternatives = _literal_alternatives(list(_sre_parser.parse(term.pattern, term.flags)))
    if alternatives is None:
        return None
    return frozenset(min(sorted(required), key=frequency.__getitem__) for required in alternatives)


def _family_index(entries: tuple[_Entry, ...], frequency: Counter) -> _FamilyIndex:
    candidates, by_char, unkeyed = [], {}, set()
    for entry in entries:
        for pattern in entry.patterns:
            keys = tuple(k for k in (_term_keys(term, frequency) for term in pattern.required) if k is not None)
            number = len(candidates)
            candidates.append(_Candidate(entry, pattern, keys))
            if not keys:
                unkeyed.add(number)
                continue
            for char in keys[0]:
                by_char.setdefault(char, []).append(number)
    return _FamilyIndex(tuple(candidates), {char: tuple(ids) for char, ids in by_char.items()}, frozenset(unkeyed))


def _term_frequency(entries: list[_Entry]) -> Counter:
    """How many required terms of the catalogue name each character."""
    frequency: Counter = Counter()
    for entry in entries:
        for pattern in entry.patterns:
            for term in pattern.required:
                frequency.update(set(term.pattern))
    return frequency


@cache
def _catalogue() -> _Catalogue:
    data = load_yaml(CATALOGUE_FILE)
    entries = [_compile_entry(raw) for raw in data["indicators"]]
    definitions: dict[str, IndicatorDef] = {}
    for entry, raw in zip(entries, data["indicators"]):
        for definition in _twin_definitions(entry, raw):
            if definition.code in definitions:
                raise ValueError(f"{CATALOGUE_FILE}: code {definition.code!r} is defined twice")
            definitions[definition.code] = definition
    by_family: dict[str, list[_Entry]] = {}
    for entry in entries:
        by_family.setdefault(unit_family(entry.definition.unit), []).append(entry)
    generic = sorted(data["generic_subject_words"], key=len, reverse=True)
    frequency = _term_frequency(entries)
    return _Catalogue(
        definitions,
        {family: tuple(group) for family, group in by_family.items()},
        re.compile("|".join(map(re.escape, generic))),
        {family: _family_index(tuple(group), frequency) for family, group in by_family.items()},
    )


def catalogue() -> dict[str, IndicatorDef]:
    """Every indicator of the catalogue by code, in catalogue order (shared: do not mutate)."""
    return _catalogue().definitions


def _hits(text: str, family: str) -> list[_Hit]:
    """Every (entry, pattern) whose required terms all occur in `text`; context is checked later."""
    index = _catalogue().index.get(family)
    if index is None:
        return []
    chars = set(text)
    by_char = index.by_char
    numbers = set(index.unkeyed).union(*[by_char[char] for char in chars.intersection(by_char)])
    out = []
    excluded: dict[int, bool] = {}  # by id of the entry
    for number in sorted(numbers):
        candidate = index.candidates[number]
        if any(map(chars.isdisjoint, candidate.keys)):
            continue
        entry = candidate.entry
        if entry.exclude is not None:
            if id(entry) not in excluded:
                excluded[id(entry)] = entry.exclude.search(text) is not None
            if excluded[id(entry)]:
                continue
        found = []
        for term in candidate.pattern.required:
            match = term.search(text)
            if match is None:
                break
            found.append(match)
        else:
            out.append(_Hit(entry, len(found), sum(len(m.group()) for m in found), candidate.pattern.context))
    return out


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def _cached_hits(text: str, family: str) -> tuple[_Hit, ...]:
    # Subjects recur across reports (低保标准, 养老机构床位 …) and the figures of one clause
    # share its window: their hits are worth keeping.
    return tuple(_hits(text, family))


def _best(hits: Iterable[_Hit], context_text: str, theme: str | None, kind_cue: str | None) -> str | None:
    best_key, best_code = None, None
    for hit in hits:
        context_chars = 0
        if hit.context is not None:
            match = hit.context.search(context_text)
            if match is None:
                continue
            context_chars = len(match.group())
        key = (hit.terms, hit.chars, hit.context is not None, context_chars,
               hit.entry.definition.theme == theme)
        if best_key is None or key > best_key:
            best_key, best_code = key, hit.entry.code_for(kind_cue)
    return best_code


@lru_cache(maxsize=TEXT_CACHE_ENTRIES)
def _informative_length(text: str) -> int:
    return len(_NON_INFORMATIVE.sub("", _catalogue().generic_words.sub("", text)))


@lru_cache(maxsize=64)
def _clauses(sentence: str) -> tuple[tuple[int, int], ...]:
    """The sentence cut into clauses, as (start, end) offsets.

    Commas, semicolons and colons always cut. The enumeration comma 、 cuts only between items that
    each hold a number (75%的养老床位、98%的长者饭堂); items without one are coordinated nouns that
    share the next number (孤儿养育标准、事实无人抚养儿童生活补贴标准…2570元) and stay together.
    Cached: every figure of a sentence asks again."""
    spans, start = [], 0
    for match in _CLAUSE_END.finditer(sentence):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(sentence)))
    clauses: list[tuple[int, int]] = []
    for left, right in spans:
        items, item_start = [], left
        for match in _LIST_COMMA.finditer(sentence, left, right):
            items.append((item_start, match.start()))
            item_start = match.end()
        items.append((item_start, right))
        merged: list[tuple[int, int]] = []
        pending = None
        for item_left, item_right in items:
            item_left = pending if pending is not None else item_left
            if _DIGIT.search(sentence, item_left, item_right):
                merged.append((item_left, item_right))
                pending = None
            else:
                pending = item_left
        if pending is not None:
            if merged:
                merged[-1] = (merged[-1][0], right)
            else:
                merged.append((pending, right))
        clauses.extend(merged)
    return tuple(clauses)


def _own_clause(sentence: str, anchor: tuple[int, int]) -> str:
    return next((sentence[left:right] for left, right in _clauses(sentence) if left <= anchor[0] <= right), "")


def _window(sentence: str, anchor: tuple[int, int] | None) -> str:
    """Where to look for the words a generic subject stands for.

    It is the clause holding the anchor (the number, or the subject), because the counted noun
    stands right before or after the number (养老床位3182张, 3182张养老床位). When that clause holds
    only generic words and numbers (覆盖率达到68.4%, 投入资金1892万元), its neighbours are added:
    the noun is there (建成81家居家养老服务中心,覆盖率达到68.4%; 投入资金1892万元,资助公益创投项目
    111个). Without an anchor only the whole sentence is left."""
    if anchor is None:
        return sentence
    clauses = _clauses(sentence)
    index = next((i for i, (left, right) in enumerate(clauses) if left <= anchor[0] <= right), 0)
    left, right = clauses[index]
    if _informative_length(sentence[left:right]) < MIN_INFORMATIVE_CHARS:
        left = clauses[max(index - 1, 0)][0]
        right = clauses[min(index + 1, len(clauses) - 1)][1]
    return sentence[left:max(right, anchor[1])]


def _anchor(subject: str, raw_sentence: str, sentence: str, at: int | None) -> tuple[int, int] | None:
    if at is not None and 0 <= at <= len(raw_sentence):
        offset = len(normalise(raw_sentence[:at]))
        return offset, offset
    if subject:
        found = sentence.find(subject)
        if found >= 0:
            return found, found + len(subject)
    return None


def assign_code(subject: str | None, unit: str, theme: str | None, sentence: str,
                at: int | None = None, kind_cue: str | None = None) -> str | None:
    """The catalogue code of a mention, or None when no entry of a compatible unit matches.

    `subject` is the noun phrase naming what is measured (may be None or imperfect), `unit` the
    mention's canonical unit, `theme` its theme code (breaks ties), `sentence` its whole sentence
    in simplified Chinese (for context terms, and for the words a generic subject stands for), and
    `at`, when known, the offset of the number in `sentence`, and `kind_cue` the kind (`stock` or
    `flow`) that the figure's clause states (共有, 新增 …), which picks a twin entry's reading.

    A subject with more than a few informative characters is matched alone: if the catalogue does
    not know it, guessing from its neighbours would give it another quantity's code. Only when `at`
    is given and the number's clause holds no other number is that clause tried after it. A short or
    generic subject is read in its clause instead (see `_window`)."""
    family = unit_family(unit)
    if family not in _catalogue().by_family:
        return None
    raw_sentence = sentence or ""
    subject = normalise(subject or "")
    sentence = normalise(raw_sentence)
    context_text = f"{subject}\n{sentence}"
    informative = _informative_length(subject)
    anchor = _anchor(subject, raw_sentence, sentence, at)
    if informative > MAX_GENERIC_REMAINDER:
        code = _best(_cached_hits(subject, family), context_text, theme, kind_cue)
        if code is None and at is not None and anchor is not None:
            clause = _own_clause(sentence, anchor)
            if len(_NUMBER.findall(clause)) == 1:
                code = _best(_cached_hits(clause, family), context_text, theme, kind_cue)
        return code
    if informative >= MIN_INFORMATIVE_CHARS:
        # a short subject that names an entry by two terms or more (农村低保标准) is specific
        # enough; its clause may name a sibling (城市、农村低保标准…)
        hits = _cached_hits(subject, family)
        code = _best([h for h in hits if h.terms >= 2] if anchor is not None else hits,
                     context_text, theme, kind_cue)
        if code is not None:
            return code
    return _best(_cached_hits(_window(sentence, anchor), family), context_text, theme, kind_cue)
