"""Shared fixtures: the sample corpus and one extraction of it for the whole session."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "gold" / "dev"
SCORER = SHARED / "eval" / "score.py"


def seed_paths() -> list[Path]:
    return sorted(RAW.glob("*.txt"))


@pytest.fixture(scope="session")
def seeds() -> list[Path]:
    paths = seed_paths()
    assert len(paths) == 5, "the sample corpus in data/raw should hold the five seed reports"
    return paths


@pytest.fixture(scope="session")
def extracted(tmp_path_factory) -> Path:
    """The seeds extracted once through the CLI, as a user runs it."""
    from click.testing import CliRunner

    from pipeline.cli import main

    out = tmp_path_factory.mktemp("processed")
    result = CliRunner().invoke(main, ["extract", str(RAW), str(out)])
    assert result.exit_code == 0, result.output + str(result.exception)
    return out


@pytest.fixture(scope="session")
def tables(extracted) -> dict[str, pd.DataFrame]:
    from pipeline.schema import TABLES

    return {name: pd.read_parquet(extracted / f"{name}.parquet") for name in TABLES}
