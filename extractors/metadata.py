"""Document metadata: title, publisher, region, genre, publish date and periods.

Cues come from `lexicons/report_genres.yaml`. Repost sites garble titles, so the
report's own part headings ("广州市民政局2021年工作安排") and opening sentences
("2020年，…") outrank the title line whenever they disagree.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import islice

from extractors.regions import Region, gazetteer, resolve_place
from pipeline.lexicons import load_yaml
from pipeline.model import Document, DocumentMeta, Period, Section
from pipeline.segment import line_marker

ACTUAL, TARGET = "actual", "target"
WORK_SUMMARY, WORK_PLAN = "work_summary", "work_plan"
WORK_REPORT, SUMMARY_AND_PLAN = "work_report", "summary_and_plan"

TITLE_MIN_CHARS, TITLE_MAX_CHARS = 4, 80
# A title line of the page's top: a few characters more than a bare genre word
# ("规划计划" is a portal column), no sentence punctuation.
TITLE_LINE_MIN_CHARS = 6
TITLE_NOT_A_SENTENCE = re.compile(r"[。，,；;！？!?]")
TITLE_SEARCH_LINES = 8
TITLE_POSITION_PENALTY = 0.25
# A report's own title names its field; a portal column ("部门工作计划和总结") does not.
CIVIL_AFFAIRS = "民政"
DATE_PARTS = r"(?P<y>(?:19|20)\d{2})\s*[-年/.]\s*(?P<m>\d{1,2})\s*[-月/.]\s*(?P<d>\d{1,2})日?"
TRAILING_DATE = re.compile(rf"\s*[(（]\s*{DATE_PARTS}\s*[)）]\s*$")
DATE_LINE = re.compile(rf"^[(（]?\s*{DATE_PARTS}\s*[)）]?$")

CN_YEAR_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")
CN_YEAR = re.compile(r"(?:一九|二[〇零○])[〇零○一二三四五六七八九]{2}(?=年)")
DATE = re.compile(DATE_PARTS)
YEAR = re.compile(r"((?:19|20)\d{2})年")
SENTENCE_END = re.compile(r"[。！？!?\n]")
OPENING_PARAGRAPH_CHARS = 400
# A conference report says so in its first sentences (after 同志们：).
CONFERENCE_SENTENCES = 2
# An annual review published up to this month is about the year before.
PUBLISHED_EARLY_MONTHS = 6
# A signature line is the issuing body's name alone.
SIGNATURE_MAX_CHARS = 30
THIS_YEAR_OPENINGS = ("今年", "年初")
# The level word of an agency named without its place (市民政局, 区民政局).
BARE_LEVELS = set("省市区县州旗盟")


@dataclass(frozen=True, slots=True)
class PeriodCue:
    """What a title, heading or opening sentence says about the period it covers."""

    year: int | None
    half: str | None  # "H1", "H2"
    status: str | None  # actual / target
    this_year: bool = False  # "今年以来": the year the report is published


class Genres:
    """The genre lexicon compiled into matchers."""

    def __init__(self, spec: dict):
        self.title_words = tuple(spec["title_words"])
        self.title_continuations = tuple(spec["title_continuations"])
        self.title_exclusions = tuple(spec["title_exclusions"])
        self.title_labels = tuple(spec["title_labels"])
        self.site_separators = re.compile(spec["title_site_separators"])
        self.work_report_titles = [re.compile(p) for p in spec["work_report_titles"]]
        self.speech_openings = tuple(spec["speech_openings"])
        self.conference_openings = [re.compile(p) for p in spec["conference_openings"]]
        self.announcement = re.compile(spec["announcement"])
        self.purpose_patterns = {status: [re.compile(p) for p in patterns]
                                 for status, patterns in spec["purpose_patterns"].items()}
        self.dated_figure = [re.compile(p) for p in spec["dated_figure"]]
        self.year_to_date = [re.compile(p) for p in spec["year_to_date"]]
        self.half_year_last_month = spec["half_year_last_month"]
        self.cited_year = [re.compile(p) for p in spec["cited_year"]]
        self.tense_cues = {status: re.compile("|".join(map(re.escape, words)))
                           for status, words in spec["tense_cues"].items()}
        self.tense_min_cues = spec["tense_min_cues"]
        self.tense_min_share = spec["tense_min_share"]
        self.halves = dict(spec["halves"])
        status_words = {word: status for status, words in spec["title_status_words"].items() for word in words}
        half_words = "|".join(self.halves)
        words = "|".join(sorted(status_words, key=len, reverse=True))
        self.title_status_words = status_words
        self.title_tokens = re.compile(rf"((?:19|20)\d{{2}})年|({half_words})|({words})")
        # One search per status: whether any of its patterns matches.
        self.heading_patterns = {status: re.compile("|".join(f"(?:{p})" for p in patterns))
                                 for status, patterns in spec["heading_status_patterns"].items()}
        self.opening_patterns = {status: [re.compile(p) for p in patterns]
                                 for status, patterns in spec["opening_patterns"].items()}
        self.half_pattern = re.compile(half_words)
        self.date_labels = tuple(spec["publish_date_labels"])
        self.shared_date_labels = tuple(spec["shared_date_labels"])
        self.repost_header_keys = tuple(spec["repost_header_keys"])
        self.source_labels = tuple(spec["source_labels"])
        self.official_source_words = tuple(spec["official_source_words"])
        self.publisher_labels = tuple(spec["publisher_labels"])
        self.agency_endings = tuple(spec["agency_endings"])
        self.civil_affairs_agencies = re.compile("|".join(map(re.escape, spec["civil_affairs_agencies"])))


@cache
def genres() -> Genres:
    return Genres(load_yaml("report_genres.yaml"))


@dataclass(frozen=True, slots=True)
class CitedEvent:
    """A dated national event a report cites (党的二十大, 二十届三中全会)."""

    name: str
    year: int
    month: int


@cache
def _national_events() -> tuple[re.Pattern, dict[str, tuple[int, int]]]:
    dates = {}
    for event in load_yaml("national_events.yaml")["events"]:
        year, month = (int(part) for part in str(event["date"]).split("-"))
        dates.update({name: (year, month) for name in event["names"]})
    return re.compile("|".join(map(re.escape, sorted(dates, key=len, reverse=True)))), dates


# Plenums cited together share their term: "二十届二中、三中全会" cites 二十届二中全会 and 二十届三中全会.
# The pattern starts at 届, which the matcher skips to; the term's numerals are read back from it.
PLENUM_LIST = re.compile(r"届(?P<sessions>(?:[一二三四五六七八九]中[、和及与]?){2,})全会")
TERM_NUMERALS = frozenset("一二三四五六七八九十")


def latest_cited_event(text: str) -> CitedEvent | None:
    """The latest dated national event the report cites, or None."""
    pattern, dates = _national_events()
    cited = {match.group(0) for match in pattern.finditer(text)}
    for listed in PLENUM_LIST.finditer(text):
        term_start = listed.start()
        while term_start and text[term_start - 1] in TERM_NUMERALS:
            term_start -= 1
        if term_start == listed.start():
            continue  # 届 without a term
        term = text[term_start:listed.start() + 1]
        sessions = re.findall(r"([一二三四五六七八九])中", listed.group("sessions"))
        cited.update(name for s in sessions if (name := f"{term}{s}中全会") in dates)
    if not cited:
        return None
    name = max(sorted(cited), key=lambda n: dates[n])
    return CitedEvent(name, *dates[name])


def digit_years(text: str) -> str:
    """二〇二一年 → 2021年 (same length, so offsets hold)."""
    # How every CN_YEAR match starts: `in` finds these much quicker than the regex's scan.
    if "一九" not in text and "二〇" not in text and "二零" not in text and "二○" not in text:
        return text
    return CN_YEAR.sub(lambda m: m.group(0).translate(CN_YEAR_DIGITS), text)


# --- title ----------------------------------------------------------------

def _title_like(line: str) -> bool:
    return (TITLE_MIN_CHARS <= len(line) <= TITLE_MAX_CHARS and "。" not in line
            and any(word in line for word in genres().title_words))


@dataclass(frozen=True, slots=True)
class TitleChoice:
    title: str | None
    evidence: str
    date: str | None = None  # a date printed on the title line ("…的通知 ( 2022-02-16 )")


def _date_of(match: re.Match | None) -> str | None:
    if not match:
        return None
    year, month, day = (int(g) for g in match.group("y", "m", "d"))
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else None


def _title_score(line: str, index: int) -> float | None:
    """How much a line of the page's top looks like the report's title; None when it
    cannot be one (a part heading, a sentence, a portal column, no genre word)."""
    rules = genres()
    if (len(line) < TITLE_LINE_MIN_CHARS or not _title_like(line) or TITLE_NOT_A_SENTENCE.search(line)
            or line_marker(line) or any(word in line for word in rules.title_exclusions)):
        return None
    score = 4.0 + (1.0 if YEAR.search(digit_years(line)) else 0.0)
    score += 1.0 if line.endswith(rules.title_words) else 0.0
    score += 1.0 if CIVIL_AFFAIRS in line else 0.0
    return score - TITLE_POSITION_PENALTY * index


def _top_lines(text: str) -> list[str]:
    """The page's top: its first lines up to the first numbered heading or paragraph."""
    lines = []
    for line in islice(filter(None, map(str.strip, text.split("\n"))), TITLE_SEARCH_LINES):
        if line_marker(line) or (len(line) > TITLE_MAX_CHARS and "。" in line):
            break
        lines.append(line)
    return lines


