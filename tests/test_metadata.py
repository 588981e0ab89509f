"""Document metadata and section periods, on the seed reports and on unseen shapes."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from extractors.metadata import (_top_lines, assign_section_periods, choose_title, digit_years, extract_metadata,
                                 heading_cue, latest_cited_event, most_cited_year, opening_cue, publish_date,
                                 title_cues, year_to_date_month)
from pipeline.ingest import normalise
from pipeline.lexicons import load_yaml
from pipeline.model import Document, Period, Section
from pipeline.readers import read_file
from pipeline.segment import outline

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
GOLD = ROOT.parent / "shared" / "gold" / "dev" / "documents.jsonl"
SCORED_FIELDS = ("region", "region_code", "province", "admin_level", "doc_type", "publish_date", "periods")


def document(text: str, header: dict[str, str] | None = None) -> Document:
    return Document(source_file="report.txt", doc_id="0", text=text, header=header or {})


def meta_of(doc: Document):
    return extract_metadata(doc, outline(doc.text))


def periods(meta) -> dict[str, str]:
    return {p.period: p.status for p in meta.periods}


def section_states(doc: Document) -> list[tuple[str, str | None, str | None]]:
    sections = outline(doc.text)
    return [(s.heading, s.period, s.status) for s in assign_section_periods(doc, sections, meta_of(doc))]


@pytest.fixture(scope="module")
def seed_documents(seeds) -> dict[str, Document]:
    return {path.stem: normalise(read_file(path, RAW)) for path in seeds}


@pytest.fixture(scope="module")
def gold() -> dict[str, dict]:
    with open(GOLD, encoding="utf-8") as fh:
        return {row["doc"]: row for row in map(json.loads, fh) if row}


# --- the seeds against the gold ---------------------------------------------

def test_seed_metadata_equals_gold(seed_documents, gold):
    for stem, doc in seed_documents.items():
        meta = meta_of(doc)
        got = {f: getattr(meta, f) for f in SCORED_FIELDS if f != "periods"} | {"periods": periods(meta)}
        assert got == {f: gold[stem][f] for f in SCORED_FIELDS}, stem


def test_seed_titles_and_publishers(seed_documents, gold):
    metas = {stem: meta_of(doc) for stem, doc in seed_documents.items()}
    for stem in ("000_7b6e188c34807afc", "001_899b019fe3e48499", "003_8057266bf11dcad7", "004_5611c76e844a341e"):
        assert metas[stem].title == gold[stem]["title"], stem
    assert metas["000_7b6e188c34807afc"].publisher == "杭州市民政局"  # 来源 outranks the bare 发布单位
    assert metas["001_899b019fe3e48499"].publisher == "杭州市民政局"  # 市民政局 expanded by the region
    assert metas["002_19af31463446d508"].publisher == "广州市民政局"  # from its own part heading
    assert metas["004_5611c76e844a341e"].publisher == "咸宁市民政局"


def test_seed_summary_and_plan_sections_switch_at_the_plan_part(seed_documents):
    states = section_states(seed_documents["000_7b6e188c34807afc"])
    plan_start = next(i for i, (heading, _, _) in enumerate(states) if heading == "2021年工作要点")
    assert all(state[1:] == ("2020", "actual") for state in states[:plan_start])
    # Includes the stray top-level "四、致力构建…" that follows the plan part.
    assert all(state[1:] == ("2021", "target") for state in states[plan_start:])


def test_seed_work_report_plan_part_starts_at_its_opening_sentence(seed_documents):
    doc = seed_documents["001_899b019fe3e48499"]
    top = [s for s in assign_section_periods(doc, outline(doc.text), meta_of(doc)) if s.parent_id is None]
    assert [(s.period, s.status) for s in top] == [("2019", "actual")] + [("2020", "target")] * 3


def test_seed_repost_sections_before_and_after_the_part_heading(seed_documents):
    states = section_states(seed_documents["002_19af31463446d508"])
    plan_start = next(i for i, (heading, _, _) in enumerate(states) if heading.endswith("2021年工作安排"))
    assert plan_start > 0
    assert {state[1:] for state in states[:plan_start]} == {("2020", "actual")}
    assert {state[1:] for state in states[plan_start:]} == {("2021", "target")}


def test_seed_half_year_sections(seed_documents):
    states = section_states(seed_documents["003_8057266bf11dcad7"])
    assert {s[1:] for s in states if s[0] == "上半年工作总结"} == {("2020H1", "actual")}
    assert {s[1:] for s in states if s[0] == "下半年重点工作思路"} == {("2020H2", "target")}
    assert {s[1:] for s in states} == {("2020H1", "actual"), ("2020H2", "target")}


# --- unseen shapes -----------------------------------------------------------

def test_county_work_report_reviews_last_year_and_plans_this_one():
    doc = document(
        "在2021年全县民政工作会议上的报告\n同志们：\n现在，我代表县民政局作工作报告。\n"
        "一、凝心聚力，民生保障水平持续提升\n2020年，全县民政系统统筹疫情防控和民生保障。\n"
        "（一）兜底保障\n全县低保对象5000人。\n"
        "二、把握形势，明确任务\n2021年是“十四五”开局之年。\n（一）兜牢底线\n确保低保标准不低于600元。",
        {"来源": "长阳土家族自治县民政局", "发布日期": "2021-02-03"})
    meta = meta_of(doc)
    assert (meta.doc_type, meta.region_code, meta.publish_date) == ("work_report", "420528", "2021-02-03")
    assert periods(meta) == {"2020": "actual", "2021": "target"}
    assert [s[1:] for s in section_states(doc)] == [("2020", "actual")] * 2 + [("2021", "target")] * 2


def test_half_year_report():
    doc = document(
        "萧山区民政局2021年上半年工作总结及下半年工作计划\n2021年上半年，全区民政系统扎实推进各项工作。\n"
        "一、上半年工作总结\n（一）养老服务\n新增床位100张。\n二、下半年工作计划\n（一）社会救助\n力争完成。")
    meta = meta_of(doc)
    assert (meta.doc_type, meta.region, meta.publisher) == ("summary_and_plan", "萧山区", "萧山区民政局")
    assert periods(meta) == {"2021H1": "actual", "2021H2": "target"}
    assert [s[1:] for s in section_states(doc)] == [("2021H1", "actual")] * 2 + [("2021H2", "target")] * 2


def test_garbled_repost_title_yields_to_the_body():
    doc = document(
        "区民政局2022年工作总结及2022年工作安排\n"
        "2019年，在区委区政府的正确领导下，江北民政工作取得了新成效。\n"
        "一、养老服务持续提升\n全区新增床位。\n二、社会救助有力实施\n全区低保。\n"
        "江北区民政局2020年工作安排\n2020年是全面建成小康社会收官之年。\n一、兜牢底线\n力争。",
        {"时间": "2022-05-11 13:05:02"})
    meta = meta_of(doc)
    assert (meta.doc_type, meta.publish_date, meta.publisher) == ("summary_and_plan", None, "江北区民政局")
    assert periods(meta) == {"2019": "actual", "2020": "target"}


def test_summary_year_derived_from_the_plan_part_when_only_it_is_evident():
    doc = document("市民政局2022年工作总结及2022年工作安排\n一、养老服务持续提升\n新增床位。\n"
                   "二〇二一年工作安排\n一、兜牢底线\n力争。")
    assert periods(meta_of(doc)) == {"2020": "actual", "2021": "target"}


def test_a_part_looking_further_back_does_not_redate_the_report():
    doc = document("宾川县民政局2020年工作总结\n一、养老服务\n2016年以来，全县累计建成养老机构12家。\n"
                   "二、社会救助\n全县低保对象5000人。")
    assert periods(meta_of(doc)) == {"2020": "actual"}


def test_work_plan_is_all_target_and_summary_all_actual():
    plan = document("2022年全市民政工作要点\n一、养老服务\n1.新增床位\n二、社会救助工作总结经验\n完善制度。",
                    {"发文单位": "遵义市民政局", "成文日期": "2022年3月1日"})
    meta = meta_of(plan)
    assert (meta.doc_type, meta.publish_date, meta.region_code) == ("work_plan", "2022-03-01", "520300")
    assert {s[1:] for s in section_states(plan)} == {("2022", "target")}
    summary = document("南京市民政局2019年工作总结\n一、养老服务\n二、下一步工作计划\n")
    assert meta_of(summary).doc_type == "summary_and_plan"
    pure = document("南京市民政局2019年工作总结\n一、养老服务\n（一）圆满完成年度目标任务\n")
    assert (meta_of(pure).doc_type, {s[1:] for s in section_states(pure)}) == ("work_summary", {("2019", "actual")})


@pytest.mark.parametrize("title, doc_type", [
    ("关于2020年全区民政工作情况的报告", "work_summary"),
    ("在全市民政工作会议上的讲话", "work_report"),
    ("2021年度民政工作计划", "work_plan"),
    ("民政局2020年工作回顾及2021年工作思路", "summary_and_plan"),
    ("关于加强养老服务的通知", None),
])
def test_doc_type_from_the_title(title, doc_type):
    assert meta_of(document(f"{title}\n一、养老服务\n完善制度。")).doc_type == doc_type


def test_opening_without_a_title_line_still_dates_the_report():
    meta = meta_of(document("2019年，全县民政系统积极作为，圆满完成年度工作总结各项任务。\n一、养老服务\n完善制度。",
                            {"名称": "宾川县民政局年度工作总结"}))
    assert (meta.title, meta.doc_type, periods(meta)) == ("宾川县民政局年度工作总结", "work_summary", {"2019": "actual"})


@pytest.mark.parametrize("header, expected", [
    ({"发布日期": "2021年07月21日", "发文日期": "2021-07-22 16:38:51"}, "2021-07-21"),
    ({"公开日期": "2021/3/5"}, "2021-03-05"),
    ({"成文日期": "2020.12.30"}, "2020-12-30"),
    ({"时间": "2022-05-11 13:05:02"}, None),  # a repost site's own timestamp
    ({"发布日期": "2021-13-40"}, None),
])
def test_publish_date_only_from_the_issuing_body_labels(header, expected):
    assert publish_date(header) == expected


def test_title_cues_carry_the_year_to_a_part_that_names_none():
    assert [(c.year, c.half, c.status) for c in title_cues("2020年上半年工作总结和下半年思路")] == [
        (2020, "H1", "actual"), (2020, "H2", "target")]
    assert [(c.year, c.status) for c in title_cues("杭州市民政系统2020年工作总结和2021年工作要点")] == [
        (2020, "actual"), (2021, "target")]


@pytest.mark.parametrize("heading, status", [
    ("2021年工作要点", "target"),
    ("下半年重点工作思路", "target"),
    ("明年工作打算", "target"),
    ("上半年工作总结", "actual"),
    ("完善养老服务计划", None),  # a topic, not a part
    ("圆满完成年度目标任务", None),
    ("提升工作成效", None),
])
def test_heading_cues(heading, status):
    cue = heading_cue(heading)
    assert (cue.status if cue else None) == status


@pytest.mark.parametrize("sentence, year, status", [
    ("2020年是贯彻习近平总书记对民政工作重要指示精神的强基惠民之年", 2020, "target"),
    ("2021年，全市民政工作的总体要求是：坚持党建统领", 2021, "target"),
    ("今年全市民政系统要坚持以人民为中心", None, "target"),
    ("2019年，全市民政系统在市委市政府的坚强领导下", 2019, "actual"),
    ("今年以来，全市民政系统深入学习贯彻", None, "actual"),
    ("紧紧抓住全省民政会议和省“民政30条”贯彻要求", None, None),
])
def test_opening_cues(sentence, year, status):
    cue = opening_cue(sentence)
    assert ((cue.year, cue.status) if cue else (None, None)) == (year, status)


def test_hand_built_sections_follow_the_part_they_are_in():
    text = "2020年工作总结和2021年工作要点\n一、2020年工作总结\n（一）养老\n二、2021年工作要点\n（一）救助\n三、党建"
    doc = document(text)
    starts = [text.index(h) for h in ("一、", "（一）养老", "二、", "（一）救助", "三、")]
    ends = starts[1:] + [len(text)]
    shape = [(None, 1, "一、", "2020年工作总结"), (0, 2, "（一）", "养老"), (None, 1, "二、", "2021年工作要点"),
             (2, 2, "（一）", "救助"), (None, 1, "三、", "党建")]
    sections = [Section(i, parent, level, marker, heading, start, end, start + len(marker) + len(heading))
                for i, ((parent, level, marker, heading), start, end) in enumerate(zip(shape, starts, ends))]
    meta = extract_metadata(doc, sections)
    assert meta.periods == (Period("2020", "actual"), Period("2021", "target"))
    assigned = assign_section_periods(doc, sections, meta)
    assert [(s.period, s.status) for s in assigned] == [("2020", "actual")] * 2 + [("2021", "target")] * 3
    assert [s.heading for s in assigned] == [s.heading for s in sections]


def test_a_heading_names_a_status_when_any_of_its_patterns_matches(seed_documents):
    patterns = {status: [re.compile(p) for p in listed]
                for status, listed in load_yaml("report_genres.yaml")["heading_status_patterns"].items()}
    headings = [s.heading for document in seed_documents.values() for s in outline(document.text)]
    for heading in headings + ["2021年工作要点", "完善养老服务计划", "二、主要工作成效", "三、重点任务"]:
        cue = heading_cue(heading)
        status = next((status for status, listed in patterns.items()
                       if any(p.search(digit_years(heading)) for p in listed)), None)
        assert (cue.status if cue else None) == status, heading


def test_title_search_reads_the_page_top_up_to_the_first_part_or_paragraph():
    text = "\n  \n 杭州市民政局 \n\n2021年工作要点\n一、养老服务\n二、社会救助"
    assert _top_lines(text) == ["杭州市民政局", "2021年工作要点"]
    assert choose_title(document(text)).title == "2021年工作要点"
    banner_lines = [f"栏目{n}" for n in range(8)]
    assert choose_title(document("\n".join(banner_lines + ["2021年工作要点"]))).title is None


def test_latest_cited_event_reads_the_term_of_plenums_cited_together():
    assert latest_cited_event("学习贯彻十九届四中、五中全会精神。").name == "十九届五中全会"
    assert latest_cited_event("学习二十届二中和三中全会精神，十九届六中全会。").name == "二十届三中全会"
    assert latest_cited_event("本届二中、三中全会") is None  # no term before 届


def test_with_period_sets_period_and_status_and_keeps_the_rest():
    section = Section(3, 1, 2, "（一）", "养老服务", 10, 90, 16)
    assert section.with_period("2023", "actual") == replace(section, period="2023", status="actual")


def test_most_cited_year_counts_years_and_document_numbers_but_not_deadlines():
    text = "2022年，落实国办发〔2021〕15号和【2021】3号文件，到2025年建成，到〔2025〕不算，2022年完成。"
    assert most_cited_year(text) == 2022  # 2022 twice, 2021 twice: the latest among equals
    assert most_cited_year("到2025年、到2025年，2019年") == 2019


def test_year_to_date_month_ignores_a_range_after_another_digit():
    assert year_to_date_month("截至5月底，1-6月累计发放。") == 6
    assert year_to_date_month("11-12月，3截至9月") is None
