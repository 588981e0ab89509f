"""Readers: every format yields the report's lines, and every bad input a ReadError saying why.

All inputs are made here, from the seed report 004 (咸宁市 2021年全市民政工作要点):
a portal page around it, a .docx and a .pdf of it, and broken or foreign files.
"""
from __future__ import annotations

import codecs
import datetime as dt
import html
import io
import random
import re
import tempfile
import zipfile
from pathlib import Path

import opencc
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lexicons.build_common_han import common_han_text
from pipeline.ingest import normalise, normalise_text
from pipeline.lexicons import LEXICON_DIR
from pipeline.model import Document
from pipeline.readers import (MAX_FILE_BYTES, SUPPORTED_SUFFIXES, ReadError, check_report_text, decode_bytes,
                              doc_id_of, is_supported, read_file)
from pipeline.segment import outline, sentences

from conftest import RAW

SEED = RAW / "004_5611c76e844a341e.txt"
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def seed() -> Document:
    return normalise(read_file(SEED, RAW))


def write(folder: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def read(path: Path):
    return read_file(path, path.parent)


# --- A 政府网站 portal page around the seed report -------------------------------------

def portal_page(doc: Document, charset: str = "utf-8") -> str:
    """The seed as a 集约化 portal page: top bar, menu, breadcrumb, metadata table and
    list, article, share and print controls, previous/next links, related list, footer."""
    title = doc.text.split("\n", 1)[0]
    h = doc.header
    body_lines = doc.text.split("\n")[1:]
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta name="SiteName" content="咸宁市人民政府">
<meta name="SiteIDCode" content="4212000003">
<meta name="ColumnName" content="计划总结">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="2021-07-21 16:38">
<meta name="ContentSource" content="咸宁市民政局">
<title>{title}_咸宁市人民政府</title>
<link rel="stylesheet" href="/css/common.css">
<style>.zoom p {{ text-indent: 2em; font-family: "仿宋_GB2312"; }}</style>
<script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script");
hm.src = "https://hm.baidu.com/hm.js?3f2c"; document.body.appendChild(hm); }})();</script>
</head>
<body>
<div class="top"><div class="w1200"><span>欢迎访问咸宁市人民政府门户网站！今天是2024年5月8日 星期三</span>
<a href="/wza/">无障碍浏览</a> <a href="/lnb/">长者模式</a> <a href="/en/">English</a></div></div>
<div class="header"><div class="logo"><img src="/images/logo.png" alt="咸宁市人民政府"></div>
<form class="search" action="/search/"><input type="text" name="q" placeholder="请输入关键词"><button>搜索</button></form></div>
<div class="mainnav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/zjxn/">走进咸宁</a></li></ul></div>
<div class="w1200 main">
  <div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt;
    <a href="/zwgk/fdzdgknr/">法定主动公开内容</a> &gt; <a href="/zwgk/fdzdgknr/ghjh/">计划总结</a></div>
  <table class="xxgk-table" cellspacing="0">
    <tr><th>索&nbsp;引&nbsp;号</th><td>{h["索引号"]}</td><th>文&nbsp;&nbsp;&nbsp;&nbsp;号</th><td>{h["文号"]}</td></tr>
    <tr><th>主题分类</th><td>{h["主题分类"]}</td><th>发文单位</th><td><span>{h["发文单位"]}</span></td></tr>
    <tr><th>名&nbsp;&nbsp;&nbsp;&nbsp;称</th><td colspan="3">{h["名称"]}</td></tr>
    <tr><td class="label"><b>发布日期：</b></td><td>{h["发布日期"]}</td><td></td><td></td></tr>
  </table>
  <ul class="xxgk-list">
    <li><label>有效性：</label>{h["有效性"]}</li>
    <li><span class="k">发文日期：</span><span class="v">{h["发文日期"]}</span></li>
  </ul>
  <div class="article">
    <h1 class="article-title">{title}</h1>
    <div class="article-info"><span>浏览次数：<em id="hits">1024</em></span>
      <span class="font">【字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a>
      <a href="javascript:doZoom(14)">小</a>】</span>
      <span><a href="javascript:window.print()">【打印】</a><a href="javascript:window.close()">【关闭】</a></span></div>
    <div id="zoom" class="TRS_Editor">
{article_paragraphs(body_lines)}
      <p>附件下载：<a href="/uploadfiles/202107/P020210721.docx">2021年民政工作重点工作事项.docx</a></p>
    </div>
    <div class="bshare"><span>分享到：</span><a class="wx" href="#">微信</a><a class="wb" href="#">微博</a></div>
    <div class="prev-next"><p>上一篇：<a href="/a/1.html">2020年全市民政工作总结</a></p>
      <p>下一篇：<a href="/a/3.html">关于开展养老机构安全检查的通知</a></p></div>
  </div>
  <div class="related"><h3>相关文章</h3><ul><li><a href="/a/4.html">全省民政工作会议召开</a></li>
    <li><a href="/a/5.html">咸宁市民政局召开党史学习教育动员会</a></li></ul></div>
