"""Hostile corpora: bad files are isolated and named, duplicates are marked, a killed run loses nothing."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.schema import DERIVED_TABLES, DOCUMENT_TABLES, TABLES
from pipeline.writer import COMMIT_STEPS, CRASH_AT_VARIABLE

from conftest import RAW, ROOT

BIN = Path(sys.executable).parent


def write_bad_files(folder: Path) -> dict[str, str]:
    """Ten inputs that are not readable reports, each with a word its error must contain."""
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_bytes(b" \n\t\n")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "english.txt").write_text("Quarterly figures for the county. " * 40, encoding="utf-8")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip archive")
    with zipfile.ZipFile(folder / "not_office.docx", "w") as archive:
        archive.writestr("hello.txt", "民政")
    (folder / "fake.pdf").write_bytes(b"this is no pdf at all, just text pretending")
    (folder / "truncated.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
    with open(folder / "huge.txt", "wb") as fh:  # sparse: huge on paper, nothing to write
        fh.truncate(60 * 2**20)
    (folder / "menu.html").write_text("<html><body><a href='/'>首页</a> <a href='/a'>新闻</a></body></html>",
                                      encoding="utf-8")
    return {"empty.txt": "empty", "blank.txt": "empty", "junk.txt": "binary", "english.txt": "not a Chinese report",
            "broken.docx": "docx", "not_office.docx": "docx", "fake.pdf": "PDF", "truncated.pdf": "PDF",
            "huge.txt": "too large", "menu.html": "not a Chinese report"}


def test_bad_files_are_named_in_the_manifest_and_the_seeds_are_unchanged(extracted, tmp_path):
    corpus = tmp_path / "raw"
    shutil.copytree(RAW, corpus)
    reasons = write_bad_files(corpus / "bad")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["extract", str(corpus), str(out)])
    assert result.exit_code == 0, result.output
    manifest = pd.read_parquet(out / "manifest.parquet").set_index("source_file")
    for name, word in reasons.items():
        row = manifest.loc[f"bad/{name}"]
        assert row.status == "failed", name
        assert word.lower() in row.error.lower(), (name, row.error)
        assert f"bad/{name}: {row.error}" in result.stderr
    assert "5 ok, 10 failed, 1 skipped" in result.stdout
    for name in DOCUMENT_TABLES:
        assert (out / f"{name}.parquet").read_bytes() == (extracted / f"{name}.parquet").read_bytes(), name

    strict = CliRunner().invoke(main, ["extract", str(corpus), str(out), "--strict"])
    assert strict.exit_code == 1


def test_a_mirrored_report_is_marked_as_a_duplicate(tmp_path):
    corpus = tmp_path / "raw"
    corpus.mkdir()
    original = (RAW / "004_5611c76e844a341e.txt").read_text(encoding="utf-8")
    body = original.split("\n", 5)[5]
    (corpus / "a_portal.txt").write_text(original, encoding="utf-8")
    mirror = ("当前位置:首页 > 范文大全 > 工作计划\n2021年全市民政工作要点\n时间:2021-09-01 浏览量:\n"
              + body.replace("进一步完善", "进一步健全") + "\n推荐访问:工作要点\n")
    (corpus / "b_repost.txt").write_bytes(mirror.encode("gb18030"))
    shutil.copy(RAW / "000_7b6e188c34807afc.txt", corpus / "c_other.txt")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["extract", str(corpus), str(out)]).exit_code == 0
    docs = pd.read_parquet(out / "documents.parquet").set_index("source_file")
    assert docs.loc["b_repost.txt", "duplicate_of"] == docs.loc["a_portal.txt", "doc_id"]
    assert pd.isna(docs.loc["a_portal.txt", "duplicate_of"])
    assert pd.isna(docs.loc["c_other.txt", "duplicate_of"])


def _dataset(out: Path) -> dict[str, list]:
    """Every table as its rows (the manifest without its timing)."""
    tables = {name: pq.read_table(out / f"{name}.parquet") for name in [*TABLES, *DERIVED_TABLES]}
    tables["manifest"] = tables["manifest"].drop(["seconds"])
    return {name: table.to_pylist() for name, table in tables.items()}


@pytest.mark.parametrize("step", COMMIT_STEPS)
def test_a_run_killed_at_any_commit_step_leaves_the_old_or_the_new_dataset_and_the_next_run_repairs(tmp_path, step):
    corpus, out, fresh = tmp_path / "corpus", tmp_path / "out", tmp_path / "fresh"
    corpus.mkdir()
    shutil.copy(RAW / "003_8057266bf11dcad7.txt", corpus)
    assert CliRunner().invoke(main, ["extract", str(corpus), str(out)]).exit_code == 0
    old = _dataset(out)
    shutil.copy(RAW / "001_899b019fe3e48499.txt", corpus)
    assert CliRunner().invoke(main, ["extract", str(corpus), str(fresh)]).exit_code == 0
    new = _dataset(fresh)

    killed = subprocess.run([BIN / "policymine", "extract", str(corpus), str(out)], capture_output=True,
                            env={**os.environ, CRASH_AT_VARIABLE: step})
    assert killed.returncode == 70, killed.stderr
    assert _dataset(out) == (old if step == "written" else new)

    result = CliRunner().invoke(main, ["extract", str(corpus), str(out)])
    assert result.exit_code == 0, result.output
    assert _dataset(out) == new
    assert sorted(p.name for p in (out / ".runs").iterdir()) == sorted(
        ["current", "lock", (out / ".runs" / "current").resolve().name]), "leftovers of the killed run"
    assert not list(out.glob(".*.tmp"))


def test_tables_of_an_older_layout_are_adopted_and_a_kill_leaves_them_readable(tmp_path):
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["extract", str(RAW), str(out)]).exit_code == 0
    before = _dataset(out)
    for path in out.glob("*.parquet"):  # the plain files an older version wrote
        data = path.read_bytes()
        path.unlink()
        path.write_bytes(data)
    shutil.rmtree(out / ".runs")
    (out / ".indicators.parquet.999999.tmp").write_bytes(b"left by a killed run")

    result = CliRunner().invoke(main, ["extract", str(RAW), str(out)])
    assert result.exit_code == 0 and "up to date" in result.output, result.output
    assert all(path.is_symlink() for path in out.glob("*.parquet"))
    assert _dataset(out) == before
    assert not list(out.glob(".*.tmp"))
