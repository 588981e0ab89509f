"""HTML pages to check the extracted figures by eye, before citing them.

`write_review(output_dir)` writes, into OUTPUT_DIR/review by default:

- one page per report: its metadata on top, then its normalised text with every
  indicator mention highlighted; hovering a figure shows its value, unit,
  qualifier, status, period, indicator code and subject (the `title`
  attribute), and the mention's `id` is `m-<char_start>`;
- `index.html`: the reports, and the panel (place × period × indicator) with each
  cell linking to the mention it was taken from.

The pages are self-contained: styles are inline, fonts are the reader's own, no
script, nothing fetched from the network, so they open from the file system.

The highlighting is done here rather than with spaCy's displaCy span renderer:
displaCy (3.8) writes a space after every token, which splits Chinese text into
spaced words, and its spans carry only a label, not the hover text a reviewer
needs. Mentions are marked on the same character offsets as the tables.
"""
from __future__ import annotations

import html
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.errors import InputNotFound

STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.9; }
h1 { font-size: 1.4em; line-height: 1.4; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.15em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.place { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.text p { margin: 0 0 0.6em 0; }
mark { background: #ffe58a; padding: 0 0.1em; border-radius: 3px; cursor: help; }
mark.target { background: #b9e3ff; }
mark.unknown { background: #e6e6e6; }
mark:target { outline: 3px solid #d2691e; }
mark sub { font-size: 0.6em; color: #555; margin-left: 0.2em; }
.legend mark { cursor: default; }
.conflict { color: #b00020; font-weight: bold; }
.muted { color: #777; }
"""

METADATA_FIELDS = [
    ("title", "标题 title"), ("publisher", "发布单位 publisher"), ("region", "地区 region"),
    ("province", "省份 province"), ("region_code", "区划代码 region_code"), ("admin_level", "层级 admin_level"),
    ("doc_type", "文种 doc_type"), ("publish_date", "发布日期 publish_date"), ("periods", "时期 periods"),
    ("source_file", "文件 source_file"), ("doc_id", "doc_id"), ("duplicate_of", "重复 duplicate_of"),
]
DOCUMENT_COLUMNS = [name for name, _ in METADATA_FIELDS] + ["text"]
MENTION_COLUMNS = ["doc_id", "char_start", "char_end", "surface", "value", "unit", "qualifier", "subject",
                   "indicator_code", "status", "period"]


def page_name(doc_id: str) -> str:
    return f"doc-{doc_id}.html"


def mention_anchor(char_start: int) -> str:
    return f"m-{char_start}"


def write_review(output_dir: str | os.PathLike, doc_ids: list[str] | None = None, region_code: str | None = None,
                 destination: str | os.PathLike | None = None) -> list[Path]:
    """Write the review pages for the reports in `output_dir` (all, those of `doc_ids` (full ids or
    unique prefixes), or those of `region_code`) into `destination` (default OUTPUT_DIR/review).
    Returns the paths written, the index first."""
    output_dir = Path(output_dir)
    destination = Path(destination) if destination is not None else output_dir / "review"
    documents = pq.read_table(output_dir / "documents.parquet", columns=DOCUMENT_COLUMNS)
    chosen = _choose(documents, doc_ids, region_code)
    documents = documents.filter(pc.is_in(documents["doc_id"], chosen))
    mentions = pq.read_table(output_dir / "indicators.parquet", columns=MENTION_COLUMNS,
                             filters=[("doc_id", "in", chosen.to_pylist())])
    panel = pq.read_table(output_dir / "panel.parquet")
    panel = panel.filter(pc.is_in(panel["evidence_doc_id"], chosen))

    by_doc: dict[str, list[dict]] = {}
    for mention in mentions.to_pylist():
        by_doc.setdefault(mention["doc_id"], []).append(mention)
    destination.mkdir(parents=True, exist_ok=True)
    written = [destination / "index.html"]
    rows = documents.to_pylist()
    for document in rows:
        path = destination / page_name(document["doc_id"])
        _write(path, document_page(document, by_doc.get(document["doc_id"], [])))
        written.append(path)
    _write(written[0], index_page(rows, {d: len(m) for d, m in by_doc.items()}, panel.to_pylist(), output_dir))
    return written


def _choose(documents, doc_ids: list[str] | None, region_code: str | None):
    all_ids = documents["doc_id"]
    if doc_ids:
        chosen = []
        for wanted in doc_ids:
            matches = [doc_id for doc_id in all_ids.to_pylist() if doc_id.startswith(wanted)]
            if len(matches) != 1:
                raise InputNotFound(f"{'no' if not matches else 'more than one'} report with doc_id {wanted!r}")
            chosen += matches
        return pa.array(chosen, type=pa.string())
    if region_code:
        selected = all_ids.filter(pc.equal(documents["region_code"], region_code))
        if not len(selected):
            raise InputNotFound(f"no report with region_code {region_code!r}")
        return selected
    return all_ids


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-Hans">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _value(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def _shown(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):  # periods
        return ", ".join(f"{p['period']} {p['status']}" for p in value) or "-"
    return str(value)


def hover_text(mention: dict) -> str:
    parts = [f"value {_value(mention['value'])} {mention['unit']}", mention["qualifier"],
             mention["status"] or "status unknown", f"period {mention['period'] or 'unknown'}",
             f"code {mention['indicator_code'] or '-'}"]
    if mention["subject"]:
        parts.append(f"subject {mention['subject']}")
    return " · ".join(parts)


def marked_text(text: str, mentions: list[dict]) -> str:
    """The text as paragraphs, each mention wrapped in a <mark> with its hover text."""
    out, position = [], 0
    for mention in sorted(mentions, key=lambda m: (m["char_start"], m["char_end"])):
        start, end = mention["char_start"], mention["char_end"]
        if start < position:  # overlaps the previous mention: mark the part not yet marked
            start = position
        out.append(html.escape(text[position:start]))
        status = mention["status"] if mention["status"] in ("actual", "target") else "unknown"
        out.append(f'<mark id="{mention_anchor(mention["char_start"])}" class="{status}" '
                   f'title="{html.escape(hover_text(mention))}" data-value="{mention["value"]!r}" '
                   f'data-unit="{html.escape(mention["unit"])}">{html.escape(text[start:end])}'
                   f'<sub>{html.escape(mention["indicator_code"] or "?")}</sub></mark>')
        position = max(position, end)
    out.append(html.escape(text[position:]))
    paragraphs = "".join(out).split("\n")
    return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs if paragraph.strip())


def document_page(document: dict, mentions: list[dict]) -> str:
    title = document["title"] or document["source_file"]
    rows = "\n".join(f"<tr><th>{html.escape(label)}</th><td>{html.escape(_shown(document[name]))}</td></tr>"
                     for name, label in METADATA_FIELDS)
    coded = sum(1 for m in mentions if m["indicator_code"])
    body = f"""<p><a href="index.html">← all reports</a></p>
<h1>{html.escape(title)}</h1>
<table class="meta">
{rows}
<tr><th>指标提及 mentions</th><td>{len(mentions)} ({coded} with an indicator code)</td></tr>
</table>
<p class="legend">Hover a figure for its value, unit, status, period and code:
<mark class="actual">actual 实绩</mark> <mark class="target">target 目标</mark>
<mark class="unknown">status unknown</mark></p>
<div class="text">
{marked_text(document["text"], mentions)}
</div>"""
    return _page(title, body)


def index_page(documents: list[dict], mention_counts: dict[str, int], panel: list[dict], output_dir: Path) -> str:
    report_rows = "\n".join(
        f'<tr><td><a href="{page_name(d["doc_id"])}">{html.escape(d["title"] or d["source_file"])}</a></td>'
        f'<td class="place">{html.escape(_place(d))}</td><td>{html.escape(_shown(d["doc_type"]))}</td>'
        f'<td>{html.escape(_shown(d["publish_date"]))}</td><td class="num">{mention_counts.get(d["doc_id"], 0)}</td>'
        f'<td>{"duplicate of " + html.escape(d["duplicate_of"]) if d["duplicate_of"] else ""}</td></tr>'
        for d in documents)
    panel_rows = "\n".join(
        f'<tr><td class="place">{html.escape(_place(row))}</td><td>{html.escape(row["period"])}</td>'
        f'<td>{html.escape(row["indicator_name_zh"] or row["indicator_code"])}'
        f' <span class="muted">{html.escape(row["indicator_code"])}</span></td>'
        f'<td class="num"><a href="{page_name(row["evidence_doc_id"])}#{mention_anchor(row["evidence_char_start"])}"'
        f' title="{html.escape(row["evidence_sentence"] or "")}">{_value(row["value"])}</a></td>'
        f'<td>{html.escape(row["unit"])}</td><td>{html.escape(row["status"])}</td>'
        f'<td>{"<span class=conflict>conflict</span>" if row["conflict"] else ""}</td></tr>'
        for row in panel)
    body = f"""<h1>policymine review: {html.escape(str(output_dir))}</h1>
<h2>Reports ({len(documents)})</h2>
<table>
<tr><th>title</th><th>place</th><th>type</th><th>published</th><th>mentions</th><th></th></tr>
{report_rows}
</table>
<h2>Panel ({len(panel)} cells)</h2>
<p>Each value links to the figure it was taken from, highlighted in its report.</p>
<table>
<tr><th>place</th><th>period</th><th>indicator</th><th>value</th><th>unit</th><th>status</th><th></th></tr>
{panel_rows}
</table>"""
    return _page("policymine review", body)


def _place(row: dict) -> str:
    """The place with its province: 河东区 alone is ambiguous (临沂 and 天津 both have one)."""
    region, province = row.get("region"), row.get("province")
    if not region:
        return "-"
    return region if not province or province == region else f"{region}（{province}）"
