"""Where the processed tables live and how to open them, for the exports and the notebooks."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from pipeline.schema import DERIVED_TABLES, TABLES

ROOT = Path(__file__).resolve().parent.parent
ALL_TABLES = {**TABLES, **DERIVED_TABLES}


class TablesMissing(FileNotFoundError):
    pass


def processed_dir() -> Path:
    """`$POLICYMINE_PROCESSED` when set, else this checkout's data/processed (what `make extract` fills)."""
    return Path(os.environ.get("POLICYMINE_PROCESSED") or ROOT / "data" / "processed")


def require_tables(directory: Path, names=ALL_TABLES) -> None:
    missing = [name for name in names if not (directory / f"{name}.parquet").is_file()]
    if missing:
        raise TablesMissing(
            f"{directory} has no {', '.join(f'{name}.parquet' for name in missing)}: "
            f"run `make extract` (or `policymine extract data/raw {directory}`) first")


def read_tables(directory: Path | None = None, names=ALL_TABLES) -> dict[str, pd.DataFrame]:
    """Every table as a DataFrame; a clear error when the pipeline has not been run."""
    directory = Path(directory) if directory is not None else processed_dir()
    require_tables(directory, names)
    return {name: pd.read_parquet(directory / f"{name}.parquet") for name in names}
