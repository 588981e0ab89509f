"""Document metadata: title, publisher, region, genre, publish date and periods.

Cues come from `lexicons/report_genres.yaml`. Repost sites garble titles, so the
report's own part headings ("广州市民政局2021年工作安排") and opening sentences
("2020年，…") outrank the title line whenever they disagree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from itertools import islice

from extractors.regions import Region, gazetteer, resolve_region
from pipeline.lexicons import load_yaml
from pipeline.model import Document, DocumentMeta, Period, Section

ACTUAL, TARGET = "actual", "target"
WORK_SUMMARY, WORK_PLAN = "work_summary", "work_plan"
WORK_REPORT, SUMMARY_AND_PLAN = "work_report", "summary_and_plan"

TITLE_MIN_CHARS, TITLE_MAX_CHARS = 4, 80
TITLE_SEARCH_LINES = 5

CN_YEAR_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")
CN_YEAR = re.compile(r"(?:一九|二[〇零○])[〇零○一二三四五六七八九]{2}(?=年)")
DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
YEAR = re.compile(r"((?:19|20)\d{2})年")
SENTENCE_END = re.compile(r"[。！？!?\n]")
# The level word of an agency named without its place (市民政局, 区民政局).
BARE_LEVELS = set("省市区县州旗盟")


@dataclass(frozen=True, slots=True)
class PeriodCue:
    """What a title, heading or opening sentence says about the period it covers."""

    year: int | None
    half: str | None  # "H1", "H2"
    status: str | None  # actual / target


class Genres:
    """The genre lexicon compiled into matchers."""

    def __init__(self, spec: dict):
        self.title_words = tuple(spec["title_words"])
        self.title_labels = tuple(spec["title_labels"])
        self.site_separators = re.compile(spec["title_site_separators"])
        self.work_report_titles = [re.compile(p) for p in spec["work_report_titles"]]
        self.speech_openings = tuple(spec["speech_openings"])
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
        self.publisher_labels = tuple(spec["publisher_labels"])
        self.agency_endings = tuple(spec["agency_endings"])
        self.civil_affairs_agencies = re.compile("|".join(map(re.escape, spec["civil_affairs_agencies"])))


@cache
def genres() -> Genres:
    return Genres(load_yaml("report_genres.yaml"))


def digit_years(text: str) -> str:
    """二〇二一年 → 2021年 (same length, so offsets hold)."""
    return CN_YEAR.sub(lambda m: m.group(0).translate(CN_YEAR_DIGITS), text)


# --- title ----------------------------------------------------------------

def _title_like(line: str) -> bool:
    return (TITLE_MIN_CHARS <= len(line) <= TITLE_MAX_CHARS and "。" not in line
            and any(word in line for word in genres().title_words))


def extract_title(document: Document) -> str | None:
    """The issuing body's name of the document, else the first title-like line,
    else the container title without its site name."""
    rules = genres()
    for label in rules.title_labels:
        value = document.header.get(label, "").strip()
        if label == "title":
            value = next((part.strip() for part in rules.site_separators.split(value) if _title_like(part.strip())), "")
        if _title_like(value):
            return value
    return next((line for line in _first_lines(document.text) if _title_like(line)), None)


def _first_lines(text: str) -> list[str]:
    """The first lines of `text` that are not blank (TITLE_SEARCH_LINES of them), stripped."""
    return list(islice(filter(None, map(str.strip, text.split("\n"))), TITLE_SEARCH_LINES))


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


def heading_cue(heading: str) -> PeriodCue | None:
    """The cue of a heading that names a part of the report ("2021年工作要点")."""
    rules = genres()
    heading = digit_years(heading)
    for status, pattern in rules.heading_patterns.items():
        if pattern.search(heading):
            half = rules.half_pattern.search(heading)
            return PeriodCue(_first_year(heading), rules.halves[half.group(0)] if half else None, status)
    return None


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
                return PeriodCue(year, half, status)
    return None


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

def _is_work_report(title: str | None, text: str) -> bool:
    rules = genres()
    if title and any(p.search(title) for p in rules.work_report_titles):
        return True
    return any(line.startswith(rules.speech_openings) for line in _first_lines(text))


def classify(title: str | None, text: str, part_cues: list[PeriodCue]) -> str | None:
    """work_report, summary_and_plan, work_plan or work_summary."""
    if _is_work_report(title, text):
        return WORK_REPORT
    statuses = {cue.status for cue in title_cues(title or "") + part_cues}
    if statuses >= {ACTUAL, TARGET}:
        return SUMMARY_AND_PLAN
    if TARGET in statuses:
        return WORK_PLAN
    if ACTUAL in statuses:
        return WORK_SUMMARY
    return None


def _period(year: int, half: str | None) -> str:
    return f"{year}{half or ''}"


def document_periods(doc_type: str | None, title: str | None, own_cues: list[PeriodCue],
                     section_cues: list[PeriodCue], publish_date: str | None) -> tuple[Period, ...]:
    """The periods a document covers. The cues of its part headings and opening
    sentence (`own_cues`) outrank the title, and the title is dropped when it
    contradicts them; the openings of its parts (`section_cues`) date the report
    only when neither gives a year."""
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

    title_disagrees = any(body_years[s] is not None and title_years[s] not in (None, body_years[s])
                          for s in (ACTUAL, TARGET))
    title_inconsistent = (not half_year and None not in title_years.values()
                          and title_years[ACTUAL] >= title_years[TARGET] and len(statuses) == 2)
    years = dict(body_years)
    if not (title_disagrees or title_inconsistent):
        years = {s: title_years[s] if years[s] is None else years[s] for s in years}
    if years[ACTUAL] is None and years[TARGET] is None:
        years = {s: first(section_cues, s, "year") for s in years}

    # A part whose year is not evident follows from the other one.
    step = 0 if half_year else 1
    if years[ACTUAL] is None and years[TARGET] is not None:
        years[ACTUAL] = years[TARGET] - step
    if years[TARGET] is None and years[ACTUAL] is not None:
        years[TARGET] = years[ACTUAL] + step
    if years[ACTUAL] is None and publish_date:
        # Plans and conference reports come out in the year they plan, annual
        # summaries early in the year after the one they review.
        published = int(publish_date[:4])
        years = {ACTUAL: published - step, TARGET: published}

    if half_year:
        halves = {ACTUAL: halves[ACTUAL] or "H1", TARGET: halves[TARGET] or "H2"}
    return tuple(Period(_period(years[s], halves[s] if half_year else None), s)
                 for s in statuses if years[s] is not None)


# --- publisher and date ---------------------------------------------------

def publish_date(header: dict[str, str]) -> str | None:
    """YYYY-MM-DD from the first publish-date label the issuing body's page uses."""
    for label in genres().date_labels:
        match = DATE.search(header.get(label, ""))
        if match:
            year, month, day = (int(g) for g in match.groups())
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}"
    return None


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