</div>
<div class="footer">
  <p><a href="/about/">关于本网</a> | <a href="/map/">网站地图</a> | <a href="/contact/">联系我们</a></p>
  <p>主办单位：咸宁市人民政府办公室　承办单位：咸宁市大数据中心　网站标识码：4212000003</p>
  <p>版权所有：咸宁市人民政府　<a href="https://beian.miit.gov.cn/">鄂ICP备05003303号</a></p>
  <script src="/js/jiathis.js"></script>
</div>
<script>document.getElementById("hits").innerText = "1025";</script>
</body>
</html>
"""


def article_paragraphs(lines: list[str]) -> str:
    """The body as a Word-pasted editor would leave it: indents, spans, bold headings,
    and source lines wrapped between two Han characters."""
    out = []
    for line in lines:
        text = html.escape(line)
        for cut in range(60, len(text) - 1, 70):
            if HAN.match(text[cut - 1]) and HAN.match(text[cut]):
                text = text[:cut] + "\n        " + text[cut:]
        if re.match(r"^[一二三四五六七八九十]+、", line):
            out.append(f'      <p style="text-indent:2em"><strong>{text}</strong></p>')
        else:
            out.append(f'      <p style="text-indent:2em;"><span style="font-size:16pt">&nbsp;&nbsp;{text}</span></p>')
    return "\n".join(out)


def test_portal_page_gives_the_report_lines_and_its_metadata(seed, tmp_path):
    raw = read(write(tmp_path, "page.html", portal_page(seed)))
    doc = normalise(raw)
    assert doc.text == seed.text
    assert seed.header.items() <= doc.header.items()
    assert raw.fields["title"] == "2021年全市民政工作要点_咸宁市人民政府"
    assert raw.fields["标题"] == "2021年全市民政工作要点"
    assert raw.fields["来源"] == "咸宁市民政局"
    # the metadata table's date wins over the PubDate meta tag
    assert raw.fields["发布日期"] == seed.header["发布日期"]


def test_page_lines_are_the_paragraphs_without_furniture(seed, tmp_path):
    page = portal_page(seed)
    text = read(write(tmp_path, "page.shtml", page)).text
    lines = text.split("\n")
    assert lines[0] == "2021年全市民政工作要点"
    for furniture in ("欢迎访问", "长者模式", "走进咸宁", "当前位置", "hm.baidu", "doZoom", "分享到", "上一篇",
                      "相关文章", "网站地图", "版权所有", "网站标识码", "附件下载", "主题分类", "011337100"):
        assert furniture in page and furniture not in seed.text, furniture
        assert furniture not in text, furniture
    # one line per paragraph, with the source's wrapping undone
    assert len(lines) == len(seed.text.split("\n"))


def legacy_page(doc: Document, charset: str = "gb2312") -> str:
    """The seed as an older table-layout portal page: no semantic tags, no class names,
    paragraphs as <br>-separated lines in one cell, a sidebar, a footer table."""
    title = doc.text.split("\n", 1)[0]
    body = "<br>\n".join(f"&nbsp;&nbsp;&nbsp;&nbsp;{html.escape(line)}" for line in doc.text.split("\n")[1:])
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>咸宁市民政局--{title}</title></head>
<body topmargin="0">
<table width="980" align="center"><tr><td><img src="images/banner.jpg" alt="咸宁民政"></td></tr>
<tr><td bgcolor="#0066cc"><a href="index.asp">首页</a> | <a href="jggk.asp">机构概况</a> | <a href="zwgk.asp">政务公开</a> |
<a href="bszn.asp">办事指南</a> | <a href="mzdt.asp">民政动态</a></td></tr></table>
<table width="980" align="center"><tr>
<td width="200" valign="top">
  <table><tr><td>栏目导航</td></tr><tr><td><a href="list.asp?id=1">社会救助</a></td></tr>
  <tr><td><a href="list.asp?id=2">养老服务</a></td></tr></table>
  <table><tr><td>联系我们</td></tr><tr><td>地址：咸宁市温泉路88号<br>电话：0715-8123456</td></tr></table>
</td>
<td valign="top">
  <table width="100%"><tr><td>您现在的位置：<a href="index.asp">首页</a> &gt;&gt; <a href="zwgk.asp">政务公开</a></td></tr></table>
  <table width="100%">
    <tr><td align="center"><font size="4"><b>{title}</b></font></td></tr>
    <tr><td align="center">发布机构：咸宁市民政局　发布日期：2021年07月21日　点击数：<span id="hits">88</span></td></tr>
    <tr><td style="line-height:200%">{body}</td></tr>
    <tr><td align="right">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</td></tr>
  </table>
</td></tr></table>
<table width="980" align="center"><tr><td align="center">版权所有：咸宁市民政局　地址：咸宁市温泉路88号　技术支持：楚天网络<br>
网站标识码：4212000030　鄂ICP备12345678号</td></tr></table>
</body></html>
"""


