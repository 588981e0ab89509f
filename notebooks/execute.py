"""Run the notebooks headless: `python notebooks/execute.py [--in-place] [NOTEBOOK ...]`.

`make notebooks` runs this with --in-place after `make extract`, so the
notebooks in the repository show their outputs on the sample corpus. The
notebooks read $POLICYMINE_PROCESSED (default data/processed) and save their
figures to $POLICYMINE_FIGURES (default notebooks/figures); the kernel inherits
both from this process.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS_DIR = Path(__file__).resolve().parent


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path, timeout: int = 600) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    # No timing metadata: the same data gives the same notebook file, so re-running adds no diff.
    NotebookClient(notebook, kernel_name="python3", timeout=timeout, record_timing=False,
                   resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}).execute()
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks to run (default: all of notebooks/NN_*.ipynb)")
    parser.add_argument("--in-place", action="store_true", help="save each notebook with its outputs")
    args = parser.parse_args(argv)
    for path in args.paths or notebooks():
        try:
            notebook = execute(path)
        except CellExecutionError as error:
            print(f"{path.name}: a cell failed\n{error}", file=sys.stderr)
            return 1
        if args.in_place:
            nbformat.write(notebook, path)
        print(f"ran {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
