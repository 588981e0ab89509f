"""The panel's reconciliation rules on small synthetic tables, and the panel of the sample corpus."""
from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.errors import MemoryBudget
from pipeline.panel import build_derived_tables, connect, panel_batches, theme_share_batches
from pipeline.schema import (DERIVED_TABLES, DOCUMENTS, INDICATORS, PANEL, SECTIONS, SENTENCES,
                             THEME_SHARES_DOCUMENT, THEME_SHARES_REGION)

from conftest import GOLD, SCORER
from test_schema_docs import documented_columns

NAMES = {"eldercare_beds": ("养老机构床位", "Eldercare institution beds", "bed", "stock"),
         "orphan_care_standard": ("孤儿养育标准", "Orphan care standard", "CNY/person/month", "standard")}
SUMMARY_2020 = [{"period": "2020", "status": "actual"}, {"period": "2021", "status": "target"}]


def frame(schema: pa.Schema, rows: list[dict]) -> pa.Table:
    """Rows as the pipeline writes them: an Arrow table with the table's exact schema."""
    return pa.Table.from_pylist(rows, schema=schema)


def document(doc_id: str, published: str | None = None, periods=SUMMARY_2020,
             region_code: str | None = "330100", region: str | None = "杭州市",
             duplicate_of: str | None = None) -> dict:
    return {"doc_id": doc_id, "region_code": region_code, "region": region, "province": "浙江省",
            "admin_level": "prefecture", "periods": periods, "duplicate_of": duplicate_of,
            "publish_date": dt.date.fromisoformat(published) if published else None}


def mention(doc_id: str, value: float, status: str = "actual", period: str = "2020",
            qualifier: str = "exact", code: str | None = "eldercare_beds", char_start: int = 0,
            unit: str = "bed", kind: str | None = "stock", previous: bool = False) -> dict:
    return {"doc_id": doc_id, "sentence_id": 0, "section_id": 0, "char_start": char_start,
            "char_end": char_start + 5, "surface": f"{value:g}张", "value": value, "unit": unit,
            "qualifier": qualifier, "subject": "养老机构床位", "indicator_code": code, "status": status,
            "period": period, "theme": "elderly_care", "region_code": "330100",
            "measure_kind": kind, "is_previous_value": previous}


def panel(documents: list[dict], mentions: list[dict], duplicate_of: dict[str, str] | None = None) -> pd.DataFrame:
    docs = frame(DOCUMENTS, [{**d, "duplicate_of": (duplicate_of or {}).get(d["doc_id"])} for d in documents])
    sentences = pa.Table.from_pylist([{"doc_id": d["doc_id"], "sentence_id": 0, "char_start": 0, "char_end": 20,
                                       "text": f"{d['doc_id']}的句子。", "themes": []} for d in documents],
                                     schema=SENTENCES)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sentences.parquet"
        pq.write_table(sentences, path)
        batches = list(panel_batches(docs, frame(INDICATORS, mentions), path, NAMES, batch_rows=1))
        return pa.Table.from_batches(batches, schema=PANEL).to_pandas()


def only_row(table: pd.DataFrame) -> pd.Series:
    assert len(table) == 1, table
    return table.iloc[0]


def test_actual_beats_target_for_the_same_period():
    row = only_row(panel([document("plan", "2020-01-15", [{"period": "2020", "status": "target"}]),
                          document("summary", "2021-03-17")],
                         [mention("plan", 5000, status="target"), mention("summary", 4800)]))
    assert (row.status, row.value, row.doc_ids.tolist(), row.n_mentions) == ("actual", 4800, ["summary"], 1)
    assert not row.conflict  # a plan that was missed does not contradict what was done


def test_a_period_with_only_a_target_keeps_the_target():
    row = only_row(panel([document("plan", "2021-07-21", [{"period": "2021", "status": "target"}])],
                         [mention("plan", 1500, status="target", period="2021")]))
    assert (row.status, row.period, row.value) == ("target", "2021", 1500)