def choose_title(document: Document) -> TitleChoice:
    """The report's title by evidence: the issuing body's label for it, else the line of
    the page's top that looks most like a title (a genre word, a year, an early place),
    joined with the line that continues it ("及2021年工作重点"); portal columns,
    breadcrumbs and banners (removed in ingest or without a genre word) are passed over."""
    rules = genres()
    for label in rules.title_labels:
        value = document.header.get(label, "").strip()
        if label == "title":
            value = next((part.strip() for part in rules.site_separators.split(value) if _title_like(part.strip())), "")
        if _title_like(value):
            return TitleChoice(value, f"header {label}")
    lines = _top_lines(document.text)
    best: tuple[float, int, str, str | None] | None = None
    for index, line in enumerate(lines):
        date_match = TRAILING_DATE.search(line)
        line = line[:date_match.start()].strip() if date_match else line
        if index + 1 < len(lines) and lines[index + 1].startswith(rules.title_continuations) \
                and _title_score(lines[index + 1], 0) is not None:
            line += lines[index + 1]
        score = _title_score(line, index)
        if score is not None and (best is None or score > best[0]):
            best = (score, index, line, _date_of(date_match))
    if best is None:
        return TitleChoice(None, "no line of the page's top has a genre word")
    return TitleChoice(best[2], f"line {best[1] + 1} of the page's top", best[3])


