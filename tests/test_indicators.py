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