def test_the_report_nearest_the_period_wins_and_the_disagreement_stays_visible():
    # "a_" sorts first, so only the distance rule makes the 2021 report win.
    row = only_row(panel([document("a_2022_report", "2022-03-01", [{"period": "2021", "status": "actual"}]),
                          document("b_2021_report", "2021-03-17")],
                         [mention("a_2022_report", 3200), mention("b_2021_report", 3182)]))
    assert row.value == 3182
    assert row.evidence_doc_id == "b_2021_report"
    assert row.doc_ids.tolist() == ["b_2021_report", "a_2022_report"]
    assert row.conflict
    assert row.values_reported.tolist() == [3182, 3200]


def test_the_report_year_comes_from_the_periods_when_the_date_is_unknown():
    def periods(*pairs):
        return [{"period": period, "status": status} for period, status in pairs]

    def report_year(published, covered):
        with tempfile.TemporaryDirectory() as workspace, connect(workspace) as db:
            return db.execute("SELECT report_year(?::DATE, ?::STRUCT(period VARCHAR, status VARCHAR)[])",
                              [published, covered]).fetchone()[0]

    assert report_year(None, SUMMARY_2020) == 2021
    assert report_year(None, periods(("2019", "actual"), ("2020", "target"))) == 2020
    assert report_year(None, periods(("2020H1", "actual"), ("2020H2", "target"))) == 2020
    assert report_year(None, periods(("2020", "actual"))) == 2021
    assert report_year(None, periods(("2020H1", "actual"))) == 2020
    assert report_year(None, []) is None
    assert report_year(dt.date(2019, 12, 30), SUMMARY_2020) == 2019
    row = only_row(panel([document("a_undated_2023", None, [{"period": "2022", "status": "actual"}]),
                          document("b_undated_2021", None)],
                         [mention("a_undated_2023", 3300), mention("b_undated_2021", 3182)]))
    assert row.evidence_doc_id == "b_undated_2021"


def test_exact_beats_approximate_and_a_rounded_figure_agrees_with_the_exact_one():
    row = only_row(panel([document("a_approx", "2021-03-01"), document("b_exact", "2021-04-01")],
                         [mention("a_approx", 37000, qualifier="approx"), mention("b_exact", 36912)]))
    assert (row.value, row.qualifier, row.evidence_doc_id) == (36912, "exact", "b_exact")
    assert not row.conflict
    assert row.n_mentions == 2


@pytest.mark.parametrize("qualifier, value, conflict", [
    ("more_than", 100, False), ("at_least", 150, False), ("at_most", 100, True), ("approx", 120, True),
])
def test_bounded_figures_conflict_only_when_they_exclude_the_exact_one(qualifier, value, conflict):
    row = only_row(panel([document("a", "2021-03-01"), document("b", "2021-03-01")],
                         [mention("a", value, qualifier=qualifier), mention("b", 150)]))
    assert row.value == 150
    assert row.conflict == conflict


def test_disagreeing_sources_are_flagged_never_averaged():
    row = only_row(panel([document("a", "2021-03-01"), document("b", "2021-05-01")],
                         [mention("a", 100), mention("b", 120)]))
    assert row.value == 100
    assert row.conflict
    assert sorted(row.values_reported) == [100, 120]


def test_a_duplicate_document_counts_once():
    documents = [document("original", "2021-03-01"), document("repost", "2021-03-01")]
    # The repost's figure differs (a typo on the repost site): counted, it would be a conflict.
    mentions = [mention("original", 3182), mention("repost", 3128)]
    row = only_row(panel(documents, mentions, duplicate_of={"repost": "original"}))
    assert (row.n_mentions, row.doc_ids.tolist(), row.conflict) == (1, ["original"], False)
    # The same tables without the column (before issue 7) or with nothing marked count both.
    assert only_row(panel(documents, mentions)).n_mentions == 2
    assert only_row(panel(documents, mentions, duplicate_of={})).n_mentions == 2


