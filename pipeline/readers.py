"""Read an input file into text: detect the container and the character encoding.

Readers return a `RawDocument`; they never guess silently. A file that cannot be
read raises `ReadError` with a one-line reason, and the run records it and goes on.

Formats, by suffix:
- .txt/.text: plain text in UTF-8, UTF-16, GB18030/GBK/GB2312 or Big5 (see `decode_bytes`).
- .html/.htm/.shtml/.xhtml: the page's text without scripts, styles, navigation,
  footers and link lists, one block element per line, from the article's title on
  when the title (<meta name="ArticleTitle"> or <title>) is found; the 政府信息公开 metadata
  table (索引号, 发布机构, 发布日期 … in table, dl or "label：value" layouts) and the
  <meta> tags of the 政府网站 templates go to `fields`, the <title> to fields["title"].
- .docx: paragraphs and tables in document order; core properties title/created.
- .pdf: the text layer page by page, with lines that the layout broke re-joined.

Tables (HTML and .docx) give one line per row, cells separated by a space, when the
row has several cells and all are short: a row is a record, and a quantity must stay
on the line of the subject it belongs to. Other rows (layout tables, one-cell boxes,
cells holding paragraphs) give a line per paragraph.

Every format must finally yield Chinese report text (`check_report_text`), so a
cover page, an English page or mis-decoded bytes fail with "not a Chinese report".
"""
from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePath
from typing import Callable, Iterator

import numpy as np
from selectolax.lexbor import LexborHTMLParser, LexborNode

from pipeline.ingest import HAN_CHAR, furniture, simplifier
from pipeline.inputs import open_regular
from pipeline.lexicons import lexicon_path, load_yaml
from pipeline.model import RawDocument
from pipeline.segment import LINE_MARKERS

TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
DOCX_SUFFIXES = {".docx"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | DOCX_SUFFIXES | PDF_SUFFIXES

# Refused before reading: no report is this big, and reading it would stall a worker.
MAX_FILE_BYTES = 50 * 1024 * 1024
# A .docx is a zip: refuse archives that would unpack to more than this (zip bombs), judged
# from the sizes its directory declares, before anything is inflated.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
# Its XML (text, styles, tables) is what gets parsed, at tens of bytes of memory per byte;
# a long report's is a few MB, pictures aside.
MAX_UNZIPPED_XML_BYTES = 32 * 1024 * 1024

# What counts as a Chinese report, checked on the text every reader returns.
MIN_HAN_CHARS = 50
# Letters are counted as the characters that are not: fewer of those to find in Chinese text.
NOT_LETTER = re.compile(r"[\W\d_]")
MIN_HAN_SHARE_OF_LETTERS = 0.5  # Han characters among all letters (Han, Latin, kana …)
MIN_COMMON_HAN_SHARE = 0.8  # Han characters among the 3755 most common ones (GB2312 level 1)
# Whether a text reads as Chinese is judged on its opening; whether it is decoded right, on
# every stretch of this many characters (a report's second half may be in another encoding).
REPORT_CHECK_CHARS = 2_000

# Text files never contain C0 control bytes other than whitespace; binary data is full of them.
MAX_CONTROL_BYTE_SHARE = 0.01
# A file whose best decoding still has more undecodable bytes than this share is refused;
# below it the damaged characters become U+FFFD and the rest of the report is kept.
MAX_UNDECODABLE_SHARE = 0.005

# Encodings a Chinese report arrives in besides UTF-8/16. GB18030 is a superset of GBK and
# GB2312; Big5-HKSCS is a superset of Big5 (Taiwan, Hong Kong, older traditional pages).
LEGACY_ENCODINGS = ("gb18030", "big5hkscs")

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# GB18030 and Big5-HKSCS map byte pairs no standard character stands for to private-use code
# points: many of them mean bytes in another encoding (or a font's own glyphs, not report text).
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
MAX_PRIVATE_USE_SHARE = 0.001
CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\x1a\x1b")


class ReadError(Exception):
    """The file could not be turned into report text; the message says why."""


def doc_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def file_doc_id(path: Path) -> str:
    """`doc_id_of` the file's bytes, read in blocks (a huge file is hashed all the same).

    Raises OSError when the file cannot be read; links are not followed."""
    digest = hashlib.sha256()
    with os.fdopen(open_regular(path), "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def is_supported(path: str | Path) -> bool:
    return PurePath(path).suffix.lower() in SUPPORTED_SUFFIXES


def read_file(path: Path, root: Path) -> RawDocument:
    """Read one input file found under `root`."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ReadError(f"not a supported format ({suffix or 'no extension'})")
    try:
        with os.fdopen(open_regular(path), "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size >= MAX_FILE_BYTES:
                raise ReadError(f"file too large: {size / 2**20:.1f} MB (limit {MAX_FILE_BYTES / 2**20:.0f} MB)")
            if size == 0:
                raise ReadError("empty file")
            data = fh.read()
    except OSError as exc:
        raise ReadError(f"cannot read the file: {(exc.strerror or type(exc).__name__).lower()}") from exc
    text, fields = _READERS[suffix](data)
    check_report_text(text)
    return RawDocument(source_file=path.relative_to(root).as_posix(), doc_id=doc_id_of(data),
                       text=text, fields=fields)


def check_report_text(text: str) -> None:
    """Raise ReadError unless `text` reads as a Chinese report: its opening is Chinese, and no
    stretch of it is mis-decoded (a second half in another encoding, a broken font map)."""
    codes = _code_points(text)
    kinds = _han_kinds(codes)
    _check_opening(text[:REPORT_CHECK_CHARS], codes[:REPORT_CHECK_CHARS], kinds[:REPORT_CHECK_CHARS])
    _check_every_stretch(text, kinds)


def _check_every_stretch(text: str, kinds: np.ndarray) -> None:
    starts = range(REPORT_CHECK_CHARS, len(text), REPORT_CHECK_CHARS)
    if not starts:
        return
    # per stretch of REPORT_CHECK_CHARS characters: its Han characters and its common ones
    han_counts = np.add.reduceat(kinds != NOT_HAN, starts).tolist()
    common_counts = np.add.reduceat(kinds == COMMON_HAN, starts).tolist()
    for start, han, common in zip(starts, han_counts, common_counts):
        if han < MIN_HAN_CHARS:
            continue
        if common < MIN_COMMON_HAN_SHARE * han:
            line = text.count("\n", 0, start) + 1
            raise ReadError(f"mis-decoded text from about line {line} on: only {common / han:.0%} of its "
                            f"Han characters there are common ones (mixed encodings?)")


def _check_opening(text: str, codes: np.ndarray, kinds: np.ndarray) -> None:
    han, common = _kind_counts(kinds)
    if han < MIN_HAN_CHARS:
        raise ReadError(f"not a Chinese report: only {han} Han characters (fewer than {MIN_HAN_CHARS})")
    letters = _letter_count(text, codes)
    if han < MIN_HAN_SHARE_OF_LETTERS * letters:
        raise ReadError(f"not a Chinese report: mostly non-Chinese, Han characters are "
                        f"{han / letters:.0%} of its letters")
    if common < MIN_COMMON_HAN_SHARE * han:
        raise ReadError(f"not a Chinese report: only {common / han:.0%} of its Han characters are "
                        f"common ones (wrong encoding or binary data?)")


# Every character of a text classified at once (numpy, not a Python step per character):
# not Han, Han (HAN, all of it in the Basic Multilingual Plane), or a common Han character.
NOT_HAN, RARE_HAN, COMMON_HAN = 0, 1, 2
BMP_SIZE = 0x10000


@cache
def _han_kind_table() -> np.ndarray:
    """The kind of each code point of the Basic Multilingual Plane."""
    han = HAN_CHAR.findall("".join(map(chr, range(BMP_SIZE))))
    common = _common_han()
    table = np.full(BMP_SIZE, NOT_HAN, dtype=np.uint8)
    table[[ord(ch) for ch in han]] = RARE_HAN
    table[[ord(ch) for ch in han if ch in common]] = COMMON_HAN
    return table


@cache
def _letter_table() -> np.ndarray:
    """Whether each code point of the Basic Multilingual Plane is a letter (not `NOT_LETTER`)."""
    table = np.ones(BMP_SIZE, dtype=bool)
    table[[ord(ch) for ch in NOT_LETTER.findall("".join(map(chr, range(BMP_SIZE))))]] = False
    return table


def _letter_count(text: str, codes: np.ndarray) -> int:
    """How many letters `text` (whose code points are `codes`) has."""
    if codes.size and codes.max() >= BMP_SIZE:  # beyond the table: rare, counted one by one
        return len(text) - len(NOT_LETTER.findall(text))
    return int(np.count_nonzero(_letter_table()[codes]))


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _han_kinds(codes: np.ndarray) -> np.ndarray:
    """The kind of each code point (beyond the BMP: not Han, like U+FFFF, the table's last)."""
    return _han_kind_table().take(codes, mode="clip")


def _han_counts(text: str) -> tuple[int, int]:
    """How many Han characters `text` has, and how many of them are common ones."""
    return _kind_counts(_han_kinds(_code_points(text)))


def _kind_counts(kinds: np.ndarray) -> tuple[int, int]:
    return int(np.count_nonzero(kinds)), int(np.count_nonzero(kinds == COMMON_HAN))


# --- Character encodings ---------------------------------------------------------------

@cache
def _common_han() -> frozenset[str]:
    """GB2312 level-1 characters, simplified and in the traditional forms of OpenCC, Taiwan, Hong Kong
    (`lexicons/common_han.txt`, which `lexicons/build_common_han.py` writes)."""
    with open(lexicon_path("common_han.txt"), encoding="utf-8") as fh:
        return frozenset("".join(line.rstrip("\n") for line in fh if not line.startswith("#")))


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode report bytes, detecting the encoding rather than assuming one.

    Order: a byte-order mark; strict UTF-8 (GBK or Big5 text is practically never
    valid UTF-8, so this beats any declaration); UTF-16 without BOM; then UTF-8,
    the `declared` encoding (an HTML page's charset) and GB18030/Big5, the one whose
    text has most common Chinese characters winning, the declared one on a tie.

    Damaged input: a multibyte character cut off at the end of the file (a truncated
    download) is dropped. A byte-order mark that the bytes after it contradict (a UTF-8
    BOM on GBK text, as some editors write) is ignored and the rest detected. Up to
    `MAX_UNDECODABLE_SHARE` of undecodable bytes become U+FFFD; beyond that, ReadError.
    """
    if not data.strip():
        raise ReadError("empty file")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = _decode_whole(data[len(bom):], encoding)
            if text is not None:
                return text
            return _detect(data[len(bom):], declared,
                           contradicted=f"starts with a {encoding} byte-order mark but is not {encoding}; ")
    return _detect(data, declared)


def declared_charset(data: bytes) -> str | None:
    """The CJK codec an HTML page declares in <meta charset>/http-equiv or <?xml encoding>."""
    match = DECLARED_CHARSET.search(data[:4096])
    if not match:
        return None
    label = match.group(1).decode("ascii").lower()
    if label in GB_LABELS:
        return "gb18030"
    if label in BIG5_LABELS:
        return "big5hkscs"
    return "utf-8" if label in ("utf-8", "utf8") else None


DECLARED_CHARSET = re.compile(rb"""(?:<meta[^>]*?charset|<\?xml[^>]*?encoding)\s*=\s*["']?\s*([\w.:-]+)""",
                              re.IGNORECASE)
# WHATWG encoding labels: browsers decode all GB labels with GB18030 and Big5 with Big5-HKSCS.
GB_LABELS = {"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312", "gb_2312-80", "cp936", "euc-cn",
             "chinese", "csgb2312", "csiso58gb231280", "iso-ir-58", "windows-936"}
BIG5_LABELS = {"big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5", "cp950"}


def _decode_whole(data: bytes, encoding: str) -> str | None:
    """All of `data` decoded strictly, except an incomplete character at the very end; or None."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        return decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return None


def _detect(data: bytes, declared: str | None, contradicted: str = "") -> str:
    text = _decode_whole(data, "utf-8")
    if text is not None:
        return text
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    control_bytes = len(data) - len(data.translate(None, CONTROL_BYTES))
    if b"\x00" in data or control_bytes > MAX_CONTROL_BYTE_SHARE * len(data):
        raise ReadError("binary data, not text")
    encodings = dict.fromkeys(e for e in (declared, *LEGACY_ENCODINGS, "utf-8") if e)
    decodings = []
    for encoding in encodings:
        text = _decode_whole(data, encoding)
        if text is None:
            text = data.decode(encoding, errors="replace")
        damaged = text.count("\ufffd")
        if damaged <= MAX_UNDECODABLE_SHARE * len(data):
            decodings.append((_plausibility(text) - damaged, text))
    if not decodings:
        raise ReadError(f"{contradicted}not text in any supported encoding (UTF-8, UTF-16, GB18030/GBK, Big5)")
    text = max(decodings, key=lambda scored: scored[0])[1]
    private = len(PRIVATE_USE.findall(text))
    if private > MAX_PRIVATE_USE_SHARE * len(text):
        raise ReadError(f"{contradicted}mixed or unknown encoding: the best decoding has {private} private-use "
                        f"characters (bytes no standard character stands for)")
    return text


def _mostly_common_han(text: str) -> bool:
    """Chinese text beyond doubt: mostly Han characters, nearly all of them common ones."""
    han, common = _han_counts(text)
    visible = len(text) - sum(map(str.isspace, text))
    return han >= MIN_HAN_CHARS and han >= MIN_HAN_SHARE_OF_LETTERS * visible and common >= MIN_COMMON_HAN_SHARE * han


def _plausibility(text: str) -> int:
    """Common Chinese characters minus rare ones: a wrong decoding of CJK bytes yields rare ones."""
    han, common = _han_counts(text)
    return common - (han - common)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM shows NUL in every other byte for ASCII characters; text of
    Chinese only shows no NULs, but decodes to common Chinese characters in one byte order."""
    if len(data) < 4 or len(data) % 2:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        text = _decode_whole(data, encoding)
        if text is not None and _mostly_common_han(text):
            return text
    even_nuls, odd_nuls = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    for encoding, nuls in (("utf-16-le", odd_nuls), ("utf-16-be", even_nuls)):
        if nuls > half * 0.2 and min(even_nuls, odd_nuls) < half * 0.05:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _read_text(data: bytes) -> tuple[str, dict[str, str]]:
    return decode_bytes(data), {}


# --- Tables, in HTML and .docx -----------------------------------------------------------

# A row of several cells that each hold at most this many characters is a record: one line.
MAX_RECORD_CELL_CHARS = 100


def _is_record(cell_texts: list[str]) -> bool:
    """A data table's row rather than a layout table's (one cell, or cells holding paragraphs)."""
    return len(cell_texts) > 1 and all(len(text) <= MAX_RECORD_CELL_CHARS for text in cell_texts)


# --- HTML ---------------------------------------------------------------------------------

# Never text of the page.
HTML_DROPPED_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
                     "canvas", "select", "button", "input", "textarea", "nav", "aside", "footer", "map",
                     "audio", "video")
# Elements that start a new line of text; <br> too.
HTML_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt fieldset "
    "figcaption figure form h1 h2 h3 h4 h5 h6 header hgroup hr li main menu ol p pre section summary "
    "table tbody tfoot thead tr td th ul".split()
)
HTML_CELL_TAGS = ("td", "th")
HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# A block at least this share of whose visible characters is link text is navigation:
# menus, link lists, pagers, share bars.
NAVIGATION_LINK_SHARE = 0.5
# Lines before the article's title are the site's banner, but only search for the title
# before the first block this long (in Han characters): past that the body has begun.
LONG_BLOCK_HAN = 40

# Elements that can hold a metadata label or a "label：value" pair.
METADATA_TAGS = "td, th, dt, dd, li, span, label, strong, b, em, font, p, div"
# A label without a colon counts only in a cell of a table or dl holding this many
# labels: a data table's header row (名称 | 数量) is not a metadata table.
MIN_LABELS_IN_TABLE = 3
MAX_METADATA_LINE_CHARS = 200
MAX_METADATA_VALUE_CHARS = 100


@dataclass
class HtmlRules:
    """The furniture lexicon's HTML parts compiled."""

    label_only: re.Pattern  # a label alone, with an optional colon
    meta_labels: dict[str, str]  # lower-cased <meta name> → header label
    boilerplate_names: frozenset[str]  # class/id values of site furniture


@cache
def html_rules() -> HtmlRules:
    spec = load_yaml("furniture.yaml")
    labels = sorted(spec["metadata_labels"], key=len, reverse=True)
    return HtmlRules(
        label_only=re.compile(rf"^({'|'.join(re.escape(label) for label in labels)})([:：]?)$"),
        meta_labels={name.lower(): label for name, label in spec["html_meta_labels"].items()},
        boilerplate_names=frozenset(name.lower() for name in spec["html_boilerplate_names"]),
    )


def _collapse(text: str) -> str:
    return HTML_SPACE.sub(" ", text).strip()


def _label_key(text: str) -> str:
    """Text of a would-be label, comparable with the lexicon: simplified, no spaces at all."""
    return simplifier().convert(re.sub(r"\s+", "", text))


def _read_html(data: bytes) -> tuple[str, dict[str, str]]:
    html = decode_bytes(data, declared=declared_charset(data))
    tree = LexborHTMLParser(html)
    body = tree.body
    if body is None:
        return "", _head_fields(tree)
    for tag in HTML_DROPPED_TAGS:
        for node in body.css(tag):
            node.decompose()
    skipped = _hidden_or_boilerplate(body)
    fields, consumed = _lift_metadata(body, skipped)
    for label, value in _head_fields(tree).items():
        fields.setdefault(label, value)
    blocks = [b for b in _PageText(skipped | consumed).walk(body) if not b.is_navigation]
    start = _title_block(blocks, fields)
    return "\n".join(b.text for b in blocks[start:]), fields


def _head_fields(tree: LexborHTMLParser) -> dict[str, str]:
    """<title> as "title", and the template's <meta> tags under their header labels."""
    fields: dict[str, str] = {}
    title = tree.css_first("title")
    if title is not None and _collapse(title.text()):
        fields["title"] = _collapse(title.text())
    meta_labels = html_rules().meta_labels
    for meta in tree.css("meta[name]"):
        label = meta_labels.get((meta.attributes.get("name") or "").lower())
        content = _collapse(meta.attributes.get("content") or "")
        if label and content:
            fields.setdefault(label, content)
    return fields


def _hidden_or_boilerplate(body: LexborNode) -> set[int]:
    """mem_ids of elements never shown, or named as site furniture (class="footer", id="nav").

    A furniture-named element that holds most of the page's Chinese text is the article
    (a template that wraps everything in <div id="top">), and is kept.
    """
    names = html_rules().boilerplate_names
    page_han = len(HAN_CHAR.findall(body.text()))
    skipped = set()
    for node in body.css("[hidden], [style], [class], [id]"):
        attributes = node.attributes
        if "hidden" in attributes or HIDDEN_STYLE.search(attributes.get("style") or ""):
            skipped.add(node.mem_id)
            continue
        classes = (attributes.get("class") or "").lower().split()
        if ((attributes.get("id") or "").lower() in names or names.intersection(classes)) \
                and len(HAN_CHAR.findall(node.text())) < page_han / 2:
            skipped.add(node.mem_id)
    return skipped


@dataclass
class _MetadataHolder:
    node: LexborNode
    label: str | None  # a label standing alone, its value in the next cell or text
    has_colon: bool
    pairs: list[tuple[str, str]]  # or the "label：value" pairs the element holds itself


def _lift_metadata(body: LexborNode, skipped: set[int]) -> tuple[dict[str, str], set[int]]:
    """The metadata table's label → value pairs, and the mem_ids of the nodes that held them."""
    rules, pairs_of = html_rules(), furniture().metadata_pairs
    holders: list[_MetadataHolder] = []
    for node in body.css(METADATA_TAGS):
        text = node.text(deep=True)
        if len(text) > MAX_METADATA_LINE_CHARS:
            continue
        label_match = rules.label_only.match(_label_key(text))
        if label_match:
            has_colon = bool(label_match.group(2))
            if has_colon or node.tag in ("td", "th", "dt"):
                holders.append(_MetadataHolder(node, label_match.group(1), has_colon, []))
            continue
        pairs = pairs_of(simplifier().convert(_collapse(text)))
        if pairs:
            holders.append(_MetadataHolder(node, None, False, pairs))
    # A cell's text is also its row's and its table's: keep only the innermost holders.
    enclosing = set()
    for holder in holders:
        parent = holder.node.parent
        while parent is not None:
            enclosing.add(parent.mem_id)
            parent = parent.parent
    holders = [h for h in holders if h.node.mem_id not in enclosing and not _is_within(h.node, skipped)]
    labels_in = _labels_per_table(holders)

    fields: dict[str, str] = {}
    consumed: set[int] = set()
    for holder in holders:
        if holder.node.mem_id in consumed:
            continue
        if holder.label is None:
            for label, value in holder.pairs:
                if value:
                    fields.setdefault(label, value)
            consumed.add(holder.node.mem_id)
            continue
        if not holder.has_colon:
            table = _table_of(holder.node)
            if table is None or labels_in.get(table.mem_id, 0) < MIN_LABELS_IN_TABLE:
                continue
        label_node = _label_holder(holder.node)
        value, value_nodes = _value_after(label_node)
        if len(value) > MAX_METADATA_VALUE_CHARS:
            continue
        if value:
            fields.setdefault(holder.label, value)
        consumed.update([label_node.mem_id, *(n.mem_id for n in value_nodes)])
    return fields, consumed


def _labels_per_table(holders: list[_MetadataHolder]) -> dict[int, int]:
    """mem_id of a table or dl → how many lone labels its cells hold."""
    counts: dict[int, int] = {}
    for holder in holders:
        if holder.label is not None:
            table = _table_of(holder.node)
            if table is not None:
                counts[table.mem_id] = counts.get(table.mem_id, 0) + 1
    return counts


def _table_of(node: LexborNode) -> LexborNode | None:
    parent = node.parent
    while parent is not None and parent.tag not in ("table", "dl"):
        parent = parent.parent
    return parent


def _is_within(node: LexborNode, mem_ids: set[int]) -> bool:
    while node is not None:
        if node.mem_id in mem_ids:
            return True
        node = node.parent
    return False


def _label_holder(node: LexborNode) -> LexborNode:
    """The outermost element holding nothing but the label (<td><strong>索引号：</strong></td>)."""
    key = _label_key(node.text())
    while (node.parent is not None and node.parent.tag != "body"
           and _label_key(node.parent.text()) == key):
        node = node.parent
    return node


def _value_after(holder: LexborNode) -> tuple[str, list[LexborNode]]:
    """The value that follows a label: the text up to the next element, or the next element."""
    rules = html_rules()
    parts: list[str] = []
    nodes: list[LexborNode] = []
    sibling = holder.next
    while sibling is not None:
        if sibling.is_text_node:
            if (sibling.text_content or "").strip():
                parts.append(sibling.text_content)
                nodes.append(sibling)
        elif sibling.is_element_node:
            text = sibling.text()
            if not parts and not rules.label_only.match(_label_key(text)):
                parts.append(text)
                nodes.append(sibling)
            break
        sibling = sibling.next
    return _collapse(" ".join(parts)), nodes


def _visible_chars(text: str) -> int:
    return len("".join(text.split()))


@dataclass
class _Block:
    text: str
    link_chars: int
    visible_chars: int

    @property
    def is_navigation(self) -> bool:
        return self.link_chars >= NAVIGATION_LINK_SHARE * self.visible_chars


class _PageText:
    """Cuts a page body into lines: block elements and <br> end a line, a record row is one line."""

    def __init__(self, skipped: set[int]):
        self.skipped = skipped
        self.blocks: list[_Block] = []
        self._parts: list[tuple[str, bool]] = []
        self._link_depth = 0
        self._pre_depth = 0
        self._record_row: int | None = None

    def walk(self, body: LexborNode) -> list[_Block]:
        # An explicit stack rather than recursion: pages can nest deeper than Python's recursion limit.
        stack: list[tuple[LexborNode, bool]] = [(body, False)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                self._leave(node)
            elif node.mem_id in self.skipped:
                continue
            elif node.is_text_node:
                self._text(node.text_content or "")
            elif node.is_element_node and self._enter(node):
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(list(node.iter(include_text=True))))
        self._end_line()
        return self.blocks

    def _enter(self, node: LexborNode) -> bool:
        """Open an element; False for one without content (<br>)."""
        tag = node.tag
        if tag == "br":
            self._boundary()
            return False
        if tag == "a":
            self._link_depth += 1
        elif tag == "pre":
            self._pre_depth += 1
        if tag == "tr" and self._record_row is None and _is_record_row(node):
            self._end_line()
            self._record_row = node.mem_id
        elif tag in HTML_BLOCK_TAGS:
            self._boundary()
        return True

    def _leave(self, node: LexborNode) -> None:
        tag = node.tag
        if tag == "a":
            self._link_depth -= 1
        elif tag == "pre":
            self._pre_depth -= 1
        if node.mem_id == self._record_row:
            self._record_row = None
            self._end_line()
        elif tag in HTML_BLOCK_TAGS:
            self._boundary()

    def _text(self, text: str) -> None:
        in_link = self._link_depth > 0
        if not self._pre_depth:
            self._parts.append((text, in_link))
            return
        for index, line in enumerate(text.split("\n")):
            if index:
                self._boundary()
            self._parts.append((line, in_link))

    def _boundary(self) -> None:
        if self._record_row is None:
            self._end_line()
        else:  # cells and paragraphs inside a record row are separated, not broken
            self._parts.append((" ", False))

    def _end_line(self) -> None:
        text = _collapse("".join(part for part, _ in self._parts))
        if text:
            self.blocks.append(_Block(
                text=text,
                link_chars=sum(_visible_chars(part) for part, in_link in self._parts if in_link),
                visible_chars=_visible_chars(text),
            ))
        self._parts = []


def _is_record_row(row: LexborNode) -> bool:
    if row.css_first("table") is not None:
        return False
    return _is_record([_collapse(cell.text()) for cell in row.iter() if cell.tag in HTML_CELL_TAGS])


def _title_block(blocks: list[_Block], fields: dict[str, str]) -> int:
    """Index of the article's title line, where the article starts; 0 when it is not found.

    The title is the ArticleTitle meta tag or the longest part of <title> (portals append
    the site's name: "2021年全市民政工作要点-咸宁市民政局").
    """
    titles = []
    if fields.get("标题"):
        titles.append(_label_key(fields["标题"]))
    if fields.get("title"):
        parts = re.split(r"\s*[-_|–—]+\s*", fields["title"])
        titles.append(_label_key(max(parts, key=len)))
    for title in titles:
        for index, block in enumerate(blocks):
            if _label_key(block.text) == title:
                return index
            if len(HAN_CHAR.findall(block.text)) >= LONG_BLOCK_HAN:
                break
    return 0


# --- .docx --------------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Every Office Open XML package has these; the main part's name varies (document2.xml).
OOXML_REQUIRED_PARTS = ("[Content_Types].xml", "_rels/.rels")


def _read_docx(data: bytes) -> tuple[str, dict[str, str]]:
    if data.startswith(OLE_MAGIC):
        raise ReadError("an old binary Word (.doc) file named .docx, not a .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
            unzipped_xml = sum(info.file_size for info in archive.infolist()
                               if info.filename.lower().endswith((".xml", ".rels")))
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError(f"broken .docx: not a readable zip archive ({exc})") from exc
    if unzipped > MAX_UNZIPPED_BYTES:
        raise ReadError(f"broken .docx: unpacks to {unzipped / 2**20:.0f} MB "
                        f"(limit {MAX_UNZIPPED_BYTES / 2**20:.0f} MB)")
    if unzipped_xml > MAX_UNZIPPED_XML_BYTES:
        raise ReadError(f"oversized .docx: its XML unpacks to {unzipped_xml / 2**20:.0f} MB "
                        f"(limit {MAX_UNZIPPED_XML_BYTES / 2**20:.0f} MB)")
    missing = [name for name in OOXML_REQUIRED_PARTS if name not in names]
    if missing:
        raise ReadError(f"broken .docx: not an Office Open XML package (no {', '.join(missing)})")
    import docx

    # python-docx reports a malformed package with whatever its XML and zip layers raise.
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_lines(document))
        properties = document.core_properties
        title, created = properties.title, properties.created
    except Exception as exc:
        raise ReadError(f"broken .docx: {type(exc).__name__}: {exc}".splitlines()[0][:300]) from exc
    fields = {}
    if title and title.strip():
        fields["title"] = title.strip()
    if created is not None:
        fields["created"] = created.strftime("%Y-%m-%d %H:%M:%S")
    return "\n".join(lines), fields


def _docx_lines(container) -> Iterator[str]:
    """Paragraphs and table rows of a document or a table cell, in order."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            yield from _docx_table_lines(block)
        else:
            yield from (line.strip() for line in block.text.split("\n") if line.strip())


def _docx_table_lines(table) -> Iterator[str]:
    # python-docx repeats a merged cell for every grid column and row it spans. Holding the
    # cell elements keeps lxml's proxies alive, so identity tells a repeat.
    seen_cells = set()
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc in seen_cells:
                continue
            seen_cells.add(cell._tc)
            cells.append(list(_docx_lines(cell)))
        cell_texts = [" ".join(paragraphs) for paragraphs in cells]
        record = " ".join(text for text in cell_texts if text)
        if _is_record(cell_texts):
            if record:
                yield record
        else:
            yield from (paragraph for paragraphs in cells for paragraph in paragraphs)


# --- PDF ----------------------------------------------------------------------------------

# A line ending in one of these ends its paragraph even when it is full.
PARAGRAPH_END = re.compile(r"[。！？!?：:；;]$")
# A page's first or last line that only numbers the page: "— 3 —", "第3页 共9页", "3/9".
PAGE_NUMBER = re.compile(r"^[-—–－\s]*(?:第\s*\d+\s*页(?:\s*[,，/／]?\s*共\s*\d+\s*页)?|\d+(?:\s*[/／]\s*\d+)?)[-—–－\s]*$")
# A line counts as full when it ends within this many character widths of the right margin.
FULL_LINE_SLACK_EMS = 1.5
# Pages with fewer lines than this do not show where their margins are.
MIN_LINES_FOR_MARGINS = 5
PDF_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
# How pdfminer writes a glyph its font does not map to Unicode.
UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)")


@dataclass
class _PdfLine:
    text: str
    left: float  # of the first visible character
    right: float
    em: float  # width of a Han character
    full: bool = False  # reaches the right margin
    indented: bool = False


def _read_pdf(data: bytes) -> tuple[str, dict[str, str]]:
    """The text layer, with lines broken by the layout joined back into paragraphs.

    A line is joined to the next when it reaches the right margin, does not end with
    sentence or clause punctuation, and the next line is neither indented (Chinese
    paragraphs start two characters in) nor starts with a heading marker (一、（一）1.).
    Page-number lines are dropped, so paragraphs continue across pages.
    """
    if b"%PDF-" not in data[:1024]:
        raise ReadError("not a PDF: no %PDF header")
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    # pdfminer reports malformed files with whatever its parser meets (syntax, key, type,
    # value errors …); each becomes the file's reason.
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            page_count = len(pdf.pages)
            pages = [_pdf_page_lines(page) for page in pdf.pages]
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise ReadError("encrypted PDF: it needs a password to open") from exc
        raise ReadError(f"unparsable PDF: {type(cause).__name__}: {cause}".splitlines()[0][:300]) from exc
    except Exception as exc:
        raise ReadError(f"unparsable PDF: {type(exc).__name__}: {exc}".splitlines()[0][:300]) from exc
    if page_count == 0:
        raise ReadError("unparsable PDF: no pages")
    if not any(pages):
        raise ReadError(f"no text layer (scanned PDF?): none of its {page_count} pages has text")
    _mark_layout(pages)
    text = "\n".join(_join_pdf_lines([line for lines in pages for line in lines]))
    unmapped = len(UNMAPPED_GLYPH.findall(text))
    if unmapped > len(HAN_CHAR.findall(text)):
        raise ReadError(f"PDF text layer without Unicode mapping: {unmapped} glyphs are bare font codes")
    return UNMAPPED_GLYPH.sub("\ufffd", text), {}


def _pdf_page_lines(page) -> list[_PdfLine]:
    """The page's text lines with their extent, page numbers dropped."""
    lines = []
    for found in page.extract_text_lines(strip=False, return_chars=True):
        visible = [char for char in found["chars"] if char["text"].strip()]
        text = PDF_CONTROL_CHARS.sub("", found["text"]).strip()
        if visible and text:
            lines.append(_PdfLine(text=text, left=visible[0]["x0"], right=visible[-1]["x1"],
                                  em=_han_width(found["chars"]), indented=found["text"][:1].isspace()))
    while lines and PAGE_NUMBER.match(lines[-1].text):
        lines.pop()
    while lines and PAGE_NUMBER.match(lines[0].text):
        lines.pop(0)
    return lines


def _mark_layout(pages: list[list[_PdfLine]]) -> None:
    """Mark lines that reach the right margin and lines indented from the left one.

    Each page's margins are its own lines' extent; a page with a few lines only (the
    signature page) takes the median margins of the fuller pages.
    """
    measured = [(min(line.left for line in lines), max(line.right for line in lines))
                for lines in pages if len(lines) >= MIN_LINES_FOR_MARGINS]
    typical = (sorted(m[0] for m in measured)[len(measured) // 2],
               sorted(m[1] for m in measured)[len(measured) // 2]) if measured else None
    for lines in pages:
        if not lines:
            continue
        if len(lines) >= MIN_LINES_FOR_MARGINS or typical is None:
            margin_left, margin_right = min(line.left for line in lines), max(line.right for line in lines)
        else:
            margin_left, margin_right = typical
        for line in lines:
            line.full = line.right >= margin_right - FULL_LINE_SLACK_EMS * line.em
            line.indented = line.indented or line.left > margin_left + line.em / 2


def _han_width(chars: list[dict]) -> float:
    """The median width of the line's Han characters, or a 10.5pt (五号) default."""
    widths = sorted(char["width"] for char in chars if HAN_CHAR.match(char["text"]))
    return widths[len(widths) // 2] if widths else 10.5


def _join_pdf_lines(lines: list[_PdfLine]) -> list[str]:
    paragraphs: list[str] = []
    joinable = False
    for line in lines:
        if joinable and not line.indented and not _starts_heading(line.text):
            paragraphs[-1] += line.text
        else:
            paragraphs.append(line.text)
        joinable = line.full and not PARAGRAPH_END.search(line.text)
    return paragraphs


def _starts_heading(text: str) -> bool:
    return any(pattern.match(text) for _, pattern in LINE_MARKERS)


_READERS: dict[str, Callable[[bytes], tuple[str, dict[str, str]]]] = {
    **dict.fromkeys(TEXT_SUFFIXES, _read_text),
    **dict.fromkeys(HTML_SUFFIXES, _read_html),
    **dict.fromkeys(DOCX_SUFFIXES, _read_docx),
    **dict.fromkeys(PDF_SUFFIXES, _read_pdf),
}
