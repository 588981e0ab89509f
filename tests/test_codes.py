"""The indicator catalogue (lexicons/indicators.yaml) and the code matcher (extractors/codes.py)."""
from __future__ import annotations

import dataclasses
import re

import pytest

from extractors.indicators import mentions_in_text

from extractors import codes
from extractors.codes import CANONICAL_UNITS, THEMES, assign_code, catalogue
from pipeline.lexicons import load_yaml


def raw_entries() -> list[dict]:
    return load_yaml(codes.CATALOGUE_FILE)["indicators"]


# ── the catalogue ──────────────────────────────────────────────────────────────

def test_catalogue_is_large_enough_and_covers_every_theme():
    definitions = catalogue()
    assert len(definitions) >= 80
    assert {d.theme for d in definitions.values()} == THEMES


def test_codes_are_unique_snake_case_and_units_canonical():
    entries = raw_entries()
    code_list = [e["code"] for e in entries]
    assert len(code_list) == len(set(code_list))
    for entry in entries:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", entry["code"]), entry["code"]
        assert entry["unit"] in CANONICAL_UNITS, entry["code"]
        assert entry["theme"] in THEMES, entry["code"]
        assert entry["name_zh"].strip() and entry["name_en"].strip(), entry["code"]


def test_every_pattern_term_compiles():
    for entry in raw_entries():
        assert entry["patterns"], entry["code"]
        for pattern in entry["patterns"]:
            assert pattern.get("all"), entry["code"]
            terms = pattern["all"] + pattern.get("any", []) + pattern.get("context", [])
            for term in terms + entry.get("exclude", []):
                re.compile(term)


