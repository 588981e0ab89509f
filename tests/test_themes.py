"""Policy-theme tagging (extractors/themes.py, lexicons/themes.yaml)."""
from __future__ import annotations

import importlib.util
import json
import re

import pytest

import extractors.themes as themes
from extractors.themes import (document_themes, lexicon, outline_level, read, tag_document, tag_records,
                               tag_sentences, theme_shares)
from pipeline.ingest import normalise
from pipeline.lexicons import load_yaml
from pipeline.model import Section, Sentence
from pipeline.readers import read_file
from pipeline.segment import outline, sentences
from pipeline.tokens import tokenizer
from conftest import GOLD, RAW, SCORER

THEMES = {
    "elderly_care", "social_assistance", "child_welfare", "disability_welfare", "funeral",
    "marriage_adoption", "community_governance", "social_organizations", "charity_lottery",
    "social_work_volunteer", "vagrant_assistance", "admin_divisions_names", "party_building",
    "pandemic", "digital_services", "resettlement", "veterans_military", "disaster_reduction",
}


def gold_lines() -> list[dict]:
    with open(GOLD / "sentences.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def heading_chains(texts: list[str]) -> list[list[str]]:
    """Each line's enclosing heading lines, by the outline markers, as a reader would nest them."""
    chains, stack = [], []
    for text in texts:
        level = outline_level(text)
        if level is not None:
            while stack and stack[-1][0] >= level:
                stack.pop()
        chains.append([heading for _, heading in stack])
        if level is not None:
            stack.append((level, text))
    return chains


def themes_of(text: str, headings: list[str] | None = None) -> list[str]:
    return [label.theme for label in tag_sentences([text], [headings or []])[0]]


def test_lexicon_names_the_eighteen_themes_each_with_names():
    assert set(lexicon().codes) == THEMES
    from pipeline.lexicons import load_yaml
    for theme in load_yaml("themes.yaml")["themes"]:
        assert theme["field"] and theme["name"] and theme["strong"], theme["code"]


def test_every_label_on_the_seed_sentences_has_evidence_in_its_sentence_or_headings():
    lines = gold_lines()
    for doc in sorted({line["doc"] for line in lines}):
        texts = [line["text"] for line in lines if line["doc"] == doc]
        chains = heading_chains(texts)
        labelled = 0
        for text, chain, labels in zip(texts, chains, tag_sentences(texts, chains)):
            for label in labels:
                labelled += 1
                assert label.theme in THEMES
                assert 0 < label.score <= 1
                assert label.evidence, (text, label)
                for phrase in label.evidence:
                    assert phrase in text or any(phrase in heading for heading in chain), (phrase, text, chain)
        assert labelled > len(texts) // 2, doc


def test_document_labels_have_evidence_in_their_sentences_or_section_headings():
    for path in sorted(RAW.glob("*.txt")):
        document = normalise(read_file(path, RAW))
        sections = outline(document.text)
        sentence_list = sentences(document.text, sections)
        sentence_labels, section_labels, document_labels = tag_document(sections, sentence_list)
        assert len(sentence_labels) == len(sentence_list) and len(section_labels) == len(sections)
        by_id = {section.section_id: section for section in sections}
        for sentence, labels in zip(sentence_list, sentence_labels):
            headings, section_id = [], sentence.section_id
            while section_id is not None:
                headings.append(by_id[section_id].heading)
                section_id = by_id[section_id].parent_id
            for label in labels:
                for phrase in label.evidence:
                    assert phrase in sentence.text or any(phrase in h for h in headings), (phrase, sentence.text)
        assert document_labels, path.name


def test_labels_come_most_relevant_first():
    labels = tag_sentences(["推进养老机构建设和居家养老服务,新增养老床位,同时做好社区服务。"], [[]])[0]
    assert [label.theme for label in labels][0] == "elderly_care"
    assert [label.score for label in labels] == sorted((label.score for label in labels), reverse=True)


@pytest.mark.parametrize("text, wanted, not_wanted", [
    ("推动社区养老服务发展,建设城乡社区居家养老服务中心。", "elderly_care", "community_governance"),
    ("健全流浪乞讨人员救助管理制度。", "vagrant_assistance", "social_assistance"),
    ("持续推进城乡公益性公墓建设。", "funeral", "charity_lottery"),
    ("深化社区慈善基金建设。", "charity_lottery", "community_governance"),
    ("开展慈善医疗救助项目。", "charity_lottery", "social_assistance"),
    ("实现铁军队伍作风更优。", None, "veterans_military"),
    ("加快养老护理领军人才培育。", "elderly_care", "veterans_military"),
    ("坚决贯彻党中央决策部署,向建党一百周年献礼。", None, "party_building"),
    ("落实好农村留守老年人定期巡访制度。", "elderly_care", "child_welfare"),
    ("婚姻登记证补领全市通办。", "marriage_adoption", None),
])
def test_misleading_cues(text, wanted, not_wanted):
    found = themes_of(text)
    if wanted:
        assert wanted in found, found
    assert not_wanted not in found, found


def test_weak_cues_alone_name_no_field_in_a_body_sentence():
    assert themes_of("搭建交流平台,完善工作体系。") == []
    assert themes_of("持续开展科普进社区活动。") == []


def test_weak_cue_in_a_heading_names_its_field():
    assert themes_of("二是推动帮扶救助机制精准化。") == ["social_assistance"]


def test_sentence_inherits_the_field_of_its_heading():
    labels = tag_sentences(["加强综合监管。"], [["一、奋力谱写新篇章", "二是用心服务老年群体。"]])[0]
    assert [label.theme for label in labels] == ["elderly_care"]
    assert labels[0].evidence == ("老年",)


def test_inheritance_skips_headings_without_a_field_and_keeps_its_own():
    chain = ["二、社会救助工作", "（一）聚焦重点,稳步推进"]
    assert themes_of("加强综合监管。", chain) == ["social_assistance"]
    assert themes_of("推进殡仪馆改扩建项目建设。", chain) == ["funeral"]
    assert themes_of("加强综合监管。", ["一、2020年工作总结"]) == []


def test_a_weak_cue_keeps_only_the_part_of_the_context_it_confirms():
    chain = ["（三）“三社联动”着力提升社区治理水平"]
    assert set(themes_of("创新推出社区民生服务清单。", chain)) == {"community_governance"}
    assert set(themes_of("1.城乡治理不断创新驱动。", chain)) == {"community_governance"}
    assert set(themes_of("做好人员培训。", chain)) == {"community_governance", "social_organizations",
                                                       "social_work_volunteer"}


def test_a_weak_cue_adds_the_context_field_to_the_fields_a_sentence_names():
    chain = ["二、聚焦基层治理,夯实基层政权建设"]
    assert set(themes_of("组织开展社会组织服务进社区活动。", chain)) == {"social_organizations", "community_governance"}
    assert set(themes_of("组织开展社会组织服务活动。", chain)) == {"social_organizations"}


@pytest.mark.parametrize("text", [
    "当前位置:首页",
    "> 政府信息公开 > 法定主动公开内容 > 规划计划 > 计划总结",
    "索引号: 002489524/2021-00105 公开方式: 主动公开",
    "发布日期: 2021-03-17 浏览次数: 来源: 杭州市民政局",
    "同志们:",
    "推荐访问:政局 工作总结 市民 安排 工作",
])
def test_page_furniture_gets_nothing_even_under_a_themed_heading(text):
    assert themes_of(text) == []
    assert themes_of(text, ["三、加快养老服务体系建设"]) == []


def test_generic_political_language_gets_nothing():
    assert themes_of("深入学习贯彻习近平新时代中国特色社会主义思想,推动民政事业高质量发展。") == []


def test_traditional_input_with_pinyin_debris_quotes_the_original_characters():
    labels = tag_sentences(["以社區(qū)治理創(chuàng)優(yōu)年為載體"], [[]])[0]
    assert [label.theme for label in labels] == ["community_governance"]
    assert labels[0].evidence == ("社區(qū)治理",)


@pytest.mark.parametrize("text, theme", [
    ("全年累计发放城乡低保金3.26亿元,保障城乡低保对象5.8万人。", "social_assistance"),
    ("新建社区老年人日间照料中心20个、农村互助幸福院50所。", "elderly_care"),
    ("配齐村(居)儿童主任,落实孤儿和事实无人抚养儿童基本生活费。", "child_welfare"),
    ("全面落实困难残疾人生活补贴和重度残疾人护理补贴制度。", "disability_welfare"),
    ("深入推进殡葬改革,全市火化率达到100%。", "funeral"),
    ("全年办理结婚登记1.8万对,深化婚俗改革。", "marriage_adoption"),
    ("顺利完成村(社区)“两委”换届选举,推行“四议两公开”工作法。", "community_governance"),
    ("全市依法登记社会团体1800家、民办非企业单位2380家。", "social_organizations"),
    ("开展“慈善一日捐”活动,募集善款1500万元。", "charity_lottery"),
    ("全市持证社会工作者达到3200人,注册志愿者56万人。", "social_work_volunteer"),
    ("开展“寒冬送温暖”专项救助行动,帮助受助人员寻亲返乡。", "vagrant_assistance"),
    ("完成第二次全国地名普查成果转化,开展乡镇行政区域界线联检。", "admin_divisions_names"),
    ("深入开展党史学习教育,落实全面从严治党主体责任。", "party_building"),
    ("严格落实民政服务机构常态化疫情防控措施。", "pandemic"),
    ("依托金民工程,实现民政政务服务事项“跨省通办”。", "digital_services"),
    ("落实大中型水库移民后期扶持政策。", "resettlement"),
    ("深入开展双拥模范城创建,落实优抚对象抚恤补助标准。", "veterans_military"),
    ("启动自然灾害救助应急响应,下拨救灾资金800万元。", "disaster_reduction"),
])
def test_the_field_vocabulary_of_other_reports(text, theme):
    assert theme in themes_of(text)


def test_tag_records_keeps_fields_and_order_and_carries_headings_until_the_next_of_its_level():
    records = [
        {"doc": "a", "idx": 0, "text": "一、加快养老服务体系建设", "page": 1},
        {"doc": "a", "idx": 1, "text": "（一）完善政策", "page": 1},
        {"doc": "a", "idx": 2, "text": "加强综合监管。", "page": 1},
        {"doc": "a", "idx": 3, "text": "二、统筹推进其他工作", "page": 2},
        {"doc": "a", "idx": 4, "text": "加强综合监管。", "page": 2},
        {"doc": "a", "idx": 5, "text": "三、健全社会救助体系", "page": 2},
        {"doc": "a", "idx": 6, "text": "加强综合监管。", "page": 2},
        {"doc": "b", "idx": 0, "text": "加强综合监管。", "page": 1},
    ]
    out = list(tag_records([dict(r) for r in records]))
    assert [{k: v for k, v in o.items() if k != "themes"} for o in out] == records
    assert [list(o) for o in out] == [list(r) + ["themes"] for r in records]
    assert [o["themes"] for o in out] == [["elderly_care"], ["elderly_care"], ["elderly_care"], [], [],
                                          ["social_assistance"], ["social_assistance"], []]


def test_tag_records_explains_each_theme():
    out = list(tag_records([{"text": "二、健全社会救助体系"}, {"text": "提高低保标准。"}], explain=True))
    assert out[1]["themes"] == ["social_assistance"]
    assert out[1]["theme_evidence"] == {"social_assistance": ["低保"]}
    assert set(out[1]["theme_scores"]) == {"social_assistance"}
    assert 0 < out[1]["theme_scores"]["social_assistance"] <= 1


def test_section_and_document_labels_aggregate_their_sentences_by_character_share():
    text = "一、养老服务\n新增养老床位。\n加强监管。\n二、其他工作\n做好宣传。"
    sections = [
        Section(0, None, 1, "一、", "养老服务", 0, 21, 6),
        Section(1, None, 1, "二、", "其他工作", 21, len(text), 27),
    ]
    spans = [(0, 6), (7, 14), (15, 20), (21, 27), (28, 33)]
    sentence_list = [Sentence(i, 0 if start < 21 else 1, start, end, text[start:end])
                     for i, (start, end) in enumerate(spans)]
    sentence_labels, section_labels, document_labels = tag_document(sections, sentence_list)
    assert [[label.theme for label in labels] for labels in sentence_labels] == [
        ["elderly_care"], ["elderly_care"], ["elderly_care"], [], []]
    assert [label.theme for label in section_labels[0]] == ["elderly_care"]
    assert section_labels[1] == []
    shares = theme_shares(sections, sentence_list, sentence_labels)
    assert shares[("section", 0)] == {"elderly_care": 1.0}
    assert shares[("document", None)] == {"elderly_care": round(18 / 29, 4)}
    assert document_labels[0].theme == "elderly_care"
    assert 0 < document_labels[0].score < section_labels[0][0].score


def test_dev_gold_scores(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("score", SCORER)
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    tagged = tmp_path / "tagged.jsonl"
    with open(tagged, "w", encoding="utf-8") as fh:
        for record in tag_records({k: v for k, v in line.items() if k != "themes"} for line in gold_lines()):
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    result = score.score_themes(GOLD, tagged)
    assert result["micro_f1"] >= 0.92 and result["macro_f1"] >= 0.92, capsys.readouterr().out


# --- the shortcuts of tagging a document ----------------------------------------

@pytest.fixture(scope="module")
def seed_outlines() -> list[tuple[list[Section], list[Sentence]]]:
    out = []
    for path in sorted(RAW.glob("*.txt")):
        document = normalise(read_file(path, RAW))
        sections = outline(document.text)
        out.append((sections, sentences(document.text, sections)))
    return out


def test_document_themes_give_the_labels_and_shares_in_one_go(seed_outlines):
    for sections, sentence_list in seed_outlines:
        themes_of_document = document_themes(sections, sentence_list)
        assert (themes_of_document.sentences, themes_of_document.sections, themes_of_document.document) == \
            tag_document(sections, sentence_list)
        assert themes_of_document.shares == theme_shares(sections, sentence_list, themes_of_document.sentences)


def seed_texts(seed_outlines) -> list[str]:
    return ([s.text for _, sentence_list in seed_outlines for s in sentence_list]
            + [s.heading for sections, _ in seed_outlines for s in sections] + [line["text"] for line in gold_lines()])


def test_segmenting_only_where_a_dictionary_word_may_cross_reads_the_same(seed_outlines, monkeypatch):
    texts = seed_texts(seed_outlines)
    readings = [read(text, already_normalised=True) for text in texts]
    monkeypatch.setattr(themes, "_joined", lambda pair, word_pairs: True)  # segment around every phrase
    monkeypatch.setattr(themes, "_READINGS", {False: {}, True: {}})  # read them again
    assert [read(text, already_normalised=True) for text in texts] == readings


def test_the_segmenter_knows_only_the_dictionary_words(seed_outlines):
    """`_joined` relies on the segmenter's words of several characters being the dictionary's."""
    known = set(re.findall(r"^\S+", themes._dictionary(), re.M))
    for text in seed_texts(seed_outlines):
        for word in tokenizer().cut(text, False):
            assert len(word) == 1 or word in known or (word.isascii() and word.isalnum()), word


def test_characters_the_segmenter_may_join():
    word_pairs = lexicon().word_pairs
    assert themes._joined("铁军", word_pairs)  # 铁军|队伍 hides 军队
    assert themes._joined("队伍", word_pairs)
    assert not themes._joined("，军", word_pairs)
    assert not themes._joined("军，", word_pairs)
    assert themes._joined("pp", frozenset())  # jieba keeps runs of ASCII letters and digits together
    assert themes_of("实现铁军队伍作风更优。") == []
    assert themes_of("关心军队，关爱军人。") == ["veterans_military"]


def test_folded_characters_are_quoted_as_written():
    reading = read("推广政务服务APP，健全村（居）委会", already_normalised=True)
    assert reading.key == "推广政务服务app，健全村(居)委会"
    assert reading.evidence == {"digital_services": ("政务服务", "APP"), "community_governance": ("村（居）委会",)}


def test_anchored_boilerplate_is_tried_at_the_start_only():
    combined = re.compile("|".join(f"(?:{pattern})" for pattern in load_yaml("themes.yaml")["boilerplate"]))
    lines = [line["text"] for line in gold_lines()] + [
        "当前位置:首页", " > 政府信息公开", "主题分类：民政", "发布日期: 2021-03-17", "同志们:", "各位代表：",
        "来源：杭州市民政局", "做好来源:核查", "推荐访问：", "请推荐访问", "  字体：大 中 小"]
    assert [lexicon().is_boilerplate(line) for line in lines] == [bool(combined.search(line)) for line in lines]
