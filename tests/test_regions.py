"""The division list and the resolution of a report's issuing administration."""
from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

import extractors.regions as regions
from extractors.regions import gazetteer, own_level_word, resolve_region
from pipeline.ingest import normalise
from pipeline.lexicons import lexicon_path
from pipeline.readers import read_file
from pipeline.tokens import tokenizer, words

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
GOLD = ROOT.parent / "shared" / "gold" / "dev" / "documents.jsonl"


def regions_table() -> list[dict[str, str]]:
    with open(lexicon_path("regions.csv"), encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def gold_documents() -> dict[str, dict]:
    with open(GOLD, encoding="utf-8") as fh:
        return {row["doc"]: row for row in map(json.loads, fh) if row}


def resolve(text: str, header: dict[str, str] | None = None):
    title = text.split("\n", 1)[0]
    return resolve_region(title, header or {}, text)


# --- the list ---------------------------------------------------------------

def test_regions_table_is_sorted_unique_and_only_real_divisions():
    rows = regions_table()
    keys = [(r["code"], r["current"] != "true", r["name"]) for r in rows]
    assert keys == sorted(keys)
    assert len({(r["code"], r["name"]) for r in rows}) == len(rows)
    assert all(len(r["code"]) == 6 and r["code"].isdigit() for r in rows)
    assert {r["level"] for r in rows} == {"province", "prefecture", "county"}
    names = {r["name"] for r in rows}
    assert not names & {"市辖区", "县", "省直辖县级行政区划", "省直辖行政区划", "市直辖行政区划"}
    # 31 provinces, municipalities and autonomous regions, plus Taiwan, Hong Kong, Macao.
    assert sum(r["level"] == "province" for r in rows) == 34
    assert 2800 < len(rows) < 3600


@pytest.mark.parametrize("code, name, level, province, prefecture, current", [
    ("330114", "钱塘区", "county", "浙江省", "杭州市", "true"),  # created 2021
    ("330104", "江干区", "county", "浙江省", "杭州市", "false"),  # abolished 2021
    ("371200", "莱芜市", "prefecture", "山东省", "", "false"),  # merged into 济南 2019
    ("110105", "朝阳区", "county", "北京市", "", "true"),  # a municipality's district
    ("220104", "朝阳区", "county", "吉林省", "长春市", "true"),
    ("429004", "仙桃市", "county", "湖北省", "", "true"),  # province-administered
    ("441900", "东莞市", "prefecture", "广东省", "", "true"),  # a city without counties
    ("500000", "重庆市", "province", "重庆市", "", "true"),
])
def test_regions_table_rows(code, name, level, province, prefecture, current):
    row = next(r for r in regions_table() if r["code"] == code and r["name"] == name)
    assert (row["level"], row["province"], row["prefecture"], row["current"]) == (level, province, prefecture, current)


# --- the seeds --------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_documents(seeds):
    return {path.stem: normalise(read_file(path, RAW)) for path in seeds}


def test_seed_regions_equal_gold(seed_documents):
    gold = gold_documents()
    for stem, document in seed_documents.items():
        region = resolve_region(document.text.split("\n", 1)[0], document.header, document.text)
        got = (region.name, region.code, region.province, region.admin_level) if region else None
        want = tuple(gold[stem][f] for f in ("region", "region_code", "province", "admin_level"))
        assert got == want, stem


def test_resolving_a_report_takes_milliseconds(seed_documents):
    documents = list(seed_documents.values())
    resolve(documents[0].text)  # the word segmenter loads its dictionary once
    started = time.perf_counter()
    for document in documents:
        resolve_region(None, document.header, document.text)
    assert (time.perf_counter() - started) / len(documents) < 0.05


# --- reports the pipeline has not seen ----------------------------------------

def test_county_report_from_another_province():
    text = ("宾川县民政局2019年工作总结及2020年工作计划\n"
            "2019年，在县委、县政府的坚强领导下，全县民政系统认真履行职责，宾川民政各项工作取得新成效。\n"
            "一、2019年工作总结\n全县共保障城乡低保对象1.2万人。")
    region = resolve(text)
    assert (region.name, region.code, region.province, region.admin_level) == ("宾川县", "532924", "云南省", "county")


@pytest.mark.parametrize("city_sentence, code, province", [
    ("全区民政系统要在长春市委、市政府和区委、区政府领导下推动朝阳民政高质量发展。", "220104", "吉林省"),
    ("全区民政系统要认真落实北京市委、市政府部署，推动朝阳民政高质量发展。", "110105", "北京市"),
])
def test_district_name_shared_by_two_cities_goes_to_the_one_named(city_sentence, code, province):
    region = resolve(f"朝阳区民政局2021年工作要点\n2021年是“十四五”开局之年，{city_sentence}\n一、兜牢民生底线")
    assert (region.name, region.code, region.province) == ("朝阳区", code, province)


def test_name_qualified_by_its_city_needs_no_other_context():
    region = resolve("2021年工作要点\n一、社会救助", {"发布机构": "长春市朝阳区民政局"})
    assert region.code == "220104"


def test_historical_district_keeps_its_historical_code():
    text = "临安市民政局2016年工作总结\n2016年，全市民政系统在市委市政府的领导下，临安民政工作取得新进展。"
    region = resolve(text)
    assert (region.name, region.code, region.admin_level) == ("临安市", "330185", "county")


def test_report_that_never_names_its_region_stays_none():
    text = ("2021年工作要点\n2021年，全区民政工作要以习近平新时代中国特色社会主义思想为指导。\n"
            "一、社会救助\n我区将进一步完善救助制度，要建设平安民政，加强管理县级民政机构的指导，维护和平区域稳定。")
    assert resolve(text) is None


def test_report_without_a_name_takes_it_from_its_publisher_line():
    text = "2021年工作要点\n2021年，全区民政工作要以习近平新时代中国特色社会主义思想为指导。\n一、社会救助"
    region = resolve(text, {"发布机构": "南京市鼓楼区民政局"})
    assert (region.name, region.code) == ("鼓楼区", "320106")


def test_district_report_that_names_only_its_city_is_not_the_city():
    text = ("2021年上半年工作总结\n今年以来，我区民政工作在杭州市民政局的指导下稳步推进。全区低保对象1200户，"
            "我区养老服务中心建成10家。我区积极配合杭州市开展工作，全区社区换届顺利完成。")
    assert resolve(text) is None


def test_autonomous_prefecture_by_its_usual_contracted_name():
    region = resolve("全州民政工作会议报告\n同志们：\n一、过去一年工作成效明显", {"发布单位": "大理州民政局"})
    assert (region.name, region.code, region.admin_level) == ("大理白族自治州", "532900", "prefecture")


def test_short_names_fire_only_before_their_follower_and_not_inside_words():
    places = gazetteer()
    assert places.mentions("建设平安民政，加强管理县级民政机构，维护和平区域稳定，担任县委书记") == []
    assert places.mentions("深化广州经验") == []
    (mention,) = places.mentions("推动广州民政高质量发展")
    assert [r.code for r in mention.candidates] == ["440100"]


def test_city_report_naming_its_districts_is_the_city():
    text = ("2020年全市民政工作会议工作报告\n同志们：\n一、成效明显\n全市建成81家居家养老服务中心。"
            "西湖区建立康养平台；拱墅区深化站点服务；西湖区推广时间银行。我市杭州民政工作走在前列，"
            "杭州民政全国领先，《杭州市居家养老服务条例》通过，杭州市获评幸福示范标杆城市。")
    region = resolve(text)
    assert (region.name, region.admin_level) == ("杭州市", "prefecture")


# --- the shortcuts of finding names -----------------------------------------------

def test_name_ends_are_found_by_their_last_two_characters(seed_documents):
    places = gazetteer()
    for document in seed_documents.values():
        text = document.text
        longest = max(map(len, places.full_forms))
        found = {match.end() for pattern in places.full_form_end_patterns for match in pattern.finditer(text)}
        every_name_end = {end for end in range(len(text) + 1)
                          if any(text[end - length:end] in places.full_forms
                                 for length in range(2, min(end, longest) + 1))}
        assert found >= every_name_end
        assert all(text[end - 2:end] in places.full_lengths for end in found)
    lengths = places.full_lengths["阳区"]  # 朝阳区 …, longest first
    assert 3 in lengths and list(lengths) == sorted(lengths, reverse=True)


def segmenter_cuts(text: str, start: int, end: int, check_end: bool) -> bool:
    left = max(0, start - regions.BOUNDARY_WINDOW)
    cuts = {left + token.start for token in words(text[left:end + regions.BOUNDARY_WINDOW])}
    return start in cuts and (not check_end or end in cuts)


@pytest.mark.parametrize("text", [
    "杭州市民政局", "（杭州市）", "管理县级", "维护和平区域", "全市，西湖区；", "推动广州民政", "萧县", "在萧县",
    "和县\n", "2020年西湖区", "a和平区b"])
def test_a_name_stands_alone_where_the_segmenter_cuts(text):
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            for check_end in (False, True):
                assert regions._stands_alone(text, start, end, check_end=check_end) == \
                    segmenter_cuts(text, start, end, check_end), (text, start, end, check_end)


@pytest.mark.parametrize("hmm", [False, True])
def test_characters_apart_are_words_of_their_own(hmm):
    samples = [chr(code) for code in [*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0x2000, 0x2070),
                                      *range(0x3000, 0x3040), *range(0xFF00, 0xFFF0)]]
    for char in samples:
        if regions._APART.match(char):
            assert char in tokenizer().cut("民政" + char + "民政", hmm), char
    for char in "民a5+#&._%-\U00020000":
        assert regions._APART.match(char) is None, char


def test_regions_hash_like_they_compare():
    beijing, changchun = (next(r for r in gazetteer().full_forms["朝阳区"] if r.code == code)
                          for code in ("110105", "220104"))
    assert beijing != changchun and len({beijing, changchun}) == 2
    twin = regions.Region(**{field: getattr(beijing, field) for field in beijing.__dataclass_fields__})
    assert twin == beijing and hash(twin) == hash(beijing) and twin in {beijing}


def test_own_level_word_reads_the_level_before_its_bureau_or_government():
    assert own_level_word("在区委、区人民政府的领导下，全区民政工作稳步推进。") == "区"
    assert own_level_word("县民政局全年发放救助资金。") == "县"  # at the text's start
    assert own_level_word("2021年，市民政局坚持以人民为中心。") == "市"
    assert own_level_word("配合省市民政局开展检查，区委、市政府部署。") is None  # 省市民政局 names superiors