def test_table_layout_page_gives_the_report_lines(seed, tmp_path):
    page = legacy_page(seed)
    raw = read(write(tmp_path, "page.htm", page, encoding="gb18030"))
    text = normalise(raw).text
    assert text == seed.text
    assert raw.fields["发布机构"] == "咸宁市民政局"
    assert raw.fields["发布日期"] == "2021年07月21日"
    # the reader drops what precedes the title and the link lines; ingest cuts the tail at 版权所有
    assert raw.text.startswith(seed.text.split("\n", 1)[0])
    for furniture in ("栏目导航", "机构概况", "温泉路", "您现在的位置", "打印本页", "点击数", "网站标识码"):
        assert furniture in page and furniture not in seed.text, furniture
        assert furniture not in text, furniture


@pytest.mark.parametrize("declared, actual", [
    ("gbk", "gbk"),
    ("gb2312", "gb18030"),
    ("utf-8", "gb18030"),  # says UTF-8, is GBK
    ("gbk", "utf-8"),  # says GBK, is UTF-8
    ("big5", "gb18030"),  # says Big5, is GBK
])
def test_page_charset_is_honoured_but_verified(seed, tmp_path, declared, actual):
    path = write(tmp_path, "page.html", portal_page(seed, charset=declared), encoding=actual)
    assert normalise(read(path)).text == seed.text


@pytest.mark.parametrize("declared", ["big5", "gbk"])  # GBK decodes any Big5 bytes, to nonsense
def test_big5_page_reads_like_the_same_page_in_utf8(seed, tmp_path, declared):
    # Taiwan-standard characters, which Big5 has (OpenCC's own standard uses 爲, 羣 …, which it lacks)
    page = opencc.OpenCC("s2tw").convert(portal_page(seed, charset=declared))
    as_big5 = normalise(read(write(tmp_path, "big5.html", page, encoding="big5"))).text
    as_utf8 = normalise(read(write(tmp_path, "utf8.html", page, encoding="utf-8"))).text
    assert as_big5 == as_utf8
    assert as_big5.startswith("2021年全市民政工作要点\n")


def test_page_without_title_or_metadata_keeps_all_its_paragraphs(seed, tmp_path):
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in seed.text.split("\n"))
    raw = read(write(tmp_path, "bare.html", f"<html><body><div>{paragraphs}</div></body></html>"))
    assert raw.text == seed.text
    assert raw.fields == {}


