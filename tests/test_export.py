"""`policymine export`: CSV, Excel and DuckDB exports of the sample corpus, read back as a user would."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner

from pipeline import export as export_module
from pipeline.cli import main
from pipeline.export import EXPORT_ORDER, chinese_headings, write_csv, write_xlsx
from pipeline.tables import ALL_TABLES

from test_schema_docs import documented_columns


@pytest.fixture(scope="module")
def exported(extracted, tmp_path_factory) -> Path:
    destination = tmp_path_factory.mktemp("exports")
    result = CliRunner().invoke(main, ["export", str(extracted), "--to", str(destination),
                                       "--format", "csv", "--format", "xlsx", "--format", "duckdb"])
    assert result.exit_code == 0, result.output + str(result.exception)
    return destination


def parquet(extracted: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(extracted / f"{name}.parquet")


def test_every_table_is_exported_once():
    assert sorted(EXPORT_ORDER) == sorted(ALL_TABLES)


def test_exports_are_written_whole_with_no_temporary_files_left(exported):
    names = {path.relative_to(exported).as_posix() for path in exported.rglob("*") if path.is_file()}
    assert names == {"policymine.xlsx", "policymine.duckdb"} | {f"csv/{name}.csv" for name in EXPORT_ORDER}


def test_duckdb_holds_every_table_and_the_views(extracted, exported):
    with duckdb.connect(str(exported / "policymine.duckdb"), read_only=True) as db:
        for name in EXPORT_ORDER:
            assert db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] == len(parquet(extracted, name)), name
        panel = parquet(extracted, "panel")
        actual = panel[panel.status == "actual"]
        wide = db.execute("SELECT * FROM panel_wide").df()
        assert set(panel.indicator_code) <= set(wide.columns)
        assert len(wide) == len(actual.groupby(["region_code", "period"]))
        cells = wide.set_index(["region_code", "period"])
        for row in actual.itertuples():
            assert cells.loc[(row.region_code, row.period), row.indicator_code] == row.value
        targets = db.execute("SELECT count(*) FROM panel_wide_target").fetchone()[0]
        assert targets == len(panel[panel.status == "target"].groupby(["region_code", "period"]))

        evidence = db.execute("SELECT * FROM indicator_evidence").df()
        assert set(evidence.columns) == documented_columns()["indicator_evidence"]
        assert len(evidence) == len(parquet(extracted, "indicators"))
        assert all(surface in sentence for surface, sentence in zip(evidence.surface, evidence.sentence))
        assert evidence.title.notna().all()


def test_the_wide_view_has_the_documented_columns_and_one_per_indicator(extracted, exported):
    with duckdb.connect(str(exported / "policymine.duckdb"), read_only=True) as db:
        columns = list(db.execute("SELECT * FROM panel_wide LIMIT 0").df().columns)
    codes = set(parquet(extracted, "panel").indicator_code)
    assert set(columns) == documented_columns()["panel_wide"] | codes
    assert len(columns) == len(set(columns))


def test_pandas_opens_every_sheet_of_the_workbook(extracted, exported):
    sheets = pd.read_excel(exported / "policymine.xlsx", sheet_name=None)
    assert list(sheets) == ["README", *EXPORT_ORDER]
    readme = sheets["README"].set_index("table")
    for name in EXPORT_ORDER:
        original = parquet(extracted, name)
        assert list(sheets[name].columns) == list(original.columns), name
        assert len(sheets[name]) == len(original) == readme.loc[name, "rows"], name
    assert sheets["documents"].title.tolist() == parquet(extracted, "documents").title.tolist()
    assert sheets["panel"].region.tolist() == parquet(extracted, "panel").region.tolist()
    assert json.loads(sheets["documents"].periods[0]) == list(parquet(extracted, "documents").periods[0])


def test_csv_opens_with_the_chinese_intact(extracted, exported):
    assert (exported / "csv" / "documents.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    documents = pd.read_csv(exported / "csv" / "documents.csv", encoding="utf-8-sig")
    original = parquet(extracted, "documents")
    assert documents.columns[0] == "doc_id"  # the byte-order mark is not part of the first heading
    assert documents.title.tolist() == original.title.tolist()
    assert documents.text.tolist() == original.text.tolist()
    assert [json.loads(p) for p in documents.periods] == [list(map(dict, p)) for p in original.periods]
    panel = pd.read_csv(exported / "csv" / "panel.csv", encoding="utf-8-sig")
    assert panel.evidence_sentence.tolist() == parquet(extracted, "panel").evidence_sentence.tolist()
    sections = pd.read_csv(exported / "csv" / "sections.csv", encoding="utf-8-sig", dtype={"parent_id": "string"})
    assert not sections.parent_id.dropna().str.contains(r"\.").any(), "an int column with nulls stays integral"


def test_chinese_headers_cover_every_column_and_stay_distinct():
    for name, schema in ALL_TABLES.items():
        headings = chinese_headings(name, schema.names)
        untranslated = [column for column, heading in zip(schema.names, headings) if heading == column]
        assert not untranslated, f"lexicons/column_names_zh.yaml has no heading for {name}: {untranslated}"
        assert len(set(headings)) == len(headings), name


def test_chinese_headers_in_csv_and_xlsx(extracted, tmp_path):
    result = CliRunner().invoke(main, ["export", str(extracted), "--to", str(tmp_path), "--chinese-headers",
                                       "--format", "csv", "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    panel = pd.read_csv(tmp_path / "csv" / "panel.csv", encoding="utf-8-sig")
    assert {"行政区划代码", "地区", "时期", "指标代码", "数值", "来源不一致"} <= set(panel.columns)
    sheets = pd.read_excel(tmp_path / "policymine.xlsx", sheet_name=None)
    assert list(sheets)[:2] == ["说明", "指标面板"]
    assert "处理状态" in sheets["处理清单"].columns and "实绩或目标" in sheets["指标提及"].columns


def test_chinese_headers_are_refused_for_duckdb(extracted, tmp_path):
    result = CliRunner().invoke(main, ["export", str(extracted), "--to", str(tmp_path), "--chinese-headers",
                                       "--format", "duckdb"])
    assert result.exit_code == 2 and "--chinese-headers" in result.output
    assert not any(tmp_path.iterdir())


def test_missing_tables_give_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["export", str(tmp_path), "--format", "csv"])
    assert result.exit_code == 1
    assert "make extract" in result.output and "documents.parquet" in result.output


def long_text_table(length: int) -> pa.Table:
    return pa.table({"doc_id": ["a", "b"], "text": ["字" * length, "第一行\n第二行\x07"]})


def test_text_longer_than_a_cell_is_cut_with_a_note(tmp_path):
    workbook = write_xlsx({"documents": long_text_table(40_000)}, tmp_path / "out.xlsx", chinese=False)
    sheets = pd.read_excel(workbook, sheet_name=None)
    cut = sheets["documents"].text[0]
    assert len(cut) == 32_767 and cut.endswith("[truncated: full text in documents.parquet]")
    assert sheets["documents"].text[1] == "第一行\n第二行"  # a control character Excel refuses is dropped
    assert "1 cells" in sheets["README"].note[0]


def test_a_table_longer_than_a_sheet_continues_on_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(export_module, "EXCEL_DATA_ROWS", 3)
    table = pa.table({"n": list(range(7))})
    sheets = pd.read_excel(write_xlsx({"panel": table}, tmp_path / "out.xlsx", chinese=False), sheet_name=None)
    assert list(sheets) == ["README", "panel", "panel (2)", "panel (3)"]
    assert pd.concat([sheets[s] for s in list(sheets)[1:]]).n.tolist() == list(range(7))
    assert "3 sheets" in sheets["README"].note[0]


def test_a_table_read_from_its_file_a_few_rows_at_a_time_exports_as_a_whole(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    table = pa.table({"n": list(range(7)), "values": [[i, None] if i % 2 else None for i in range(7)],
                      "text": ["=SUM(A1)", None, "字", "-1", "a", "b", "c"]})
    path = tmp_path / "panel.parquet"
    pq.write_table(table, path)
    whole = write_csv({"panel": table}, tmp_path / "whole", chinese=False)[0].read_bytes()
    monkeypatch.setattr(export_module, "EXPORT_BATCH_ROWS", 2)
    monkeypatch.setattr(export_module, "EXCEL_DATA_ROWS", 3)
    assert write_csv({"panel": path}, tmp_path / "batched", chinese=False)[0].read_bytes() == whole
    sheets = pd.read_excel(write_xlsx({"panel": path}, tmp_path / "out.xlsx", chinese=False), sheet_name=None)
    assert list(sheets) == ["README", "panel", "panel (2)", "panel (3)"]
    assert pd.concat([sheets[s] for s in list(sheets)[1:]]).n.tolist() == list(range(7))
    assert sheets["README"].rows[0] == 7


def test_a_failed_export_leaves_the_previous_file_in_place(tmp_path, monkeypatch):
    import openpyxl

    destination = tmp_path / "policymine.xlsx"
    destination.write_bytes(b"previous export")

    save = openpyxl.Workbook.save

    def save_then_fail(workbook, filename):
        save(workbook, filename)
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", save_then_fail)
    with pytest.raises(OSError):
        write_xlsx({"documents": long_text_table(10)}, destination, chinese=False)
    assert destination.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["policymine.xlsx"]
