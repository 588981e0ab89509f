"""A bad day at the command line: one clear line, its own exit status, the previous tables untouched."""
from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import errors
from pipeline.cli import main

from conftest import RAW


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file a reader can reach, through the table links, and the committed runs; not the
    lock file, which records who last held it."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "lock"}


@pytest.fixture
def previous(extracted, tmp_path) -> Path:
    """An output folder holding the tables of an earlier run."""
    out = tmp_path / "out"
    shutil.copytree(extracted, out, symlinks=True)  # the tables are links into the committed run
    return out


def assert_one_line_error(result, exit_code: int, *words: str) -> None:
    assert result.exit_code == exit_code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("policymine: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]


def test_an_empty_input_folder(previous, tmp_path):
    before = snapshot(previous)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.md").write_text("not a report", encoding="utf-8")
    result = run("extract", tmp_path / "empty", previous)
    assert_one_line_error(result, errors.NoReports.exit_code, "no report file")
    assert snapshot(previous) == before


def test_an_input_where_every_file_fails(previous, tmp_path):
    before = snapshot(previous)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "english.txt").write_text("Minutes of the county meeting. " * 40, encoding="utf-8")
    (bad / "fake.pdf").write_bytes(b"no pdf at all")
    result = run("extract", bad, previous)
    assert result.exit_code == errors.NothingReadable.exit_code, result.output
    assert "Traceback" not in result.output
    final = result.stderr.strip().splitlines()[-1]  # after one warning per failed file
    assert final.startswith("policymine: no report under") and "3 failed" in final
    assert snapshot(previous) == before


@contextmanager
def read_only(folder: Path):
    """No new file can be made in `folder`: chmod for a user, the immutable flag for root (who
    ignores permission bits)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)


def test_a_read_only_output_folder(previous):
    before = snapshot(previous)
    with read_only(previous):
        result = run("extract", RAW, previous, "--force")
    assert_one_line_error(result, errors.OutputNotWritable.exit_code, "cannot write into", str(previous))
    assert snapshot(previous) == before


def test_an_output_folder_whose_parent_is_missing(tmp_path):
    result = run("extract", RAW, tmp_path / "no" / "such" / "out")
    assert_one_line_error(result, errors.OutputNotWritable.exit_code, "does not exist")
    assert not (tmp_path / "no").exists()


def test_an_output_path_that_is_a_file(tmp_path):
    (tmp_path / "out").write_text("x")
    assert_one_line_error(run("extract", RAW, tmp_path / "out"), errors.OutputNotWritable.exit_code, "is a file")


def test_an_input_folder_that_does_not_exist(tmp_path):
    result = run("extract", tmp_path / "nowhere", tmp_path / "out")
    assert_one_line_error(result, errors.InputNotFound.exit_code, "no such folder")
    assert not (tmp_path / "out").exists()


def test_indicators_of_a_missing_file_is_an_error_not_text(tmp_path):
    assert_one_line_error(run("indicators", tmp_path / "report.docx"), errors.InputNotFound.exit_code,
                          "no such file")
    assert_one_line_error(run("indicators", "reports/2021/summary"), errors.InputNotFound.exit_code)
    assert_one_line_error(run("indicators", tmp_path), errors.InputNotFound.exit_code, "is a folder")


def test_indicators_of_a_long_passage(tmp_path):
    passage = "全年新增养老床位3182张，发放临时救助资金1907万元，惠及困难群众5794人次。" * 8
    assert len(passage.encode()) > 255
    result = run("indicators", passage)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("3182张") == 8
    # a passage with slashes in its units is a passage, not a path
    assert "800元/人/月" in run("indicators", "城乡低保标准提高到800元/人/月。").stdout


def test_review_and_export_of_a_folder_without_tables(tmp_path):
    for args in (["review", tmp_path], ["export", tmp_path, "--format", "csv"]):
        assert_one_line_error(run(*args), errors.TablesNotFound.exit_code, "make extract")


def test_a_bug_is_reported_as_one(monkeypatch):
    def broken(_text):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("pipeline.api.indicator_rows", broken)
    result = run("indicators", "全年新增养老床位3182张。")
    assert result.exit_code == errors.INTERNAL_ERROR
    assert "Traceback" in result.stderr
    assert "internal error" in result.stderr.splitlines()[-1] and "ZeroDivisionError" in result.stderr


def test_the_summary_names_failures_manifest_and_duplicates(tmp_path):
    corpus = tmp_path / "raw"
    shutil.copytree(RAW, corpus)
    (corpus / "empty.txt").write_bytes(b"")
    original = (RAW / "000_7b6e188c34807afc.txt").read_text(encoding="utf-8")
    (corpus / "zz_repost.txt").write_text(original.replace("进一步", "更进一步", 1), encoding="utf-8")
    out = tmp_path / "out"
    result = run("extract", corpus, out)
    assert result.exit_code == 0, result.output
    assert "policymine: empty.txt: empty file" in result.stderr
    assert "6 ok, 1 failed, 1 skipped" in result.stdout
    assert "failed: empty.txt (empty file)" in result.stdout
    assert "near-duplicates: 1 report" in result.stdout
    assert f"manifest: {out / 'manifest.parquet'}" in result.stdout and f"tables: {out}" in result.stdout

    quiet = run("extract", corpus, out, "--quiet")
    assert quiet.exit_code == 0 and quiet.output == ""
    verbose = run("extract", corpus, out, "--force", "-v")
    assert "000_7b6e188c34807afc.txt: ok" in verbose.stderr


def test_many_failures_are_counted_not_listed(tmp_path):
    corpus = tmp_path / "raw"
    shutil.copytree(RAW, corpus)
    for i in range(7):  # different bytes each, so that none is a copy of another
        (corpus / f"binary{i}.txt").write_bytes(bytes([0, 1, 2, i]) * 64)
    result = run("extract", corpus, tmp_path / "out")
    assert "failed: 7 files, each with its reason in the manifest" in result.stdout
