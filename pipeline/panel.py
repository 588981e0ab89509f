"""Tables derived from the document tables: the cross-place indicator panel and theme shares.

The panel has one row per place, period and indicator, and compares like with like:

* a value before a stated change (`is_previous_value`, 由X提高至Y: X) never enters;
* every row is in its code's canonical unit (`lexicons/indicators.yaml`): a unit of the same
  family (元/月 for 元/人/月: reports drop the 人) is converted, any other unit is refused;
* a mention whose `measure_kind` is not its code's kind (a flow under a stock's code) is refused.
  Refused mentions are counted in `n_refused` and stay in `indicators`.

When several of the remaining mentions give that figure, one wins, in this order of rules:

1. an `actual` figure beats a `target` for the same period (the row's `status`
   says which won; targets of a period that has an actual stay in `indicators`);
2. the document written nearest the period beats one written further away: a
   2021 report's figure for 2020 beats a 2022 report's;
3. an exact figure beats an approximate or bounded one (约, 近, 余, 以上 …);
4. then the lower `doc_id`, then the earlier mention, only to be deterministic.

Figures of the winning status that cannot all be true at once set `conflict`;
they are listed in `values_reported` (`n_values` distinct values) and never averaged.
A document whose `duplicate_of` is set contributes nothing, so a report published twice counts once.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from extractors.codes import unit_family
from pipeline.schema import DERIVED_TABLES
from pipeline.writer import OutputSet

PANEL_KEY = ["region_code", "period", "indicator_code"]
STATUS_RANK = {"actual": 0, "target": 1}
# How far an approximate figure (约, 近, 左右) may be from an exact one and still agree with it:
# "近3.7万" and 36,912 are the same figure, rounded.
APPROX_TOLERANCE = 0.05
DOCUMENT_COLUMNS = ["doc_id", "region_code", "region", "province", "admin_level", "publish_date", "periods",
                    "duplicate_of"]


def period_year(period: str) -> int:
    return int(period[:4])


def report_year(publish_date, periods: Iterable[Mapping] | None) -> int | None:
    """The year a report was written: from its publish date, else from the periods it covers."""
    if publish_date is not None and not pd.isna(publish_date):
        return publish_date.year
    periods = list(periods if periods is not None else [])
    targets = [period_year(p["period"]) for p in periods if p["status"] == "target"]
    if targets:
        return min(targets)  # a plan is written in (or just before) the year it plans
    actuals = sorted(p["period"] for p in periods if p["status"] == "actual")
    if actuals:
        latest = actuals[-1]
        # A year's summary is written after the year ends, a first-half summary in mid-year.
        return period_year(latest) + (0 if latest.endswith("H1") else 1)
    return None


def usable_documents(documents: pd.DataFrame) -> pd.DataFrame:
    """The documents that count: duplicates of an earlier report (`duplicate_of`) left out."""
    documents = documents[documents["duplicate_of"].isna()]
    return documents.assign(report_year=[
        report_year(date, periods) for date, periods in zip(documents["publish_date"], documents["periods"])
    ])


def value_interval(value: float, qualifier: str | None) -> tuple[float, float]:
    """The values a mention allows: an exact figure one point, a bound a half-line."""
    if qualifier == "approx":
        low, high = value * (1 - APPROX_TOLERANCE), value * (1 + APPROX_TOLERANCE)
        return min(low, high), max(low, high)
    if qualifier in ("more_than", "at_least"):
        return value, math.inf
    if qualifier == "at_most":
        return -math.inf, value
    return value, value


def figures_disagree(values: Iterable[float], qualifiers: Iterable[str | None]) -> bool:
    """True when no single value satisfies every mention (intervals on a line meet pairwise iff all meet)."""
    intervals = [value_interval(v, q) for v, q in zip(values, qualifiers)]
    highest_low = max(low for low, _ in intervals)
    lowest_high = min(high for _, high in intervals)
    scale = max(1.0, abs(highest_low) if math.isfinite(highest_low) else 1.0,
                abs(lowest_high) if math.isfinite(lowest_high) else 1.0)
    return highest_low - lowest_high > 1e-9 * scale


def missing_as_none(value):
    """pandas marks a missing value as NaN or NA; Arrow wants None."""
    return None if value is pd.NA or (isinstance(value, float) and value != value) else value


def comparable(mentions: pd.DataFrame, indicators: Mapping[str, tuple]) -> pd.Series:
    """For each mention: its value in its code's canonical unit may enter the panel (True), or it is
    refused (False) because its unit is of another family or its kind is not its code's.
    `indicators` maps a code to (name_zh, name_en, unit, kind)."""
    def fits(code, unit, kind) -> bool:
        _, _, canonical, code_kind = indicators.get(code, (None, None, None, None))
        unit_ok = canonical is None or unit_family(unit) == unit_family(canonical)
        kind_ok = code_kind is None or kind is None or kind == code_kind
        return unit_ok and kind_ok

    return pd.Series([fits(code, unit, kind) for code, unit, kind in
                      zip(mentions["indicator_code"], mentions["unit"], mentions["measure_kind"])],
                     index=mentions.index, dtype=bool)


def build_panel(documents: pd.DataFrame, indicators: pd.DataFrame, sentences: Path,
                indicator_info: Mapping[str, tuple]) -> list[dict]:
    """Panel rows (schema `PANEL`), sorted by region code, period and indicator code.

    `indicator_info` maps an indicator code to (Chinese name, English name, canonical unit, kind).
    """
    docs = usable_documents(documents)
    place = docs[["doc_id", "region_code", "region", "province", "admin_level", "report_year"]]
    mentions = indicators.drop(columns=["region_code"]).merge(place, on="doc_id", how="inner")
    mentions = mentions[
        mentions["indicator_code"].notna() & mentions["period"].notna() & mentions["value"].notna()
        & mentions["status"].isin(list(STATUS_RANK)) & mentions["region_code"].notna()
        & ~mentions["is_previous_value"].fillna(False).astype(bool)
    ]
    if mentions.empty:
        return []
    mentions = mentions.astype({"measure_kind": object}).assign(
        measure_kind=mentions["measure_kind"].map(missing_as_none))
    fits = comparable(mentions, indicator_info)
    refused = mentions[~fits].groupby(PANEL_KEY).size().to_dict()
    mentions = mentions[fits]
    if mentions.empty:
        return []
    years = mentions["period"].map(period_year)
    mentions = mentions.assign(
        status_rank=mentions["status"].map(STATUS_RANK),
        # A report of unknown date ranks after every dated one.
        distance=(mentions["report_year"].astype("float64") - years).abs().fillna(math.inf),
        approximate=mentions["qualifier"] != "exact",
    ).sort_values(PANEL_KEY + ["status_rank", "distance", "approximate", "doc_id", "char_start"],
                  kind="stable")
    winning_status = mentions.groupby(PANEL_KEY)["status_rank"].transform("min")
    mentions = mentions[mentions["status_rank"] == winning_status]

    columns = ["region_code", "period", "indicator_code", "region", "province", "admin_level", "status",
               "value", "unit", "measure_kind", "qualifier", "doc_id", "sentence_id", "char_start", "char_end", "surface"]
    records = [dict(zip(columns, map(missing_as_none, values)))
               for values in zip(*(mentions[c].tolist() for c in columns))]
    # Grouped in plain Python: the mentions are sorted by key, and pandas' per-group
    # indexing costs more than the work itself on a corpus with many places.
    groups = [list(group) for _, group in
              itertools.groupby(records, key=lambda m: (m["region_code"], m["period"], m["indicator_code"]))]
    texts = sentence_texts(sentences, {(group[0]["doc_id"], group[0]["sentence_id"]) for group in groups})
    rows = []
    for group in groups:
        chosen = group[0]
        code = chosen["indicator_code"]
        name_zh, name_en, canonical, kind = indicator_info.get(code, (None, None, None, None))
        values = [m["value"] for m in group]
        rows.append({
            "region_code": chosen["region_code"], "region": chosen["region"], "province": chosen["province"],
            "admin_level": chosen["admin_level"], "period": chosen["period"],
            "indicator_code": chosen["indicator_code"],
            "indicator_name_zh": name_zh, "indicator_name_en": name_en,
            "status": chosen["status"], "value": float(chosen["value"]), "unit": canonical or chosen["unit"],
            "measure_kind": kind or chosen["measure_kind"],
            "qualifier": chosen["qualifier"],
            "conflict": figures_disagree(values, [m["qualifier"] for m in group]),
            "values_reported": [float(v) for v in dict.fromkeys(values)],
            "n_values": len(dict.fromkeys(values)),
            "n_mentions": len(group),
            "n_refused": int(refused.get((chosen["region_code"], chosen["period"], code), 0)),
            "doc_ids": list(dict.fromkeys(m["doc_id"] for m in group)),
            "evidence_doc_id": chosen["doc_id"], "evidence_sentence_id": int(chosen["sentence_id"]),
            "evidence_char_start": int(chosen["char_start"]), "evidence_char_end": int(chosen["char_end"]),
            "evidence_surface": chosen["surface"],
            "evidence_sentence": texts.get((chosen["doc_id"], chosen["sentence_id"])),
        })
    return rows


def sentence_texts(sentences: Path, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The texts of the `wanted` (doc_id, sentence_id) sentences of a sentences parquet file,
    read in batches so that a large corpus's sentences are never all in memory."""
    texts = {}
    for batch in pq.ParquetFile(sentences).iter_batches(batch_size=50_000,
                                                         columns=["doc_id", "sentence_id", "text"]):
        batch = batch.to_pydict()
        for key, text in zip(zip(batch["doc_id"], batch["sentence_id"]), batch["text"]):
            if key in wanted:
                texts[key] = text
    return texts


