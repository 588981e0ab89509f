"""One report in every format gives the same metadata and the same indicators as its text."""
from __future__ import annotations

import io

import pytest

from pipeline.process import process_document
from pipeline.readers import read_file

from test_readers import portal_page, report_pdf, typeset_lines, write
from conftest import RAW

# a plan with a portal metadata table, and a summary dense with figures
REPORTS = ["004_5611c76e844a341e.txt", "000_7b6e188c34807afc.txt"]


def meaning(processed) -> list[tuple]:
    """What a researcher cites from a report: every mention but its offsets."""
    return [(m.surface, m.value, m.unit, m.qualifier, m.subject, m.status, m.period, m.theme, m.indicator_code)
            for m in processed.mentions]


def metadata(processed) -> tuple:
    meta = processed.meta
    return (meta.region_code, meta.admin_level, meta.doc_type, meta.publish_date, meta.periods)


@pytest.fixture(scope="module", params=REPORTS)
def from_text(request):
    return process_document(read_file(RAW / request.param, RAW))


def plain_docx(lines: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_portal_page_gives_the_metadata_and_indicators_of_its_text(tmp_path):
    # the page template carries the 004 report's portal metadata table (索引号, 文号, 发文单位 …)
    from_text = process_document(read_file(RAW / REPORTS[0], RAW))
    page = write(tmp_path, "report.html", portal_page(from_text.document))
    from_page = process_document(read_file(page, tmp_path))
    assert metadata(from_page) == metadata(from_text)
    assert meaning(from_page) == meaning(from_text)
    assert len(meaning(from_text)) >= 8


def test_docx_gives_the_indicators_of_its_text(from_text, tmp_path):
    path = write(tmp_path, "report.docx", plain_docx(from_text.document.text.split("\n")))
    assert meaning(process_document(read_file(path, tmp_path))) == meaning(from_text)


def test_pdf_gives_the_indicators_of_its_text(from_text, tmp_path):
    path = write(tmp_path, "report.pdf", report_pdf(typeset_lines(from_text.document)))
    assert meaning(process_document(read_file(path, tmp_path))) == meaning(from_text)
