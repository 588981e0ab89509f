"""Indicator mentions: subject, status, period and theme on constructed passages,
and the seed extraction against the gold through the shared scorer.

The passages are written for these tests in the genre's style; none is copied
from the seed reports.
"""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from extractors.indicators import extract_mentions, mentions_in_text
from extractors.themes import tag_document
from pipeline.ingest import normalise_text
from pipeline.model import Document, DocumentMeta, Period
from pipeline.segment import outline, sentences

from conftest import GOLD, SCORER


def by_surface(text: str) -> dict:
    mentions = mentions_in_text(text)
    norm = normalise_text(text)
    for m in mentions:
        assert norm[m.char_start:m.char_end] == m.surface
    return {m.surface: m for m in mentions}


@pytest.mark.parametrize("text, surface, words", [
    ("全区新增养老机构床位860张。", "860张", ["养老机构床位"]),
    ("全年发放临时救助资金532万元，惠及困难群众4100人次。", "532万元", ["临时救助资金"]),
    ("配备村(居)儿童主任1260名。", "1260名", ["儿童主任"]),
    ("全县城乡低保标准提高至每人每月700元。", "每人每月700元", ["低保标准"]),
    ("新开发约300个社工岗位。", "约300个", ["社工岗位"]),
    ("全市1.8万名低保对象、特困人员、困境儿童、重度残疾人等困难群体基本生活得到保障。", "1.8万名", ["困难群体"]),
    ("全年救助流浪乞讨人员860人次。", "860人次", ["流浪乞讨人员"]),
    ("建成示范型居家养老服务中心45家，覆盖率达到72.5%。", "72.5%", ["居家养老服务中心", "覆盖率"]),
    ("在城西新区建成康复护理院1家(床位数220张)。", "220张", ["康复护理院", "床位"]),
    ("为80周岁以上老年人发放高龄津贴960万元。", "960万元", ["老年人", "高龄津贴"]),
    ("全县火化遗体2100具，火化率达99.2%。", "99.2%", ["火化", "率"]),
    ("其中结婚登记1870对、离婚登记640对。", "640对", ["离婚登记"]),
])
def test_subject_is_the_measured_thing(text, surface, words):
    mention = by_surface(text)[surface]
    for word in words:
        assert word in mention.subject, mention.subject
    assert not mention.subject.startswith(("全区", "全县", "全市", "全年", "在", "为", "80")), mention.subject
    assert "结婚" not in mention.subject or "离婚" not in mention.subject


def test_a_passage_reads_the_same_whatever_was_read_before():
    # the subject, theme and code helpers keep what they computed: nothing of it may leak
    first = "全年发放临时救助资金532万元，惠及困难群众4100人次。"
    other = "新建农村幸福院20所、老年食堂35个，征集项目120个，最终入选36个。"
    before = mentions_in_text(first)
    mentions_in_text(other)
    assert mentions_in_text(first) == before


def test_figures_of_one_measurement_share_their_subject():
    found = by_surface("入户排查困难家庭1200户次3600人次。")
    assert found["1200户次"].subject == found["3600人次"].subject
    assert "困难家庭" in found["1200户次"].subject
    assert (found["1200户次"].unit, found["3600人次"].unit) == ("household_time", "person_time")


def test_coordinated_figures_get_their_own_nouns():
    found = by_surface("全市共有社区慈善基金156个、社区微创投项目48个，另有首批公益空间12个。")
    assert "慈善基金" in found["156个"].subject
    assert "微创投项目" in found["48个"].subject
    assert "公益空间" in found["12个"].subject


def test_generic_nouns_take_the_topic_of_the_sentence():
    found = by_surface("加快推进社区养老设施建设，力争年内实现4个项目竣工、6个项目开工。")
    assert "养老设施" in found["4个"].subject
    assert "养老设施" in found["6个"].subject


def test_status_and_period_from_cues_in_a_bare_passage():
    found = by_surface("2021年共发放救助金1.2亿元。力争到2023年底建成儿童之家100个。")
    assert (found["1.2亿元"].status, found["1.2亿元"].period) == ("actual", "2021")
    assert (found["100个"].status, found["100个"].period) == ("target", "2023")


def test_a_plan_cue_scopes_over_the_clauses_after_it():
    found = by_surface("力争到2023年底，全县护理型床位占比达到60%以上、社区养老服务站不少于40个。")
    assert {(m.status, m.period) for m in found.values()} == {("target", "2023")}


def test_a_deadline_after_the_reporting_year_is_a_plan():
    assert by_surface("到2025年底，全市养老机构床位达到2万张。")["2万张"].status == "target"


def test_a_comparison_year_does_not_date_the_figure():
    found = by_surface("全市养老机构达到215家，较2019年底增加18家。")
    assert found["18家"].period is None


REPORT = """某市民政局2021年工作总结和2022年工作计划
一、2021年工作总结
（一）养老服务
全年新增养老床位500张，完成特殊困难老年人家庭适老化改造1200户。预计年底前再建成社区食堂20个。
（二）社会救助
城乡低保标准提高至每人每月820元。
二、2022年工作计划
（一）养老服务
力争新增护理型床位300张。截至目前已建成社区食堂45个，年内再新建30个。
到2025年底，全市养老机构护理型床位占比达到60%。
"""


