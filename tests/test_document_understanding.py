"""Document understanding on page shapes the seeds do not have: each test is one
failure class of real reports (labels before the title, a missing title, a place
named only in the body, a repost's timestamp …), on text written for the test."""
from __future__ import annotations

import pytest

from extractors.metadata import extract_metadata
from pipeline.ingest import normalise
from pipeline.model import RawDocument
from pipeline.segment import outline


def understood(text: str, fields: dict[str, str] | None = None):
    document = normalise(RawDocument(source_file="page.txt", doc_id="0", text=text, fields=fields or {}))
    sections = outline(document.text)
    return document, sections, extract_metadata(document, sections)


def periods(meta) -> dict[str, str]:
    return {p.period: p.status for p in meta.periods}


def evidence(meta, field: str) -> str:
    return dict(meta.evidence)[field]


# --- title --------------------------------------------------------------------

def test_portal_labels_and_breadcrumb_before_the_title_are_header_not_title():
    _, sections, meta = understood(
        "当前位置：首页 > 信息公开 > 规划计划\n"
        "索引号：11350100/2023-00012 发布机构：福州市民政局\n"
        "规划计划\n"
        "福州市民政局2022年工作总结和2023年工作思路\n"
        "发布时间：2023-01-12 09:30 来源：福州市民政局\n"
        "一、2022年工作总结\n全市新建长者食堂40个。\n二、2023年工作思路\n力争新建长者食堂30个。")
    assert meta.title == "福州市民政局2022年工作总结和2023年工作思路"
    assert (meta.region, meta.doc_type, meta.publish_date) == ("福州市", "summary_and_plan", "2023-01-12")
    assert periods(meta) == {"2022": "actual", "2023": "target"}
    assert "规划计划" not in [s.heading for s in sections]


def test_a_title_that_wraps_onto_a_second_line_is_joined():
    _, _, meta = understood("鼓楼区民政局2021年工作总结\n及2022年工作重点\n一、2021年工作成效\n全区完成改造。\n"
                            "二、2022年工作重点\n做好救助。")
    assert meta.title == "鼓楼区民政局2021年工作总结及2022年工作重点"
    assert (meta.doc_type, periods(meta)) == ("summary_and_plan", {"2021": "actual", "2022": "target"})


def test_a_title_line_is_not_also_a_part_heading_even_when_repeated():
    _, sections, meta = understood("2023年工作总结及2024年工作安排\n2023年工作总结2024年工作安排\n"
                                   "一、2023年工作回顾\n全区救助困难群众800人次。\n二、2024年工作安排\n推进适老化改造。")
    assert [s.marker for s in sections if s.parent_id is None] == ["一、", "二、"]
    assert periods(meta) == {"2023": "actual", "2024": "target"}


def test_a_missing_title_leaves_the_parts_to_date_the_report():
    _, _, meta = understood("一、2024年上半年工作完成情况\n（一）社会救助\n发放救助资金1200万元。\n"
                            "（二）养老服务\n新增床位80张。")
    assert meta.title is None
    assert (meta.doc_type, periods(meta)) == ("work_summary", {"2024H1": "actual"})


# --- genre and periods ----------------------------------------------------------

def test_a_plan_year_title_is_a_plan_for_that_year_only():
    _, _, meta = understood("2022年全区民政工作要点\n2022年是实施“十四五”规划的关键之年。\n"
                            "一、兜牢民生底线\n确保低保标准不低于上年。")
    assert (meta.doc_type, periods(meta)) == ("work_plan", {"2022": "target"})


def test_a_half_year_report_announced_in_its_opening():
    _, _, meta = understood("今年以来，在区委、区政府的领导下，我局扎实推进各项工作。现将2023年上半年工作情况报告如下：\n"
                            "一、工作开展情况\n截至目前，全区城市低保共有1200户。")
    assert (meta.doc_type, periods(meta)) == ("work_summary", {"2023H1": "actual"})
    assert evidence(meta, "periods") == "part headings and opening"


def test_a_half_year_summary_with_a_plan_for_the_second_half():
    _, _, meta = understood("民政局2020年上半年工作总结及下半年工作计划\n"
                            "上半年，我局各项工作取得较好成效。现将上半年工作情况及下半年工作安排如下。\n"
                            "一、上半年工作完成情况\n完成提标。\n二、下半年工作计划\n推进殡葬改革。")
    assert (meta.doc_type, periods(meta)) == ("summary_and_plan", {"2020H1": "actual", "2020H2": "target"})


