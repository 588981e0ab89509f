"""Quantity grammar: units, qualifiers, rates and what is not a quantity.

The sentences are written for these tests in the style of bureaus' reports;
none is copied from the seed reports.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

import extractors.quantities as quantities
from extractors.quantities import clause_bounds, find_quantities, grammar, is_change, quoted_spans


def found(text: str) -> list[tuple[str, float, str, str]]:
    out = []
    for q in find_quantities(text):
        assert text[q.char_start:q.char_end] == q.surface
        out.append((q.surface, q.value, q.unit, q.qualifier))
    return out


@pytest.mark.parametrize("text, expected", [
    ("全年救助流浪乞讨人员1.2万人次。", [("1.2万人次", 12000, "person_time", "exact")]),
    ("走访困难家庭3600户次。", [("3600户次", 3600, "household_time", "exact")]),
    ("完成200户困难老年人家庭适老化改造。", [("200户", 200, "household", "exact")]),
    ("为120位高龄老人送去慰问。", [("120位", 120, "person", "exact")]),
    ("新招录社区工作者86名。", [("86名", 86, "person", "exact")]),
    ("发放高龄津贴3.2亿元。", [("3.2亿元", 320000000, "CNY", "exact")]),
    ("争取中央资金1,100万元。", [("1,100万元", 11000000, "CNY", "exact")]),
    ("新建社区用房3.5万平方米。", [("3.5万平方米", 35000, "m2", "exact")]),
    ("遗体火化率达到98.5%。", [("98.5%", 98.5, "percent", "exact")]),
    ("外地籍人员占 12.5 %。", [("12.5 %", 12.5, "percent", "exact")]),
    # a difference of percentages, signed by its verb
    ("同比下降5个百分点。", [("5个百分点", -5, "percentage_point", "exact")]),
    ("入住率提高了3.5个百分点。", [("3.5个百分点", 3.5, "percentage_point", "exact")]),
    ("参保率提高到百分之九十五。", [("百分之九十五", 95, "percent", "exact")]),
    ("参保率提高到百分之五。", [("百分之五", 5, "percent", "exact")]),
    ("外地籍人员占 7 %。", [("7 %", 7, "percent", "exact")]),
    ("办理结婚登记2.1万对。", [("2.1万对", 21000, "count", "exact")]),
    ("累计接待来访群众300余批次。", [("300余批次", 300, "count", "more_than")]),
    ("全区登记社会组织1568家。", [("1568家", 1568, "count", "exact")]),
    ("新建农村幸福院20所、老年食堂35个。", [("20所", 20, "count", "exact"), ("35个", 35, "count", "exact")]),
])
def test_units(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("全县养老机构床位1860张。", ("1860张", "bed")),
    ("新增护理型床位300张。", ("300张", "bed")),
    ("建成150张床位的护理院。", ("150张", "bed")),
    ("印发宣传海报500张。", ("500张", "count")),
    ("制作服务流程图12张。", ("12张", "count")),
])
def test_zhang_counts_beds_only_near_a_bed_word(text, expected):
    (surface, _, unit, _), = found(text)
    assert (surface, unit) == expected


@pytest.mark.parametrize("text, expected", [
    ("资助困难学生约1200名。", ("约1200名", 1200, "approx")),
    ("受益群众近4.5万人。", ("近4.5万人", 45000, "approx")),
    ("培训护理员800人左右。", ("800人左右", 800, "approx")),
    ("招募志愿者2000余名。", ("2000余名", 2000, "more_than")),
    ("服务老年人8万多人次。", ("8万多人次", 80000, "more_than")),
    ("募集善款8000余万元。", ("8000余万元", 80000000, "more_than")),
    ("筹集资金三百余万元。", ("三百余万元", 3000000, "more_than")),
    ("慈善捐赠总额突破3亿元。", ("突破3亿元", 300000000, "more_than")),
    ("满意度超过96%。", ("超过96%", 96, "more_than")),
    ("持证社工过千人。", ("过千人", 1000, "more_than")),
    ("覆盖率达到90%以上。", ("90%以上", 90, "at_least")),
    ("护理型床位占比不低于55%。", ("不低于55%", 55, "at_least")),
    ("每个街道至少建成2家服务中心。", ("至少建成2家", None, None)),
    ("审批时限不超过5个工作日，差错率控制在1%以内。", ("1%以内", 1, "at_most")),
])
def test_qualifiers(text, expected):
    surface, value, qualifier = expected
    got = found(text)
    if value is None:  # the qualifier is not next to the number: no qualifier claimed
        assert [g[3] for g in got] == ["exact"]
        return
    assert [(g[0], g[1], g[3]) for g in got] == [(surface, value, qualifier)]


@pytest.mark.parametrize("text, expected", [
    ("农村低保标准提高至620元/人/月。", ("620元/人/月", 620, "CNY/person/month")),
    ("城市低保标准提至每人每月910元。", ("每人每月910元", 910, "CNY/person/month")),
    ("散居孤儿养育标准1650元/月。", ("1650元/月", 1650, "CNY/month")),
    ("护理补贴提高到480元/人·月。", ("480元/人·月", 480, "CNY/person/month")),
    ("水库移民后期扶持600元/人/年。", ("600元/人/年", 600, "CNY/person/year")),
])
def test_rates(text, expected):
    assert [(g[0], g[1], g[2]) for g in found(text)] == [expected]


def test_a_rate_word_after_the_amount_is_not_its_prefix():
    assert found("发放慰问金500元，每月一次。") == [("500元", 500, "CNY", "exact")]


def test_a_rate_prefix_covers_a_list_of_amounts():
    got = found("城乡低保标准分别达到每人每月860元、720元。")
    assert [g[2] for g in got] == ["CNY/person/month", "CNY/person/month"]


def test_unitless_amounts_take_their_unit_from_nearby_words():
    assert found("争取省级彩票公益金256万。")[0][1:3] == (2560000, "CNY")
    assert found("为8万多名老年人建立健康档案，惠及12万余老年人。")[1][1:3] == (120000, "person")
    assert found("全市40万墓位实行预约。")[0][1:3] == (400000, "count")


def test_mixed_magnitudes():
    assert found("累计投入38560万元。")[0][1] == 385600000
    assert found("服务对象达3万4000人。")[0][1] == 34000


@pytest.mark.parametrize("text", [
    "2020年以来，全市民政系统7月31日召开会议，9月底前完成。",  # dates
    "连续12年位居全省第一位，实施三年计划，24小时值守，3个月内办结。",  # durations, ranks
    "荣获第七届全国文明单位，排名前5位，居全省第3名。",  # ordinals and ranks
    "一、总体情况\n（二）养老服务\n1.加强建设。一是完善政策。",  # outline markers
    "3A级以上社会组织优先承接，5A级社会组织享受激励。",  # grades
    "构建“1+6+3”体系，实施“55211”工程，落实“民政20条”。",  # codes and slogans in quotes
    "依托12349热线，执行民发〔2021〕18号文件，编制“十四五”规划。",  # hotlines, document numbers
    "推行“六个一”机制，坚持四大原则，做到三个到位。",  # Chinese-numeral slogans
    "全市一盘棋，进一步统一标准，三位一体推进，一人一档管理。",  # numbers inside words
    "5G网络覆盖，部署3D建模，4A以上等级，1+N模式，9+X服务。",  # digits glued to letters and +
    "（2021-2025年）规划，1—10月，电话0715-8123456，10:30开会。",  # ranges, phones, times
    "举办建党100周年活动，学习十九届五中全会精神，1.0版本上线。",  # anniversaries, versions
    "按照《养老机构服务标准2020》执行，开展“万人助万企”行动。",  # titles, idioms
    "年满60周岁的老人，80岁以上高龄老人。",  # ages
])
def test_not_quantities(text):
    assert found(text) == []


def test_change_gives_one_mention_per_number():
    assert [g[1] for g in found("内设机构由12个精简为9个。")] == [12, 9]


def test_quoted_spans():
    assert quoted_spans("“民政30条”和《报告2020》共3项") == [(0, 7), (8, 16)]
    assert quoted_spans('"44211"工程和〔2020〕14号') == [(0, 7), (10, 16)]
    assert quoted_spans("“一“二”") == [(2, 5)]  # a mark opened again inside: the inner quotation
    assert quoted_spans("她说“好\n的”") == []  # a line break ends no quotation
    assert quoted_spans("“" + "长" * 30 + "”") == []  # too long: a lost closing mark


def test_clause_bounds():
    text = "其中，城市低保1.2万人；农村低保3万人"
    assert clause_bounds(text, 7, 12) == (3, 12)
    assert clause_bounds(text, 0, 0) == (0, 2)
    assert clause_bounds(text, len(text), len(text)) == (13, len(text))


# ── rates carried by the sentence, and stated changes ────────────────────────

def _units(text):
    return [(q.surface, q.value, q.unit) for q in find_quantities(text)]


def test_a_change_gives_both_numbers_in_the_rate_of_the_first():
    assert _units("特困人员供养标准由每人每月1230元提高至1300元。") == [
        ("每人每月1230元", 1230, "CNY/person/month"), ("1300元", 1300, "CNY/person/month")]
    text = "机关内设科室由16个精减为13个。"
    first, second = find_quantities(text)
    assert is_change(text, first, second) and (first.unit, second.unit) == ("count", "count")


def test_two_figures_without_a_change_verb_are_no_change():
    text = "由政府投入资金300万元、社会筹集200万元。"
    first, second = find_quantities(text)
    assert not is_change(text, first, second)


def test_a_bare_yuan_standard_takes_the_rate_written_elsewhere_in_its_sentence():
    got = _units("调整后，城乡低保标准为880元，特困人员基本生活标准为每人每月1150元。")
    assert got == [("880元", 880, "CNY/person/month"), ("每人每月1150元", 1150, "CNY/person/month")]


def test_a_rate_word_away_from_the_number_sets_the_unit():
    assert _units("每人每月享受护理补贴300元。") == [("300元", 300, "CNY/person/month")]
    assert _units("低保月人均补差达到512元。") == [("512元", 512, "CNY/person/month")]


def test_money_spent_stays_a_sum_beside_a_rate():
    got = _units("按每人每月600元的标准，全年发放补贴资金820元。")
    assert got[-1] == ("820元", 820, "CNY")
    assert _units("低保标准每人每月700元，发放低保金356万元。")[-1][2] == "CNY"


def test_a_population_named_with_a_money_word_is_people():
    assert _units("认定低收入人口12.6万。") == [("12.6万", 126000, "person")]
    assert _units("惠及3.2万低收入老人。") == [("3.2万", 32000, "person")]
    assert _units("保障低保对象26.9万。") == [("26.9万", 269000, "person")]


def test_a_count_right_before_another_figure_is_one_only_when_it_counts_those_figures():
    assert [f[0] for f in found("开展集中学习31次142篇。")] == ["31次", "142篇"]
    assert [f[0] for f in found("实现3个100%。")] == ["100%"]
    assert [f[0] for f in found("落实两项标准，做到2个95%以上。")] == ["95%以上"]


def test_ming_before_yi_is_still_the_measure_word_after_a_number():
    assert found("为58名义务教育阶段儿童建档。")[0][:3] == ("58名", 58, "person")
    assert found("招募12名义工。")[0][:3] == ("12名", 12, "person")


FIGURE_TEXT = st.text(
    alphabet=st.sampled_from(list("0123456789.,%％万亿千百十零〇一二两三四五六七八九点分之余多近约名人次户元张床个批"
                                  "家项年月日第前（）“”、，。 养老救助")),
    max_size=40,
)


@given(FIGURE_TEXT)
def test_the_cheap_checks_before_parsing_never_drop_a_quantity(text):
    # the document scan (Grammar.may_hold_quantity) and the per-run check for a digit or a
    # magnitude only skip work: without them the grammar finds the same quantities
    found = find_quantities(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grammar(), "may_hold_quantity", re.compile(""))
        patch.setattr(quantities, "_DIGIT_OR_MAGNITUDE", re.compile(""))
        assert find_quantities(text) == found


def test_chinese_digits_alone_are_no_quantity_but_with_a_magnitude_they_are():
    assert found("开展一批项目，新建一个中心") == []
    assert [q.value for q in find_quantities("救助一百五人，占百分之三")] == [150.0, 3.0]