def test_data_table_rows_are_one_line_each_and_header_cells_are_not_metadata(seed, tmp_path):
    table = ("<table><tr><th>序号</th><th>名称</th><th>时间</th><th>数量</th></tr>"
             "<tr><td>1</td><td>新增养老床位</td><td>2021年</td><td>3182张</td></tr>"
             "<tr><td>2</td><td>临时救助资金</td><td>2021年</td><td>1907万元</td></tr></table>")
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in seed.text.split("\n")[:3])
    raw = read(write(tmp_path, "table.html", f"<html><body>{paragraphs}{table}</body></html>"))
    assert raw.text.split("\n")[-3:] == ["序号 名称 时间 数量", "1 新增养老床位 2021年 3182张", "2 临时救助资金 2021年 1907万元"]
    assert "名称" not in raw.fields and "时间" not in raw.fields


# --- Encodings of text files (UTF-8/16, GB18030, Big5 are covered in test_ingest) ------

def test_gb18030_file_cut_mid_character_loses_only_that_character(seed):
    data = seed.text.encode("gb18030")
    assert decode_bytes(data[:-1]) == seed.text[:-1]


def test_utf8_bom_on_gbk_bytes_is_ignored(seed):
    assert decode_bytes(codecs.BOM_UTF8 + seed.text.encode("gbk")) == seed.text


def test_a_few_damaged_bytes_become_replacement_characters(seed):
    damaged = seed.text.index("民", 300)
    data = seed.text[:damaged].encode("gbk") + b"\xff\xff" + seed.text[damaged + 1:].encode("gbk")
    assert decode_bytes(data) == seed.text[:damaged] + "\ufffd\ufffd" + seed.text[damaged + 1:]


def test_text_damaged_throughout_is_refused(seed):
    data = bytearray(seed.text.encode("gbk"))
    data[::50] = b"\xff" * len(data[::50])
    with pytest.raises(ReadError, match="not text in any supported encoding"):
        decode_bytes(bytes(data))


def test_the_common_characters_file_is_what_its_script_writes():
    # lexicons/common_han.txt is generated (GB2312 level 1 and OpenCC's traditional forms)
    assert (LEXICON_DIR / "common_han.txt").read_text(encoding="utf-8") == common_han_text()


# --- .docx ------------------------------------------------------------------------------

INDICATOR_TABLE = [["指标", "2020年", "2021年目标"], ["城乡低保标准（元/月）", "650", "680"],
                   ["养老机构床位（张）", "3182", "3500"]]


def report_docx(doc: Document) -> bytes:
    """The seed as a bureau's Word file: numbered items with a bold lead-in run, an
    indicator table after the first section heading, title and creation date set."""
    import docx

    document = docx.Document()
    document.core_properties.title = doc.header["名称"]
    document.core_properties.created = dt.datetime(2021, 7, 21, 8, 38, 51)
    for index, line in enumerate(doc.text.split("\n")):
        paragraph = document.add_paragraph()
        lead_in = re.match(r"^\d+\.[^。]*。", line)
        if lead_in:
            paragraph.add_run(lead_in.group(0)).bold = True
            paragraph.add_run(line[lead_in.end():])
        else:
            paragraph.add_run(line)
        if index == 2:
            table = document.add_table(rows=len(INDICATOR_TABLE), cols=3)
            for row, values in zip(table.rows, INDICATOR_TABLE):
                for cell, value in zip(row.cells, values):
                    cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_gives_the_report_lines_with_table_rows_and_properties(seed, tmp_path):
    raw = read(write(tmp_path, "report.docx", report_docx(seed)))
    lines = seed.text.split("\n")
    table_lines = [normalise_text(" ".join(row)) for row in INDICATOR_TABLE]
    assert normalise(raw).text.split("\n") == lines[:3] + table_lines + lines[3:]
    assert table_lines[1] == "城乡低保标准（元/月）650 680"
    assert raw.fields == {"title": "2021年全市民政工作要点", "created": "2021-07-21 08:38:51"}