def test_only_coded_mentions_of_placed_documents_enter_the_panel():
    table = panel([document("placed", "2021-03-01"), document("unplaced", "2021-03-01", region_code=None)],
                  [mention("placed", 7, code=None), mention("unplaced", 9), mention("placed", 3182, char_start=10)])
    row = only_row(table)
    assert (row.value, row.indicator_name_zh, row.indicator_name_en) == (3182, *NAMES["eldercare_beds"][:2])
    assert (row.evidence_sentence, row.evidence_char_start) == ("placed的句子。", 10)


def test_what_is_unknown_stays_null():
    unnamed_province = {**document("d", "2021-03-01"), "province": None}
    row = only_row(panel([unnamed_province], [mention("d", 5, code="not_in_the_catalogue")]))
    assert pd.isna(row.province) and pd.isna(row.indicator_name_zh) and row.region == "杭州市"


def test_one_row_per_place_period_and_indicator():
    table = panel([document("hz", "2021-03-01"), document("gz", "2021-03-01", region_code="440100", region="广州市")],
                  [mention("hz", 2571), mention("hz", 2700, status="target", period="2021"),
                   mention("gz", 2570), mention("gz", 2571, char_start=30)])
    assert table[["region", "period", "status", "value"]].values.tolist() == [
        ["杭州市", "2020", "actual", 2571], ["杭州市", "2021", "target", 2700], ["广州市", "2020", "actual", 2570]]
    assert table.set_index("region").loc["广州市", "conflict"]


def sentence(doc_id: str, sentence_id: int, section_id: int | None, length: int, themes: list[str]) -> dict:
    start = sentence_id * 100
    return {"doc_id": doc_id, "sentence_id": sentence_id, "section_id": section_id, "char_start": start,
            "char_end": start + length, "text": "字" * length, "themes": themes}


def shares_through_arrow(documents, sections, sentences) -> tuple[list[dict], list[dict]]:
    """The theme-share rows, checked against their schemas as the writer will."""
    rows: dict[str, list[dict]] = {"theme_shares_document": [], "theme_shares_region": []}
    for name, columns in theme_share_batches(documents, sections, sentences):
        rows[name] += [dict(zip(columns, values)) for values in zip(*columns.values())]
    return (pa.Table.from_pylist(rows["theme_shares_document"], schema=THEME_SHARES_DOCUMENT).to_pylist(),
            pa.Table.from_pylist(rows["theme_shares_region"], schema=THEME_SHARES_REGION).to_pylist())


