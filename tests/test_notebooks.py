"""The notebooks run headless on a fresh extraction of the sample corpus, as `make notebooks` runs them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


from conftest import ROOT

RUNNER = ROOT / "notebooks" / "execute.py"


def run_notebooks(extracted: Path, figures: Path, *notebooks: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "POLICYMINE_PROCESSED": str(extracted), "POLICYMINE_FIGURES": str(figures)}
    paths = [str(ROOT / "notebooks" / name) for name in notebooks]
    return subprocess.run([sys.executable, str(RUNNER), *paths], env=env, capture_output=True, text=True,
                          timeout=300)


def test_both_notebooks_run_and_save_their_figures(extracted, tmp_path):
    result = run_notebooks(extracted, tmp_path)
    assert result.returncode == 0, result.stderr[-5000:]
    assert result.stdout.split() == ["ran", "01_quickstart.ipynb", "ran", "02_compare_places.ipynb"]
    figures = sorted(tmp_path.glob("*.png"))
    assert [p.name for p in figures] == ["indicator_series.png", "indicator_top_places.png", "panel_coverage.png",
                                         "theme_shares_by_place.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 20_000 for p in figures)


def test_a_notebook_without_tables_says_to_run_make_extract(tmp_path):
    result = run_notebooks(tmp_path, tmp_path, "01_quickstart.ipynb")
    assert result.returncode == 1
    assert "TablesMissing" in result.stderr and "make extract" in result.stderr
