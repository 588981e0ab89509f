"""A hostile input folder: every entry is recorded with a reason, nothing outside gets in,
one bad file costs only itself, and the sample reports come out as in a clean run."""
from __future__ import annotations

import os
import shutil
import time
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from pipeline import errors
from pipeline.cli import main
from pipeline.schema import DOCUMENT_TABLES, TABLES
from pipeline.writer import Dataset

from conftest import RAW

SAMPLES = ["003_8057266bf11dcad7.txt", "001_899b019fe3e48499.txt"]
# A few lines of report prose written for these tests.
PROSE = ("民政局全面落实各项社会救助政策，加强养老服务体系建设，推进社区治理和社会组织管理，"
         "做好婚姻登记、殡葬管理和残疾人福利工作。全年新增养老机构床位三百张，发放救助资金八百万元。\n")


def extract(*args: str):
    return CliRunner().invoke(main, ["extract", *args])


def write_hostile_corpus(corpus: Path, outside: Path) -> dict[str, str]:
    """The hostile entries (beside the samples), each with a word its manifest reason must hold
    ("" for entries that must be read fine)."""
    corpus.mkdir()
    outside.mkdir()
    for name in SAMPLES:
        shutil.copy(RAW / name, corpus / name)
    secret = outside / "secret.txt"
    secret.write_text("机密" + PROSE * 3, encoding="utf-8")
    expected = {}

    def add(name: str, data: bytes, reason: str) -> None:
        (corpus / name).write_bytes(data)
        expected[name] = reason

    # text shapes that once took minutes: they must simply be read
    add("numerals.txt", ("工作总结\n" + PROSE + "共" + "1.2万" * 250 + "元。\n").encode(), "")
    add("headings.txt", ("工作总结\n" + PROSE + "一、\n" * 8000).encode(), "")
    add("periods.txt", ("工作总结\n" + PROSE + "每人每月850元、" * 2000 + "\n").encode(), "")
    add("utf16.txt", ("工作总结\n" + PROSE * 3).encode("utf-16-le"), "")
    add("=HYPERLINK(1).txt", ("工作总结\n" + PROSE.replace("三百", "四百") * 2).encode(), "")
    # damaged or hostile files
    add("mixed.txt", (PROSE * 20).encode("gbk") + (PROSE * 20).encode("big5", "replace"), "encoding")
    add("copy.txt", (RAW / SAMPLES[0]).read_bytes(), f"same bytes as {SAMPLES[0]}")
    add("\x1b[31mred.txt", b"", "empty")
    with zipfile.ZipFile(corpus / "inflated.docx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", b"<w:document>" + b"<w:p/>" * 6_000_000 + b"</w:document>")
    expected["inflated.docx"] = "unpacks to"
    os.symlink(secret, corpus / "link_out.txt")
    expected["link_out.txt"] = "outside the input folder"
    os.symlink(outside, corpus / "folder_out")
    expected["folder_out"] = "outside the input folder"
    os.symlink(corpus / SAMPLES[0], corpus / "link_in.txt")
    expected["link_in.txt"] = "not followed"
    os.symlink(corpus / "gone.txt", corpus / "broken.txt")
    expected["broken.txt"] = "broken"
    os.mkfifo(corpus / "pipe.txt")
    expected["pipe.txt"] = "FIFO"
    add(".hidden.txt", PROSE.encode(), "hidden")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "config.txt").write_bytes(PROSE.encode())
    expected[".git"] = "hidden folder"
    with open(os.open(os.fsencode(corpus) + b"/bad\xff.txt", os.O_WRONLY | os.O_CREAT, 0o644), "wb") as fh:
        fh.write(PROSE.encode())
    expected["bad\\xff.txt"] = "not valid UTF-8"
    return expected


