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
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.schema import DOCUMENT_TABLES, TABLES

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


def test_a_run_killed_mid_write_leaves_the_previous_tables_and_the_next_run_completes(tmp_path):
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(ROOT / "bench" / "make_corpus.py"), str(corpus), "--documents", "120"],
                   check=True, capture_output=True)
    out = tmp_path / "out"
    subprocess.run([BIN / "policymine", "extract", str(corpus), str(out)], check=True, capture_output=True)
    before = {name: (out / f"{name}.parquet").read_bytes() for name in TABLES}

    (corpus / "late_addition.txt").write_bytes((RAW / "004_5611c76e844a341e.txt").read_bytes())
    run = subprocess.Popen([BIN / "policymine", "extract", str(corpus), str(out), "--force"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(out.glob(".*.tmp")) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert run.poll() is None, "the run ended before it could be killed"
    time.sleep(0.3)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()

    for name, data in before.items():
        assert (out / f"{name}.parquet").read_bytes() == data, f"{name} changed under a killed run"
        pd.read_parquet(out / f"{name}.parquet")
    subprocess.run([BIN / "policymine", "extract", str(corpus), str(out)], check=True, capture_output=True)
    assert "late_addition.txt" in set(pd.read_parquet(out / "manifest.parquet").source_file)
    assert not [p for p in out.glob(".*.tmp") if p.stat().st_size and _alive(p)]


def _alive(temporary: Path) -> bool:
    """A temporary file is stale once the process whose pid it carries is gone."""
    pid = int(temporary.name.rsplit(".", 2)[-2])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
