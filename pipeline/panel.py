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

Both tables are built by DuckDB from the parquet files, on one thread within a memory budget
(DUCKDB_MEMORY), the panel's ranking and grouping a range of places at a time, and handed to the
writer a batch at a time, so the derived phase grows little with the corpus.
"""
from __future__ import annotations

import ctypes
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from extractors.codes import UNIT_FAMILY, unit_family
from pipeline.errors import MemoryBudget
from pipeline.schema import DERIVED_TABLES, PANEL
from pipeline.writer import OutputSet

log = logging.getLogger("policymine")
_LIBC = ctypes.CDLL(None) if sys.platform.startswith("linux") else None

# How far an approximate figure (约, 近, 左右) may be from an exact one and still agree with it:
# "近3.7万" and 36,912 are the same figure, rounded.
APPROX_TOLERANCE = 0.05
DOCUMENT_COLUMNS = ["doc_id", "region_code", "region", "province", "admin_level", "publish_date", "periods",
                    "duplicate_of"]

# The documents that count, with the year each was written: duplicates of an earlier report
# (`duplicate_of`) are left out. A report's year is its publish date's, else a plan's first target
# year (a plan is written in, or just before, the year it plans), else the year after its latest
# actual period (a year's summary is written after the year ends), or that year for a first half.
REPORT_YEAR_SQL = """
CREATE MACRO year_of(period) AS CAST(period[1:4] AS INTEGER);
CREATE MACRO latest_actual(periods) AS
    list_max(list_transform(list_filter(periods, lambda p: p.status = 'actual'), lambda p: p.period));
CREATE MACRO report_year(publish_date, periods) AS
    CASE WHEN publish_date IS NOT NULL THEN year(publish_date)
         WHEN len(list_filter(periods, lambda p: p.status = 'target')) > 0
             THEN list_min(list_transform(list_filter(periods, lambda p: p.status = 'target'), lambda p: year_of(p.period)))
         ELSE year_of(latest_actual(periods)) + CASE WHEN suffix(latest_actual(periods), 'H1') THEN 0 ELSE 1 END
    END;
"""
USABLE_DOCUMENTS_SQL = """
CREATE VIEW usable AS
    SELECT doc_id, region_code, region, province, admin_level, report_year(publish_date, periods) AS report_year
    FROM documents WHERE duplicate_of IS NULL
"""


@contextmanager
def connect(workspace: str, memory: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection within the memory budget `memory` (DUCKDB_MEMORY when None), with the
    macro `report_year`, whose database file and spills are in `workspace` (DuckDB's default, `.tmp`
    in the working directory, would litter wherever the command was run)."""
    db = duckdb.connect(os.path.join(workspace, "derived.duckdb"),
                        config={"memory_limit": memory or DUCKDB_MEMORY, "threads": DUCKDB_THREADS,
                                "temp_directory": workspace})
    try:
        db.execute("SET enable_progress_bar = false")  # DuckDB's bar would cut into the run's own progress
        db.execute(REPORT_YEAR_SQL)
        yield db
    finally:
        db.close()
        _return_freed_memory()


def _return_freed_memory() -> None:
    """Hand the pages the process has freed back to the system. DuckDB frees its memory when it
    closes, but the C library keeps freed pages scattered among live ones in the process: 300 MB
    after the theme shares of 40,000 reports, the next step's starting point. glibc only."""
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)


def _copy_sorted(db: duckdb.DuckDBPyConnection, query: str, destination: str) -> None:
    """The rows of `query`, in its order, into the parquet file `destination`: DuckDB sorts and
    writes within its budget, and the rows are then read a batch at a time once the connection,
    with the memory DuckDB keeps until it closes, is gone."""
    quoted = destination.replace("'", "''")  # COPY cannot take a bound parameter
    db.execute(f"COPY ({query}) TO '{quoted}' (FORMAT parquet)")