# DuckDB spills to disk beyond this, so the derived tables stay within the pipeline's memory budget.
DUCKDB_MEMORY = "256MB"

THEME_SHARES_SQL = """
WITH usable AS (
    SELECT doc_id, region_code, region, province, admin_level,
           CASE WHEN len(periods) = 1 THEN periods[1].period END AS sole_period
    FROM documents WHERE duplicate_of IS NULL
), lines AS (
    SELECT s.doc_id, s.sentence_id, s.char_end - s.char_start AS n_chars, s.themes,
           coalesce(sec.period, u.sole_period) AS period
    FROM sentences s
    JOIN usable u ON u.doc_id = s.doc_id
    LEFT JOIN sections sec ON sec.doc_id = s.doc_id AND sec.section_id = s.section_id
    WHERE coalesce(sec.period, u.sole_period) IS NOT NULL
), parts AS (
    SELECT doc_id, period, sum(n_chars) AS part_chars FROM lines GROUP BY doc_id, period
), tagged AS (
    SELECT DISTINCT doc_id, period, sentence_id, n_chars, unnest(themes) AS theme FROM lines
), theme_chars AS (
    SELECT doc_id, period, theme, sum(n_chars) AS n_chars FROM tagged GROUP BY doc_id, period, theme
)
"""