# --- cues -----------------------------------------------------------------

def title_cues(title: str) -> list[PeriodCue]:
    """Period/status pairs of a title, in order: "2020年上半年工作总结和下半年思路"
    → (2020, H1, actual), (2020, H2, target). A year carries over to a later
    part that names none."""
    rules = genres()
    cues: list[PeriodCue] = []
    year = half = None
    carried_year = None
    for match in rules.title_tokens.finditer(digit_years(title)):
        if match.group(1):
            year = int(match.group(1))
        elif match.group(2):
            half = rules.halves[match.group(2)]
        else:
            cue_year = year if year is not None else carried_year
            cues.append(PeriodCue(cue_year, half, rules.title_status_words[match.group(3)]))
            carried_year, year, half = cue_year, None, None
    return cues


def _first_year(text: str) -> int | None:
    match = YEAR.search(text)
    return int(match.group(1)) if match else None


def names_both_parts(line: str) -> bool:
    """Whether a line names a review and a plan ("2023年工作总结和2024年工作计划"): a
    title, wherever it stands, and never the heading of one part."""
    return {cue.status for cue in title_cues(line)} == {ACTUAL, TARGET}


# Headings are read twice (the report's cues, then the sections' periods) and repeat across
# reports of one bureau; a cue is immutable, so the last few thousand are kept.
@lru_cache(maxsize=4096)
def heading_cue(heading: str) -> PeriodCue | None:
    """The cue of a heading that names a part of the report ("2021年工作要点")."""
    rules = genres()
    heading = digit_years(heading)
    for status, pattern in rules.heading_patterns.items():
        if pattern.search(heading):
            if names_both_parts(heading):
                return None
            half = rules.half_pattern.search(heading)
            return PeriodCue(_first_year(heading), rules.halves[half.group(0)] if half else None, status)
    return None