def test_indicator_definitions_are_frozen_and_match_the_yaml():
    definitions = catalogue()
    first = raw_entries()[0]
    definition = definitions[first["code"]]
    assert (definition.name_zh, definition.unit, definition.theme) \
        == (first["name_zh"], first["unit"], first["theme"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        definition.unit = "CNY"


@pytest.mark.parametrize("bad_entry, complaint", [
    ({"unit": "yuan"}, "canonical unit"),
    ({"theme": "housing"}, "GUIDELINE theme"),
    ({"kind": "average"}, "kind of GUIDELINE section 1b"),
    ({"kind": "standard", "twin": True}, "only a stock or a flow has a twin"),
    ({"code": "Orphan-Standard"}, "snake_case"),
    ({"patterns": [{"all": ["孤儿("]}]}, "all"),
    ({"patterns": [{"any": ["孤儿"]}]}, "pattern"),
])
def test_a_broken_catalogue_is_refused(monkeypatch, bad_entry, complaint):
    good = {"code": "orphans", "name_zh": "孤儿人数", "name_en": "Orphans", "unit": "person", "kind": "stock",
            "theme": "child_welfare", "patterns": [{"all": ["孤儿"]}]}
    broken = {"generic_subject_words": ["新增"], "indicators": [good | bad_entry]}
    monkeypatch.setattr(codes, "load_yaml", lambda name: broken)
    codes._catalogue.cache_clear()
    try:
        with pytest.raises(ValueError, match=complaint):
            catalogue()
    finally:
        codes._catalogue.cache_clear()


def test_a_code_defined_twice_is_refused(monkeypatch):
    entry = {"code": "orphans", "name_zh": "孤儿人数", "name_en": "Orphans", "unit": "person", "kind": "stock",
             "theme": "child_welfare", "patterns": [{"all": ["孤儿"]}]}
    twice = {"generic_subject_words": [], "indicators": [entry, entry]}
    monkeypatch.setattr(codes, "load_yaml", lambda name: twice)
    codes._catalogue.cache_clear()
    try:
        with pytest.raises(ValueError, match="twice"):
            catalogue()
    finally:
        codes._catalogue.cache_clear()


# ── one indicator written in different words gets one code ────────────────────
# (subject, unit, sentence): phrasings of one indicator as different cities write it.

SAME_INDICATOR = {
    "orphan_care_standard": [
        ("机构孤儿养育标准", "CNY/month", "机构孤儿养育标准平均达到2571元/月。"),
        ("孤儿养育标准和事实无人抚养儿童生活补贴标准", "CNY/person/month",
         "孤儿养育标准、事实无人抚养儿童生活补贴标准同步提高至每人每月2570元。"),
        ("集中供养孤儿基本生活费", "CNY/person/month", "集中供养孤儿基本生活费提高到每人每月1650元。"),
        ("福利机构孤儿基本生活最低养育标准", "CNY/month", "福利机构孤儿基本生活最低养育标准为1800元/月。"),
    ],
    "child_welfare_supervisors": [
        ("街道(乡镇)儿童督导员", "person", "配备街道(乡镇)儿童督导员237名。"),
        ("镇(街)儿童督导员", "person", "配齐176名镇(街)儿童督导员。"),
        ("儿童督导员", "person", "全县13个乡镇均配备儿童督导员,共26名。"),
        ("乡镇儿童福利督导员", "person", "聘任乡镇儿童福利督导员45名。"),
    ],
    "child_welfare_directors": [
        ("村(居)儿童主任", "person", "村(居)儿童主任3190名。"),
        ("儿童主任", "person", "选优配强儿童主任2781名。"),
        ("村(社区)儿童主任", "person", "全市1200个村(社区)儿童主任实现全覆盖。"),
        ("村级儿童主任", "person", "培训村级儿童主任860人。"),
    ],
    "social_work_stations": [
        ("已建成社会工作站", "count", "全市已建成37个社会工作站。"),
        ("社工站", "count", "全市203个社工站按照一人一档建立台账。"),
        ("镇街社工站", "count", "新建镇街社工站25个。"),
        ("乡镇(街道)社会工作服务站", "count", "建成乡镇(街道)社会工作服务站112个,实现全覆盖。"),
        ("新打造乡镇(街道)社工站", "count", "新打造40家乡镇(街道)社工站。"),
    ],
    "home_care_beds": [
        ("家庭养老床位", "bed", "发展家庭养老床位500张。"),
        ("家庭照护床位", "bed", "建设家庭照护床位1200张。"),
        ("家庭床位", "bed", "发展家庭床位500张,扩面老年人家庭适老化改造。"),
        ("床位", "bed", "在越秀、海珠区开展家庭养老床位试点工作,建成床位832张。"),
    ],
    "venture_philanthropy_projects": [
        ("资助社会组织公益创投项目", "count", "资助社会组织公益创投项目111个。"),
        ("公益创投项目", "count", "实施第七届社会组织公益创投,资助97个公益创投项目。"),
        ("公益创投入选项目", "count", "征集申报的项目168个,最终入选49个。"),
        ("公益创投资助项目", "count", "第三届公益创投大赛共资助项目35个。"),
    ],
    "charity_epidemic_donations": [
        ("慈善会接收捐款捐物", "CNY", "全市各级慈善会累计接收捐款捐物2.32亿元,为疫情防控提供了重要的保障。"),
        ("市慈善会接收疫情防控捐赠款物", "CNY", "市慈善会累计接收疫情防控捐赠款物约1.33亿元。"),
        ("社会组织捐赠款物", "CNY", "新冠肺炎疫情发生以来,社会组织捐赠款物4.9亿元。"),
        ("抗疫捐款", "CNY", "全县募集抗疫捐款1860万元。"),
    ],
    "eldercare_beds": [
        ("养老床位", "bed", "全市养老床位4.6万张。"),
        ("养老服务床位", "bed", "全市养老服务床位6.2万张。"),
    ],
    "elderly_home_adaptation_households_added": [
        ("困难老年人家庭适老化改造", "household", "困难老年人家庭适老化改造完成1914户。"),
        ("特殊困难老年人家庭适老化改造", "household", "完成特殊困难老年人家庭适老化改造3000户。"),
        ("居家适老化改造", "household", "实施居家适老化改造520户。"),
    ],
    "community_service_complexes": [
        ("已建成社区服务综合体", "count", "已建成社区服务综合体4个。"),
        ("邻里中心", "count", "与区域内13个邻里中心无缝对接。"),
        ("社区综合体", "count", "新建社区综合体8个。"),
        ("建成社区服务综合体", "count", "建成社区服务综合体5个。"),
    ],
}


@pytest.mark.parametrize("code", sorted(SAME_INDICATOR))
def test_phrasings_of_one_indicator_get_its_code(code):
    for subject, unit, sentence in SAME_INDICATOR[code]:
        assert assign_code(subject, unit, None, sentence) == code, subject


def test_the_comparable_indicators_have_distinct_codes():
    found = set()
    for phrasings in SAME_INDICATOR.values():
        subject, unit, sentence = phrasings[0]
        found.add(assign_code(subject, unit, None, sentence))
    assert len(found) == len(SAME_INDICATOR)


# ── distinct indicators keep distinct codes ──────────────────────────────────

@pytest.mark.parametrize("subject, unit, sentence, code", [
    # scattered orphans have a standard of their own
    ("散居孤儿和事实无人抚养儿童养育标准", "CNY/month", "社会散居孤儿、事实无人抚养儿童养育标准平均达到2057元/月。",
     "orphan_care_standard_scattered"),
    ("事实无人抚养儿童基本生活补贴标准", "CNY/person/month", "事实无人抚养儿童基本生活补贴标准每人每月1300元。",
     "unattended_children_allowance_standard"),
    # model stations, rooms and applications are not the stations and projects themselves
    ("创成示范型社工站", "count", "创成10家示范型社工站。", "model_social_work_stations"),
    ("社区特色社会工作室", "count", "建设100个社区特色社会工作室。", "social_work_rooms"),
    ("公益创投申报项目", "count", "征集公益创投申报项目168个。", "venture_philanthropy_applications"),
    # donations without an epidemic are ordinary donations
    ("扶贫济困日现场认捐款物", "CNY", "社会各界现场认捐款物达3.37亿元。", "charitable_donations"),
    # institutional beds, nursing beds and home-care beds
    ("护理型床位", "bed", "护理型床位达到1.2万张。", "nursing_care_beds"),
    ("养老床位", "bed", "全市养老床位1500张,推动家庭养老床位试点进一步扩面。", "eldercare_beds"),
    # a programme's persons, person-times, households and money are four quantities
    ("临时救助资金", "CNY", "全市发放临时救助资金1907万元。", "temporary_assistance_funds"),
    ("临时救助", "person_time", "临时救助5794人次。", "temporary_assistance_person_times"),
    ("临时救助", "household_time", "临时救助4141户次。", "temporary_assistance_household_times"),
    # a standard and the money spent under it
    ("低保标准", "CNY/person/month", "低保标准提高至1080元/人/月。", "dibao_standard"),
    ("低保资金", "CNY", "发放低保资金2.1亿元。", "dibao_funds"),
    ("农村低保标准", "CNY/person/month", "农村低保标准提高到每人每月850元。", "dibao_standard_rural"),
    ("城市低保对象", "person", "城市低保对象1.2万人。", "dibao_recipients_urban"),
    # the two disability allowances
    ("困难残疾人生活补贴标准", "CNY/person/month", "困难残疾人生活补贴标准提至175元/人/月。",
     "disabled_living_allowance_standard"),
    ("重度残疾人护理补贴标准", "CNY/person/month", "重度残疾人护理补贴标准提至235元/人/月。",
     "severe_disability_care_allowance_standard"),
    # boundary lines by level
    ("联检市级界线", "count", "完成1条市级界线联检工作。", "prefectural_boundary_lines_inspected"),
    ("联检县级界线", "count", "完成7条县级界线联检工作。", "county_boundary_lines_inspected"),
])
def test_distinct_indicators_get_distinct_codes(subject, unit, sentence, code):
    assert assign_code(subject, unit, None, sentence) == code


# ── generic subjects are read in their clause ────────────────────────────────

def test_a_generic_subject_takes_the_noun_of_the_clause_before_it():
    sentence = "建成81家示范型居家养老服务中心,覆盖率达到68.4%。"
    assert assign_code("覆盖率", "percent", None, sentence) == "community_eldercare_centre_coverage"


def test_the_number_offset_picks_the_clause_of_the_number():
    sentence = "配备街道(乡镇)儿童督导员237名,村(居)儿童主任3190名。"
    assert assign_code(None, "person", None, sentence, at=sentence.index("3190")) == "child_welfare_directors"
    assert assign_code(None, "person", None, sentence, at=sentence.index("237")) \
        == "child_welfare_supervisors"


def test_coordinated_nouns_before_one_number_stay_together():
    sentence = "孤儿养育标准、事实无人抚养儿童生活补贴标准同步提高至每人每月2570元。"
    at = sentence.index("2570")
    assert assign_code(None, "CNY/person/month", None, sentence, at=at) == "orphan_care_standard"


def test_a_specific_unknown_subject_does_not_borrow_a_neighbours_code():
    sentence = "依托203个社工站设立237条社工“红棉守护”热线。"
    assert assign_code("社工红棉守护热线", "count", None, sentence) is None
    assert assign_code("社工站", "count", None, sentence) == "social_work_stations"


def test_a_long_subject_the_catalogue_does_not_know_falls_back_to_a_one_number_clause():
    sentence = "正式出台《公益创投项目管理办法》,征集申报的项目168个,最终入选49个,资金总额324万元。"
    subject = "征集社会组织和个人申报的项目入选"
    assert assign_code(subject, "count", None, sentence) is None
    assert assign_code(subject, "count", None, sentence, at=sentence.index("49")) == "venture_philanthropy_projects"
    # a clause with another number in it is not the number's own: no fallback
    hotline = "依托203个社工站设立237条社工“红棉守护”热线。"
    assert assign_code("社工红棉守护热线", "count", None, hotline, at=hotline.index("237")) is None


@pytest.mark.parametrize("subject, unit, sentence, code", [
    # a bed count given for an institution is its beds
    ("建成康复护理院", "bed", "在城东新城建成康复护理院1家(床位数181张)。", "eldercare_beds"),
    ("建成高端护理型养老机构", "bed", "建成高端护理型养老机构1家(床位数356张)。", "nursing_care_beds"),
    # beneficiaries and scope words name no programme: the neighbouring clause does
    ("惠及困难群众", "person_time", "提标发放困难群众价格补贴1.55亿元,惠及困难群众110.6万人次。",
     "price_subsidy_person_times"),
    ("投入资金", "CNY", "累计投入资金1892万元,资助社会组织公益创投项目111个。", "venture_philanthropy_funds"),
    ("民政系统投入资金", "CNY", "全市民政系统投入资金6272万元,资助社会组织参与社会治理项目1352个。",
     "social_org_service_purchase_funds"),
])
def test_subjects_that_leave_the_noun_out(subject, unit, sentence, code):
    assert assign_code(subject, unit, None, sentence) == code


def test_a_short_subject_is_read_in_its_clause():
    # 救助资金 alone would be the all-programme total; its clause says which programme
    sentence = "全市发放临时救助资金1907万元,为4141户次困难群众提供临时救助。"
    assert assign_code("救助资金", "CNY", None, sentence) == "temporary_assistance_funds"
    assert assign_code("各类救助资金", "CNY", None, "上半年共发放各类救助资金3341.52万元。") == "social_assistance_funds"


def test_context_in_the_sentence_selects_the_epidemic_reading():
    subject = "社会组织捐赠款物"
    assert assign_code(subject, "CNY", None, "社会组织捐赠款物4.9亿元,为疫情防控提供了保障。") == "charity_epidemic_donations"
    assert assign_code(subject, "CNY", None, "社会组织捐赠款物4.9亿元,用于助学助医。") == "charitable_donations"


# ── units ─────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("subject, unit, sentence, blocked", [
    ("孤儿养育标准", "CNY", "发放孤儿养育标准资金300万元。", "orphan_care_standard"),
    ("养老机构床位", "count", "养老机构床位建成3182个。", "eldercare_beds"),
    ("儿童主任", "percent", "女性儿童主任占63%。", "child_welfare_directors"),
    ("低保标准", "CNY/person/year", "农村低保标准9600元/人/年。", "dibao_standard"),
    ("社会工作站", "person", "社会工作站配备专职社工300名。", "social_work_stations"),
])
def test_an_incompatible_unit_blocks_the_match(subject, unit, sentence, blocked):
    assert assign_code(subject, unit, None, sentence) != blocked