BY_PART_SQL = THEME_SHARES_SQL + """
    SELECT t.doc_id, u.region_code, u.region, t.period, t.theme,
           CAST(t.n_chars AS BIGINT) AS n_chars, CAST(p.part_chars AS BIGINT) AS part_chars
    FROM theme_chars t JOIN parts p USING (doc_id, period) JOIN usable u USING (doc_id)
    ORDER BY t.doc_id, t.period, t.n_chars DESC, t.theme"""

BY_REGION_SQL = THEME_SHARES_SQL + """
    , placed AS (
        SELECT p.*, u.region_code, u.region, u.province, u.admin_level
        FROM parts p JOIN usable u USING (doc_id) WHERE u.region_code IS NOT NULL
    ), region_parts AS (
        SELECT region_code, period, sum(part_chars) AS region_chars, count(DISTINCT doc_id) AS n_documents,
               arg_min(region, doc_id) AS region, arg_min(province, doc_id) AS province,
               arg_min(admin_level, doc_id) AS admin_level
        FROM placed GROUP BY region_code, period
    ), region_themes AS (
        SELECT u.region_code, t.period, t.theme, sum(t.n_chars) AS n_chars
        FROM theme_chars t JOIN usable u USING (doc_id) WHERE u.region_code IS NOT NULL
        GROUP BY u.region_code, t.period, t.theme
    )
    SELECT r.region_code, p.region, p.province, p.admin_level, r.period, r.theme,
           CAST(r.n_chars AS BIGINT) AS n_chars, CAST(p.region_chars AS BIGINT) AS region_chars,
           p.n_documents
    FROM region_themes r JOIN region_parts p USING (region_code, period)
    ORDER BY r.region_code, r.period, r.n_chars DESC, r.theme"""