def _heading_cues(heading: str) -> list[PeriodCue]:
    """The cues of a top-level heading; one that names both parts is the title printed
    again and dates them as a title does, unless its years run backwards (a garbled copy)."""
    if not names_both_parts(heading):
        cue = heading_cue(heading)
        return [cue] if cue else []
    cues = title_cues(heading)
    years = {status: next((c.year for c in cues if c.status == status and c.year), None) for status in (ACTUAL, TARGET)}
    return [] if _runs_backwards(years, any(c.half for c in cues)) else cues


def _runs_backwards(years: dict[str, int | None], half_year: bool) -> bool:
    """A review dated the year of its plan or later: a garbled year (annual reports only)."""
    return not half_year and None not in years.values() and years[ACTUAL] >= years[TARGET]


def opening_cue(sentence: str) -> PeriodCue | None:
    """The cue of a part's opening sentence ("2020年是…之年" plans, "2019年，…" reviews)."""
    rules = genres()
    sentence = digit_years(sentence.strip())
    for status in (TARGET, ACTUAL):
        for pattern in rules.opening_patterns[status]:
            match = pattern.search(sentence)
            if match:
                groups = match.groupdict()
                year = int(groups["year"]) if groups.get("year") else None
                half = rules.halves.get(groups.get("half") or "")
                return PeriodCue(year, half, status, this_year=sentence.startswith(THIS_YEAR_OPENINGS))
    return None


def opening_paragraph(text: str, sections: list[Section]) -> str:
    """The text before the first heading, from its first line with sentence punctuation
    (after the title, subtitle, speaker and date lines)."""
    end = sections[0].char_start if sections else len(text)
    start = 0
    for line in text[:end].split("\n"):
        if TITLE_NOT_A_SENTENCE.search(line) or "：" in line or ":" in line:
            break
        start += len(line) + 1
    return text[start:end][:OPENING_PARAGRAPH_CHARS]


def paragraph_cues(paragraph: str) -> list[PeriodCue]:
    """What an opening paragraph says the report covers beyond its first sentence: a
    report announcing itself ("现将2022年上半年工作情况报告如下") and a conference's
    purpose ("总结2022年民政工作，安排部署2023年工作")."""
    rules = genres()
    paragraph = digit_years(paragraph)
    cues: list[PeriodCue] = []
    announced = rules.announcement.search(paragraph)
    if announced:
        cues += [cue for cue in title_cues(announced.group("title")) if cue.year is not None or cue.half]
    for status, patterns in rules.purpose_patterns.items():
        for pattern in patterns:
            cues += [PeriodCue(int(m.group("year")), None, status) for m in pattern.finditer(paragraph)]
    return cues


def dated_figure_year(text: str) -> int | None:
    """The latest year a figure is dated to ("截至2023年年底")."""
    text = digit_years(text)
    years = [int(m.group("year")) for pattern in genres().dated_figure for m in pattern.finditer(text)]
    return max(years) if years else None


def year_to_date_month(text: str) -> int | None:
    """The latest month the year's figures so far are dated to ("截至5月底", "1-6月")."""
    months = [int(m.group("month")) for pattern in genres().year_to_date for m in pattern.finditer(text)]
    return max((m for m in months if 1 <= m <= 12), default=None)


