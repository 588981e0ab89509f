"""The whole pipeline through the CLI, on the sample corpus, as a researcher runs it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.schema import TABLES

from conftest import GOLD, RAW, SCORER


def score(kind: str, target: Path) -> dict:
    if not SCORER.exists():
        pytest.skip("the shared scorer (../shared/eval/score.py) is not beside this checkout")
    out = subprocess.run([sys.executable, str(SCORER), kind, str(GOLD), str(target)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_every_table_matches_its_schema(extracted):
    for name, schema in TABLES.items():
        table = pq.read_table(extracted / f"{name}.parquet")
        assert table.schema.equals(schema), name


def test_manifest_records_every_input(tables):
    manifest = tables["manifest"].set_index("source_file")
    inputs = sorted(p.name for p in RAW.iterdir() if not p.name.startswith("."))
    assert sorted(manifest.index) == inputs
    assert (manifest.loc[[p for p in inputs if p.endswith(".txt")], "status"] == "ok").all()
    assert manifest.loc["SOURCES.md", "status"] == "skipped"
    assert len(tables["documents"]) == 5


def test_spans_point_into_the_normalised_text(tables):
    texts = dict(zip(tables["documents"].doc_id, tables["documents"].text))
    for row in tables["sentences"].itertuples():
        assert texts[row.doc_id][row.char_start:row.char_end] == row.text
    for row in tables["sections"].itertuples():
        span = texts[row.doc_id][row.char_start:row.char_end]
        assert span.startswith(row.marker + row.heading)
    for row in tables["indicators"].itertuples():
        assert texts[row.doc_id][row.char_start:row.char_end] == row.surface


def test_document_metadata_matches_the_gold(extracted):
    result = score("documents", extracted)
    assert result["found"] == result["total"] == 5
    for field in ("region", "region_code", "province", "admin_level", "doc_type", "publish_date", "periods"):
        assert result[f"acc_{field}"] == 1.0, field


def test_a_second_run_writes_identical_bytes(extracted, tmp_path):
    result = CliRunner().invoke(main, ["extract", str(RAW), str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in TABLES:
        if name == "manifest":  # its `seconds` column times the run
            continue
        assert (tmp_path / f"{name}.parquet").read_bytes() == (extracted / f"{name}.parquet").read_bytes(), name


def test_summary_line_and_help(tmp_path):
    result = CliRunner().invoke(main, ["extract", str(RAW), str(tmp_path), "--workers", "2"])
    assert result.exit_code == 0
    assert "5 ok, 0 failed, 1 skipped" in result.output
    assert "INPUT_DIR" in CliRunner().invoke(main, ["extract", "--help"]).output
