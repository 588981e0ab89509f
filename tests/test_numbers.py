"""Number grammar: fixed examples of every numeral form, and generated round trips."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from extractors.numbers import NUMERAL_RE, parse_decimal, parse_number, run_numerals, scan_numerals, to_chinese
from extractors.quantities import find_quantities


@pytest.mark.parametrize("numeral, value", [
    ("4,560", 4560), ("3.04万", 30400), ("34172万", 341720000), ("1,100万", 11000000),
    ("3万4000", 34000), ("13万2", 132000), ("2.32亿", 232000000), ("2412.58万", 24125800),
    ("二百", 200), ("一百零五", 105), ("两千三", 2300), ("一百五", 150), ("十五", 15),
    ("二〇三五", 2035), ("廿五", 25), ("叁佰", 300), ("壹万零伍", 10005), ("三点五万", 35000),
    ("百分之三十", 30), ("百分之十五点五", 15.5), ("百分之百", 100), ("千", 1000), ("零", 0),
    ("三亿二千万", 320000000), ("1亿5", 150000000), ("一万亿", 10**12), ("３．５万", 35000),
])
def test_parse_number_examples(numeral, value):
    assert parse_number(numeral) == value


@pytest.mark.parametrize("bad", ["", "元", "十四五", "百百", "二十百", "1,00", "一百25", "万万", "3.5.6", "abc"])
def test_parse_number_rejects_non_numerals(bad):
    with pytest.raises(ValueError):
        parse_number(bad)


def test_exact_decimal_arithmetic():
    assert parse_decimal("2412.58万") == Decimal("24125800")
    assert parse_decimal("0.1亿") == Decimal("10000000")


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_chinese_numerals_round_trip(n):
    assert parse_number(to_chinese(n)) == n


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_arabic_forms_round_trip(n):
    assert parse_number(str(n)) == n
    assert parse_number(f"{n:,}") == n


@given(st.integers(min_value=0, max_value=10**40))
def test_plain_integers_of_any_length_read_as_their_grouped_form(n):
    # plain digits take a shortcut within Decimal's precision; grouped ones always go through the grammar
    assert parse_decimal(str(n)) == parse_decimal(f"{n:,}")


@given(st.integers(min_value=0, max_value=10**30), st.integers(min_value=0, max_value=3),
       st.sampled_from(["", "万", "亿"]))
def test_plain_decimals_with_a_multiplier_read_as_their_grouped_form(n, decimals, multiplier):
    # 12345.67万 takes the shortcut, 12,345.67万 the grammar; 0万 is refused by both
    plain = f"{Decimal(n).scaleb(-decimals):f}"
    whole, _, fraction = plain.partition(".")
    grouped = f"{int(whole):,}" + (f".{fraction}" if fraction else "")
    if n == 0 and multiplier:
        for form in (plain, grouped):
            with pytest.raises(ValueError):
                parse_decimal(form + multiplier)
    else:
        assert parse_decimal(plain + multiplier) == parse_decimal(grouped + multiplier)


@given(st.integers(min_value=1, max_value=99_999_999))
def test_wan_forms_round_trip(n):
    # 3.04万, 34172万, 3万4000 and 三万零四百 all name the same number
    as_wan = (Decimal(n) / 10000).normalize()
    assert parse_decimal(f"{as_wan:f}万") == n
    assert parse_decimal(f"{n}万") == n * 10000
    head, tail = divmod(n, 10000)
    if head and tail >= 1000:
        assert parse_number(f"{head}万{tail}") == n
    if n < 10000:
        assert parse_number(f"{to_chinese(n)}万") == n * 10000


@given(st.integers(min_value=1, max_value=9_999), st.sampled_from(["亿", "万"]))
def test_yi_and_wan_multipliers(n, multiplier):
    factor = 10**8 if multiplier == "亿" else 10**4
    assert parse_decimal(f"{n}{multiplier}") == n * factor
    assert parse_decimal(f"{n / 10:g}{multiplier}") == Decimal(str(n / 10)) * factor


@given(st.integers(min_value=2, max_value=9), st.sampled_from(["千", "百", "万", "亿"]))
def test_liang_reads_as_two(d, unit):
    assert parse_number(f"两{unit}") == parse_number(f"二{unit}")


@given(st.integers(min_value=0, max_value=100))
def test_percent_words(n):
    assert parse_number("百分之" + to_chinese(n)) == n


NUMERIC_TEXT = st.text(
    alphabet=st.sampled_from(list("0123456789.,%％万亿千百十零〇一二两三四五六七八九余多近约超过以上左右名人次户元张床个家项条“”《》（）()第前+-—/·、，。 年月日A")),
    max_size=60,
)


@given(NUMERIC_TEXT)
def test_scanner_never_crashes_and_offsets_hold(text):
    for numeral in scan_numerals(text):
        assert text[numeral.start:numeral.end] == numeral.text
    for quantity in find_quantities(text):
        assert text[quantity.char_start:quantity.char_end] == quantity.surface
        assert quantity.value >= 0
        assert quantity.qualifier in {"exact", "approx", "more_than", "at_least", "at_most"}


def test_a_run_that_does_not_parse_whole_gives_its_parts():
    text = "编制十四五规划，投入3.5万元"
    numerals = [(n.text, n.start, n.end, n.partial) for run in NUMERAL_RE.finditer(text) for n in run_numerals(run)]
    assert numerals == [("十四", 2, 4, True), ("五", 4, 5, True), ("3.5万", 10, 14, False)]
    assert [(n.text, n.start, n.end, n.partial) for n in scan_numerals(text)] == numerals


@given(st.text(alphabet=st.sampled_from(list("0123456789０１.,点万亿十一")), min_size=1, max_size=12))
def test_a_plain_run_reads_as_the_grammar_reads_it(run):
    # parsed_run reads 532, 12.5, 3.04万 without the grammar: the same numerals, values and flags
    from extractors.numbers import _parsable_spans, parsed_run
    spans = _parsable_spans(run)
    whole = len(spans) == 1 and spans[0][:2] == (0, len(run))
    expected = [(run[s:e], str(v), whole) for s, e, v in spans]
    numerals = parsed_run.__wrapped__(run)
    assert [(n.text, str(n.value), not n.partial) for n in numerals] == expected
    for n in numerals:
        assert n.arabic == any(c.isdigit() for c in n.text)
        assert n.big == any(c in "万亿" for c in n.text)
        assert n.magnitude == any(c in "万亿十" for c in n.text)
        assert n.chinese_digits == ("一" in n.text)


@given(st.text(alphabet=st.sampled_from(list("0123456789.,点万亿千百十零〇一二两三四五廿年人、 ")), max_size=40))
def test_numeral_runs_are_those_of_the_grammar_without_its_start_hint(text):
    # NUMERAL_RE begins with a lookahead for the engine's sake; it must not change a run
    from extractors.numbers import _ARABIC, CN_DIGIT_CHARS, CN_NUMERAL_CHARS
    plain = re.compile(rf"(?:{_ARABIC}|[{CN_NUMERAL_CHARS}]|(?<=[{CN_DIGIT_CHARS}])点(?=[{CN_DIGIT_CHARS}]))+")
    assert [m.span() for m in NUMERAL_RE.finditer(text)] == [m.span() for m in plain.finditer(text)]


@given(st.text(max_size=80))
def test_any_text_is_safe(text):
    scan_numerals(text)
    find_quantities(text)
