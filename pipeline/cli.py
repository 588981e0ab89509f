"""The `policymine` command line.

Each command imports what it uses when it runs, so that `policymine --help` and a
one-sentence `policymine indicators` start quickly. Exit status: 0 done; 1 some
inputs failed (with --strict) or a table is missing; 2 a bad option; 3 the input
path does not exist; 4 no report in the input folder; 5 no input could be read;
6 the output folder cannot be written; 7 an optional dependency group is missing;
70 an internal error (a bug: the trace is printed, please report it).
"""
from __future__ import annotations

import functools
import json
import logging
import os
import sys
import traceback
from pathlib import Path

import click

from pipeline import errors

log = logging.getLogger("policymine")


class _ClickHandler(logging.Handler):
    """Log records to the current stderr (which click's test runner swaps per call)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # logging must never end the run
            self.handleError(record)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        return f"policymine: {message}" if record.levelno >= logging.WARNING else message


def configure_logging(verbose: bool, quiet: bool) -> None:
    """--verbose: every file as it is done; default: warnings (failed files) and the summary;
    --quiet: errors only."""
    if verbose and quiet:
        raise click.UsageError("--verbose and --quiet contradict each other")
    log.handlers = [handler for handler in log.handlers if not isinstance(handler, _ClickHandler)]
    handler = _ClickHandler()
    handler.setFormatter(_Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO)
    log.propagate = False  # the command line owns the output: no second copy through the root logger


def verbosity_options(command):
    """--verbose / --quiet on a command; logging is set up before the command runs."""
    @click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
    @click.option("--verbose", "-v", is_flag=True, help="Also log each file as it is done.")
    @functools.wraps(command)
    def with_logging(*args, verbose: bool, quiet: bool, **kwargs):
        configure_logging(verbose, quiet)
        return command(*args, **kwargs)

    return with_logging


def _quiet() -> bool:
    return log.getEffectiveLevel() > logging.INFO


class Policymine(click.Group):
    """Predictable conditions end in one line and their own exit status; a bug is reported as one."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except errors.PolicymineError as exc:
            click.echo(f"policymine: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as other tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            click.echo(f"policymine: internal error, a bug in policymine (please report it with the trace "
                       f"above): {type(exc).__name__}: {exc}", err=True)
            ctx.exit(errors.INTERNAL_ERROR)


@click.group(cls=Policymine, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policymine")
def main() -> None:
    """policymine turns Chinese civil-affairs bureau reports (民政局 工作总结/要点/报告)
    into tables: documents, sections, sentences, indicator mentions and themes.

    Start with `policymine extract data/raw data/processed`, then open the parquet
    files in data/processed with pandas or DuckDB, or `policymine review data/processed`
    to see every figure in its text.

    \b
    Exit status: 0 done; 1 inputs failed (--strict) or tables missing; 2 bad usage;
    3 no such input; 4 no report in the folder; 5 nothing readable; 6 output not
    writable; 7 optional dependencies missing; 8 another run is writing into the output
    folder; 9 the Dask cluster has no worker; 10 the derived tables need a larger
    POLICYMINE_DUCKDB_MEMORY; 70 internal error (a bug).
    """


@main.command()
@click.argument("input_dir", type=click.Path(path_type=Path))
@click.argument("output_dir", type=click.Path(path_type=Path))
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
@verbosity_options
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

    from pipeline import api
    from pipeline.schema import convert_without_pandas

    convert_without_pandas()  # this process builds tables from plain values only
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler goes with --engine dask")
    api.check_input_dir(input_dir)
    from pipeline.run import discover

    total = len(discover(input_dir))  # the run reports every entry it meets, reports or not

    def done(result) -> None:
        bar.update()
        row = result.manifest
        log.debug("%s: %s%s (%.2fs)", row["source_file"], row["status"],
                  f", {row['error']}" if row["error"] else "", row["seconds"])

    with tqdm(total=total, unit="file", disable=True if _quiet() else None, file=sys.stderr,
              desc="extract") as bar:
        report = api.extract(input_dir, output_dir, workers=workers, force=force, engine=engine,
                             scheduler=scheduler, on_file=done, file_timeout=file_timeout,
                             file_memory=file_memory, dask_timeout=dask_timeout)
    if not _quiet():
        click.echo(str(report))
    if strict and report.failed:
        sys.exit(errors.SOME_INPUTS_FAILED)


@main.command()
@click.argument("text_or_file")
@verbosity_options
def indicators(text_or_file: str) -> None:
    """Show the indicator mentions found in a passage or in one report file.

    TEXT_OR_FILE is the passage itself, e.g.
    policymine indicators "全年新增养老机构床位3182张，发放临时救助资金1907万元。"
    or a report file (.txt in any encoding, .html, .docx, .pdf), read and processed as
    `extract` does, so that its figures get the report's periods and place.
    """
    from pipeline.api import indicator_rows

    rows = indicator_rows(text_or_file)
    if not rows:
        click.echo("no indicator mentions found")
        return
    columns = ["surface", "value", "unit", "qualifier", "subject", "status", "period", "theme", "indicator_code"]
    cells = [[_cell(row[c]) for c in columns] for row in rows]
    widths = [max(_width(c), *(_width(r[i]) for r in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(_pad(c, w) for c, w in zip(columns, widths)).rstrip())
    for row in cells:
        click.echo("  ".join(_pad(v, w) for v, w in zip(row, widths)).rstrip())


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
@click.option("--input", "input_path", required=True, type=click.Path(path_type=Path),
              help="JSON lines, each with a `text` field; other fields are kept.")
@click.option("--output", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the tagged JSON lines.")
@click.option("--explain", is_flag=True, help="Add each label's score and the terms that fired.")
@verbosity_options
def tag(input_path: Path, output_path: Path, explain: bool) -> None:
    """Tag sentences with policy themes (multi-label, most relevant first).

    Lines of one `doc` are read in order, so headings give context to the
    sentences under them. Each output line gains a `themes` list.
    """
    from extractors.themes import tag_records
    from pipeline.api import check_output_dir

    if not input_path.is_file():
        raise errors.InputNotFound(f"no such file: {input_path}")
    check_output_dir(output_path.parent)

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
    log.info("tagged %d lines → %s", count, output_path)


@main.command()
@click.argument("output_dir", type=click.Path(path_type=Path))
@click.option("--format", "formats", type=click.Choice(["csv", "xlsx", "duckdb"]), multiple=True, required=True,
              help="csv: one UTF-8 file per table (with BOM, for Excel); xlsx: one workbook, a sheet per "
                   "table; duckdb: one database with the tables and the views panel_wide, "
                   "panel_wide_target and indicator_evidence. Repeat to write several.")
@click.option("--to", "destination", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write into.  [default: OUTPUT_DIR/exports]")
@click.option("--chinese-headers", is_flag=True,
              help="Chinese column headings (and sheet names) in csv and xlsx, from lexicons/column_names_zh.yaml.")
@verbosity_options
def export(output_dir: Path, formats: tuple[str, ...], destination: Path | None, chinese_headers: bool) -> None:
    """Export the tables in OUTPUT_DIR (written by `policymine extract`) for spreadsheets and SQL.

    List and struct columns become JSON text in csv and xlsx; text longer than
    an Excel cell holds is cut there, with a note on the README sheet. Every
    file is written to a temporary name and moved into place when complete.

    Example: policymine export --format xlsx --format duckdb data/processed
    """
    from pipeline.api import check_output_dir
    from pipeline.export import export as write_exports

    if chinese_headers and "duckdb" in formats:
        raise click.UsageError("--chinese-headers applies to csv and xlsx; the duckdb tables keep the "
                               "column names of docs/schema.md so that queries and views work.")
    _require_tables(output_dir)
    destination_dir = destination or output_dir / "exports"
    check_output_dir(destination_dir if destination_dir.exists() else destination_dir.parent)
    written = write_exports(output_dir, list(dict.fromkeys(formats)), destination, chinese_headers)
    for path in written:
        log.info("wrote %s", path)


@main.command()
@click.argument("output_dir", type=click.Path(path_type=Path))
@click.option("--doc", "doc_ids", metavar="DOC_ID", multiple=True,
              help="Only this report (its doc_id, or a unique prefix of it). Repeat for several.")
@click.option("--region", "region_code", metavar="CODE", help="Only the reports of this place (GB/T 2260 code).")
@click.option("--out", "destination", type=click.Path(path_type=Path), default=None,
              help="Folder to write the pages into.  [default: OUTPUT_DIR/review]")
@verbosity_options
def review(output_dir: Path, doc_ids: tuple[str, ...], region_code: str | None, destination: Path | None) -> None:
    """Write HTML pages to check the figures by eye: one per report, every extracted figure
    highlighted in its text (value, unit, status, period and code on hover), and an index
    that links each cell of the panel to the sentence it comes from.

    The pages are self-contained (nothing is fetched from the internet): open
    OUTPUT_DIR/review/index.html in a browser.
    """
    from pipeline.api import check_output_dir
    from pipeline.review import write_review

    _require_tables(output_dir)
    destination = destination or output_dir / "review"
    check_output_dir(destination if destination.exists() else destination.parent)
    written = write_review(output_dir, doc_ids=list(doc_ids) or None, region_code=region_code,
                           destination=destination)
    log.info("wrote %d report pages → %s", len(written) - 1, written[0])


def _require_tables(output_dir: Path) -> None:
    from pipeline.tables import TablesMissing, require_tables

    try:
        require_tables(output_dir)
    except TablesMissing as exc:
        raise errors.TablesNotFound(str(exc)) from None

