"""Find the administration that issued a report (杭州市, 江干区 …) and its GB/T 2260 code.

Names come from `lexicons/regions.csv` (current and historical divisions), cues
from `lexicons/region_cues.yaml`. Evidence is weighed by where it stands: a
publisher field of the page header outweighs the title, the title outweighs
heading lines, and those outweigh mentions in the body, which add up with
diminishing returns. How the report refers to itself (全市/我区/全县) favours
names with the same ending. A name shared by several divisions (朝阳区 in
北京 and 长春) goes to the one whose province or prefecture the report also names.
"""
from __future__ import annotations

import csv
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate

from pipeline.lexicons import lexicon_path, load_yaml
from pipeline.tokens import tokenizer

# Weight of one mention by where it stands; body mentions count sqrt(n) together.
# Header, title and heading lines are where a report names itself ("strong");
# the opening paragraph often names the city above a district as well.
WEIGHTS = {"header": 100.0, "title": 30.0, "heading": 10.0, "opening": 3.0}
STRONG_SOURCES = {"header", "title", "heading"}
# Below this the evidence is a passing mention, not the report's own region.
MIN_SCORE = 2.0
# A body-only winner whose ending the report never uses for itself, while it
# clearly uses another (a district report naming only its city), is not trusted.
FOREIGN_ENDING_SHARE = 0.2
CLEAR_ENDING_SHARE = 0.6
MIN_SELF_REFERENCES = 3

HEADING_LINE_CHARS = 40
OPENING_LINES = 3
# Context segmented around a candidate to check that it is a word of its own.
BOUNDARY_WINDOW = 8
# Names are looked up by their last characters; no name is shorter.
TAIL = 2
# Characters the segmenter never joins to a word: it cuts its input into runs of Han characters,
# Latin letters, digits and +#&._%- and segments each run on its own. The ranges cover both
# jieba's and jieba-rs's runs, so a character outside them always stands apart.
_APART = re.compile(r"[^\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U0002FA1Fa-zA-Z0-9+#&._%\-]")


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    code: str  # six-digit GB/T 2260 code
    province: str
    admin_level: str  # province / prefecture / county
    prefecture: str | None
    short_names: tuple[str, ...]
    current: bool  # false for a division since abolished or renamed

    def __hash__(self) -> int:
        # Regions key the scores of every mention: code and name tell them apart, and hash faster
        # than all fields.
        return hash((self.code, self.name))


@dataclass(frozen=True, slots=True)
class PlaceMention:
    start: int
    end: int
    candidates: tuple[Region, ...]