def _body_cues(text: str, sections: list[Section],
               title: str | None) -> tuple[list[PeriodCue], list[PeriodCue], list[PeriodCue]]:
    """The report's own cues: of its part headings, of its opening sentence, and
    of the openings of its parts (which may look further back: "2016年以来，累计…")."""
    top = _top_level(sections)
    part_cues = [cue for s in top if (cue := heading_cue(s.heading))]
    opening = opening_cue(document_opening(text, sections, title))
    section_cues = [cue for s in top if (cue := opening_cue(section_opening(text, s)))]
    return part_cues, [opening] if opening else [], section_cues


def extract_metadata(document: Document, sections: list[Section]) -> DocumentMeta:
    title = extract_title(document)
    region = resolve_region(title, document.header, document.text)
    part_cues, opening_cues, section_cues = _body_cues(document.text, sections, title)
    doc_type = classify(title, document.text, part_cues)
    date = publish_date(document.header)
    return DocumentMeta(
        title=title,
        publisher=extract_publisher(document, title, sections, region),
        region=region.name if region else None,
        region_code=region.code if region else None,
        province=region.province if region else None,
        admin_level=region.admin_level if region else None,
        doc_type=doc_type,
        publish_date=date,
        periods=document_periods(doc_type, title, part_cues + opening_cues, section_cues, date),
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
        return [replace(s, period=only.period, status=only.status) for s in sections]

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
        out.append(replace(section, period=state[0], status=state[1]))
    return out