def test_docx_merged_cells_are_read_once_and_long_cells_give_lines(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("咸宁市民政局2021年重点工作事项清单，共计三项，由局办公室负责汇总调度，按月通报进展情况。")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "2021年民政工作重点工作事项"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "社会救助"
    table.cell(1, 1).text = "提高城乡低保标准"
    table.cell(1, 2).text = "3月底前完成"
    long_task = "全面推进落实低保进出“双预警”机制，指导各县（市、区）开展低收入家庭认定工作。" * 3
    table.cell(2, 1).text = long_task
    table.cell(2, 2).text = "全年"
    buffer = io.BytesIO()
    document.save(buffer)
    lines = read(write(tmp_path, "list.docx", buffer.getvalue())).text.split("\n")
    assert lines[1:] == ["2021年民政工作重点工作事项", "社会救助 提高城乡低保标准 3月底前完成", long_task, "全年"]


# --- PDF ----------------------------------------------------------------------------------

def report_pdf(lines: list[str], signature: tuple[str, ...] = ()) -> bytes:
    """The lines typeset on A4 in 宋体 (reportlab's built-in CID font, no font file needed):
    centred title, paragraphs indented two characters and wrapped at the margin by width,
    a page number at each page's foot, and a right-aligned signature on a page of its own."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    font, size, leading = "STSong-Light", 12, 20
    width, height = A4
    left, right, top, bottom = 72, width - 72, height - 72, 72
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pages, y = 1, top

    def draw(x: float, text: str) -> None:
        nonlocal pages, y
        if y < bottom:
            pdf.setFont(font, 9)
            pdf.drawCentredString(width / 2, 40, f"— {pages} —")
            pdf.showPage()
            pages, y = pages + 1, top
        pdf.setFont(font, size)
        pdf.drawString(x, y, text)
        y -= leading

    pdf.setFont(font, 16)
    pdf.drawCentredString(width / 2, y, lines[0])
    y -= 2 * leading
    for paragraph in lines[1:]:
        x, line = left + 2 * size, ""
        for char in paragraph:
            if x + pdfmetrics.stringWidth(line + char, font, size) > right:
                draw(x, line)
                x, line = left, ""
            line += char
        draw(x, line)
    if signature:
        y = bottom - 1
    for line in signature:
        draw(right - pdfmetrics.stringWidth(line, font, size), line)
    pdf.setFont(font, 9)
    pdf.drawCentredString(width / 2, 40, f"— {pages} —")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def typeset_lines(doc: Document) -> list[str]:
    # reportlab's STSong-Light has no glyph for U+00B7 (锻造七种能力·书写奋斗青春)
    return doc.text.replace("·", "").split("\n")


def encrypted(pdf: bytes, user_password: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def line_breaks(lines: list[str]) -> set[int]:
    ends, offset = set(), 0
    for line in lines:
        offset += len(line)
        ends.add(offset)
    return ends


def test_pdf_gives_the_paragraphs_with_every_sentence_with_a_number_intact(seed, tmp_path):
    lines = typeset_lines(seed)
    text = normalise(read(write(tmp_path, "report.pdf", report_pdf(lines)))).text
    report = "\n".join(lines)
    numbered = [s.text for s in sentences(report, outline(report)) if re.search(r"\d", s.text)]
    assert len(numbered) > 50
    assert [s for s in numbered if s not in text] == []
    # nothing lost, added or reordered; the layout's line breaks and page numbers are gone;
    # a paragraph may stay split where a full line ends a sentence (the joining rule keeps
    # a line ending in 。 whole rather than guess)
    pdf_lines = text.split("\n")
    joined = "".join(pdf_lines)
    assert joined == "".join(lines)
    assert line_breaks(lines) <= line_breaks(pdf_lines)
    assert all(joined[end - 1] in "。；：！？" for end in line_breaks(pdf_lines) - line_breaks(lines))
    assert len(pdf_lines) < len(lines) * 1.1


def test_pdf_signature_page_lines_are_not_joined(seed, tmp_path):
    signature = ("咸宁市民政局", "2021年7月21日")
    data = report_pdf(typeset_lines(seed)[:30], signature=signature)
    assert read(write(tmp_path, "signed.pdf", data)).text.endswith("\n咸宁市民政局\n2021年7月21日")


def test_pdf_encrypted_only_against_changes_is_read(seed, tmp_path):
    lines = typeset_lines(seed)[:8]
    text = read(write(tmp_path, "locked.pdf", encrypted(report_pdf(lines), user_password=""))).text
    assert text.split("\n")[:2] == lines[:2]


# --- Bad input: each kind fails with a reason naming the problem --------------------------

def scanned_pdf() -> bytes:
    """A page that is only an image, as a scanner makes it."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    scan = Image.new("L", (200, 280), color=235)
    for y in range(40, 260, 12):
        scan.paste(40, (20, y, 180, y + 5))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawImage(ImageReader(scan), 50, 50, width=500, height=700)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def rare_han_soup() -> bytes:
    """Valid GBK made only of its extension characters: decodes, but no report reads like it."""
    rng = random.Random(7)
    return bytes(b for _ in range(3000) for b in (rng.randrange(0x81, 0xA0), rng.randrange(0x40, 0x7F)))


BAD_INPUTS = {
    "empty": ("report.txt", lambda seed: b"", "empty file"),
    "blank": ("report.txt", lambda seed: b" \r\n\t\n", "empty file"),
    "empty_pdf": ("report.pdf", lambda seed: b"", "empty file"),
    "binary": ("report.txt", lambda seed: random.Random(1).randbytes(4000), "binary data"),
    "rare_han_soup": ("report.txt", lambda seed: rare_han_soup(), "common ones .wrong encoding"),
    "english": ("report.txt", lambda seed: b"Annual report of the civil affairs bureau. " * 40 + "民政局".encode() * 20,
                "not a Chinese report: mostly non-Chinese"),
    "too_short": ("notice.html", lambda seed: "<html><body><p>页面不存在或已删除</p></body></html>".encode(),
                  r"not a Chinese report: only 9 Han characters \(fewer than 50\)"),
    "navigation_only": ("index.htm", lambda seed: ("<html><body><ul>" + "<li><a href=/x>民政动态新闻</a></li>" * 30
                                                   + "</ul></body></html>").encode(), "not a Chinese report"),
    "docx_not_zip": ("report.docx", lambda seed: seed.text.encode(), "broken .docx: not a readable zip"),
    "docx_truncated": ("report.docx", lambda seed: report_docx(seed)[:5000], "broken .docx: not a readable zip"),
    "docx_without_document": ("report.docx", lambda seed: zip_of({"[Content_Types].xml": b"<Types/>"}),
                              r"broken .docx: not an Office Open XML package \(no _rels/\.rels\)"),
    "docx_bad_xml": ("report.docx", lambda seed: bad_document_xml(seed), "broken .docx: XMLSyntaxError"),
    "old_word": ("report.docx", lambda seed: bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 512,
                 r"old binary Word \(.doc\)"),
    "pdf_not_pdf": ("report.pdf", lambda seed: seed.text.encode(), "not a PDF: no %PDF header"),
    "pdf_unparsable": ("report.pdf", lambda seed: b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nendobj\n%%EOF\n",
                       "unparsable PDF"),
    "pdf_encrypted": ("report.pdf", lambda seed: encrypted(report_pdf(typeset_lines(seed)[:5]), user_password="s3cret"),
                      "encrypted PDF: it needs a password"),
    "pdf_scanned": ("scan.pdf", lambda seed: scanned_pdf(), r"no text layer \(scanned PDF\?\)"),
    # a CID font whose character collection pdfminer does not know: glyph codes, no characters
    "pdf_unmapped_font": ("report.pdf", lambda seed: report_pdf(typeset_lines(seed)[:5]).replace(b"(GB1)", b"(XX1)"),
                          "without Unicode mapping"),
}


def bad_document_xml(seed: Document) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(report_docx(seed)))
    files = {name: source.read(name) for name in source.namelist()}
    files["word/document.xml"] = files["word/document.xml"][:-200]
    return zip_of(files)


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_bad_input_fails_with_its_reason(seed, tmp_path, kind):
    name, make, reason = BAD_INPUTS[kind]
    path = write(tmp_path, name, make(seed))
    with pytest.raises(ReadError, match=reason) as failure:
        read(path)
    assert "\n" not in str(failure.value)


