"""Outline and sentence segmentation on the seeds and on generated text."""
from __future__ import annotations

from hypothesis import given, strategies as st

from pipeline.ingest import normalise
from pipeline.readers import read_file
from pipeline.segment import outline, sentences

from conftest import RAW


def doc_text(name: str) -> str:
    return normalise(read_file(RAW / name, RAW)).text


def test_outline_nests_gbt9704_markers():
    text = "标题\n一、总体情况\n（一）养老服务\n1.床位建设。新增床位。\n2.居家养老。一是建设中心。二是培训护理员。\n（二）社会救助\n二、下步打算\n结尾。"
    secs = outline(text)
    shape = [(s.marker, s.level, s.parent_id) for s in secs]
    assert shape == [
        ("一、", 1, None), ("（一）", 2, 0), ("1.", 3, 1), ("2.", 3, 1),
        ("一是", 4, 3), ("二是", 4, 3), ("（二）", 2, 0), ("二、", 1, None),
    ]
    assert secs[2].heading == "床位建设"
    assert text[secs[0].char_start:secs[0].char_end].endswith("（二）社会救助")
    assert secs[4].heading == "建设中心"


def test_numbers_that_are_quantities_are_not_markers():
    secs = outline("标题\n1.5万名老人享受补贴。\n2020年工作回顾。\n一、总结")
    assert [s.marker for s in secs] == ["一、"]


def test_enumerators_must_count_up_from_one():
    secs = outline("标题\n一、工作\n二是一个词。一是做好甲。二是做好乙。四是跳号。")
    assert [s.marker for s in secs] == ["一、", "一是", "二是"]


def test_unnumbered_part_heading_opens_a_new_top_level_part():
    text = doc_text("002_19af31463446d508.txt")
    secs = outline(text)
    part = next(s for s in secs if s.marker == "" and "工作安排" in s.heading)
    assert part.level == 1
    children = [s for s in secs if s.parent_id == part.section_id]
    assert [c.marker for c in children] == ["一、", "二、", "三、"]


def test_seed_spans_point_into_the_text():
    for path in sorted(RAW.glob("*.txt")):
        text = doc_text(path.name)
        secs = outline(text)
        assert secs, path.name
        for s in secs:
            span = text[s.char_start:s.char_end]
            assert span.startswith(s.marker + s.heading), (path.name, s)
            if s.parent_id is not None:
                parent = secs[s.parent_id]
                assert parent.char_start <= s.char_start and s.char_end <= parent.char_end
        for sent in sentences(text, secs):
            assert text[sent.char_start:sent.char_end] == sent.text
            assert sent.text.strip() == sent.text and sent.text


def test_headings_and_first_sentences_split_as_the_gold_does():
    text = doc_text("004_5611c76e844a341e.txt")
    split = [s.text for s in sentences(text, outline(text))]
    assert "1.保持社会救助兜底政策稳定。" in split
    assert "一、巩固拓展脱贫攻坚兜底保障成果" in split


heading_lines = st.sampled_from(["一、总结", "（二）养老", "3.床位", "（4）救助", "一是甲。二是乙。", "2021年工作要点", "正文。", "1.5万人。", ""])


@given(st.lists(st.one_of(heading_lines, st.text(max_size=30)), max_size=25))
def test_segmentation_never_crashes_and_sentences_tile_the_text(lines):
    text = "\n".join(line.replace("\n", "") for line in lines)
    secs = outline(text)
    sents = sentences(text, secs)
    for s in secs:
        assert 0 <= s.char_start <= s.heading_end <= len(text) and s.char_start <= s.char_end <= len(text)
    covered = "".join(s.text for s in sents)
    assert covered == text.replace("\n", "")
