"""Decoding and normalisation on real report text."""
from __future__ import annotations

import codecs
import re

import opencc
import pytest
from hypothesis import given, strategies as st

from pipeline.ingest import normalise, normalise_text, remove_pinyin_debris, strip_furniture
from pipeline.readers import ReadError, decode_bytes, read_file

from conftest import RAW

JIANGGAN = RAW / "003_8057266bf11dcad7.txt"
DEBRIS = re.compile(r"[\u4e00-\u9fff][(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[)）]")


def seed_document(name: str):
    return normalise(read_file(RAW / name, RAW))


def test_traditional_report_becomes_simplified_without_debris():
    text = seed_document(JIANGGAN.name).text
    assert DEBRIS.search(JIANGGAN.read_text(encoding="utf-8")), "the raw seed carries pinyin debris"
    assert not DEBRIS.search(text)
    assert opencc.OpenCC("t2s").convert(text) == text, "no traditional character is left"
    assert "创新" in text and "社区" in text


def test_debris_is_dropped_only_when_it_is_the_characters_reading():
    assert remove_pinyin_debris("協同創(chuàng)新") == "協同創新"
    assert remove_pinyin_debris("社区(qū)") == "社区"
    assert remove_pinyin_debris("社区（qū）服务") == "社区服务"  # full-width brackets
    # a bracketed word that is not the character's reading stays
    assert remove_pinyin_debris("平台(app)上线") == "平台(app)上线"
    assert remove_pinyin_debris("标准(ni)") == "标准(ni)"
    # every reading of a character with several counts, ü written as v or ü, any tone marks
    assert remove_pinyin_debris("银行(háng)") == remove_pinyin_debris("银行(xing)") == "银行"
    assert remove_pinyin_debris("绿(lv)化") == remove_pinyin_debris("绿(lǜ)化") == "绿化"


def test_character_readings_are_pypinyins():
    from pypinyin import Style, pinyin

    from pipeline.ingest import _character_readings

    for char in "行长和绿乐重创区民政":
        assert _character_readings()[str(ord(char))].split(",") == pinyin(char, style=Style.TONE, heteronym=True)[0]


def test_full_width_digits_letters_and_odd_spaces_are_folded():
    assert normalise_text("新增床位１２３张，占比６８．４％") == "新增床位123张，占比68.4%"
    assert normalise_text("ＡＰＰ\u3000上线") == "APP上线"
    assert normalise_text("2022 年工作安排\r\n\u00a0第二行 ") == "2022年工作安排\n第二行"
    # Chinese punctuation is not folded
    assert normalise_text("（一）养老，救助：") == "（一）养老，救助："


def test_portal_furniture_is_removed_and_its_metadata_kept():
    doc = seed_document("000_7b6e188c34807afc.txt")
    assert doc.header["发布日期"] == "2021-03-17"
    assert doc.header["来源"] == "杭州市民政局"
    assert doc.header["索引号"] == "002489524/2021-00105"
    assert "当前位置" not in doc.text and "浏览次数" not in doc.text and "索引号" not in doc.text
    assert doc.text.startswith("杭州市民政系统2020年工作总结和2021年工作要点\n")


def test_padded_labels_and_several_pairs_on_a_line():
    body, header = strip_furniture("名称:2021年全市民政工作要点 发布日期:2021年07月21日\n文       号:无\n正文第一段。")
    assert header == {"名称": "2021年全市民政工作要点", "发布日期": "2021年07月21日", "文号": "无"}
    assert body == "正文第一段。"


def test_repost_site_tail_is_cut():
    doc = seed_document("002_19af31463446d508.txt")
    assert "推荐访问" not in doc.text and "猜你喜欢" not in doc.text
    assert doc.header["时间"].startswith("2022-05-11")
    assert doc.text.endswith("杜绝发生安全责任事故。")


def test_repost_blurbs_mark_the_page_and_give_the_title_they_name():
    body, header = strip_furniture("小编为大家整理了这篇某县民政局2023年工作总结，供大家参考。\n"
                                   "本文档由会员分享，不代表本站观点。\n正文第一段。")
    assert header == {"转载说明": "小编为大家整理了这篇某县民政局2023年工作总结，供大家参考。",
                      "转载标题": "某县民政局2023年工作总结"}
    assert body == "正文第一段。"
    body, header = strip_furniture("本文档由会员分享。\n正文第一段。")
    assert header == {"转载说明": "本文档由会员分享。"} and body == "正文第一段。"


def test_body_lines_that_merely_mention_a_label_word_stay():
    body, header = strip_furniture("标题\n全年来源于福彩公益金的资金达500万元。\n时间紧任务重。")
    assert header == {}
    assert body.count("\n") == 2


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "big5", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_every_common_encoding_decodes_to_the_same_normalised_text(encoding):
    original = JIANGGAN.read_text(encoding="utf-8")
    if encoding in ("big5",):  # Big5 has no tone-marked letters: encode the debris-free report
        original = remove_pinyin_debris(original)
    expected = normalise_text(original)
    assert normalise_text(decode_bytes(original.encode(encoding))) == expected


def test_simplified_report_in_gbk_is_not_mistaken_for_big5():
    text = (RAW / "004_5611c76e844a341e.txt").read_text(encoding="utf-8")
    assert decode_bytes(text.encode("gb18030")) == text


def test_utf16_with_bom_and_utf8_with_bom():
    assert decode_bytes(codecs.BOM_UTF16_LE + "民政".encode("utf-16-le")) == "民政"
    assert decode_bytes(codecs.BOM_UTF8 + "民政".encode()) == "民政"


@pytest.mark.parametrize("data, reason", [(b"", "empty"), (b"  \n ", "empty"), (b"\x00\x01\x02\xff\xfe\x00\x9c" * 50, "binary")])
def test_unreadable_bytes_raise_a_clear_error(data, reason):
    with pytest.raises(ReadError, match=reason):
        decode_bytes(data)


@given(st.text(max_size=300))
def test_normalisation_never_crashes_and_is_idempotent(text):
    once = normalise_text(text)
    assert normalise_text(once) == once


def test_a_full_width_decimal_point_between_ascii_digits_is_folded():
    assert normalise_text("占比68．4%") == "占比68.4%"


@given(st.lists(st.sampled_from(["民政", "app", "3", "。", " ", "\t", "\u00a0", "\u2003", "\u3000", "\u200b", "\u00ad"]),
                max_size=30))
def test_any_mix_of_spaces_folds_to_one_plain_space_between_latin_words_only(parts):
    text = normalise_text("".join(parts))
    assert not set(text) & set("\t\u00a0\u2003\u3000\u200b\u00ad")
    assert "  " not in text
    for index in (i for i, char in enumerate(text) if char == " "):
        assert 0 < index < len(text) - 1 and text[index - 1] in "ap3" and text[index + 1] in "ap3"