def test_per_month_and_per_person_per_month_are_one_family():
    sentence = "机构孤儿养育标准达到2571元/月。"
    assert assign_code("机构孤儿养育标准", "CNY/month", None, sentence) \
        == assign_code("机构孤儿养育标准", "CNY/person/month", None, sentence) == "orphan_care_standard"


def test_an_unknown_unit_gets_no_code():
    assert assign_code("养老机构床位", "kg", None, "养老机构床位3182张。") is None


def test_theme_breaks_a_tie_between_equally_specific_entries(monkeypatch):
    def entry(code, theme):
        return {"code": code, "name_zh": code, "name_en": code, "unit": "count", "kind": "stock", "theme": theme,
                "patterns": [{"all": ["示范社区"]}]}
    tiny = {"generic_subject_words": [],
            "indicators": [entry("model_communities_governance", "community_governance"),
                           entry("model_communities_disaster", "disaster_reduction")]}
    monkeypatch.setattr(codes, "load_yaml", lambda name: tiny)
    codes._catalogue.cache_clear()
    codes._cached_hits.cache_clear()
    try:
        assert assign_code("创建示范社区", "count", "disaster_reduction", "") == "model_communities_disaster"
        assert assign_code("创建示范社区", "count", "community_governance", "") == "model_communities_governance"
    finally:
        codes._catalogue.cache_clear()
        codes._cached_hits.cache_clear()