def test_a_summary_with_a_plan_part_for_next_year():
    _, _, meta = understood("德清县民政局2019年工作总结\n2019年，全县民政系统扎实工作。\n"
                            "一、主要工作成效\n建成居家养老服务中心12个。\n二、2020年工作打算\n继续推进。")
    assert (meta.doc_type, periods(meta)) == ("summary_and_plan", {"2019": "actual", "2020": "target"})


def test_a_conference_report_reviews_one_year_and_plans_the_next():
    _, _, meta = understood("3月2日，县民政局召开2024年全县民政工作会议，总结2023年民政工作，安排部署2024年重点任务。\n"
                            "会议指出，2023年全县民政系统圆满完成各项任务。\n一是兜底保障有力。发放救助金300万元。")
    assert (meta.doc_type, periods(meta)) == ("work_report", {"2023": "actual", "2024": "target"})


def test_a_speech_after_the_title_speaker_and_date_lines_is_a_work_report():
    _, _, meta = understood("凝心聚力 推动民政事业高质量发展\n——在全市民政工作会议上\n市民政局局长 某某\n"
                            "（2021年2月26日）\n同志们：\n这次会议的主要任务是总结2020年工作，安排2021年任务。\n"
                            "一、2020年工作回顾\n全市新增床位500张。")
    assert (meta.doc_type, periods(meta)) == ("work_report", {"2020": "actual", "2021": "target"})
    assert meta.publish_date == "2021-02-26"
    assert evidence(meta, "publish_date") == "date under the title"


def test_an_annual_review_without_a_year_is_dated_by_its_early_publish_date():
    _, _, meta = understood("市民政局年度工作总结\n一、养老服务\n新增床位。", {"发布日期": "2023-02-10"})
    assert periods(meta) == {"2022": "actual"}
    assert evidence(meta, "periods") == "publish date"


def test_a_plan_that_names_no_year_is_dated_by_the_year_it_cites():
    _, _, meta = understood("一、社会救助\n（一）全面落实《关于进一步做好兜底保障的通知》（民发〔2019〕8号）要求，"
                            "确保困难群众应保尽保。\n（二）城乡低保标准增幅不低于8%，特困供养标准不低于低保标准的1.3倍。\n"
                            "二、养老服务\n（一）每千名老年人拥有养老床位达到35张以上。\n（二）力争到2025年实现全覆盖。")
    assert (meta.doc_type, periods(meta)) == ("work_plan", {"2019": "target"})
    assert evidence(meta, "periods") == "year cited most"


def test_a_report_without_title_or_genre_words_is_read_by_its_tense():
    _, _, meta = understood("◆ 加强党的建设\n思想建设更加牢固。全年开展集中学习20次，按期完成支部换届。\n"
                            "◆ 兜牢民生底线\n救助体系更加健全，累计发放救助资金2亿元，先后走访困难群众3000户。")
    assert meta.doc_type == "work_summary"
    assert "tense" in evidence(meta, "doc_type")


# --- place ---------------------------------------------------------------------

def test_a_place_named_only_in_the_body_beside_its_self_references():
    _, _, meta = understood("一、社会救助\n全州农村低保对象3.2万人。全州特困人员4000人。\n"
                            "二、养老服务\n推进恩施州康养中心建设，全州新增床位600张。")
    assert (meta.region, meta.region_code, meta.admin_level) == ("恩施土家族苗族自治州", "422800", "prefecture")


def test_an_unnamed_district_keeps_its_province_and_level_and_no_region():
    _, _, meta = understood("今年以来，在区委、区政府和市民政局的领导下，我局扎实推进各项工作。\n"
                            "一、社会救助\n按照《九江市民政局关于做好救助工作的通知》和《江西省民政厅关于提标的通知》要求，"
                            "全区提高了低保标准。")
    assert (meta.region, meta.region_code) == (None, None)
    assert (meta.province, meta.admin_level) == ("江西省", "county")
    assert "江西省" in evidence(meta, "place")


def test_a_bare_city_bureau_stays_without_a_level_unless_its_subordinates_tell():
    text = "2021年，市民政局坚持民生为本。\n一、2021年工作完成情况\n全市救助困难群众。"
    assert understood(text)[2].admin_level is None  # a prefecture or a county-level city
    assert understood(text + "对8个县（市、区）开展交叉检查。")[2].admin_level == "prefecture"