def test_theme_shares_are_character_weighted_per_period_and_region():
    documents = frame(DOCUMENTS, [document("long", "2021-03-01"), document("short", "2021-04-01"),
                                  document("plan", "2021-02-01", [{"period": "2021", "status": "target"}]),
                                  document("unplaced", "2021-02-01", [{"period": "2021", "status": "target"}],
                                           region_code=None, region=None)])
    sections = frame(SECTIONS, [{"doc_id": "long", "section_id": 0, "period": "2020", "status": "actual"},
                                {"doc_id": "long", "section_id": 1, "period": "2021", "status": "target"},
                                {"doc_id": "short", "section_id": 0, "period": "2020", "status": "actual"}])
    sentences = frame(SENTENCES, [
        sentence("long", 0, None, 50, ["elderly_care"]),  # before any heading, in a two-period report: no part
        sentence("long", 1, 0, 30, ["elderly_care", "social_assistance"]),
        sentence("long", 2, 0, 60, ["social_assistance"]),
        sentence("long", 3, 0, 10, []),
        sentence("long", 4, 1, 40, ["elderly_care"]),
        sentence("short", 0, 0, 20, ["elderly_care"]),
        sentence("short", 1, 0, 20, ["child_welfare"]),
        sentence("plan", 0, None, 25, ["elderly_care"]),  # a one-period report: its period
        sentence("unplaced", 0, None, 10, ["funeral"]),  # a part of its own, in no region
    ])
    by_document, by_region = shares_through_arrow(documents, sections, sentences)
    shares = {(r["doc_id"], r["period"], r["theme"]): (r["share"], r["n_chars"]) for r in by_document}
    assert shares == {
        ("long", "2020", "social_assistance"): (0.9, 100), ("long", "2020", "elderly_care"): (0.3, 100),
        ("long", "2021", "elderly_care"): (1.0, 40),
        ("short", "2020", "child_welfare"): (0.5, 40), ("short", "2020", "elderly_care"): (0.5, 40),
        ("plan", "2021", "elderly_care"): (1.0, 25),
        ("unplaced", "2021", "funeral"): (1.0, 10),
    }
    region = {(r["period"], r["theme"]): r for r in by_region}
    # (30 + 20) / (100 + 40), not the mean of 0.3 and 0.5
    assert region["2020", "elderly_care"]["share"] == pytest.approx(50 / 140)
    assert region["2020", "child_welfare"]["share"] == pytest.approx(20 / 140)
    assert (region["2020", "elderly_care"]["n_documents"], region["2020", "elderly_care"]["n_chars"]) == (2, 140)
    assert region["2021", "elderly_care"]["share"] == 1.0
    assert [r["theme"] for r in by_region if r["period"] == "2020"] == ["social_assistance", "elderly_care",
                                                                          "child_welfare"]


def test_a_duplicate_document_adds_nothing_to_the_theme_shares():
    documents = frame(DOCUMENTS, [document("original", "2021-03-01"),
                                  document("repost", "2021-03-01", duplicate_of="original")])
    sections = frame(SECTIONS, [{"doc_id": d, "section_id": 0, "period": "2020"} for d in ("original", "repost")])
    sentences = frame(SENTENCES, [sentence("original", 0, 0, 30, ["elderly_care"]),
                                  sentence("original", 1, 0, 70, []),
                                  sentence("repost", 0, 0, 100, ["elderly_care"])])
    by_document, by_region = shares_through_arrow(documents, sections, sentences)
    assert {r["doc_id"] for r in by_document} == {"original"}
    assert [(r["share"], r["n_documents"], r["n_chars"]) for r in by_region] == [(0.3, 1, 100)]


def test_every_derived_column_is_documented():
    documented = documented_columns()
    for name, schema in DERIVED_TABLES.items():
        assert name in documented, f"docs/schema.md has no section for {name}"
        assert set(schema.names) == documented[name], name


@pytest.fixture(scope="session")
def derived(extracted):
    counts = build_derived_tables(extracted)
    return extracted, counts


def test_the_derived_tables_of_the_seeds_match_their_schemas(derived):
    extracted, counts = derived
    for name, schema in DERIVED_TABLES.items():
        table = pq.read_table(extracted / f"{name}.parquet")
        assert table.schema.equals(schema), name
        assert table.num_rows == counts[name] > 0, name