def process(text: str):
    text = normalise_text(text)
    sections = outline(text)
    marks = {"2021年工作总结": ("2021", "actual"), "2022年工作计划": ("2022", "target")}
    sections = [dataclasses.replace(s, period=marks[s.heading][0], status=marks[s.heading][1])
                if s.heading in marks else s for s in sections]
    sentence_list = sentences(text, sections)
    labels, _, _ = tag_document(sections, sentence_list)
    meta = DocumentMeta(title=None, publisher=None, region=None, region_code=None, province=None,
                        admin_level=None, doc_type="summary_and_plan", publish_date=None,
                        periods=(Period("2021", "actual"), Period("2022", "target")))
    document = Document(source_file="x.txt", doc_id="x", text=text, header={})
    mentions = extract_mentions(document, sections, sentence_list, labels, meta)
    for m in mentions:
        assert text[m.char_start:m.char_end] == m.surface
        assert sentence_list[m.sentence_id].char_start <= m.char_start < sentence_list[m.sentence_id].char_end
    return mentions


def test_status_and_period_follow_sections_and_cues():
    got = {(m.surface, m.status, m.period) for m in process(REPORT)}
    assert got == {
        ("500张", "actual", "2021"),
        ("1200户", "actual", "2021"),
        ("20个", "target", "2021"),  # a plan cue in a results section
        ("每人每月820元", "actual", "2021"),  # a standard in force
        ("300张", "target", "2022"),
        ("45个", "actual", "2021"),  # a past figure recalled in the plan
        ("30个", "target", "2022"),
        ("60%", "target", "2025"),  # the year the clause names
    }


def test_units_and_themes_of_a_report():
    mentions = {m.surface: m for m in process(REPORT)}
    assert mentions["500张"].unit == "bed"
    assert mentions["500张"].theme == "elderly_care"
    assert mentions["每人每月820元"].unit == "CNY/person/month"
    assert mentions["每人每月820元"].theme == "social_assistance"


def test_codes_come_from_the_catalogue():
    mentions = {m.surface: m for m in process(REPORT)}
    assert mentions["500张"].indicator_code is not None
    assert mentions["每人每月820元"].indicator_code is not None
    assert mentions["500张"].indicator_code != mentions["每人每月820元"].indicator_code