def test_a_city_bureau_that_names_a_county_is_its_prefecture_though_it_counts_townships():
    text = ("2022年，市民政局坚持民生为本。\n一、2022年工作总结\n"
            "全市建成乡镇（街道）综合养老服务中心41家，武义县推行“助餐到家”模式。")
    meta = understood(text)[2]
    assert meta.admin_level == "prefecture"
    assert "county it names" in evidence(meta, "place")
    # townships alone say nothing of which 市 it is
    assert understood(text.replace("武义县推行", "各地推行"))[2].admin_level != "prefecture"


def test_a_plan_addressed_to_cities_and_counties_comes_from_a_province():
    _, _, meta = understood("一、养老服务\n（一）省辖市各建设1个示范园区。\n（二）市、县（市、区）全部建立协调机制。")
    assert (meta.region, meta.province, meta.admin_level) == (None, None, "province")


# --- publish date --------------------------------------------------------------

def test_a_signed_date_at_the_end_is_the_publish_date():
    _, _, meta = understood("2023年全市民政工作要点\n一、兜牢底线\n确保应保尽保。\n韶关市民政局\n2023年2月20日")
    assert meta.publish_date == "2023-02-20"
    assert evidence(meta, "publish_date") == "date signed under the issuing body"


def test_a_date_on_the_title_line_of_an_official_notice():
    _, _, meta = understood("宁波市民政局关于印发《2022年宁波市民政工作总结》的通知 ( 2023-03-01 )\n"
                            "各区（县、市）民政局：\n现将《2022年宁波市民政工作总结》印发给你们。\n宁波市民政局\n2023年2月27日")
    assert (meta.publish_date, meta.doc_type, periods(meta)) == ("2023-03-01", "work_summary", {"2022": "actual"})


@pytest.mark.parametrize("page", [
    # a document-sharing site: its blurb, then its own timestamp before its own label
    "为大家整理的民政局2021年工作总结，供大家参考。\n2021-12-05 16:40:56 来源网站：某某范文网\n一、2021年工作成效\n完成。",
    # a repost whose source is a newspaper, not a government body
    "某县民政局2021年工作总结\n发布时间：2022-01-20 来源：某某日报\n一、2021年工作成效\n完成。",
    # an aggregator's bare timestamp label
    "民政局2021年工作总结\n时间：2022-01-18 11:46:00\n一、2021年工作成效\n完成。",
])
def test_a_repost_sites_timestamp_is_never_the_publish_date(page):
    _, _, meta = understood(page)
    assert meta.publish_date is None
    assert periods(meta) == {"2021": "actual"}
    assert "repost" in evidence(meta, "publish_date") or "not a government body" in evidence(meta, "publish_date")


def test_a_repost_blurb_gives_the_title_and_leaves_the_text():
    document, _, meta = understood("会员为你整理了这篇2022年上半年民政局工作总结范文，希望对你有帮助。\n"
                                   "一、基本民生保障\n上半年全县发放低保金500万元。")
    assert "为你整理" not in document.text
    assert (meta.title, periods(meta)) == ("2022年上半年民政局工作总结", {"2022H1": "actual"})


def test_a_titled_summary_that_mentions_its_conference_stays_a_summary():
    _, _, meta = understood("平阳县民政局2022年工作总结\n年初，我局召开全县民政工作会议，部署全年工作。\n"
                            "一、2022年工作成效\n全县发放救助金800万元。")
    assert (meta.doc_type, periods(meta)) == ("work_summary", {"2022": "actual"})


def test_a_portal_column_with_a_genre_word_is_not_the_title():
    _, _, meta = understood("部门工作计划和总结\n海宁市民政局2021年工作要点\n一、兜牢底线\n确保应保尽保。")
    assert meta.title == "海宁市民政局2021年工作要点"


# --- held-out page shapes: a title stated twice, flattened pages, a place named once ------