class Gazetteer:
    """Every division name in a form that can be looked up in text quickly."""

    def __init__(self, regions: list[Region], cues: dict):
        ordinary = cues["ordinary_words"]
        self.needs_parent = set(ordinary["full_names"])
        self.full_forms: dict[str, list[Region]] = defaultdict(list)
        self.short_forms: dict[str, list[Region]] = defaultdict(list)
        for region in regions:
            self.full_forms[region.name].append(region)
        for region in regions:
            for alias in region.short_names:
                if alias != region.name and len(alias) >= 2 and alias not in ordinary["short_names"]:
                    self.short_forms[alias].append(region)
                # 大理州, 长阳县: an autonomous division's short name with its
                # generic ending is how its own documents name it.
                contracted = alias + region.name[-1]
                if "自治" in region.name and contracted not in self.full_forms:
                    self.full_forms[contracted].append(region)
        self.full_lengths = _lengths_by_tail(self.full_forms)
        self.short_lengths = _lengths_by_tail(self.short_forms)
        self.full_form_end_patterns = _tail_patterns(self.full_lengths)
        self.follower_patterns = _follower_patterns(cues["short_name_followers"], self.short_forms)
        self.glued_endings = {ending: tuple(nexts) for ending, nexts in cues["glued_endings"].items()}
        self._parents: dict[Region, tuple[Region, ...]] = {}
        self._parent_forms: dict[Region, tuple[str, ...]] = {}

    # Both are asked for at every mention: one lookup each (a Region hashes in Python).
    def parents(self, region: Region) -> tuple[Region, ...]:
        """Its prefecture (when it has one) and its province."""
        found = self._parents.get(region)
        if found is None:
            found = self._parents[region] = tuple(
                r for name in (region.prefecture, region.province)
                for r in self.full_forms.get(name or "", ()) if r.code != region.code)
        return found

    def parent_forms(self, region: Region) -> tuple[str, ...]:
        """The names of its parents, each once (a tuple: `str.endswith` takes all at once)."""
        forms = self._parent_forms.get(region)
        if forms is None:
            forms = self._parent_forms[region] = tuple(sorted(
                {form for parent in self.parents(region) for form in (parent.name, *parent.short_names)}))
        return forms

    def mentions(self, text: str) -> list[PlaceMention]:
        """Place names in `text`, longest first where they overlap, each with the
        divisions it may denote; a name qualified by its parent (长春市朝阳区)
        keeps only the matching division, and the qualifier is not a mention."""
        found: list[tuple[int, int, list[Region], bool]] = []
        full_forms, full_lengths, glued_endings = self.full_forms, self.full_lengths, self.glued_endings
        # Ends found one pattern after another, out of text order: `found` is sorted below.
        for pattern in self.full_form_end_patterns:
            for match in pattern.finditer(text):
                end = match.end()
                for length in full_lengths[text[end - TAIL:end]]:
                    if end < length:
                        continue
                    form = text[end - length:end]
                    regions = full_forms.get(form)
                    if regions is not None and not text.startswith(glued_endings.get(form[-1], ()), end):
                        found.append((end - length, end, regions, False))
        short_forms, short_lengths = self.short_forms, self.short_lengths
        for pattern in self.follower_patterns:
            for match in pattern.finditer(text):
                end = match.start()
                for length in short_lengths.get(text[end - TAIL:end], ()):
                    if end < length:
                        continue
                    regions = short_forms.get(text[end - length:end])
                    if regions is not None:
                        found.append((end - length, end, regions, True))

        kept: list[tuple[int, int, list[Region], bool]] = []
        taken = bytearray(len(text) + 1)  # 1 where a kept mention stands
        for start, end, regions, is_short in sorted(found, key=lambda f: (f[0] - f[1], f[0])):
            if any(taken[start:end]):
                continue
            if not _stands_alone(text, start, end, check_end=is_short or end - start <= 2):
                continue
            taken[start:end] = b"\x01" * (end - start)
            kept.append((start, end, regions, is_short))
        kept.sort()

        out: list[PlaceMention] = []
        for start, end, regions, _ in kept:
            qualified = [r for r in regions if text.endswith(self.parent_forms(r), 0, start)]
            if qualified:
                if out and out[-1].end == start and any(
                        p in self.parents(r) for r in qualified for p in out[-1].candidates):
                    out.pop()  # 长春市 in 长春市朝阳区 only says which 朝阳区
                regions = qualified
            elif text[start:end] in self.needs_parent:
                continue
            out.append(PlaceMention(start, end, tuple(regions)))
        return out


def _lengths_by_tail(forms: dict[str, list[Region]]) -> dict[str, tuple[int, ...]]:
    """The lengths of the names that end in each pair of characters (their tail), longest first."""
    lengths: dict[str, set[int]] = defaultdict(set)
    for form in forms:
        if len(form) < TAIL:
            raise ValueError(f"a place name of fewer than {TAIL} characters: {form!r}")
        lengths[form[-TAIL:]].add(len(form))
    return {tail: tuple(sorted(found, reverse=True)) for tail, found in lengths.items()}


def _tail_patterns(tails: Iterable[str]) -> list[re.Pattern]:
    """Patterns that together match the last character of any of the tails (of two characters).
    Most characters that end names (区, 市 …) end other words (社区, 全市): checking the one
    before in the same pass leaves few candidates. A pattern per last character: one that starts
    with a literal has the matcher skip to it, several times faster than to any of an alternation."""
    before: dict[str, set[str]] = defaultdict(set)
    for tail in tails:
        before[tail[-1]].add(tail[0])
    return [re.compile(f"{re.escape(last)}(?<=[{re.escape(''.join(sorted(firsts)))}]{re.escape(last)})")
            for last, firsts in sorted(before.items())]


def _follower_patterns(followers: list[str], short_forms: Iterable[str]) -> list[re.Pattern]:
    """A pattern per follower (民政 of 江干民政) that matches it right after two characters that
    may end a short name: most followers stand after other words (市民政局). Each starts with its
    literal, which the matcher skips to. Followers never overlap one another, so matching them
    one by one, and only some of their occurrences, finds every follower of a short name."""
    def chars(index: int) -> str:
        return re.escape("".join(sorted({form[index] for form in short_forms})))

    tail = f"[{chars(-TAIL)}][{chars(-1)}]"
    return [re.compile(f"{re.escape(follower)}(?<={tail}{re.escape(follower)})") for follower in followers]