def most_cited_year(text: str) -> int | None:
    """The year the report cites most often (the latest among equals), deadlines aside."""
    text = digit_years(text)
    years = Counter(int(m.group("year")) for pattern in genres().cited_year for m in pattern.finditer(text))
    return max(years, key=lambda year: (years[year], year)) if years else None


def tense_status(text: str) -> tuple[str | None, str]:
    """actual or target when the report's tense cues are many and clearly one-sided."""
    rules = genres()
    counts = {status: len(pattern.findall(text)) for status, pattern in rules.tense_cues.items()}
    total = sum(counts.values())
    evidence = ", ".join(f"{n} {status} tense cues" for status, n in counts.items())
    for status, n in counts.items():
        if n >= rules.tense_min_cues and n >= rules.tense_min_share * total:
            return status, evidence
    return None, evidence


def _sentence_at(text: str, start: int, end: int) -> str:
    while start < end and text[start] in "\n 　:：,，":
        start += 1
    match = SENTENCE_END.search(text, start, end)
    return text[start:match.start() if match else end]


def section_opening(text: str, section: Section) -> str:
    return _sentence_at(text, section.heading_end, section.char_end)


def document_opening(text: str, sections: list[Section], title: str | None) -> str:
    """The first sentence before the first heading that is not a title line."""
    end = sections[0].char_start if sections else len(text)
    start = 0
    for line in text[:end].split("\n"):
        if line.strip() and line.strip() != title and not _title_like(line.strip()):
            return _sentence_at(text, start, end)
        start += len(line) + 1
    return ""


def _top_level(sections: list[Section]) -> list[Section]:
    return [s for s in sections if s.parent_id is None]


# --- genre and periods ----------------------------------------------------

@dataclass(frozen=True, slots=True)
class ReportCues:
    """Everything a report says about its genre and periods, by where it says it."""

    parts: list[PeriodCue]  # part headings
    opening: list[PeriodCue]  # the opening sentence and paragraph
    sections: list[PeriodCue]  # openings of the parts
    dated_year: int | None  # 截至2023年年底
    through_month: int | None  # 截至5月底: the latest month of the year's figures so far
    cited_year: int | None
    opening_text: str
    event: CitedEvent | None  # the latest national event it cites


def _is_work_report(title: str | None, text: str, opening_text: str) -> bool:
    """A conference report by its title, by a speech's address to the audience, or,
    when the title names no genre, by an opening that reports the conference."""
    rules = genres()
    if title and any(p.search(title) for p in rules.work_report_titles):
        return True
    if any(line.startswith(rules.speech_openings) for line in _top_lines(text) + opening_text.split("\n")):
        return True
    if title_cues(title or ""):
        return False
    first_sentences = "".join(re.split(r"(?<=[。！？!?])", opening_text)[:CONFERENCE_SENTENCES])
    return any(p.search(digit_years(first_sentences)) for p in rules.conference_openings)


def classify(title: str | None, text: str, cues: ReportCues) -> tuple[str | None, str]:
    """work_report, summary_and_plan, work_plan or work_summary, with the evidence:
    the title and the part headings, else the opening, the openings of the parts,
    dated figures, and last the report's tense."""
    if _is_work_report(title, text, cues.opening_text):
        return WORK_REPORT, "conference report or speech"
    tiers = [("title and part headings", title_cues(title or "") + cues.parts),
             ("opening paragraph", cues.opening), ("openings of the parts", cues.sections),
             ("dated figures", [PeriodCue(cues.dated_year, None, ACTUAL)] if cues.dated_year else [])]
    for source, tier in tiers:
        statuses = {cue.status for cue in tier}
        if statuses >= {ACTUAL, TARGET}:
            return SUMMARY_AND_PLAN, source
        if TARGET in statuses:
            return WORK_PLAN, source
        if ACTUAL in statuses:
            return WORK_SUMMARY, source
    status, evidence = tense_status(text)
    if status:
        return {ACTUAL: WORK_SUMMARY, TARGET: WORK_PLAN}[status], evidence
    return None, "no genre cue"