def test_a_repost_timestamp_and_an_image_between_a_title_and_its_copy_do_not_shift_the_years():
    document, sections, meta = understood(
        "社区办2021年工作总结和2022年工作打算\n2022-02-14 09:12:40 56\nphoto01.jpg\n"
        "社区办2021年工作总结和2022年工作打算\n今年以来，社区办围绕中心工作扎实推进。\n"
        "一、2021年工作总结\n（一）养老服务\n新建助餐点3个。\n二、2022年工作打算\n扩大助餐覆盖面。")
    assert "photo01.jpg" not in document.text and "09:12" not in document.text
    assert document.header["时间"] == "2022-02-14 09:12:40"
    assert [s.marker for s in sections if s.parent_id is None] == ["一、", "二、"]
    assert periods(meta) == {"2021": "actual", "2022": "target"}
    assert meta.publish_date is None


def test_a_heading_that_names_a_review_and_a_plan_dates_both_like_a_title():
    # An editor's line breaks the title block, so a shortened copy of the title stands among the parts.
    _, sections, meta = understood("镇民政办2019年工作总结和2020年工作计划\n编辑：某某\n"
                                   "2019年工作总结和2020年工作计划\n全镇民政工作稳步推进。\n"
                                   "（一）低保\n新增低保户12户。")
    assert sections[0].heading == "2019年工作总结和2020年工作计划"
    assert periods(meta) == {"2019": "actual", "2020": "target"}


@pytest.mark.parametrize("page, title", [
    ("2020年工作总结及2021年工作计划2020年，我县民政系统扎实推进各项工作。一、2020年工作总结（一）社会救助。新增低保户30户。",
     "2020年工作总结及2021年工作计划"),
    ("县民政局工作总结和明年工作打算县民政局工作总结和明年工作打算今年以来，在县委、县政府的领导下，我局"
     "各项工作进展顺利。一、2020年工作总结（一）社会救助。新增低保户30户。",
     "县民政局工作总结和明年工作打算"),
])
def test_a_flattened_page_has_its_title_split_from_its_first_sentence(page, title):
    document, _, meta = understood(page)
    assert document.text.split("\n")[0] == title
    assert (meta.title, meta.doc_type) == (title, "summary_and_plan")
    assert periods(meta) == {"2020": "actual", "2021": "target"}


@pytest.mark.parametrize("page", [
    "2020年，我县民政系统扎实推进工作计划。新增低保户30户。",  # a first sentence, no title
    "县民政局2020年工作总结如下：新增低保户30户。",  # a genre word, but no report opening after it
    "今年以来工作总结2021年，全县新增低保户30户。",  # the run itself opens like a report
])
def test_a_flattened_page_without_a_title_keeps_its_first_line(page):
    document, _, _ = understood(page)
    assert document.text == page


def test_a_metadata_table_copied_without_colons_goes_to_the_header():
    document, _, meta = understood("索 引 号 11330000/2023-00042 公开方式 主动公开\n成文日期 2023-01-09 发布机构 县民政局\n"
                                   "组配分类 计划总结\n县民政局2022年工作总结\n一、2022年工作成效\n全县新增床位90张。")
    assert document.header["发布机构"] == "县民政局" and document.header["成文日期"] == "2023-01-09"
    assert document.header["组配分类"] == "计划总结"
    assert meta.title == "县民政局2022年工作总结" and meta.publish_date == "2023-01-09"


def test_a_county_bureau_is_the_one_county_its_report_names():
    _, _, meta = understood("县民政局2022年工作总结\n2022年，县民政局坚持民生为本。\n"
                            "一、养老服务\n德清县社会福利中心二期完成结顶，新市镇敬老院完成改造，"
                            "争取浙江省补助资金300万元。")
    assert (meta.region, meta.region_code, meta.admin_level) == ("德清县", "330521", "county")
    assert "the only county" in evidence(meta, "place")


@pytest.mark.parametrize("body", [
    "德清县与安吉县联合开展养老服务检查。",  # two counties compete
    "学习借鉴萧山区经验，德清县福利中心完成结顶。",  # a district in another city
])
def test_a_county_bureau_naming_competing_places_stays_without_a_region(body):
    _, _, meta = understood(f"县民政局2022年工作总结\n2022年，县民政局坚持民生为本。\n一、养老服务\n{body}")
    assert meta.region is None
    assert meta.admin_level == "county"


# --- dating by the national events a report cites (last resort) -------------------------