def _batches(path: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
    yield from pq.ParquetFile(path).iter_batches(batch_rows)


def _place_ranges(rows_per_place: list[tuple[str, int]], rows_per_range: int) -> list[tuple[str, str]]:
    """Consecutive ranges (first, last) of the sorted places, each of about `rows_per_range` rows
    (a place is never split, so a range may hold more)."""
    ranges, first, rows = [], None, 0
    for place, n in rows_per_place:
        first = place if first is None else first
        rows += n
        if rows >= rows_per_range:
            ranges.append((first, place))
            first, rows = None, 0
    if first is not None:
        ranges.append((first, rows_per_place[-1][0]))
    return ranges


# DuckDB reconciles the mentions in steps, each a table of its own: it streams the indicator and
# sentence tables from their files, so a corpus's mentions are never all in memory (DUCKDB_MEMORY
# below). The tables are in a database file that DuckDB may spill from, and each step holds at most
# one large join: as one query, with every join's hash table held beside the next, the panel of
# 10,000 reports overran the budget, and sorting its rows as they came out of the joins did at 40,000.
#
# First, for the whole corpus, the mentions a panel row may come from, and the sentences that may
# be a row's evidence (read once: the sentence table is the largest input).
PANEL_CORPUS_STEPS = ("""
CREATE TABLE judged AS
WITH candidates AS (
    SELECT m.*, d.region_code, d.region, d.province, d.admin_level, d.report_year
    FROM mentions m JOIN usable d USING (doc_id)
    WHERE m.indicator_code IS NOT NULL AND m.period IS NOT NULL AND m.value IS NOT NULL
      AND m.status IN ('actual', 'target') AND d.region_code IS NOT NULL
      AND NOT coalesce(m.is_previous_value, false)
)
SELECT c.*,
       (k.unit IS NULL OR coalesce(coalesce(f.family, c.unit) = k.family, false))
       AND (k.kind IS NULL OR c.measure_kind IS NULL OR c.measure_kind = k.kind) AS fits
FROM candidates c
LEFT JOIN codes k ON k.code = c.indicator_code
LEFT JOIN unit_families f ON f.unit = c.unit
""", """
CREATE TABLE evidence_sentences AS
SELECT s.doc_id, s.sentence_id, s.text FROM sentences s
SEMI JOIN (SELECT DISTINCT doc_id, sentence_id FROM judged WHERE fits) j
     ON s.doc_id = j.doc_id AND s.sentence_id = j.sentence_id
""")
# How many mentions each place has, for cutting the places into ranges.
PANEL_PLACES_SQL = "SELECT region_code, count(*) FROM judged GROUP BY region_code ORDER BY region_code"
# Then, a range of places at a time, each ranking and grouping: a window over the partitions and an
# ordered list per group hold their rows in memory whatever the budget, which for the 0.9 M
# candidate mentions of 40,000 generated reports at once took the process 140 MB further than for
# 10,000.
# A panel row's key starts with its place, so the ranges' rows in turn are the whole panel.
PANEL_RANGE_ROWS = 50_000
PANEL_RANGE_STEPS = ("""
CREATE OR REPLACE TABLE winners AS
WITH ranked AS (
    SELECT *, row_number() OVER (
        PARTITION BY region_code, period, indicator_code
        ORDER BY status_rank,
                 -- a report of unknown date ranks after every dated one
                 abs(report_year - CAST(period[1:4] AS INTEGER)) NULLS LAST,
                 qualifier IS DISTINCT FROM 'exact', doc_id, char_start, row_number) AS rank
    FROM (SELECT *, CASE status WHEN 'actual' THEN 0 ELSE 1 END AS status_rank FROM judged
          WHERE fits AND region_code BETWEEN $first AND $last)
)
-- only the mentions of the status that won (an actual beats a target)
SELECT * FROM ranked
QUALIFY status_rank = min(status_rank) OVER (PARTITION BY region_code, period, indicator_code)
""", """
CREATE OR REPLACE TABLE groups AS
WITH refused AS (
    SELECT region_code, period, indicator_code, count(*) AS n_refused
    FROM judged WHERE NOT fits AND region_code BETWEEN $first AND $last GROUP BY ALL
), bounded AS (
    SELECT *,
           CASE WHEN qualifier = 'approx' THEN least(value * $approx_low, value * $approx_high)
                WHEN qualifier IN ('more_than', 'at_least') THEN value
                WHEN qualifier = 'at_most' THEN '-inf'::DOUBLE ELSE value END AS low,
           CASE WHEN qualifier = 'approx' THEN greatest(value * $approx_low, value * $approx_high)
                WHEN qualifier IN ('more_than', 'at_least') THEN 'inf'::DOUBLE
                WHEN qualifier = 'at_most' THEN value ELSE value END AS high,
           row_number() OVER (PARTITION BY region_code, period, indicator_code, value ORDER BY rank) = 1
               AS first_of_value,
           row_number() OVER (PARTITION BY region_code, period, indicator_code, doc_id ORDER BY rank) = 1
               AS first_of_document
    FROM winners
), grouped AS (
    SELECT region_code, period, indicator_code,
           max(low) AS highest_low, min(high) AS lowest_high,
           list(value ORDER BY rank) FILTER (WHERE first_of_value) AS values_reported,
           list(doc_id ORDER BY rank) FILTER (WHERE first_of_document) AS doc_ids,
           count(*) AS n_mentions
    FROM bounded GROUP BY ALL
)
SELECT g.*, coalesce(x.n_refused, 0) AS n_refused,
       greatest(1.0, CASE WHEN isfinite(highest_low) THEN abs(highest_low) ELSE 1.0 END,
                CASE WHEN isfinite(lowest_high) THEN abs(lowest_high) ELSE 1.0 END) AS scale
FROM grouped g LEFT JOIN refused x USING (region_code, period, indicator_code)
""", """
CREATE OR REPLACE TABLE evidence AS
SELECT w.*, s.text FROM winners w
LEFT JOIN evidence_sentences s ON s.doc_id = w.doc_id AND s.sentence_id = w.sentence_id
WHERE w.rank = 1
""")
# The range's rows, sorted alone (a sort beside the joins that make the rows overran the budget).
PANEL_RANGE_ROWS_SQL = """
SELECT w.region_code, w.region, w.province, w.admin_level, w.period, w.indicator_code,
       k.name_zh AS indicator_name_zh, k.name_en AS indicator_name_en, w.status,
       CAST(w.value AS DOUBLE) AS value, coalesce(k.unit, w.unit) AS unit,
       coalesce(k.kind, w.measure_kind) AS measure_kind, w.qualifier,
       -- no single value satisfies every mention: intervals on a line meet pairwise iff all meet
       g.highest_low - g.lowest_high > 1e-9 * g.scale AS conflict,
       g.values_reported, CAST(len(g.values_reported) AS INTEGER) AS n_values,
       CAST(g.n_mentions AS INTEGER) AS n_mentions, CAST(g.n_refused AS INTEGER) AS n_refused, g.doc_ids,
       w.doc_id AS evidence_doc_id, CAST(w.sentence_id AS INTEGER) AS evidence_sentence_id,
       CAST(w.char_start AS INTEGER) AS evidence_char_start, CAST(w.char_end AS INTEGER) AS evidence_char_end,
       w.surface AS evidence_surface, w.text AS evidence_sentence
FROM evidence w
JOIN groups g USING (region_code, period, indicator_code)
LEFT JOIN codes k ON k.code = w.indicator_code
ORDER BY region_code, period, indicator_code
"""
# How far an approximate figure may be from an exact one (APPROX_TOLERANCE) as the factors of its interval.
APPROX_FACTORS = {"approx_low": 1 - APPROX_TOLERANCE, "approx_high": 1 + APPROX_TOLERANCE}
MENTION_COLUMNS = ["doc_id", "sentence_id", "char_start", "char_end", "surface", "value", "unit", "qualifier",
                   "indicator_code", "status", "period", "measure_kind", "is_previous_value"]


def _register(db, name: str, table: pa.Table | Path, columns: list[str] | None = None,
              row_number: bool = False) -> None:
    """`table` (in memory, or the path of its parquet file) as the view `name`, with only `columns`;
    with `row_number`, each row's place in the table, which breaks the last ties of a ranking."""
    if isinstance(table, Path):
        listed = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        quoted = str(table).replace("'", "''")  # a view cannot take a bound parameter
        numbered = ", file_row_number AS row_number" if row_number else ""
        source = f"read_parquet('{quoted}'{', file_row_number = true' if row_number else ''})"
        db.execute(f"CREATE VIEW {name} AS SELECT {listed}{numbered} FROM {source}")
        return
    table = table.select(columns) if columns else table
    if row_number:
        table = table.append_column("row_number", pa.array(range(table.num_rows), pa.int64()))
    db.register(name, table)


def panel_batches(documents: pa.Table | Path, indicators: pa.Table | Path, sentences: pa.Table | Path,
                  indicator_info: Mapping[str, tuple], batch_rows: int | None = None,
                  memory: str | None = None) -> Iterator[pa.RecordBatch]:
    """Panel rows (schema `PANEL`, sorted by region code, period and indicator code) in record
    batches. Each table is in memory or the path of its parquet file, which DuckDB streams within
    its memory budget (`memory`, DUCKDB_MEMORY when None); `indicator_info` maps an indicator code
    to (Chinese name, English name, canonical unit, kind)."""
    codes = pa.Table.from_pylist(
        [{"code": code, "name_zh": zh, "name_en": en, "unit": unit,
          "family": unit_family(unit) if unit is not None else None, "kind": kind}
         for code, (zh, en, unit, kind) in indicator_info.items()],
        schema=pa.schema([(column, pa.string()) for column in ("code", "name_zh", "name_en", "unit", "family", "kind")]))
    families = pa.table({"unit": list(UNIT_FAMILY), "family": list(UNIT_FAMILY.values())})
    with tempfile.TemporaryDirectory(prefix="policymine-duckdb-") as workspace:
        with connect(workspace, memory) as db:
            _register(db, "documents", documents, DOCUMENT_COLUMNS)
            db.execute(USABLE_DOCUMENTS_SQL)
            db.register("codes", codes)
            db.register("unit_families", families)
            _register(db, "mentions", indicators, MENTION_COLUMNS, row_number=True)
            _register(db, "sentences", sentences, ["doc_id", "sentence_id", "text"])
            for step in PANEL_CORPUS_STEPS:
                db.execute(step)
            sorted_parts = []
            for first, last in _place_ranges(db.execute(PANEL_PLACES_SQL).fetchall(), PANEL_RANGE_ROWS):
                parameters = {"first": first, "last": last, **APPROX_FACTORS}
                for step in PANEL_RANGE_STEPS:
                    db.execute(step, {name: value for name, value in parameters.items() if f"${name}" in step})
                sorted_parts.append(os.path.join(workspace, f"panel-{len(sorted_parts)}.parquet"))
                _copy_sorted(db, PANEL_RANGE_ROWS_SQL, sorted_parts[-1])
        for batch in (batch for part in sorted_parts for batch in _batches(part, batch_rows or BATCH_ROWS)):
            yield pa.RecordBatch.from_arrays(
                [batch.column(name).cast(field.type) for name, field in zip(PANEL.names, PANEL)], schema=PANEL)


# DuckDB spills to disk beyond this, so the derived tables stay within the pipeline's memory budget.
# At 40,000 generated reports the derived phase peaks at 507–515 MiB of the process tree (session 4,
# before the ranged steps: 872 MiB, and 128 MB did not fit in a whole run).
DUCKDB_MEMORY = "256MB"
# One thread: each thread keeps buffers of its own beside the budget. The derived phase alone on the
# tables of 10,000 / 40,000 generated reports peaked at 394 / 464 MiB with one thread against
# 419 / 514 with two; 6–8 s at 10,000 either way, 24–26 s against 21–23 s at 40,000
# (bench/REPORT.md, session 7).
DUCKDB_THREADS = 1
# Not every operator spills (a window's partitions, an ordered aggregate's lists): a corpus whose
# derived tables overrun DUCKDB_MEMORY has them built once more within this, rather than losing
# the run. The user's own budget, when set, is the only one tried.
DUCKDB_MEMORY_RETRY = "1GB"
BUDGET_VARIABLE = "POLICYMINE_DUCKDB_MEMORY"
MEMORY_SIZE = re.compile(r"\d+(?:\.\d+)?\s*(?:[KMGT]i?B)", re.IGNORECASE)

# The character counts both theme-share tables are made of, made once for both: per document part
# and per theme, a few rows a document (tables of the connection's own database file); the sentences
# are streamed from their file.
THEME_SHARES_SQL = """
CREATE TABLE usable AS
    SELECT doc_id, region_code, region, province, admin_level,
           CASE WHEN len(periods) = 1 THEN periods[1].period END AS sole_period
    FROM documents WHERE duplicate_of IS NULL;
CREATE VIEW lines AS
    SELECT s.doc_id, s.sentence_id, s.char_end - s.char_start AS n_chars, s.themes,
           coalesce(sec.period, u.sole_period) AS period
    FROM sentences s
    JOIN usable u ON u.doc_id = s.doc_id
    LEFT JOIN sections sec ON sec.doc_id = s.doc_id AND sec.section_id = s.section_id
    WHERE coalesce(sec.period, u.sole_period) IS NOT NULL;
CREATE TABLE parts AS
    SELECT doc_id, period, sum(n_chars) AS part_chars FROM lines GROUP BY doc_id, period;
CREATE TABLE theme_chars AS
    WITH tagged AS (SELECT DISTINCT doc_id, period, sentence_id, n_chars, unnest(themes) AS theme FROM lines)
    SELECT doc_id, period, theme, sum(n_chars) AS n_chars FROM tagged GROUP BY doc_id, period, theme;
"""


BY_PART_SQL = """
    SELECT t.doc_id, u.region_code, u.region, t.period, t.theme,
           CAST(t.n_chars AS BIGINT) AS n_chars, CAST(p.part_chars AS BIGINT) AS part_chars
    FROM theme_chars t JOIN parts p USING (doc_id, period) JOIN usable u USING (doc_id)
    ORDER BY t.doc_id, t.period, t.n_chars DESC, t.theme"""

BY_REGION_SQL = """
    WITH placed AS (
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


def theme_share_batches(documents, sections, sentences,
                        memory: str | None = None) -> Iterator[tuple[str, dict[str, list]]]:
    """Theme shares per document part (one part per period a document covers) and per region and
    period: the rows of `theme_shares_document`, then of `theme_shares_region`, in batches (table
    name, columns) of at most BATCH_ROWS.

    A sentence belongs to the period of its section; a sentence outside any dated section belongs
    to the document's period when the document covers only one, and to no part otherwise. Each
    input is an Arrow table or the path of its parquet file; DuckDB aggregates and sorts them
    within its memory budget (`memory`, DUCKDB_MEMORY when None), streaming the files, and only one
    batch at a time becomes Python objects.
    """
    tables = (("theme_shares_document", BY_PART_SQL, _document_share_columns),
              ("theme_shares_region", BY_REGION_SQL, _region_share_columns))
    with tempfile.TemporaryDirectory(prefix="policymine-duckdb-") as workspace:
        with connect(workspace, memory) as db:
            _register(db, "documents", documents, DOCUMENT_COLUMNS)
            _register(db, "sections", sections)
            _register(db, "sentences", sentences)
            db.execute(THEME_SHARES_SQL)
            for name, query, _ in tables:
                _copy_sorted(db, query, os.path.join(workspace, f"{name}.parquet"))
        for name, _, columns in tables:
            for batch in _batches(os.path.join(workspace, f"{name}.parquet"), BATCH_ROWS):
                yield name, columns(batch.to_pydict())


def build_derived_tables(output_dir: Path) -> dict[str, int]:
    """Read the document tables in `output_dir`, write the derived tables beside them; rows per table.

    Raises `MemoryBudget` when they do not fit DuckDB's memory budget: the budget of
    BUDGET_VARIABLE when set, else DUCKDB_MEMORY and then, once, DUCKDB_MEMORY_RETRY."""
    chosen = os.environ.get(BUDGET_VARIABLE, "").strip()
    if chosen and not MEMORY_SIZE.fullmatch(chosen):
        raise MemoryBudget(f"{BUDGET_VARIABLE}={chosen!r} is not a memory size such as 512MB or 2GB")
    budgets = [chosen] if chosen else [DUCKDB_MEMORY, DUCKDB_MEMORY_RETRY]
    _return_freed_memory()  # what the document phase freed: the derived phase starts from there
    for budget, larger in zip(budgets, budgets[1:]):
        try:
            return _write_derived_tables(Path(output_dir), budget)
        except duckdb.OutOfMemoryException:
            log.warning("the derived tables overran DuckDB's memory budget of %s; building them again within %s",
                        budget, larger)
    try:
        return _write_derived_tables(Path(output_dir), budgets[-1])
    except duckdb.OutOfMemoryException as exc:
        raise MemoryBudget(
            f"the derived tables (panel, theme shares) of {output_dir} did not fit DuckDB's memory budget of "
            f"{budgets[-1]}, and no table was replaced; run again with a larger budget, such as "
            f"{BUDGET_VARIABLE}=4GB ({str(exc).splitlines()[0]})") from exc


def _write_derived_tables(output_dir: Path, memory: str) -> dict[str, int]:
    from extractors.codes import catalogue

    documents = output_dir / "documents.parquet"
    # The indicator, sentence and section tables are read by DuckDB from their files: a corpus's
    # mentions and sentences are never all in memory.
    sentences, sections = output_dir / "sentences.parquet", output_dir / "sections.parquet"
    counts = dict.fromkeys(DERIVED_TABLES, 0)
    with OutputSet(output_dir, DERIVED_TABLES) as out:
        for name, columns in theme_share_batches(documents, sections, sentences, memory):
            out.add(name, columns)
            counts[name] += len(columns["theme"])
        info = {code: (item.name_zh, item.name_en, item.unit, item.kind) for code, item in catalogue().items()}
        for batch in panel_batches(documents, output_dir / "indicators.parquet", sentences, info, memory=memory):
            out.add("panel", batch)
            counts["panel"] += batch.num_rows
    return counts