# Rows of a derived table handed from DuckDB to the writer at a time.
BATCH_ROWS = 50_000


def _document_share_columns(part: dict[str, list]) -> dict[str, list]:
    return {"doc_id": part["doc_id"], "region_code": part["region_code"], "region": part["region"],
            "period": part["period"], "theme": part["theme"],
            "share": [round(n / total, 6) for n, total in zip(part["n_chars"], part["part_chars"])],
            "n_chars": part["part_chars"]}


def _region_share_columns(part: dict[str, list]) -> dict[str, list]:
    return {"region_code": part["region_code"], "region": part["region"], "province": part["province"],
            "admin_level": part["admin_level"], "period": part["period"], "theme": part["theme"],
            "share": [round(n / total, 6) for n, total in zip(part["n_chars"], part["region_chars"])],
            "n_documents": part["n_documents"], "n_chars": part["region_chars"]}


def theme_share_batches(documents, sections, sentences) -> Iterator[tuple[str, dict[str, list]]]:
    """Theme shares per document part (one part per period a document covers) and per region and
    period: the rows of `theme_shares_document`, then of `theme_shares_region`, in batches (table
    name, columns) of at most BATCH_ROWS.

    A sentence belongs to the period of its section; a sentence outside any dated section belongs
    to the document's period when the document covers only one, and to no part otherwise. Each
    input is a pandas frame or the path of its parquet table; DuckDB aggregates and sorts them
    within its memory budget, streaming the files, and only one batch at a time becomes Python
    objects.
    """
    with duckdb.connect(config={"memory_limit": DUCKDB_MEMORY, "threads": 2}) as db:
        for name, table in (("documents", documents), ("sections", sections), ("sentences", sentences)):
            if isinstance(table, Path):
                quoted = str(table).replace("'", "''")  # a view cannot take a bound parameter
                db.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{quoted}')")
            else:
                db.register(name, table)
        for name, query, columns in (("theme_shares_document", BY_PART_SQL, _document_share_columns),
                                     ("theme_shares_region", BY_REGION_SQL, _region_share_columns)):
            for batch in db.sql(query).to_arrow_reader(BATCH_ROWS):
                yield name, columns(batch.to_pydict())


def read_table(output_dir: Path, name: str, columns: list[str]) -> pd.DataFrame:
    return pq.read_table(output_dir / f"{name}.parquet", columns=columns).to_pandas()


def build_derived_tables(output_dir: Path) -> dict[str, int]:
    """Read the document tables in `output_dir`, write the derived tables beside them; rows per table."""
    from extractors.codes import catalogue

    output_dir = Path(output_dir)
    documents = read_table(output_dir, "documents", DOCUMENT_COLUMNS)
    # The sentence and section tables are read by DuckDB and by build_panel from their files,
    # a corpus's sentences are never all in memory.
    sentences, sections = output_dir / "sentences.parquet", output_dir / "sections.parquet"
    counts = dict.fromkeys(DERIVED_TABLES, 0)
    with OutputSet(output_dir, DERIVED_TABLES) as out:
        for name, columns in theme_share_batches(documents, sections, sentences):
            out.add(name, columns)
            counts[name] += len(columns["theme"])
        indicators = read_table(output_dir, "indicators", [
            "doc_id", "sentence_id", "char_start", "char_end", "surface", "value", "unit", "qualifier",
            "indicator_code", "status", "period", "region_code", "measure_kind", "is_previous_value"])
        info = {code: (item.name_zh, item.name_en, item.unit, item.kind) for code, item in catalogue().items()}
        rows = build_panel(documents, indicators, sentences, info)
        del indicators
        out.add("panel", {column: [row[column] for row in rows] for column in DERIVED_TABLES["panel"].names})
        counts["panel"] = len(rows)
    return counts