def test_a_review_without_any_year_is_dated_by_the_latest_national_event_it_studied():
    _, _, meta = understood("◆ 加强党的建设\n全年组织学习党的十九大精神和党的二十大精神12次，开展了专题研讨。\n"
                            "◆ 兜牢民生底线\n累计发放救助资金800万元，先后走访困难群众500户。")
    assert (meta.doc_type, periods(meta)) == ("work_summary", {"2022": "actual"})
    assert "党的二十大" in evidence(meta, "periods")


def test_a_plan_after_a_late_plenum_is_for_the_next_year():
    _, _, meta = understood("民政工作要点\n一、加强党的建设\n深入学习贯彻十九届五中全会精神。\n"
                            "二、兜牢民生底线\n确保低保标准稳步提高。")
    assert (meta.doc_type, periods(meta)) == ("work_plan", {"2021": "target"})


def test_a_review_citing_the_six_guarantees_is_no_older_than_2020():
    _, _, meta = understood("今年以来，全市民政系统紧扣“六稳”“六保”，兜牢民生底线。\n"
                            "（一）社会救助。全年累计发放临时救助金320万元，救助困难群众1800人次。")
    assert (meta.doc_type, periods(meta)) == ("work_summary", {"2020": "actual"})
    assert "六保" in evidence(meta, "periods")


@pytest.mark.parametrize("so_far", ["截至6月底", "截止5月末", "1-5月", "1至6月"])
def test_a_review_of_the_year_so_far_with_figures_to_june_is_a_first_half(so_far):
    _, _, meta = understood(f"年初以来，县民政局统筹新冠肺炎疫情防控和民生保障。\n"
                            f"（一）社会救助。{so_far}，全县发放低保金560万元，惠及困难群众3200人次。")
    assert periods(meta) == {"2020H1": "actual"}
    assert "figures to" in evidence(meta, "periods")


@pytest.mark.parametrize("text", [
    # figures of the year so far run past June: the review of the whole year
    "今年以来，县民政局统筹新冠肺炎疫情防控和民生保障。\n（一）社会救助。截至10月底，发放低保金960万元。",
    # no review of the year so far: a month of a dated figure says nothing of the half
    "2020年，县民政局统筹新冠肺炎疫情防控和民生保障。\n（一）社会救助。截至5月底，发放低保金260万元。",
])
def test_months_past_june_or_a_whole_year_review_keep_the_year(text):
    _, _, meta = understood(text)
    assert periods(meta) == {"2020": "actual"}


def test_a_cited_year_outranks_a_cited_event():
    _, _, meta = understood("民政工作要点\n一、加强党的建设\n深入学习贯彻党的二十大精神，落实2023年全省民政会议部署。\n"
                            "二、兜牢民生底线\n确保低保标准稳步提高。")
    assert periods(meta) == {"2023": "target"}
    assert evidence(meta, "periods") == "year cited most"


def test_page_counters_and_download_notes_of_sharing_sites_are_removed_before_the_title_is_read():
    document, _, meta = understood("第1页共5页区民政局民政工作总结上半年，我局各项工作稳步推进。一、上半年工作开展情况"
                                   "（一）社会救助。新增低保户20户。第 2 页 共 5 页下载后可任意编辑二、下半年工作打算。")
    assert "页" not in document.text and "下载" not in document.text
    assert meta.title == "区民政局民政工作总结"


def test_a_flattened_title_glued_to_the_first_part_heading():
    document, _, meta = understood("县民政局2021年工作总结一、2021年工作成效（一）社会救助。全年新增低保户20户。")
    assert document.text.split("\n")[0] == "县民政局2021年工作总结"
    assert (meta.doc_type, periods(meta)) == ("work_summary", {"2021": "actual"})


def test_a_conference_purpose_that_looks_back_on_a_year():
    _, _, meta = understood("民政局年度工作总结及来年工作思路\n今年以来，区民政局各项工作扎实推进。回顾2020年的工作，主要有以下特点：\n"
                            "一、兜底保障\n新增低保户20户。")
    assert periods(meta) == {"2020": "actual", "2021": "target"}
    assert evidence(meta, "periods") == "part headings and opening"


def test_plenums_cited_together_count_each():
    _, _, meta = understood("◆ 加强党的建设\n全年深入学习党的二十大和二十届二中、三中全会精神，开展了专题研讨。\n"
                            "◆ 兜牢民生底线\n累计发放救助资金800万元，先后走访困难群众500户。")
    assert periods(meta) == {"2024": "actual"}
    assert "二十届三中全会" in evidence(meta, "periods")