def load_scorer():
    if not SCORER.exists():
        pytest.skip("the shared scorer (../shared/eval/score.py) is not beside this checkout")
    spec = importlib.util.spec_from_file_location("score", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_comparable_indicators_of_different_places_share_one_code_in_the_panel(derived):
    extracted, _ = derived
    scorer = load_scorer()
    documents = pd.read_parquet(extracted / "documents.parquet", columns=["doc_id", "source_file", "region_code"])
    stem_to_doc = {source.rsplit(".", 1)[0]: doc_id for doc_id, source in zip(documents.doc_id, documents.source_file)}
    region_of = dict(zip(documents.doc_id, documents.region_code))
    predicted = pd.read_parquet(extracted / "indicators.parquet")
    gold = scorer.load_jsonl(GOLD / "indicators.jsonl")
    panel_rows = pd.read_parquet(extracted / "panel.parquet").set_index(["region_code", "period", "indicator_code"])

    cross_place = 0
    for group in scorer.load_jsonl(GOLD / "comparable.jsonl"):
        found = []
        for wanted in group["mentions"]:
            doc_gold = [g for g in gold if g["doc"] == wanted["doc"]]
            gold_mention = [g for g in doc_gold if g["surface"] == wanted["surface"]][wanted.get("n", 0)]
            doc_id = stem_to_doc[wanted["doc"]]
            pairs, _, _ = scorer.match_indicators(doc_gold, predicted[predicted.doc_id == doc_id].to_dict("records"))
            prediction = next((p for g, p in pairs if g is gold_mention), None)
            found.append((region_of[doc_id], gold_mention, prediction and prediction["indicator_code"]))
        if len({region for region, _, _ in found}) < 2:
            continue
        cross_place += 1
        codes = {code for _, _, code in found}
        assert len(codes) == 1 and None not in codes, f"{group['name']}: codes {codes}"
        code = codes.pop()
        for region, gold_mention, _ in found:
            key = (region, str(gold_mention["period"]), code)
            assert key in panel_rows.index, f"{group['name']}: no panel row {key}"
            row = panel_rows.loc[key]
            if row.status == gold_mention["status"]:
                assert gold_mention["value"] in list(row.values_reported), (group["name"], key)
    assert cross_place >= 5, "comparable.jsonl should hold several groups that span places"


def test_the_seed_panel_compares_the_orphan_care_standard_of_hangzhou_and_guangzhou(derived):
    extracted, _ = derived
    table = pd.read_parquet(extracted / "panel.parquet")
    rows = table[(table.period == "2020") & table.region.isin(["杭州市", "广州市"])
                 & table.evidence_surface.isin(["2571元/月", "每人每月2570元"])]
    assert sorted(rows.region) == ["广州市", "杭州市"]
    assert rows.indicator_code.nunique() == 1
    assert sorted(rows.value) == [2570, 2571]
    texts = pd.read_parquet(extracted / "documents.parquet", columns=["doc_id", "text"]).set_index("doc_id").text
    for row in rows.itertuples():
        assert texts[row.evidence_doc_id][row.evidence_char_start:row.evidence_char_end] == row.evidence_surface
        assert row.evidence_surface in row.evidence_sentence
        assert row.evidence_doc_id == row.doc_ids[0]


# ── like with like ────────────────────────────────────────────────────────────

def test_a_value_before_a_change_never_becomes_the_current_one():
    row = only_row(panel([document("summary", "2021-03-17")],
                         [mention("summary", 2400, code="orphan_care_standard", unit="CNY/person/month",
                                  kind="standard", previous=True),
                          mention("summary", 2570, code="orphan_care_standard", unit="CNY/person/month",
                                  kind="standard", char_start=20)]))
    assert (row.value, row.n_mentions, row.values_reported.tolist()) == (2570, 1, [2570])


def test_a_unit_of_the_same_family_is_converted_and_another_is_refused():
    table = panel([document("a", "2021-03-17"), document("b", "2021-04-01")],
                  [mention("a", 2571, code="orphan_care_standard", unit="CNY/month", kind="standard"),
                   mention("b", 2571, code="orphan_care_standard", unit="CNY/person/month", kind="standard"),
                   mention("b", 30000, code="orphan_care_standard", unit="CNY", kind="standard", char_start=9)])
    row = only_row(table)
    assert (row.unit, row.n_mentions, row.n_refused, bool(row.conflict)) == ("CNY/person/month", 2, 1, False)


def test_a_flow_is_never_compared_with_a_stock():
    row = only_row(panel([document("a", "2021-03-17"), document("b", "2021-04-01")],
                         [mention("a", 2350), mention("b", 120, kind="flow")]))
    assert (row.value, row.measure_kind, row.n_mentions, row.n_refused) == (2350, "stock", 1, 1)


def test_several_values_stay_visible_beside_the_chosen_one():
    row = only_row(panel([document("a", "2021-03-17"), document("b", "2022-03-01")],
                         [mention("a", 2350), mention("b", 2400)]))
    assert (row.value, row.n_values, sorted(row.values_reported.tolist())) == (2350, 2, [2350, 2400])



def test_the_panel_of_a_large_corpus_is_sorted_within_the_memory_budget(tmp_path, monkeypatch):
    # At 10,000 reports the panel once failed with DuckDB's out-of-memory error: its rows, with their
    # evidence sentences, were sorted while every join's hash table was still held. The same on a
    # smaller scale: 4,000 places, 50 sentences each, a 44 MB budget (that query needed over 48).
    monkeypatch.setattr("pipeline.panel.DUCKDB_MEMORY", "44MB")
    monkeypatch.setattr("pipeline.panel.PANEL_RANGE_ROWS", 1_500)  # made in three ranges of places
    documents = [document(f"d{i:05d}", "2021-03-17", region_code=f"{110000 + i}", region=f"某{i}市")
                 for i in range(4_000)]
    clause = "全市养老机构床位达到四千八百张"
    pq.write_table(pa.Table.from_pylist(
        [{"doc_id": d["doc_id"], "sentence_id": s, "char_start": 0, "char_end": 1,
          "text": d["doc_id"] + clause * (66 if s == 0 else 6), "themes": []}
         for d in documents for s in range(50)], schema=SENTENCES), tmp_path / "sentences.parquet")
    mentions = frame(INDICATORS, [mention(d["doc_id"], 4800 + i) for i, d in enumerate(documents)])
    rows = pa.Table.from_batches(list(panel_batches(frame(DOCUMENTS, documents), mentions,
                                                    tmp_path / "sentences.parquet", NAMES)), schema=PANEL)
    assert rows.column("region_code").to_pylist() == [d["region_code"] for d in documents]
    assert [text[:6] for text in rows.column("evidence_sentence").to_pylist()] == \
        rows.column("evidence_doc_id").to_pylist()


def test_derived_tables_over_the_budget_are_built_again_within_the_larger_one(extracted, tmp_path, monkeypatch, caplog):
    expected = {name: pq.read_table(extracted / f"{name}.parquet") for name in DERIVED_TABLES}
    output = tmp_path / "tables"
    shutil.copytree(extracted, output)
    monkeypatch.setattr("pipeline.panel.DUCKDB_MEMORY", "1MB")  # too little for any query
    monkeypatch.setattr("pipeline.panel.DUCKDB_MEMORY_RETRY", "256MB")
    build_derived_tables(output)
    assert "overran DuckDB's memory budget of 1MB; building them again within 256MB" in caplog.text
    for name, table in expected.items():
        assert pq.read_table(output / f"{name}.parquet").equals(table), name


def test_a_budget_too_small_ends_in_one_clear_error_and_leaves_no_table(extracted, tmp_path, monkeypatch):
    output = tmp_path / "tables"
    shutil.copytree(extracted, output, ignore=shutil.ignore_patterns(*(f"{name}.parquet" for name in DERIVED_TABLES)))
    monkeypatch.setenv("POLICYMINE_DUCKDB_MEMORY", "1MB")
    with pytest.raises(MemoryBudget, match="did not fit DuckDB's memory budget of 1MB.*POLICYMINE_DUCKDB_MEMORY=4GB"):
        build_derived_tables(output)
    assert not [path.name for path in output.iterdir() if path.stem in DERIVED_TABLES or path.name.endswith(".tmp")]
    monkeypatch.setenv("POLICYMINE_DUCKDB_MEMORY", "lots")
    with pytest.raises(MemoryBudget, match="'lots' is not a memory size"):
        build_derived_tables(output)
