"""The review pages show every mention in its text with its value, link the panel to it, and fetch nothing."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.review import mention_anchor, page_name


class Marks(HTMLParser):
    """The <mark> elements of a page: id → (text without the code label, attributes); and every id."""

    def __init__(self):
        super().__init__()
        self.marks: dict[str, tuple[str, dict]] = {}
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.resources: list[str] = []
        self._open: list[str] = []  # the id of the mark being read, and whether inside its <sub>

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        self.resources += [attrs[name] for name in ("src", "srcset", "data") if name in attrs]
        if tag == "mark" and "id" in attrs:
            self.marks[attrs["id"]] = ("", attrs)
            self._open = [attrs["id"]]
        elif tag == "sub" and self._open:
            self._open.append("sub")

    def handle_endtag(self, tag):
        if tag == "sub" and len(self._open) == 2:
            self._open.pop()
        elif tag == "mark":
            self._open = []

    def handle_data(self, data):
        if len(self._open) == 1:
            text, attrs = self.marks[self._open[0]]
            self.marks[self._open[0]] = (text + data, attrs)


def parse(path: Path) -> Marks:
    parser = Marks()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def review(extracted, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("review")
    result = CliRunner().invoke(main, ["review", str(extracted), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_every_mention_is_highlighted_with_its_value(review, tables):
    mentions = tables["indicators"]
    for doc_id, rows in mentions.groupby("doc_id"):
        marks = parse(review / page_name(doc_id)).marks
        assert len(marks) == len(rows), doc_id
        for row in rows.itertuples():
            text, attrs = marks[mention_anchor(row.char_start)]
            assert text == row.surface
            assert float(attrs["data-value"]) == row.value
            code = row.indicator_code if isinstance(row.indicator_code, str) else "-"
            period = row.period if isinstance(row.period, str) else "unknown"
            assert row.unit in attrs["title"] and f"code {code}" in attrs["title"]
            assert f"period {period}" in attrs["title"]


def test_the_metadata_is_on_top(review, tables):
    document = tables["documents"].iloc[0]
    page = (review / page_name(document.doc_id)).read_text(encoding="utf-8")
    head = page.split('<div class="text">')[0]
    for value in (document.title, document.region, document.region_code, document.source_file):
        assert value in head


def test_panel_cells_link_to_their_evidence(review, extracted):
    panel = pd.read_parquet(extracted / "panel.parquet")
    links = [link for link in parse(review / "index.html").links if "#" in link]
    assert len(links) == len(panel)
    for link in links:
        page, anchor = link.split("#")
        assert anchor in parse(review / page).ids, link


def test_nothing_is_fetched_from_the_network(review):
    for page in review.glob("*.html"):
        parsed = parse(page)
        html = page.read_text(encoding="utf-8")
        assert not parsed.resources, page.name  # no image, script or frame of any origin
        assert not any(re.match(r"[a-z]+:", link) for link in parsed.links), page.name  # relative links only
        assert "<script" not in html and "url(" not in html and "@import" not in html and "<link" not in html


def test_one_report_by_doc_id_prefix_or_by_region(extracted, tables, tmp_path):
    document = tables["documents"].iloc[1]
    result = CliRunner().invoke(main, ["review", str(extracted), "--doc", document.doc_id[:6], "--out",
                                       str(tmp_path / "one")])
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "one").iterdir()} == {"index.html", page_name(document.doc_id)}
    result = CliRunner().invoke(main, ["review", str(extracted), "--region", document.region_code, "--out",
                                       str(tmp_path / "region")])
    expected = set(tables["documents"][tables["documents"].region_code == document.region_code].doc_id)
    assert {p.name for p in (tmp_path / "region").glob("doc-*.html")} == {page_name(d) for d in expected}
    missing = CliRunner().invoke(main, ["review", str(extracted), "--doc", "zzzz"])
    assert missing.exit_code == 3 and "no report with doc_id 'zzzz'" in missing.stderr