def test_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.pdf"
    with path.open("wb") as handle:  # sparse: no 50 MB are written
        handle.truncate(MAX_FILE_BYTES)
    with pytest.raises(ReadError, match=r"file too large: 50\.0 MB \(limit 50 MB\)"):
        read(path)


def test_docx_that_unpacks_to_too_much_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(201):
                member.write(bytes(2**20))
    with pytest.raises(ReadError, match="unpacks to 201 MB"):
        read(write(tmp_path, "bomb.docx", buffer.getvalue()))


def test_unsupported_suffix_is_refused(tmp_path):
    path = write(tmp_path, "report.doc", "民政" * 100)
    assert not is_supported(path)
    with pytest.raises(ReadError, match=r"not a supported format \(\.doc\)"):
        read(path)


def test_every_format_is_supported_in_any_letter_case_and_keyed_by_its_bytes(seed, tmp_path):
    assert {".txt", ".text", ".html", ".htm", ".shtml", ".xhtml", ".docx", ".pdf"} == SUPPORTED_SUFFIXES
    data = portal_page(seed).encode()
    raw = read(write(tmp_path, "PAGE.HTM", data))
    assert raw.doc_id == doc_id_of(data) and raw.source_file == "PAGE.HTM"


# --- Fuzz: whatever the bytes, reading fails with ReadError or yields text the stages take ---