# ── kinds of measure (GUIDELINE 1b) ──────────────────────────────────────────

def test_every_code_has_one_kind_and_twins_split_totals_from_additions():
    definitions = catalogue()
    assert all(d.kind in codes.KINDS for d in definitions.values())
    for raw in raw_entries():
        if raw.get("twin"):
            total, added = definitions[raw["code"]], definitions[raw["code"] + codes.ADDED_SUFFIX]
            assert (total.kind, added.kind) == ("stock", "flow")
            assert total.unit == added.unit == raw["unit"]


@pytest.mark.parametrize("subject, unit, sentence, cue, code", [
    ("养老床位", "bed", "全县养老床位总数达到2350张。", "stock", "eldercare_beds"),
    ("养老床位", "bed", "今年新增养老床位120张。", "flow", "eldercare_beds_added"),
    ("低保对象", "person", "全县在册低保对象5120人。", "stock", "dibao_recipients"),
    ("低保对象", "person", "今年新纳入低保对象340人。", "flow", "dibao_recipients_added"),
    ("低保对象", "person", "清退不符合条件的低保对象52人。", "exit", None),
])
def test_a_kind_cue_picks_the_reading_of_a_twin(subject, unit, sentence, cue, code):
    assert assign_code(subject, unit, None, sentence, kind_cue=cue) == code