def _period(year: int, half: str | None) -> str:
    return f"{year}{half or ''}"


def _published_year_covered(published: str, status: str, half_year: bool, this_year: bool) -> int:
    """The year a report published on `published` reviews or plans: plans, half-year
    reports and reports on "今年" are about the year they come out in; annual reviews
    published in the first half of a year are about the year before."""
    year, month = int(published[:4]), int(published[5:7])
    if status == TARGET or half_year or this_year or month > PUBLISHED_EARLY_MONTHS:
        return year
    return year - 1


def document_periods(doc_type: str | None, title: str | None, cues: ReportCues,
                     publish_date: str | None) -> tuple[tuple[Period, ...], str]:
    """The periods a document covers, with the evidence. The cues of its part headings
    and opening outrank the title, and the title is dropped when it contradicts them;
    the openings of its parts date the report only when neither gives a year; then
    dated figures, the publish date and the latest year the report cites, in that order."""
    own_cues, section_cues = cues.parts + cues.opening, cues.sections
    statuses = {WORK_PLAN: (TARGET,), WORK_SUMMARY: (ACTUAL,)}.get(doc_type, (ACTUAL, TARGET))
    from_title = title_cues(title or "")
    if doc_type == WORK_REPORT and title:
        # A conference report is titled by the year it plans (2020年…工作会议报告).
        year = _first_year(digit_years(title))
        from_title = [PeriodCue(year, None, TARGET)] if year else []

    def first(cues: list[PeriodCue], status: str, attribute: str):
        return next((getattr(c, attribute) for c in cues
                     if c.status == status and getattr(c, attribute) is not None), None)

    body_years = {s: first(own_cues, s, "year") for s in (ACTUAL, TARGET)}
    title_years = {s: first(from_title, s, "year") for s in (ACTUAL, TARGET)}
    halves = {s: first(own_cues + from_title + section_cues, s, "half") for s in (ACTUAL, TARGET)}
    half_year = bool(halves[ACTUAL] or halves[TARGET])
    this_year = any(c.this_year for c in own_cues + section_cues)
    first_half_so_far = (not half_year and this_year and ACTUAL in statuses
                         and cues.through_month is not None
                         and cues.through_month <= genres().half_year_last_month)
    if first_half_so_far:
        halves[ACTUAL], half_year = "H1", True

    title_disagrees = any(body_years[s] is not None and title_years[s] not in (None, body_years[s])
                          for s in (ACTUAL, TARGET))
    title_inconsistent = _runs_backwards(title_years, half_year) and len(statuses) == 2
    years = dict(body_years)
    evidence = "part headings and opening"
    if not (title_disagrees or title_inconsistent):
        if any(years[s] is None and title_years[s] is not None for s in years):
            evidence = "title" if all(v is None for v in years.values()) else "title, part headings and opening"
        years = {s: title_years[s] if years[s] is None else years[s] for s in years}
    if years[ACTUAL] is None and years[TARGET] is None:
        years = {s: first(section_cues, s, "year") for s in years}
        evidence = "openings of the parts"

    step = 0 if half_year else 1
    first_status = statuses[0]
    if years[ACTUAL] is None and years[TARGET] is None and cues.dated_year and ACTUAL in statuses:
        years[ACTUAL], evidence = cues.dated_year, "dated figures (截至…)"
    if years[ACTUAL] is None and years[TARGET] is None and publish_date:
        years[first_status] = _published_year_covered(publish_date, first_status, half_year, this_year)
        evidence = "publish date"
    if years[ACTUAL] is None and years[TARGET] is None and cues.cited_year and doc_type:
        years[first_status], evidence = cues.cited_year, "year cited most"
    if years[ACTUAL] is None and years[TARGET] is None and cues.event and doc_type:
        # A review covers the year of the event it studied; a plan made after an event of
        # the second half of a year is for the next year.
        event = cues.event
        late = event.month > PUBLISHED_EARLY_MONTHS and not half_year
        years[first_status] = event.year + (1 if first_status == TARGET and late else 0)
        evidence = f"latest national event it cites ({event.name}, {event.year}-{event.month:02d}), a lower bound"

    # A part whose year is not evident follows from the other one.
    if years[ACTUAL] is None and years[TARGET] is not None:
        years[ACTUAL] = years[TARGET] - step
    if years[TARGET] is None and years[ACTUAL] is not None:
        years[TARGET] = years[ACTUAL] + step

    if half_year:
        halves = {ACTUAL: halves[ACTUAL] or "H1", TARGET: halves[TARGET] or "H2"}
    periods = tuple(Period(_period(years[s], halves[s] if half_year else None), s)
                    for s in statuses if years[s] is not None)
    if periods and first_half_so_far:
        evidence += f"; first half: a review of the year so far with figures to {cues.through_month}月"
    return periods, (evidence if periods else "no year in title, parts, opening, figures or date")