def _cut_is_certain(text: str, offset: int) -> bool:
    """Whether the segmenter cuts `text` at `offset` whatever the words: at its start or next to
    a character it never joins to a word."""
    return offset == 0 or _APART.match(text, offset - 1) is not None or _APART.match(text, offset) is not None


def _stands_alone(text: str, start: int, end: int, *, check_end: bool) -> bool:
    """Whether the word segmenter cuts `text` at the name's start (and end):
    理县 in 管理县级 and 和平区 in 维护和平区域 are inside other words."""
    if _cut_is_certain(text, start) and (not check_end or (end < len(text) and _cut_is_certain(text, end))):
        return True
    left = max(0, start - BOUNDARY_WINDOW)
    window = text[left:end + BOUNDARY_WINDOW]
    word_lengths = [len(word) for word in tokenizer().cut(window, True)]
    cuts = set(accumulate(word_lengths[:-1], initial=left))  # where the words start
    return start in cuts and (not check_end or end in cuts)


def _read_regions() -> list[Region]:
    with open(lexicon_path("regions.csv"), encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return [
            Region(
                name=row["name"],
                code=row["code"],
                province=row["province"],
                admin_level=row["level"],
                prefecture=row["prefecture"] or None,
                short_names=tuple(row["short_name"].split("/")),
                current=row["current"] == "true",
            )
            for row in rows
        ]


@cache
def gazetteer() -> Gazetteer:
    return Gazetteer(_read_regions(), load_yaml("region_cues.yaml"))


@lru_cache(maxsize=1)
def report_mentions(text: str) -> tuple[PlaceMention, ...]:
    """The gazetteer's mentions in a report's text, kept for the report: place resolution
    reads them for the body's evidence, the counties it names and the places it shows."""
    return tuple(gazetteer().mentions(text))


def mentions_before_report(lines: list[str], text: str) -> list[PlaceMention]:
    """The gazetteer's mentions in `"\n".join([*lines, text])`, the report's own read once:
    no name spans a line end, and the segmenter cuts there, so the lines do not change them."""
    prefix = "".join(line + "\n" for line in lines)
    shift = len(prefix)
    return gazetteer().mentions(prefix) + [PlaceMention(m.start + shift, m.end + shift, m.candidates)
                                           for m in report_mentions(text)]


@cache
def _self_reference_patterns() -> list[tuple[re.Pattern, int]]:
    """A pattern per prefix (我市, 全市 …) with the weight of its self-references: one that starts
    with a literal is searched for several times faster than one led by a class of prefixes."""
    spec = load_yaml("region_cues.yaml")["self_reference"]
    endings = "".join(spec["endings"])
    return [(re.compile(f"{re.escape(prefix)}([{endings}])"), 2 if prefix in spec["own"] else 1)
            for prefix in spec["own"] + spec["whole"]]


def ending_shares(text: str) -> dict[str, float]:
    """Share of the report's self-references (全市, 我区 …) that use each ending."""
    counts: Counter[str] = Counter()
    for pattern, weight in _self_reference_patterns():
        for ending, n in Counter(pattern.findall(text)).items():
            counts[ending] += n * weight
    total = sum(counts.values())
    return {ending: n / total for ending, n in counts.items()} if total >= MIN_SELF_REFERENCES else {}


def _heading_and_opening_lines(text: str) -> tuple[list[str], list[str]]:
    """Short lines without a full stop (title and headings), and the other lines
    among the first few (the opening paragraph)."""
    headings, opening = [], []
    for i, line in enumerate(line for line in text.split("\n") if line):
        if len(line) <= HEADING_LINE_CHARS and "。" not in line:
            headings.append(line)
        elif i < OPENING_LINES:
            opening.append(line)
    return headings, opening


def _named_beside_its_self_reference(best: Region, score: dict[Region, float], strong: set[Region],
                                      shares: dict[str, float]) -> bool:
    """A place named only in passing counts when the report's self-references use its
    ending throughout (全州 … 恩施州) and it is the only place so named."""
    ending = best.name[-1]
    same_ending = [r for r in score if r.name[-1] == ending and r.code != best.code]
    return (best not in strong and not same_ending and shares.get(ending, 0.0) >= CLEAR_ENDING_SHARE
            and score[best] * (1 + shares[ending]) >= MIN_SCORE)


def resolve_region(title: str | None, header: dict[str, str], text: str) -> Region | None:
    """The administration that issued the report, or None when it is never named."""
    places = gazetteer()
    labels = load_yaml("region_cues.yaml")["publisher_labels"]
    publisher_text = "\n".join(header[label] for label in labels if header.get(label))
    headings, opening = _heading_and_opening_lines(text)
    sources = [
        ("header", publisher_text),
        ("title", title or ""),
        ("heading", "\n".join(headings)),
        ("opening", "\n".join(opening)),
        ("body", text),
    ]
    context = "\n".join(s for _, s in sources)
    support_cache: dict[str, int] = {}

    def support(region: Region) -> int:
        if region.code not in support_cache:
            support_cache[region.code] = sum(context.count(form) for form in places.parent_forms(region))
        return support_cache[region.code]

    def disambiguate(candidates: tuple[Region, ...]) -> list[Region]:
        if len(candidates) == 1:
            return list(candidates)
        best = max(support(r) for r in candidates)
        chosen = [r for r in candidates if support(r) == best]
        return [r for r in chosen if r.current] or chosen

    score: dict[Region, float] = defaultdict(float)
    strong: set[Region] = set()
    body_counts: dict[Region, float] = defaultdict(float)
    for source, source_text in sources:
        for mention in report_mentions(text) if source == "body" else places.mentions(source_text):
            chosen = disambiguate(mention.candidates)
            for region in chosen:
                if source == "body":
                    body_counts[region] += 1 / len(chosen)
                else:
                    score[region] += WEIGHTS[source] / len(chosen)
                    if source in STRONG_SOURCES:
                        strong.add(region)
    for region, count in body_counts.items():
        score[region] += math.sqrt(count)
    if not score:
        return None

    shares = ending_shares(text)
    ranked = sorted(score, key=lambda r: (-score[r] * (1 + shares.get(r.name[-1], 0.0)), r.code, r.name))
    best = ranked[0]
    if score[best] < MIN_SCORE and not _named_beside_its_self_reference(best, score, strong, shares):
        return None
    if (best not in strong and shares.get(best.name[-1], 0.0) < FOREIGN_ENDING_SHARE
            and max(shares.values(), default=0.0) >= CLEAR_ENDING_SHARE):
        return None
    return best


LEVEL_ORDER = ("county", "prefecture", "province")


@dataclass(frozen=True, slots=True)
class Place:
    """What a report says about its issuing administration: the division when it is
    named, else the province and level it shows, with the evidence."""

    region: Region | None
    province: str | None
    admin_level: str | None
    evidence: str


# The endings of a county's own name (a 区 or a county-level 市 may be the issuer's own district).
COUNTY_ENDINGS = frozenset("县旗")


@cache
def _level_cues() -> tuple[list[re.Pattern], dict[str, tuple[str, ...]], list[tuple[str, list[re.Pattern]]]]:
    spec = load_yaml("region_cues.yaml")
    issuer = [re.compile(p, re.M) for p in spec["issuer_level_patterns"]]
    words = {word: tuple(levels) for word, levels in spec["level_words"].items()}
    # One pattern each, not one alternation: a pattern that starts with a literal is searched
    # for as a string, several times faster than an alternation is tried at every character.
    subordinate = [(level, [re.compile(p) for p in patterns])
                   for level, patterns in spec["subordinate_patterns"].items()]
    return issuer, words, subordinate


def own_level_word(text: str) -> str | None:
    """The level word of the issuer's own government or bureau (区 of 区委、区政府): the
    lowest level so named (市 by the lower of its readings)."""
    issuer, words, _ = _level_cues()
    own = [m.group("level") for p in issuer for m in p.finditer(text)]
    return min(own, key=lambda w: LEVEL_ORDER.index(words[w][-1]), default=None)


def issuer_level(text: str, own_word: str | None) -> tuple[str | None, str]:
    """The issuer's level from how it names its own government (`own_word`, from
    `own_level_word`) and its subordinates."""
    _, words, subordinate = _level_cues()
    # The issuer stands one level above the highest units it names below it.
    from_below = next((level for level, patterns in subordinate if any(p.search(text) for p in patterns)), None)
    if own_word is None:
        return from_below, ("the units it names below it" if from_below else "no cue to its level")
    readings = words[own_word]
    if len(readings) == 1:
        return readings[0], f"its own government or bureau named by level ({own_word})"
    if "prefecture" in readings and from_below != "prefecture" and _names_a_county(text):
        # a 市 that names a 县 or 旗 is the prefecture above it: 乡镇（街道） is counted at every level
        return "prefecture", f"its own level ({own_word}) and a county it names"
    if from_below in readings:
        return from_below, f"its own level ({own_word}) and the units it names below it"
    return None, f"{own_word} is a prefecture or a county-level city and nothing else tells"


def _names_a_county(text: str) -> bool:
    """Whether the text names a county (a division of county level whose name ends in 县 or 旗)."""
    return any(text[m.end - 1] in COUNTY_ENDINGS and all(r.admin_level == "county" for r in m.candidates)
               for m in report_mentions(text))


def province_shown(text: str, mentions: list[PlaceMention]) -> str | None:
    """The one province that every place the report names lies in (its own or its
    superiors' names: 湖南省民政厅, 株洲市民政局, 多彩贵州), or None. `mentions` are
    the gazetteer's mentions in `text`."""
    mentioned = [{r.province for r in mention.candidates} for mention in mentions]
    pattern, names_by_first = _province_short_name_starts()
    shown: set[str] = set()  # provinces named by a short name that stands alone
    match = pattern.search(text)
    while match:  # every place where a short name starts, overlapping ones included
        start = match.start()
        for name, region in names_by_first[text[start]]:
            if (region.province not in shown and text.startswith(name, start)
                    and _stands_alone(text, start, start + len(name), check_end=True)):
                shown.add(region.province)
        match = pattern.search(text, start + 1)
    mentioned += [{province} for province in shown]
    common = set.intersection(*mentioned) if mentioned else set()
    return next(iter(common)) if len(common) == 1 else None


@cache
def _province_short_name_starts() -> tuple[re.Pattern, dict[str, list[tuple[str, Region]]]]:
    """A pattern of the provinces' short names (广西, 内蒙古; one pass finds where any starts: each
    starts with a literal, which the matcher skips to) and the names by their first character."""
    names = {alias: region for regions in gazetteer().full_forms.values() for region in regions
             if region.admin_level == "province" and region.current
             for alias in region.short_names if alias != region.name and len(alias) >= 2}
    by_first: dict[str, list[tuple[str, Region]]] = defaultdict(list)
    for name, region in names.items():
        by_first[name[0]].append((name, region))
    return re.compile("|".join(map(re.escape, names))), dict(by_first)


def sole_place_of_level(level: str, own_word: str | None, mentions: list[PlaceMention],
                        province: str | None) -> Region | None:
    """The one division of the issuer's level that a report names (in its own project:
    德清县福利中心), when every other place it names lies above that division and in the
    province the report shows (`province`, when it shows one); None when two compete or
    another place does not fit."""
    mentioned = {region for mention in mentions for region in mention.candidates}
    of_level = {region for region in mentioned if region.admin_level == level
                and (own_word is None or region.name.endswith(own_word))}
    if len(of_level) != 1:
        return None
    (region,) = of_level
    above = set(gazetteer().parents(region))
    if any(other != region and other not in above for other in mentioned):
        return None
    return region if province in (None, region.province) else None


def resolve_place(title: str | None, header: dict[str, str], text: str) -> Place:
    """The issuing administration; when its name is not given as such, the one place
    of the issuer's level the report names, else the province and level the report
    shows, and null where the evidence is ambiguous."""
    region = resolve_region(title, header, text)
    own_word = own_level_word(text)
    if region and (own_word is None or region.name.endswith(own_word)):
        return Place(region, region.province, region.admin_level, "named in the header, title or body")
    level, level_evidence = issuer_level(text, own_word)
    if region:
        # 湖南省 named in a district's report (区委、区政府) is a superior, not the issuer.
        level_evidence += f"; {region.name} is not a {own_word}"
    lines = [*header.values(), title or ""]
    everything = "\n".join([*lines, text])
    mentions = mentions_before_report(lines, text)  # read once: the sole place and the province use them
    shown = province_shown(everything, mentions)
    sole = sole_place_of_level(level, own_word, mentions, shown) if level else None
    if sole:
        return Place(sole, sole.province, sole.admin_level,
                     f"the only {level} it names, below every other place named; level: {level_evidence}")
    province = shown if level != "province" else None
    evidence = f"no place of its own named; level: {level_evidence}"
    if province:
        evidence += f"; every place it names lies in {province}"
    return Place(None, province, level, evidence)