def test_a_cue_does_not_change_a_code_whose_kind_is_fixed():
    # person-times are activity in the period: 累计 sums them, it does not make a total in force
    assert assign_code("临时救助", "person_time", None, "累计实施临时救助860人次。", kind_cue="stock") \
        == "temporary_assistance_person_times"


@pytest.mark.parametrize("subject, unit, sentence, code", [
    ("每千名老年人拥有养老床位", "bed", "每千名老年人拥有养老床位38张。", "eldercare_beds_per_thousand_elderly"),
    ("城市低保标准提高比例", "percent", "城市低保标准提高8.5%。", "dibao_standard_increase_urban"),
    ("城市低保资金", "CNY", "发放城市低保资金1200万元。", "dibao_funds_urban"),
    ("城市低保标准", "CNY/person/month", "城市低保标准每人每月760元。", "dibao_standard_urban"),
])
def test_ratios_rises_and_spending_are_not_counts_or_standards(subject, unit, sentence, code):
    assert assign_code(subject, unit, None, sentence) == code
    assert catalogue()[code].kind in ("ratio", "spending", "standard")


def test_a_short_subject_naming_its_entry_is_not_overruled_by_its_clause():
    sentence = "城市、农村低保标准分别提高到每人每月702元、566元。"
    assert assign_code("农村低保标准", "CNY/person/month", None, sentence) == "dibao_standard_rural"
    assert assign_code("城市低保标准", "CNY/person/month", None, sentence) == "dibao_standard_urban"


# Totals and additions of beds are told apart by the clause (GUIDELINE 1b), so these go through the
# indicator stage, which reads the kind cues, not through assign_code alone.
@pytest.mark.parametrize("sentence, surface, code", [
    ("养老机构床位建成3182张。", "3182张", "eldercare_beds_added"),
    ("新增养老床位1500张。", "1500张", "eldercare_beds_added"),
    ("在城东新城建成康复护理院1家(床位数181张)。", "181张", "eldercare_beds_added"),
    ("全市养老服务床位达到6.2万张。", "6.2万张", "eldercare_beds"),
    ("全市共有养老机构120家,床位2.1万张。", "2.1万张", "eldercare_beds"),
])
def test_bed_totals_and_additions_get_their_own_codes(sentence, surface, code):
    got = {m.surface: m.indicator_code for m in mentions_in_text(sentence)}
    assert got[surface] == code