def test_a_hostile_folder_is_recorded_entry_by_entry_and_the_samples_match_a_clean_run(tmp_path):
    corpus, outside = tmp_path / "in", tmp_path / "outside"
    expected = write_hostile_corpus(corpus, outside)
    out = tmp_path / "out"
    result = extract(str(corpus), str(out), "--workers", "2")
    assert result.exit_code == 0, result.output

    manifest = pd.read_parquet(out / "manifest.parquet").set_index("source_file")
    assert sorted(manifest.index) == sorted([*expected, *SAMPLES])
    for name, reason in expected.items():
        row = manifest.loc[name]
        if reason:
            assert row.status in ("failed", "skipped") and reason in row.error, (name, row.error)
        else:
            assert row.status == "ok", (name, row.error)
    assert "\x1b" not in result.output, "control characters in a file name reach the terminal"
    assert "\\x1b[31mred.txt" in result.output

    documents = pd.read_parquet(out / "documents.parquet")
    assert not documents.text.str.contains("机密").any(), "text from outside the input folder got in"
    clean = tmp_path / "clean_in"
    clean.mkdir()
    for name in SAMPLES:
        shutil.copy(RAW / name, clean / name)
    assert extract(str(clean), str(tmp_path / "clean")).exit_code == 0
    for table in DOCUMENT_TABLES:
        theirs = pq.read_table(tmp_path / "clean" / f"{table}.parquet").to_pylist()
        sample_ids = {row["doc_id"] for row in theirs}
        ours = [row for row in pq.read_table(out / f"{table}.parquet").to_pylist() if row["doc_id"] in sample_ids]
        assert ours == theirs, table


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_file_fails_alone(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copy(RAW / SAMPLES[0], corpus / SAMPLES[0])
    locked = corpus / "locked.txt"
    locked.write_text(PROSE * 3, encoding="utf-8")
    locked.chmod(0)
    result = extract(str(corpus), str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    manifest = pd.read_parquet(tmp_path / "out" / "manifest.parquet").set_index("source_file")
    assert manifest.loc["locked.txt", "status"] == "failed"
    assert "permission denied" in manifest.loc["locked.txt", "error"]


def test_a_file_over_its_time_or_memory_budget_fails_and_the_run_goes_on(tmp_path, monkeypatch):
    from pipeline import process

    monkeypatch.setattr(process, "process_document", _wrapping(process.process_document))
    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copy(RAW / SAMPLES[0], corpus / SAMPLES[0])
    (corpus / "slow.txt").write_text("工作总结\n" + PROSE * 3, encoding="utf-8")
    (corpus / "greedy.txt").write_text("工作要点\n" + PROSE * 4, encoding="utf-8")
    result = extract(str(corpus), str(tmp_path / "out"), "--workers", "2",
                     "--file-timeout", "5", "--file-memory", "300")
    assert result.exit_code == 0, result.output
    manifest = pd.read_parquet(tmp_path / "out" / "manifest.parquet").set_index("source_file")
    assert manifest.loc[SAMPLES[0], "status"] == "ok"
    assert manifest.loc["slow.txt", "status"] == "failed"
    assert "not done after 5 s" in manifest.loc["slow.txt", "error"]
    assert manifest.loc["greedy.txt", "status"] == "failed"
    assert "300 MB" in manifest.loc["greedy.txt", "error"]


def test_the_file_a_failing_worker_held_is_done_by_its_replacement(tmp_path, monkeypatch):
    from pipeline import process

    monkeypatch.setattr(process, "process_document", _wrapping(process.process_document))
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "a_crash.txt").write_text("工作总结\n" + PROSE * 3, encoding="utf-8")
    (corpus / "b_slow.txt").write_text("工作要点\n" + PROSE * 3, encoding="utf-8")
    shutil.copy(RAW / SAMPLES[0], corpus / f"c_{SAMPLES[0]}")
    # one worker holds two files: each failure leaves a file it had not begun to the next worker
    result = extract(str(corpus), str(tmp_path / "out"), "--workers", "1", "--file-timeout", "3")
    assert result.exit_code == 0, result.output
    manifest = pd.read_parquet(tmp_path / "out" / "manifest.parquet").set_index("source_file")
    assert "died" in manifest.loc["a_crash.txt", "error"]
    assert "not done after 3 s" in manifest.loc["b_slow.txt", "error"]
    assert manifest.loc[f"c_{SAMPLES[0]}", "status"] == "ok"


def _wrapping(original):
    def process_document(raw):
        if "crash" in raw.source_file:
            os._exit(1)  # as the kernel's OOM killer or a crash in a C extension would end it
        if "slow" in raw.source_file:
            time.sleep(60)
        if "greedy" in raw.source_file:
            hoard = bytearray(2**30)  # noqa: F841 - a gigabyte, well over the budget
        return original(raw)
    return process_document


def test_removing_one_of_two_identical_files_keeps_the_other(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copy(RAW / SAMPLES[0], corpus / "a.txt")
    shutil.copy(RAW / SAMPLES[0], corpus / "b.txt")
    out = tmp_path / "out"
    assert extract(str(corpus), str(out)).exit_code == 0
    manifest = pd.read_parquet(out / "manifest.parquet").set_index("source_file")
    assert manifest.loc["b.txt", "error"] == "same bytes as a.txt"

    (corpus / "a.txt").unlink()
    assert extract(str(corpus), str(out)).exit_code == 0
    manifest = pd.read_parquet(out / "manifest.parquet").set_index("source_file")
    assert list(manifest.index) == ["b.txt"] and manifest.loc["b.txt", "status"] == "ok"
    assert len(pd.read_parquet(out / "documents.parquet")) == 1


def test_a_second_run_into_the_same_folder_is_refused_while_the_first_writes(tmp_path):
    out = tmp_path / "out"
    with Dataset(out, list(TABLES)):
        result = extract(str(RAW), str(out))
    assert result.exit_code == errors.OutputBusy.exit_code
    assert "another policymine run" in result.output and f"pid {os.getpid()}" in result.output
    assert extract(str(RAW), str(out)).exit_code == 0  # the lock died with its holder


def test_report_text_and_file_names_never_become_spreadsheet_formulas(tmp_path):
    from openpyxl import load_workbook

    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copy(RAW / SAMPLES[0], corpus / "=cmd|' -C calc'!A0.txt")
    (corpus / "@SUM(1).md").write_text("notes", encoding="utf-8")
    out = tmp_path / "out"
    assert extract(str(corpus), str(out)).exit_code == 0
    result = CliRunner().invoke(main, ["export", "--format", "csv", "--format", "xlsx", str(out)])
    assert result.exit_code == 0, result.output

    manifest = pd.read_csv(out / "exports" / "csv" / "manifest.csv", encoding="utf-8-sig")
    assert set(manifest.source_file) == {"'=cmd|' -C calc'!A0.txt", "'@SUM(1).md"}
    sheet = load_workbook(out / "exports" / "policymine.xlsx")["manifest"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"], "a cell became a formula"
    assert "'=cmd|' -C calc'!A0.txt" in {cell.value for cell in cells}


NUMERAL_PIECES = ["1", "2", "0", "9", ".", ",", "点", "万", "亿", "千", "百", "十", "零", "两", "一", "三", "廿",
                  "余", "多", "约", "元", "张", "人", "%", "、", "，", "。", "每人每月", "2021年", "到2025年底"]
OUTLINE_PIECES = ["一、", "二、", "（一）", "（二）", "1.", "2.", "（1）", "一是", "二是", "第一部分", "\n", "养老",
                  "。", " "]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(NUMERAL_PIECES), max_size=60).map("".join))
def test_numerals_and_quantities_never_raise(text):
    from extractors.indicators import mentions_in_text
    from extractors.numbers import scan_numerals
    from extractors.quantities import find_quantities

    for numeral in scan_numerals(text):
        assert text[numeral.start:numeral.end] == numeral.text
    find_quantities(text)
    mentions_in_text(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(OUTLINE_PIECES), max_size=80).map("".join))
def test_outlines_never_raise_and_sections_nest(text):
    from pipeline.segment import outline, sentences

    sections = outline(text)
    by_id = {section.section_id: section for section in sections}
    for section in sections:
        if section.parent_id is not None:
            parent = by_id[section.parent_id]
            assert parent.char_start <= section.char_start and section.char_end <= parent.char_end
    for sentence in sentences(text, sections):
        if sentence.section_id is not None:
            assert by_id[sentence.section_id].char_start <= sentence.char_start


def test_an_output_folder_copied_through_its_links_is_repaired_not_a_crash(tmp_path):
    first = tmp_path / "first"
    assert extract(str(RAW), str(first)).exit_code == 0
    copied = tmp_path / "copied"
    shutil.copytree(first, copied)  # follows the links: plain tables and a plain .runs/current
    before = pq.read_table(copied / "indicators.parquet")
    result = extract(str(RAW), str(copied))
    assert result.exit_code == 0, result.output
    assert (copied / ".runs" / "current").is_symlink()
    assert pq.read_table(copied / "indicators.parquet").equals(before)