def test_the_seed_extraction_meets_the_targets(extracted):
    if not SCORER.exists():
        pytest.skip("the shared scorer (../shared/eval/score.py) is not beside this checkout")
    out = subprocess.run([sys.executable, str(SCORER), "indicators", str(GOLD), str(extracted)],
                         capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["f1"] >= 0.98, out
    assert result["strict_f1"] >= 0.95, out
    assert result["acc_subject"] >= 0.85, out
    assert result["acc_theme"] >= 0.85, out


# ── what a figure measures (GUIDELINE 1b) ────────────────────────────────────

def test_totals_in_force_and_additions_get_different_codes():
    got = by_surface("截至年底，全县共有养老床位2350张；全年新增养老床位120张。")
    assert (got["2350张"].measure_kind, got["120张"].measure_kind) == ("stock", "flow")
    assert got["2350张"].indicator_code != got["120张"].indicator_code
    assert (got["2350张"].kind_evidence, got["120张"].kind_evidence) == ("共有", "新增")


def test_an_addition_said_after_the_figure_is_a_flow():
    got = by_surface("全年将412人新纳入低保保障范围。")
    assert got["412人"].measure_kind == "flow"


def test_beds_per_thousand_elderly_are_a_ratio_not_a_bed_count():
    got = by_surface("全市每千名老年人拥有养老床位38张，养老床位总数达到1.2万张。")
    assert got["38张"].measure_kind == "ratio"
    assert got["38张"].indicator_code == "eldercare_beds_per_thousand_elderly"
    assert got["1.2万张"].indicator_code == "eldercare_beds"


def test_a_change_flags_the_value_before_it():
    got = by_surface("农村低保标准由每人每月1230元提高至1300元。")
    before, after = got["每人每月1230元"], got["1300元"]
    assert (before.is_previous_value, after.is_previous_value) == (True, False)
    assert before.unit == after.unit == "CNY/person/month"
    assert before.indicator_code == after.indicator_code == "dibao_standard_rural"
    assert after.subject == "农村低保标准" and before.subject.startswith("农村低保标准")
    assert after.measure_kind == "standard"


def test_a_count_cut_down_keeps_both_numbers():
    got = by_surface("局属事业单位由9个精简为6个。")
    assert (got["9个"].is_previous_value, got["6个"].is_previous_value) == (True, False)
    assert got["9个"].unit == got["6个"].unit == "count"


def test_a_percentage_point_change_is_signed():
    got = by_surface("全市人口自然增长率下降0.8个百分点，护理型床位占比提高3个百分点。")
    assert (got["0.8个百分点"].value, got["0.8个百分点"].unit) == (-0.8, "percentage_point")
    assert got["3个百分点"].value == 3 and got["3个百分点"].measure_kind == "change"


def test_a_figure_dated_by_jiezhi_is_an_actual():
    got = by_surface("截至2023年底，全县共有养老机构28家。")
    assert got["28家"].status == "actual"
    assert got["28家"].measure_kind == "stock"


def test_a_bare_yuan_standard_inherits_the_rate_of_its_sentence():
    got = by_surface("调整后，城乡低保标准为880元，特困人员基本生活标准为每人每月1150元。")
    assert got["880元"].unit == "CNY/person/month"
    assert got["880元"].indicator_code == "dibao_standard"


def test_urban_and_rural_standards_in_one_clause_are_split():
    got = by_surface("城乡低保标准分别达到每人每月760元、610元。")
    assert got["每人每月760元"].indicator_code == "dibao_standard_urban"
    assert got["610元"].indicator_code == "dibao_standard_rural"
    assert "城市" in got["每人每月760元"].subject and "农村" in got["610元"].subject


def test_persons_households_and_person_times_of_one_programme_are_split():
    got = by_surface("全年保障低保对象1280户2140人，实施临时救助960人次。")
    codes = {got[s].indicator_code for s in ("1280户", "2140人", "960人次")}
    assert len(codes) == 3 and None not in codes
    assert got["2140人"].subject.endswith("低保对象")


def test_a_part_named_after_qizhong_names_its_whole():
    got = by_surface("全区脱贫户520户1410人，其中享受低保210户380人。")
    assert got["210户"].subject == "享受低保的脱贫户"
    assert got["380人"].subject == "享受低保的脱贫人口"  # the persons of households are their 人口
    assert got["380人"].indicator_code == "poverty_alleviated_dibao_recipients"
    assert got["1410人"].subject == "脱贫人口"


def test_exits_from_the_rolls_get_no_code():
    got = by_surface("城市低保新增37户，清退25户，共有1460户。")
    assert got["37户"].indicator_code == "dibao_households_added"
    assert got["25户"].indicator_code is None
    assert got["1460户"].indicator_code == "dibao_households"
    assert "新增" not in got["1460户"].subject


def test_a_bare_count_of_a_persisting_thing_is_its_total():
    got = by_surface("全县养老床位4200张。")
    assert (got["4200张"].measure_kind, got["4200张"].indicator_code) == ("stock", "eldercare_beds")


def test_a_count_coordinated_with_a_total_shares_its_reading():
    got = by_surface("截至目前，全区共有养老机构17家，床位1960张。")
    assert got["1960张"].indicator_code == "eldercare_beds"
    assert "共有" in got["1960张"].kind_evidence


def test_a_reading_does_not_cross_a_list_item_or_a_part_of_the_whole():
    got = by_surface("新增养老机构3家；养老床位5100张，其中护理型床位建成260张。")
    assert got["5100张"].indicator_code == "eldercare_beds"  # after ；, the 新增 no longer holds
    assert got["260张"].measure_kind != "stock"


def test_building_alone_is_this_periods_work_but_area_wide_perfective_is_the_total():
    got = by_surface("年内养老机构床位建成640张。")
    assert got["640张"].indicator_code == "eldercare_beds_added"
    got = by_surface("全县已建成养老机构31家。")
    assert got["31家"].indicator_code == "eldercare_institutions"


def test_an_all_programme_total_yields_to_the_programme_its_heading_names():
    from pipeline.model import RawDocument
    from pipeline.process import process_document

    text = "二、民生兜底\n（三）落实临时救助政策\n全年已救助困难群众820人次，救助金额共计236万元。\n"
    processed = process_document(RawDocument(source_file="a.txt", doc_id="a", text=text))
    got = {m.surface: m.indicator_code for m in processed.mentions}
    assert got == {"820人次": "temporary_assistance_person_times", "236万元": "temporary_assistance_funds"}


def test_a_listed_noun_shares_the_verb_not_the_noun_before_it():
    got = by_surface("募集手套6000副、防护服800套、消毒液900瓶。")
    assert got["800套"].subject == "募集防护服"
    assert got["900瓶"].subject == "募集消毒液"


def test_supplies_raised_for_someone_are_measured_without_the_beneficiary():
    assert by_surface("为社区养老服务站筹措资金45万元。")["45万元"].subject == "筹措资金"
    # a service keeps the recipients who define it
    assert "残疾儿童" in by_surface("为残疾儿童提供康复服务1200人次。")["1200人次"].subject


def test_grades_of_one_standard_each_take_the_measure_and_their_own_grade():
    got = by_surface("重度残疾人护理补贴标准调整为一级120元/人/月、二级90元/人/月、三四级60元/人/月。")
    assert [got[s].subject for s in ("120元/人/月", "90元/人/月", "60元/人/月")] == [
        "重度残疾人护理补贴标准一级", "重度残疾人护理补贴标准二级", "重度残疾人护理补贴标准三四级"]
    got = by_surface("照料护理标准为全自理260元/月、半护理520元/月、全护理1040元/月。")
    assert got["1040元/月"].subject == "照料护理标准全护理"