# --- publisher and date ---------------------------------------------------

def _header_date(header: dict[str, str], labels: tuple[str, ...]) -> tuple[str | None, str | None]:
    for label in labels:
        date = _date_of(DATE.search(header.get(label, "")))
        if date:
            return date, label
    return None, None


def repost_evidence(header: dict[str, str]) -> str | None:
    """Why the page is a repost site's rather than the issuing body's, or None."""
    rules = genres()
    for key in rules.repost_header_keys:
        if header.get(key):
            return f"repost page ({key})"
    for label in rules.source_labels:
        source = header.get(label, "").strip()
        if source and not any(word in source for word in rules.official_source_words):
            return f"source {source} is not a government body"
    return None


def publish_date(header: dict[str, str]) -> str | None:
    """YYYY-MM-DD from the labels the issuing body's page uses."""
    return choose_publish_date(header, "", TitleChoice(None, ""))[0]


def _signed_date(text: str) -> str | None:
    """The date signed under the issuing body's name at the end of a document or of
    its covering notice ("…民政局" / "2024年2月20日"); the last such signature."""
    rules = genres()
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    signed = None
    for above, line in zip(lines, lines[1:]):
        if len(above) <= SIGNATURE_MAX_CHARS and above.endswith(rules.agency_endings):
            signed = _date_of(DATE_LINE.match(line)) or signed
    return signed


def choose_publish_date(header: dict[str, str], text: str, title: TitleChoice) -> tuple[str | None, str]:
    """The issuing body's date: its publish-date labels; the labels repost sites share
    (发布时间, 日期) unless the page is a repost; the date printed on or under the title;
    else the date signed at the end. A repost site's own timestamp is never taken."""
    rules = genres()
    date, label = _header_date(header, rules.date_labels)
    if date:
        return date, f"header {label}"
    repost = repost_evidence(header)
    if not repost:
        date, label = _header_date(header, rules.shared_date_labels)
        if date:
            return date, f"header {label} of an official page"
        if title.date:
            return title.date, "date on the title line"
        under_title = next((d for line in _top_lines(text) if (d := _date_of(DATE_LINE.match(line)))), None)
        if under_title:
            return under_title, "date under the title"
    signed = _signed_date(text)
    if signed:
        return signed, "date signed under the issuing body"
    return None, repost or "no date of the issuing body"


def _names_region(text: str) -> bool:
    return bool(gazetteer().mentions(text))


def _expand(agency: str, region: Region | None) -> str:
    """市民政局 → 杭州市民政局 when the issuer's name has the same ending."""
    if region and not _names_region(agency) and agency[:1] == region.name[-1:]:
        return region.name + agency[1:]
    return agency


