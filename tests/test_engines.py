"""Incremental runs and the Dask engine write exactly what a fresh local run writes."""
from __future__ import annotations

import re
import shutil

import pyarrow.parquet as pq
from click.testing import CliRunner

from pipeline import errors
from pipeline.cli import main
from pipeline.schema import DOCUMENT_TABLES

from conftest import RAW


def extract(*args: str) -> str:
    result = CliRunner().invoke(main, ["extract", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def same_tables(a, b) -> None:
    for name in DOCUMENT_TABLES:
        assert (a / f"{name}.parquet").read_bytes() == (b / f"{name}.parquet").read_bytes(), name
    assert pq.read_table(a / "manifest.parquet").drop(["seconds"]).equals(
        pq.read_table(b / "manifest.parquet").drop(["seconds"]))


def test_dask_engine_on_a_local_cluster_equals_the_local_engine(extracted, tmp_path):
    extract(str(RAW), str(tmp_path), "--engine", "dask")
    same_tables(tmp_path, extracted)


def test_unchanged_inputs_are_not_processed_again(extracted, tmp_path):
    corpus = tmp_path / "raw"
    shutil.copytree(RAW, corpus)
    out = tmp_path / "out"
    extract(str(corpus), str(out))
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")}
    assert "up to date" in extract(str(corpus), str(out))
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet")} == before

    # one report changes: only it is processed (the other four are reused; SOURCES.md is never
    # read), and the tables equal a fresh run's
    changed = corpus / "001_899b019fe3e48499.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("同志们", "各位同志"), encoding="utf-8")
    assert "4 unchanged" in extract(str(corpus), str(out))
    fresh = tmp_path / "fresh"
    extract(str(corpus), str(fresh))
    same_tables(out, fresh)

    assert re.search(r"\d+ unchanged", extract(str(corpus), str(out), "--force")) is None
    same_tables(out, fresh)


def test_a_cluster_without_workers_is_a_clear_error_not_a_hang(tmp_path):
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None) as cluster:
        result = CliRunner().invoke(main, ["extract", str(RAW), str(tmp_path / "out"), "--engine", "dask",
                                           "--scheduler", cluster.scheduler_address, "--dask-timeout", "1"])
    assert result.exit_code == errors.EngineUnavailable.exit_code
    assert "no workers" in result.output