SEED_CHARS = sorted(set(SEED.read_text(encoding="utf-8")) - {"\n"})
report_text = st.lists(st.text(alphabet=SEED_CHARS, min_size=20, max_size=80), min_size=2, max_size=12).map("\n".join)
markup = st.sampled_from([
    "<p>", "</p>", "<br>", "<div class=footer>", "<div>", "</div>", "<table><tr><td>", "</td><td>", "</td></tr>",
    "</table>", "<th>索引号</th><td>", "<a href=x>", "</a>", "<pre>", "</pre>", "<script>", "</script>",
    "<meta charset=gbk>", "<title>", "</title>", "发布日期：", "一、", "（一）", "1.", "&nbsp;", "&#27665;", "<!--",
])
page_source = st.lists(st.one_of(markup, st.text(alphabet=SEED_CHARS, max_size=60)), max_size=40).map("".join)
leading_bytes = st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04", codecs.BOM_UTF8, codecs.BOM_UTF16_LE,
                                 b"<html><meta charset=big5><body>"])
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fuzz_dir():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def read_and_process(path: Path) -> None:
    """Read the file; if it reads, run the stages that come after reading."""
    try:
        raw = read(path)
    except ReadError as failure:
        assert str(failure) and "\n" not in str(failure)
        return
    document = normalise(raw)
    sentences(document.text, outline(document.text))


@FUZZ
@given(start=leading_bytes, rest=st.binary(max_size=3000), suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES)))
def test_arbitrary_bytes_never_raise_anything_but_read_error(fuzz_dir, start, rest, suffix):
    read_and_process(write(fuzz_dir, "fuzz" + suffix, start + rest))


@FUZZ
@given(text=st.one_of(report_text, page_source, st.text(max_size=500)),
       encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]), suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES)))
def test_arbitrary_text_never_raises_anything_but_read_error(fuzz_dir, text, encoding, suffix):
    read_and_process(write(fuzz_dir, "fuzz" + suffix, text.encode(encoding, errors="replace")))


@settings(max_examples=15, deadline=None)
@given(text=st.one_of(report_text, st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), max_size=300)))
def test_arbitrary_text_in_docx_and_pdf_never_raises_anything_but_read_error(fuzz_dir, text):
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    read_and_process(write(fuzz_dir, "fuzz.docx", buffer.getvalue()))
    read_and_process(write(fuzz_dir, "fuzz.pdf", report_pdf(text.split("\n"))))


@given(st.text())
def test_letters_counted_by_table_are_the_regexs_letters(text):
    from pipeline.readers import NOT_LETTER, _code_points, _letter_count

    assert _letter_count(text, _code_points(text)) == len(text) - len(NOT_LETTER.findall(text))


def test_a_page_of_latin_letters_is_not_a_chinese_report_even_beyond_the_bmp():
    han = "民政工作总结养老服务" * 6
    with pytest.raises(ReadError, match="mostly non-Chinese"):
        check_report_text(han + "Report of the civil affairs bureau " * 5 + "\U0001d400" * 10)
    check_report_text(han + "\U00020000" * 10)  # Han beyond the BMP are letters, and not too many
