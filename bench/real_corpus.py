"""A benchmark corpus of N documents of real government text, from a folder of .txt reports.

The folder's reports are taken in turn until there are N; each copy gets a first line of its own
(「第K份」), so that no two files have the same bytes and the run reads every one instead of
recording later copies as the same bytes as an earlier file. The text a run processes is
therefore real prose, figures and outlines, not generated recombinations.

    python bench/real_corpus.py ../shared/corpus/gwr OUT_DIR --documents 400
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path


def build(source: Path, out_dir: Path, documents: int) -> int:
    """Write `documents` files to `out_dir`; the number of characters written."""
    reports = sorted(source.glob("*.txt"))
    if not reports:
        raise SystemExit(f"no .txt files in {source}")
    texts = [path.read_text(encoding="utf-8") for path in reports]
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    characters = 0
    for number in range(documents):
        text = f"第{number + 1}份\n{texts[number % len(texts)]}"
        (out_dir / f"real_{number:06d}.txt").write_text(text, encoding="utf-8")
        characters += len(text)
    return characters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="a folder of UTF-8 .txt reports")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--documents", type=int, default=400)
    args = parser.parse_args()
    characters = build(args.source, args.out_dir, args.documents)
    print(f"{args.documents} documents, {characters:,} characters → {args.out_dir}")


if __name__ == "__main__":
    main()
