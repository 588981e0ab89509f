"""The `policymine` command line."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policymine")
def main() -> None:
    """policymine turns Chinese civil-affairs bureau reports (民政局 工作总结/要点/报告)
    into tables: documents, sections, sentences, indicator mentions and themes.

    Start with `policymine extract data/raw data/processed`, then open the parquet
    files in data/processed with pandas or DuckDB.
    """


@main.command()
@click.argument("input_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("output_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes to run in parallel (one per core is a good choice).")
@click.option("--force", is_flag=True, help="Process every input again, even those unchanged since the last run.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any input failed.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="`local`: a process pool on this machine; `dask`: a dask.distributed cluster.")
@click.option("--scheduler", metavar="ADDRESS",
              help="With --engine dask: the scheduler address (tcp://host:8786); "
                   "without it a local cluster is started.")
@click.option("--file-timeout", type=click.FloatRange(min=0), default=300, show_default=True, metavar="SECONDS",
              help="A file still processing after this long fails (0: no limit); the run goes on.")
@click.option("--file-memory", type=click.IntRange(min=0), default=4096, show_default=True, metavar="MB",
              help="A file needing more memory than this fails (0: no limit); the run goes on.")
@click.option("--dask-timeout", type=click.FloatRange(min=0), default=60, show_default=True, metavar="SECONDS",
              help="With --engine dask: how long to wait for the cluster to have a worker.")
def extract(input_dir: Path, output_dir: Path, workers: int, force: bool, strict: bool,
            engine: str, scheduler: str | None, file_timeout: float, file_memory: int, dask_timeout: float) -> None:
    """Extract every report under INPUT_DIR (recursively) into parquet tables in OUTPUT_DIR.

    Reads .txt in any common encoding (UTF-8/16, GB18030/GBK, Big5), .html,
    .docx and .pdf. Writes documents, sections, sentences, indicators, themes,
    manifest and the derived panel and theme-share tables (.parquet). A file that cannot be read is reported on stderr and in the
    manifest; the run goes on. Tables are replaced only when the run completes.
    Inputs unchanged since the last run into OUTPUT_DIR are not processed again.
    """
    from tqdm import tqdm

    from pipeline.pool import Budget
    from pipeline.run import EngineUnavailable, discover, local_engine, run_extract
    from pipeline.writer import OutputBusy

    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler goes with --engine dask")
    budget = Budget(seconds=file_timeout, memory_mb=file_memory)
    if engine == "dask":
        from pipeline.distributed import dask_engine
        chosen = dask_engine(scheduler, budget=budget, worker_timeout=dask_timeout)
    else:
        chosen = local_engine(workers, budget)
    total = len(discover(input_dir))
    with tqdm(total=total, unit="file", disable=None, file=sys.stderr, desc="extract") as bar:
        try:
            summary = run_extract(input_dir, output_dir, force=force, engine=chosen,
                                  on_file=lambda _: bar.update())
        except (OutputBusy, EngineUnavailable) as exc:
            raise click.ClickException(str(exc))
    click.echo(summary.line(output_dir))
    if strict and summary.failed:
        sys.exit(1)


@main.command()
@click.argument("text_or_file")
def indicators(text_or_file: str) -> None:
    """Show the indicator mentions found in a passage or a text file.

    TEXT_OR_FILE is a path to a report or the passage itself, e.g.
    policymine indicators "全年新增养老机构床位3182张，发放临时救助资金1907万元。"
    """
    from extractors.indicators import mentions_in_text
    from pipeline.readers import decode_bytes

    path = Path(text_or_file)
    text = decode_bytes(path.read_bytes()) if len(text_or_file) < 4096 and path.is_file() else text_or_file
    mentions = mentions_in_text(text)
    if not mentions:
        click.echo("no indicator mentions found")
        return
    columns = ["surface", "value", "unit", "qualifier", "subject", "status", "period", "theme", "indicator_code"]
    rows = [[_cell(getattr(m, c)) for c in columns] for m in mentions]
    widths = [max(_width(c), *(_width(r[i]) for r in rows)) for i, c in enumerate(columns)]
    click.echo("  ".join(_pad(c, w) for c, w in zip(columns, widths)))
    for row in rows:
        click.echo("  ".join(_pad(v, w) for v, w in zip(row, widths)))


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    return str(value)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@main.command()
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON lines, each with a `text` field; other fields are kept.")
@click.option("--output", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the tagged JSON lines.")
@click.option("--explain", is_flag=True, help="Add each label's score and the terms that fired.")
def tag(input_path: Path, output_path: Path, explain: bool) -> None:
    """Tag sentences with policy themes (multi-label, most relevant first).

    Lines of one `doc` are read in order, so headings give context to the
    sentences under them. Each output line gains a `themes` list.
    """
    from extractors.themes import tag_records

    def records():
        with open(input_path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise click.ClickException(f"{input_path}:{number}: not a JSON line ({exc.msg})")

    temporary = output_path.with_name(f".{output_path.name}.tmp")
    count = 0
    with open(temporary, "w", encoding="utf-8") as out:
        for record in tag_records(records(), explain=explain):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    os.replace(temporary, output_path)
    click.echo(f"tagged {count} lines → {output_path}")


@main.command()
@click.argument("output_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "formats", type=click.Choice(["csv", "xlsx", "duckdb"]), multiple=True, required=True,
              help="csv: one UTF-8 file per table (with BOM, for Excel); xlsx: one workbook, a sheet per "
                   "table; duckdb: one database with the tables and the views panel_wide, "
                   "panel_wide_target and indicator_evidence. Repeat to write several.")
@click.option("--to", "destination", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write into.  [default: OUTPUT_DIR/exports]")
@click.option("--chinese-headers", is_flag=True,
              help="Chinese column headings (and sheet names) in csv and xlsx, from lexicons/column_names_zh.yaml.")
def export(output_dir: Path, formats: tuple[str, ...], destination: Path | None, chinese_headers: bool) -> None:
    """Export the tables in OUTPUT_DIR (written by `policymine extract`) for spreadsheets and SQL.

    List and struct columns become JSON text in csv and xlsx; text longer than
    an Excel cell holds is cut there, with a note on the README sheet. Every
    file is written to a temporary name and moved into place when complete.

    Example: policymine export --format xlsx --format duckdb data/processed
    """
    from pipeline.export import export as write_exports
    from pipeline.tables import TablesMissing

    if chinese_headers and "duckdb" in formats:
        raise click.UsageError("--chinese-headers applies to csv and xlsx; the duckdb tables keep the "
                               "column names of docs/schema.md so that queries and views work.")
    try:
        written = write_exports(output_dir, list(dict.fromkeys(formats)), destination, chinese_headers)
    except TablesMissing as exc:
        raise click.ClickException(str(exc))
    for path in written:
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    main()
