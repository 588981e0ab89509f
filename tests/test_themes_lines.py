"""A document's sentences read in one pass (`extractors.themes._read_lines`) read as each alone."""
from __future__ import annotations

import dataclasses
import re

from hypothesis import given, settings, strategies as st

import extractors.themes as themes
from extractors.themes import document_themes, lexicon, read
from pipeline.model import Sentence

# Lines written for these tests: page furniture at a line's start and inside it, a closing
# address, folded characters (full-width brackets, Latin capitals), phrases that straddle two
# words, and phrases cut short at a line's end.
LINES = [
    "当前位置：首页 > 政务公开",
    "  > 工作动态",
    "同志们：",
    "同志们要把养老服务放在心上。",
    "发布日期：2023-01-05 浏览次数：12",
    "本文件的来源：市民政局",
    "来源：市民政局",
    "推广政务服务APP，健全村（居）委会。",
    "实现铁军队伍作风更优。",
    "关心军队，关爱军人。",
    "做好特困人员供养服务设施重度残疾人护理补助发放。",
    "低保",
    "",
    "重度残疾人护理",
    "全年发放临时救助资金120万元，惠及困难群众3000人次",
]


def named(reading: themes.Reading | None) -> themes.Reading | None:
    """What a reading tells `_label`: a text that is not boilerplate and names no phrase takes its
    context's labels, whether `_read_lines` gives it as None or as the reading of a text without
    phrases (one that `read` was given before, or whose matches all straddle two words)."""
    return None if reading is None or not (reading.boilerplate or reading.raw) else reading


def forget_readings() -> None:
    """Empty the cache of readings, so that each way reads for itself."""
    for readings in themes._READINGS.values():
        readings.clear()


def alone(line: str) -> themes.Reading | None:
    forget_readings()
    return named(read(line, already_normalised=True))


def together(lines: list[str]) -> list[themes.Reading | None]:
    forget_readings()
    return [named(reading) for reading in themes._read_lines(lines)]


def test_written_lines_read_together_as_alone():
    assert together(LINES) == [alone(line) for line in LINES]
    assert themes._read_lines([]) == []


def test_lines_read_before_are_taken_from_the_cache_and_the_others_read_together():
    forget_readings()
    first = themes._read_lines(LINES[:6])
    assert together(LINES) == [alone(line) for line in LINES]
    forget_readings()
    cached = themes._read_lines(LINES[:6])
    again = themes._read_lines(LINES)
    assert again[:6] == cached == first
    assert all(again[index] is cached[index] for index in range(6) if cached[index] is not None)
    assert [named(reading) for reading in again] == [alone(line) for line in LINES]


def test_a_line_without_phrases_or_furniture_is_left_to_its_context():
    readings = themes._read_lines(["会议在市里召开。", "同志们：", "完善低保制度。"])
    assert named(readings[0]) is None
    assert readings[1].boilerplate
    assert readings[2].raw == {"social_assistance": 1.0}


def test_furniture_is_found_on_every_line_that_holds_it():
    lines = ["索引号：001", "索引号：002", "工作动态", "发文字号：民发〔2023〕1号", "> 首页"]
    assert [reading is not None and reading.boilerplate for reading in themes._read_lines(lines)] == [
        True, True, False, True, True]


fragments = st.sampled_from(LINES + ["。", "（", "）", "：", " ", "养老", "护理补", "残疾", "APP", "社区", "字体：",
                                     "各位代表", "索引号", "\u3000", "\n"])  # a line break inside a line too
lines = st.lists(fragments, max_size=6).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(lines, max_size=8))
def test_any_lines_read_together_as_alone(generated):
    assert together(generated) == [alone(line) for line in generated]


def test_document_labels_match_the_labels_of_each_sentence_alone():
    texts = ["一、养老服务", "建成居家养老服务中心12个。", "会议在市里召开。", "同志们：", "完善低保制度。"]
    starts = [0]
    for text in texts[:-1]:
        starts.append(starts[-1] + len(text) + 1)
    sentence_list = [Sentence(i, None, start, start + len(text), text)
                     for i, (start, text) in enumerate(zip(starts, texts))]
    # outside any section no sentence is a heading and none has a context
    expected = [themes._label(read(text, already_normalised=True), [], heading=False) for text in texts]
    assert document_themes([], sentence_list).sentences == expected
    assert [[label.theme for label in labels] for labels in expected] == [
        ["elderly_care"], ["elderly_care"], [], [], ["social_assistance"]]


def test_furniture_after_blank_lines_and_leading_space(monkeypatch):
    """A pattern that may begin with space is tried on each line alone, not through the blank
    lines before it."""
    patterns = {"boilerplate_anywhere": re.compile(r"\s*备案号"),
                "boilerplate_in_line": re.compile(r"\s*备案号", re.MULTILINE)}
    monkeypatch.setattr(themes, "lexicon", lambda: dataclasses.replace(lexicon(), **patterns))
    forget_readings()
    readings = themes._read_lines(["甲", "备案号123", "", " ", "乙", "  备案号", *[""] * 50, "同志们："])
    assert [reading is not None and reading.boilerplate for reading in readings] == [
        False, True, False, False, False, True, *[False] * 50, True]


def test_blank_lines_before_an_anchored_pattern():
    forget_readings()
    lines = [""] * 200 + ["  ", "同志们：", "\u3000当前位置：首页"]
    assert [named(reading) is not None for reading in themes._read_lines(lines)] == [False] * 201 + [True, True]