def extract_publisher(document: Document, title: str | None, sections: list[Section],
                      region: Region | None) -> str | None:
    rules = genres()
    agencies = [value.strip() for label in rules.publisher_labels
                if (value := document.header.get(label, "").strip()).endswith(rules.agency_endings)]
    lines = [title or ""] + [s.heading for s in _top_level(sections) if s.marker == ""]
    for line in lines:
        for match in rules.civil_affairs_agencies.finditer(line):
            places = gazetteer().mentions(line[:match.start()])
            chain_start = match.start()
            for place in reversed(places):
                if place.end != chain_start:
                    break
                chain_start = place.start
            if chain_start == match.start() and line[chain_start - 1:chain_start] in BARE_LEVELS:
                chain_start -= 1  # the bare 市 of 市民政局
            agencies.append(line[chain_start:match.end()])
    named = [a for a in agencies if _names_region(a)]
    chosen = (named or agencies or [None])[0]
    return _expand(chosen, region) if chosen else None


# --- public API -----------------------------------------------------------

def report_cues(text: str, sections: list[Section], title: str | None) -> ReportCues:
    """The report's own cues: of its title, its part headings, its opening sentence and
    paragraph, the openings of its parts (which may look further back: "2016年以来，累计…"),
    its dated figures and the years it cites."""
    top = _top_level(sections)
    part_cues = [cue for s in top for cue in _heading_cues(s.heading)]
    opening = opening_cue(document_opening(text, sections, title))
    paragraph = opening_paragraph(text, sections)
    section_cues = [cue for s in top if (cue := opening_cue(section_opening(text, s)))]
    return ReportCues(parts=part_cues,
                      opening=([opening] if opening else []) + paragraph_cues(paragraph),
                      sections=section_cues, dated_year=dated_figure_year(text),
                      through_month=year_to_date_month(text),
                      cited_year=most_cited_year(text), opening_text=paragraph,
                      event=latest_cited_event(text))


def extract_metadata(document: Document, sections: list[Section]) -> DocumentMeta:
    title_choice = choose_title(document)
    title = title_choice.title
    place = resolve_place(title, document.header, document.text)
    region = place.region
    cues = report_cues(document.text, sections, title)
    doc_type, genre_evidence = classify(title, document.text, cues)
    date, date_evidence = choose_publish_date(document.header, document.text, title_choice)
    periods, period_evidence = document_periods(doc_type, title, cues, date)
    return DocumentMeta(
        title=title,
        publisher=extract_publisher(document, title, sections, region),
        region=region.name if region else None,
        region_code=region.code if region else None,
        province=place.province,
        admin_level=place.admin_level,
        doc_type=doc_type,
        publish_date=date,
        periods=periods,
        evidence=(("title", title_choice.evidence), ("place", place.evidence), ("doc_type", genre_evidence),
                  ("publish_date", date_evidence), ("periods", period_evidence)),
    )


def assign_section_periods(document: Document, sections: list[Section], meta: DocumentMeta) -> list[Section]:
    """Sections with period and status set from the document's periods.

    A heading that names a part sets its section and descendants; a top-level
    part without such a heading is read from its opening sentence. A section
    without a cue takes the state of its previous sibling, else its parent's,
    else the document's first period (a review comes before its plan)."""
    if not meta.periods:
        return list(sections)
    if len(meta.periods) == 1:
        only = meta.periods[0]
        return [s.with_period(only.period, only.status) for s in sections]

    by_status = {p.status: p.period for p in meta.periods}

    def state_of(cue: PeriodCue | None) -> tuple[str, str] | None:
        # The document has one period per status, so the status decides.
        if cue is None or cue.status not in by_status:
            return None
        return by_status[cue.status], cue.status

    initial = (meta.periods[0].period, meta.periods[0].status)
    states: dict[int, tuple[str, str]] = {}
    last_in_parent: dict[int | None, tuple[str, str]] = {}
    out = []
    for section in sections:
        state = state_of(heading_cue(section.heading))
        if state is None and section.parent_id is None:
            state = state_of(opening_cue(section_opening(document.text, section)))
        if state is None:
            state = (last_in_parent.get(section.parent_id)
                     or (states[section.parent_id] if section.parent_id is not None else initial))
        states[section.section_id] = last_in_parent[section.parent_id] = state
        out.append(section.with_period(*state))
    return out

